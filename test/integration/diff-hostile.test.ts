// Given a container tree built to hurt a forensic tool, the diff indexes, compares and browses it safely and boundedly.
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiffEntry } from '../../src/forensics/common/diff-model.js';
import { TEST_IMAGES } from '../support/docker-cli.js';
import { call, removeScene, stageScene, type Scene } from './diff-rig.js';

const GIB = 1024 * 1024 * 1024;
const LONG_NAME = 'n'.repeat(250);
const DEEP = 200;

const HOSTILE_TREE = [
  'set -e',
  'mkdir -p /h && cd /h',
  'touch "$(printf \'esc\\033]0;pwned\\007\')"',
  'touch "$(printf \'line1\\nline2\')"',
  "touch '<img src=x onerror=alert(1)>'",
  'touch "$(printf \'\\342\\200\\256txt.sh\')"',
  'touch "$(printf \'bad\\377\\376\')"',
  'ln -s /etc/shadow abs-link',
  'ln -s ../../../../etc/passwd rel-link',
  'echo shared > a && ln a b',
  'mkfifo fifo',
  'mknod blk b 7 0',
  'truncate -s 1G sparse',
  `p=/h/deep; i=0; while [ $i -lt ${DEEP} ]; do p=$p/d; i=$((i+1)); done; mkdir -p $p`,
  'mkdir /h/many; i=0; while [ $i -lt 50000 ]; do : > /h/many/f$i; i=$((i+1)); done',
  `touch /h/${LONG_NAME}`,
].join('\n');

const b64 = (latin1: string) => Buffer.from(latin1, 'latin1').toString('base64');

/** SHA-256 of n zero bytes, computed here in 1 MiB steps (what the sparse file's content is once exported). */
function zerosSha256(bytes: number): string {
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(1024 * 1024);
  for (let done = 0; done < bytes; done += chunk.length) hash.update(chunk);
  return hash.digest('hex');
}

describe('diff of a hostile container tree', () => {
  let scene: Scene | undefined;
  const entries: DiffEntry[] = [];
  let rssGrowth = 0;

  beforeAll(async () => {
    scene = await stageScene('hostile', TEST_IMAGES.busybox, HOSTILE_TREE);
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
    try {
      await scene.service.diff({ caseDir: scene.caseDir, rebuild: false }, call());
    } finally {
      clearInterval(sampler);
    }
    rssGrowth = peak - before;
    const page = await scene.service.diffEntries(
      { caseDir: scene.caseDir, changes: ['added'], underBase64: b64('h'), offset: 0, limit: 1 },
      call(),
    );
    // 5 odd names, 2 symlinks, a hardlinked pair, a fifo and a device, the sparse file, the deep chain, the big folder.
    expect(page.total).toBe(5 + 2 + 2 + 2 + 1 + (1 + DEEP) + (1 + 50_000) + 1);
    for (let offset: number | undefined = 0; offset !== undefined;) {
      const next = await scene.service.diffEntries(
        { caseDir: scene.caseDir, underBase64: b64('h'), offset, limit: 5000 },
        call(),
      );
      entries.push(...next.entries);
      offset = next.nextOffset;
    }
  }, 600_000);
  afterAll(async () => removeScene(scene));

  const entry = (path: string) => entries.find((candidate) => candidate.path === path);

  it('then memory stays bounded: indexing and diffing a 1 GiB file and 50,000 names did not hold them in memory', () => {
    expect(rssGrowth).toBeLessThan(512 * 1024 * 1024);
  });

  it('then every hostile name is escaped for display, with its raw bytes when it is not printable UTF-8', () => {
    const shown = entries
      .map((e) => [e.path, e.pathBase64])
      .filter(([path]) => !String(path).startsWith('h/many') && !String(path).startsWith('h/deep'));
    expect(shown).toEqual([
      ['h/<img src=x onerror=alert(1)>', undefined],
      ['h/a', undefined],
      ['h/abs-link', undefined],
      ['h/b', undefined],
      ['h/bad\\xff\\xfe', b64('h/bad\xff\xfe')],
      ['h/blk', undefined],
      ['h/esc\\x1b]0;pwned\\x07', b64('h/esc\x1b]0;pwned\x07')],
      ['h/fifo', undefined],
      ['h/line1\\nline2', b64('h/line1\nline2')],
      [`h/${LONG_NAME}`, undefined],
      ['h/rel-link', undefined],
      ['h/sparse', undefined],
      ['h/\\u{202e}txt.sh', b64('h/\xe2\x80\xaetxt.sh')],
    ]);
    for (const e of entries) expect(e.path).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
  });

  it('then links, devices and fifos are recorded as what they are and never followed', async () => {
    expect(entry('h/abs-link')?.after).toMatchObject({ type: 'symlink', linkTarget: '/etc/shadow' });
    expect(entry('h/rel-link')?.after).toMatchObject({ type: 'symlink', linkTarget: '../../../../etc/passwd' });
    expect(entry('h/b')?.after).toMatchObject({ type: 'hardlink', linkTarget: 'h/a', size: 7 });
    expect(entry('h/fifo')?.after).toMatchObject({ type: 'fifo' });
    expect(entry('h/blk')?.after).toMatchObject({ type: 'block', devMajor: 7, devMinor: 0 });
    for (const link of ['h/abs-link', 'h/rel-link']) {
      await expect(
        scene!.service.readFile(
          { caseDir: scene!.caseDir, side: 'container', pathBase64: b64(link), offset: 0, length: 64 },
          call(),
        ),
      ).rejects.toThrow(/symbolic link: HoldCell shows its target and never follows it/);
    }
    const shared = await scene!.service.readFile(
      { caseDir: scene!.caseDir, side: 'container', pathBase64: b64('h/b'), offset: 0, length: 64 },
      call(),
    );
    expect(Buffer.from(shared.base64, 'base64').toString()).toBe('shared\n');
  });

  it('then the 1 GiB sparse file is hashed as its exported zeros, read back in capped slices anywhere in it', async () => {
    const sparse = entry('h/sparse');
    expect(sparse?.after).toMatchObject({ type: 'file', size: GIB, sha256: zerosSha256(GIB) });
    expect(sparse?.findings).toEqual([]);
    const tail = await scene!.service.readFile(
      { caseDir: scene!.caseDir, side: 'container', pathBase64: b64('h/sparse'), offset: GIB - 10, length: 262144 },
      call(),
    );
    expect(tail).toMatchObject({ offset: GIB - 10, totalBytes: GIB, truncated: false });
    expect(Buffer.from(tail.base64, 'base64')).toEqual(Buffer.alloc(10));
  });

  it('then 200-level nesting and a 50,000-name folder are browsed page by page', async () => {
    let deepest = 'h/deep';
    for (let level = 0; level < DEEP; level += 1) deepest += '/d';
    const last = await scene!.service.listDirectory(
      { caseDir: scene!.caseDir, side: 'container', pathBase64: b64(deepest.slice(0, -2)), offset: 0, limit: 10 },
      call(),
    );
    expect(last.entries.map((child) => [child.name, child.change, child.meta.type])).toEqual([['d', 'added', 'dir']]);
    const first = await scene!.service.listDirectory(
      { caseDir: scene!.caseDir, side: 'container', pathBase64: b64('h/many'), offset: 0, limit: 5000 },
      call(),
    );
    expect(first).toMatchObject({ total: 50_000, nextOffset: 5000 });
    const end = await scene!.service.listDirectory(
      { caseDir: scene!.caseDir, side: 'container', pathBase64: b64('h/many'), offset: 49_990, limit: 5000 },
      call(),
    );
    expect(end.entries).toHaveLength(10);
    expect(end.nextOffset).toBeUndefined();
    const names = [...first.entries, ...end.entries].map((child) => child.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('then the case folder holds only the case documents, the evidence and the analysis: nothing was extracted', async () => {
    expect((await readdir(scene!.caseDir)).sort()).toEqual([
      'analysis',
      'annotations.jsonl',
      'case.json',
      'custody.jsonl',
      'evidence',
      'manifest.json',
    ]);
    const analysis = (await readdir(join(scene!.caseDir, 'analysis'))).sort();
    expect(analysis).toEqual(
      [
        'diff.json',
        ...scene!.snapshot.items
          .filter((item) => item.format === 'tar' && ['filesystem-export', 'image-save'].includes(item.kind))
          .map((item) => `index-${item.id}.jsonl`),
      ].sort(),
    );
    expect((await readdir(join(scene!.caseDir, 'evidence'))).sort()).toEqual(
      scene!.snapshot.items.map((item) => item.path.slice('evidence/'.length)).sort(),
    );
  });
});
