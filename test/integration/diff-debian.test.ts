// Given a Debian minbase container an intruder worked in, the diff names every change, its package, layer and finding.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiffEntry } from '../../src/forensics/common/diff-model.js';
import { docker, TEST_IMAGES } from '../support/docker-cli.js';
import { call, removeScene, stageScene, type Scene } from './diff-rig.js';
import { readCustody } from './snapshot-rig.js';

/** What the intruder did, one step per line (ld.so.preload last: it makes every later program complain). */
const INTRUSION = [
  'set -e',
  "mkdir -p /tmp/.x && printf 'xmrig' > /tmp/.x/miner && chmod +x /tmp/.x/miner",
  "echo 'toor:x:0:0::/root:/bin/sh' >> /etc/passwd",
  "mkdir -p /root/.ssh && echo 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl attacker@evil' > /root/.ssh/authorized_keys",
  'rm /var/log/dpkg.log',
  "printf 'X' >> /usr/bin/dpkg-query && touch -d '2020-01-01 00:00:00' /usr/bin/dpkg-query",
  'echo 13.0 > /etc/debian_version',
  "echo '* * * * * root /tmp/.x/miner' > /etc/cron.d/job",
  'mkdir -p /var/www/html && echo \'<?php system($_GET["c"]); ?>\' > /var/www/html/x.php',
  'head -c 2097152 /dev/urandom > /srv/blob.bin',
  'cp /usr/bin/sleep /var/tmp/kthreadd',
  'echo /tmp/.x/libhook.so > /etc/ld.so.preload',
].join('\n');

const byPath = (entries: readonly DiffEntry[]) => new Map(entries.map((entry) => [entry.path, entry]));
const rules = (entry: DiffEntry | undefined) => entry?.findings.map((finding) => finding.rule);

describe('diff of a Debian container after an intrusion', () => {
  let scene: Scene | undefined;
  let entries: DiffEntry[] = [];
  let diffId = '';

  beforeAll(async () => {
    scene = await stageScene('debian', TEST_IMAGES.debian, INTRUSION);
    await scene.service.diff({ caseDir: scene.caseDir, rebuild: false }, call());
    const page = await scene.service.diffEntries({ caseDir: scene.caseDir, offset: 0, limit: 5000 }, call());
    entries = page.entries;
    diffId =
      (
        JSON.parse(await docker(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', TEST_IMAGES.debian])) as string[]
      )[0] ?? '';
  }, 240_000);
  afterAll(async () => removeScene(scene));

  it('then the entries are exactly the intruder’s changes, in path order, each with its kind', () => {
    expect(entries.map((entry) => [entry.path, entry.change])).toEqual([
      ['etc/cron.d/job', 'added'],
      ['etc/debian_version', 'modified'],
      ['etc/ld.so.preload', 'added'],
      ['etc/passwd', 'modified'],
      ['root/.ssh', 'added'],
      ['root/.ssh/authorized_keys', 'added'],
      ['srv/blob.bin', 'added'],
      ['tmp/.x', 'added'],
      ['tmp/.x/miner', 'added'],
      ['usr/bin/dpkg-query', 'modified'],
      ['var/log/dpkg.log', 'deleted'],
      ['var/tmp/kthreadd', 'added'],
      ['var/www', 'added'],
      ['var/www/html', 'added'],
      ['var/www/html/x.php', 'added'],
    ]);
  });

  it('then what Docker itself made (init layer) is listed apart and not counted', async () => {
    const report = await scene!.service.report(scene!.caseDir, {
      rebuild: false,
      signal: new AbortController().signal,
    });
    expect(report.runtime.map((item) => [item.path, item.change, item.reason])).toEqual([
      ['.dockerenv', 'added', 'docker-init'],
      ['dev/console', 'added', 'docker-init'],
      ['dev/pts', 'added', 'docker-init'],
      ['dev/shm', 'added', 'docker-init'],
      ['etc/hostname', 'modified', 'docker-init'],
      ['etc/hosts', 'added', 'docker-init'],
      ['etc/mtab', 'added', 'docker-init'],
      ['etc/resolv.conf', 'metadata', 'docker-init'],
    ]);
    expect(report.summary.counts).toEqual({ added: 11, deleted: 1, modified: 3, metadata: 0, type: 0 });
  });

  it('then both sides are in every entry: hashes and sizes as sha256sum and the image would have them', () => {
    const query = byPath(entries).get('usr/bin/dpkg-query');
    expect(query?.before).toMatchObject({ type: 'file', mode: 0o755, size: 162384 });
    expect(query?.after).toMatchObject({ type: 'file', mode: 0o755, size: 162385, mtime: '2020-01-01T00:00:00Z' });
    expect(query?.before?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(query?.after?.sha256).not.toBe(query?.before?.sha256);
    const log = byPath(entries).get('var/log/dpkg.log');
    expect(log?.after).toBeUndefined();
    expect(log?.before).toMatchObject({ type: 'file' });
    const miner = byPath(entries).get('tmp/.x/miner');
    expect(miner?.before).toBeUndefined();
    expect(miner?.after).toMatchObject({ type: 'file', mode: 0o755, size: 5 });
  });

  it('then every original file is attributed to the single layer of the image, by its diff_id', () => {
    for (const entry of entries) {
      if (entry.change === 'added') expect(entry.layer, entry.path).toBeUndefined();
      else expect(entry.layer, entry.path).toEqual({ index: 0, digest: diffId });
    }
  });

  it('then dpkg attributes the package files and flags the tampered binary; the conffile edit is told apart', () => {
    const map = byPath(entries);
    expect(map.get('usr/bin/dpkg-query')?.package).toMatchObject({
      manager: 'dpkg',
      name: 'dpkg',
      expectedChecksum: '6c95c4ed7a600d1b74846686c244c09a',
      tampered: true,
    });
    expect(map.get('etc/debian_version')?.package).toMatchObject({
      manager: 'dpkg',
      name: 'base-files',
      expectedChecksum: 'da9f3e5a56d6162ea9d5feed57fbf349',
      tampered: true,
      conffile: true,
    });
    expect(map.get('usr/bin/dpkg-query')?.package?.conffile).toBeUndefined();
    expect(map.get('etc/passwd')?.package).toBeUndefined();
    expect(map.get('tmp/.x/miner')?.package).toBeUndefined();
  });

  it('then each suspicious change carries exactly its findings, most severe first, with ATT&CK ids', () => {
    const map = byPath(entries);
    expect(Object.fromEntries(entries.map((entry) => [entry.path, rules(entry)]))).toEqual({
      'etc/cron.d/job': ['cron-persistence'],
      'etc/debian_version': ['package-conffile-changed'],
      'etc/ld.so.preload': ['ld-so-preload'],
      'etc/passwd': ['new-uid0-account', 'account-files-changed'],
      'root/.ssh': [],
      'root/.ssh/authorized_keys': ['ssh-authorized-keys'],
      'srv/blob.bin': ['high-entropy-file'],
      'tmp/.x': [],
      'tmp/.x/miner': ['executable-in-temp', 'executable-in-hidden-dir'],
      'usr/bin/dpkg-query': ['package-file-tampered', 'timestomp'],
      'var/log/dpkg.log': ['log-deleted'],
      'var/tmp/kthreadd': ['executable-in-temp', 'kernel-thread-name'],
      'var/www': [],
      'var/www/html': [],
      'var/www/html/x.php': ['web-shell'],
    });
    expect(map.get('etc/ld.so.preload')?.findings[0]).toMatchObject({ severity: 'critical', attack: 'T1574.006' });
    expect(map.get('etc/passwd')?.findings[0]).toMatchObject({ severity: 'critical', attack: 'T1136.001' });
    expect(map.get('etc/passwd')?.findings[0]?.detail).toContain('toor');
    expect(map.get('usr/bin/dpkg-query')?.findings.map((f) => f.attack)).toEqual(['T1554', 'T1070.006']);
  });

  it('then the summary names the container, its creation time, the image, dpkg and the evidence hashes it used', async () => {
    const summary = await scene!.service.diff({ caseDir: scene!.caseDir, rebuild: false }, call());
    expect(summary.containerId).toBe(scene!.containerId);
    expect(summary.containerCreated).toBe(scene!.created);
    expect(summary.imageId).toBe((await docker(['image', 'inspect', '-f', '{{.Id}}', TEST_IMAGES.debian])).trim());
    expect(summary.layers).toEqual([{ index: 0, digest: diffId }]);
    expect(summary.packageManagers).toEqual(['dpkg']);
    const used = new Set(summary.sources.map((source) => source.itemId));
    for (const item of scene!.snapshot.items.filter((i) => ['filesystem-export', 'image-save'].includes(i.kind))) {
      expect(used.has(item.id), item.id).toBe(true);
      expect(summary.sources.find((source) => source.itemId === item.id)?.sha256).toBe(item.sha256);
    }
    expect(summary.findings.byRule['new-uid0-account']).toBe(1);
    expect(summary.problems).toEqual([]);
  });

  it('then custody records that the diff was computed, from which items, and the hash of what it wrote', async () => {
    const records = (await readCustody(scene!.caseDir)).filter((record) => record.action === 'analysis.diff');
    expect(records).toHaveLength(1);
    const written = await readFile(join(scene!.caseDir, 'analysis', 'diff.json'));
    const { createHash } = await import('node:crypto');
    expect(records[0]?.sha256).toBe(createHash('sha256').update(written).digest('hex'));
    expect(records[0]?.params['sources']).toEqual(
      (await scene!.service.diff({ caseDir: scene!.caseDir, rebuild: false }, call())).sources,
    );
  });

  it('given a rebuild from the evidence, then every analysis file is byte-identical and custody gains one record', async () => {
    const dir = join(scene!.caseDir, 'analysis');
    const snapshotFiles = async () =>
      Object.fromEntries(
        await Promise.all(
          (await readdir(dir)).sort().map(async (name) => [name, await readFile(join(dir, name))] as const),
        ),
      );
    const before = await snapshotFiles();
    await scene!.service.diff({ caseDir: scene!.caseDir, rebuild: true }, call());
    const after = await snapshotFiles();
    expect(Object.keys(after)).toEqual(Object.keys(before));
    expect(Object.keys(before)).toContain('diff.json');
    for (const name of Object.keys(before)) expect(after[name]?.equals(before[name] as Buffer), name).toBe(true);
    const records = (await readCustody(scene!.caseDir)).filter((record) => record.action === 'analysis.diff');
    expect(records.map((record) => record.params['rebuild'])).toEqual([false, true]);
  });

  it('given the evidence browser, then a folder lists both sides with changes marked and a file reads back exactly', async () => {
    const service = scene!.service;
    const etc = Buffer.from('etc').toString('base64');
    const container = await service.listDirectory(
      { caseDir: scene!.caseDir, side: 'container', pathBase64: etc, offset: 0, limit: 5000 },
      call(),
    );
    const names = container.entries.map((entry) => entry.name);
    expect(names).toContain('ld.so.preload');
    expect(container.entries.find((entry) => entry.name === 'passwd')?.change).toBe('modified');
    expect(container.entries.find((entry) => entry.name === 'hosts')?.change).toBeUndefined();
    const image = await service.listDirectory(
      { caseDir: scene!.caseDir, side: 'image', pathBase64: etc, offset: 0, limit: 5000 },
      call(),
    );
    expect(image.entries.map((entry) => entry.name)).not.toContain('ld.so.preload');
    expect([...names].sort()).toEqual(names);

    const passwd = Buffer.from('etc/passwd').toString('base64');
    const now = await service.readFile(
      { caseDir: scene!.caseDir, side: 'container', pathBase64: passwd, offset: 0, length: 65536 },
      call(),
    );
    const then = await service.readFile(
      { caseDir: scene!.caseDir, side: 'image', pathBase64: passwd, offset: 0, length: 65536 },
      call(),
    );
    const nowText = Buffer.from(now.base64, 'base64').toString('utf8');
    const thenText = Buffer.from(then.base64, 'base64').toString('utf8');
    expect(nowText).toBe(`${thenText}toor:x:0:0::/root:/bin/sh\n`);
    expect(now).toMatchObject({ offset: 0, totalBytes: Buffer.byteLength(nowText), truncated: false });
    const expected = await docker(['run', '--rm', '--network', 'none', TEST_IMAGES.debian, 'cat', '/etc/passwd']);
    expect(thenText).toBe(expected);

    const link = Buffer.from('bin').toString('base64');
    await expect(
      service.readFile({ caseDir: scene!.caseDir, side: 'image', pathBase64: link, offset: 0, length: 10 }, call()),
    ).rejects.toThrow(/symbolic link.*never follows/);
  });
});
