// The hostile tree: a real container full of traps is snapshotted into a case and indexed, under strace, safely.
//
// The container creates escape sequences, HTML, newlines and bidi overrides in names, invalid UTF-8, symlinks to
// host secrets (relative and absolute), a hardlink, a fifo, device nodes, a 1 GiB file (docker export writes it
// out as 1 GiB of zeros), 200 levels of folders, 50,000 files in one folder and a 250-byte name. The indexer runs
// in a child process under `strace -f`, so "nothing written outside the case, no link followed" is checked on
// the actual system calls, not on our own bookkeeping.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotResult } from '../../src/capture/common/containment.js';
import type { ManifestItem } from '../../src/forensics/common/case-model.js';
import { base64ToByteString, displayPath } from '../../src/forensics/common/display-path.js';
import { lastWins } from '../../src/forensics/common/tar-index-view.js';
import type { IndexEntry } from '../../src/forensics/common/tar-index-model.js';
import { readEntrySlice } from '../../src/forensics/node/evidence-file-reader.js';
import { loadEvidenceIndex, type EvidenceIndex } from '../../src/forensics/node/tar-index-store.js';
import { createTestContainer, docker, dockerSocketPath } from '../support/docker-cli.js';
import { gnuListing } from '../unit/tar-index-support.js';
import { makeAcquisition, removeEvidenceImages } from './snapshot-rig.js';

const GIB = 1024 * 1024 * 1024;

/** busybox sh: every trap of the hostile tree, created efficiently (50,000 files via seq | xargs touch). */
const SCRIPT = [
  'set -e',
  'mkdir -p /h && cd /h',
  `printf 'osc52\\n' > "$(printf 'esc\\033]52;c;SGVsbG8=\\007')"`,
  `printf 'html\\n' > '<img src=x onerror=alert(1)>'`,
  `printf 'nl\\n' > "$(printf 'new\\nline')"`,
  `printf 'bidi\\n' > "$(printf 'invoice\\342\\200\\256txt.exe')"`,
  `printf 'bytes\\n' > "$(printf 'bad\\377\\376utf8')"`,
  'ln -s ../../../../etc/shadow rel-shadow',
  'ln -s /etc/shadow abs-shadow',
  'echo secret > original && ln original hard',
  'mkfifo fifo',
  'mknod null-dev c 1 3',
  'mknod loop-dev b 7 0',
  'dd if=/dev/zero of=/h/big bs=1M seek=1023 count=1 2>/dev/null',
  'd=/h/deep; i=0; while [ $i -lt 200 ]; do d=$d/d; i=$((i+1)); done; mkdir -p $d && echo bottom > $d/bottom',
  'mkdir /h/many && cd /h/many && seq 1 50000 | xargs touch',
  `long=$(head -c 250 /dev/zero | tr '\\0' n); printf 'long\\n' > "/h/$long"`,
].join('\n');

const utf8 = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');
const HOSTILE = {
  escape: utf8('h/esc\u001b]52;c;SGVsbG8=\u0007'),
  html: 'h/<img src=x onerror=alert(1)>',
  newline: 'h/new\nline',
  bidi: utf8('h/invoice\u202etxt.exe'),
  invalid: `h/bad${String.fromCharCode(0xff, 0xfe)}utf8`,
  long: `h/${'n'.repeat(250)}`,
  deep: `h/deep/${Array(200).fill('d').join('/')}/bottom`,
};

interface ChildReport {
  rssBefore: number;
  maxRss: number;
  results: { itemId: string; kind: string; ms: number; saveProblem?: string }[];
}

let work: string;
let casesRoot: string;
let caseDir: string;
let canary: string;
let containerId: string | undefined;
let snapshot: SnapshotResult;
let report: ChildReport;
let straceLog: string[];
let exported: ManifestItem;
let exportIndex: IndexEntry[];
let canaryBefore: string;

function runProcess(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 240_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${stderr || error.message}`));
        else resolve(stdout);
      },
    );
  });
}

/** Every file in a folder with its SHA-256, as one string: any change to the canary tree changes it. */
async function treeDigest(dir: string): Promise<string> {
  const lines: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    lines.push(
      entry.isFile()
        ? `${full} ${createHash('sha256')
            .update(await readFile(full))
            .digest('hex')}`
        : full,
    );
  }
  return lines.sort().join('\n');
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'hc-hostile-'));
  casesRoot = path.join(work, 'cases');
  canary = path.join(work, 'canary');
  await mkdir(path.join(canary, 'etc'), { recursive: true });
  await writeFile(path.join(canary, 'etc', 'shadow'), 'canary-shadow\n');
  await writeFile(path.join(canary, 'README'), 'the indexer runs with this folder as its working directory\n');
  canaryBefore = await treeDigest(canary);

  containerId = await createTestContainer({
    name: 'hostile-tree',
    args: ['--network', 'none'],
    command: ['sh', '-c', SCRIPT],
  });
  await docker(['start', containerId]);
  const exit = (await docker(['wait', containerId], { timeoutMs: 120_000 })).trim();
  if (exit !== '0') throw new Error(`the hostile script failed (exit ${exit}): ${await docker(['logs', containerId])}`);

  const { acquisition } = makeAcquisition({ socketPath: dockerSocketPath(), casesRoot, idleTimeoutMs: 60_000 });
  caseDir = path.join(casesRoot, 'hostile');
  snapshot = await acquisition.snapshot(
    { ref: { engineId: 'default', container: containerId }, caseDir },
    { signal: new AbortController().signal, progress: () => undefined },
  );
  const found = snapshot.items.find((item) => item.kind === 'filesystem-export');
  if (found === undefined) throw new Error(`snapshot made no export: ${snapshot.summary}`);
  exported = found;

  const child = path.join(work, 'child.cjs');
  await build({
    entryPoints: [path.join(import.meta.dirname, 'tar-index-hostile-child.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: child,
    logLevel: 'silent',
  });
  const log = path.join(work, 'strace.log');
  const stdout = await runProcess(
    'strace',
    ['-f', '-qq', '-s', '4096', '-e', 'trace=%file', '-o', log, process.execPath, child, caseDir],
    canary,
  );
  report = JSON.parse(stdout) as ChildReport;
  straceLog = (await readFile(log, 'latin1')).split('\n').filter((line) => line !== '');
  const loaded = await loadEvidenceIndex(caseDir, exported);
  if (loaded?.kind !== 'tar') throw new Error('the child left no export index');
  exportIndex = loaded.index.entries;
}, 600_000);

afterAll(async () => {
  await removeEvidenceImages(containerId);
  if (containerId) await docker(['rm', '-f', containerId]).catch(() => undefined);
  if (work) await rm(work, { recursive: true, force: true });
}, 120_000);

/** The syscalls that change the filesystem, each with every path it names. */
const WRITING =
  /^(mkdir|mkdirat|rmdir|unlink|unlinkat|rename|renameat|renameat2|link|linkat|symlink|symlinkat|mknod|mknodat|chmod|fchmodat|chown|lchown|fchownat|utime|utimes|utimensat|futimesat|truncate|setxattr|lsetxattr|removexattr|lremovexattr|creat)$/;

function syscalls(): { name: string; paths: string[]; line: string }[] {
  return straceLog.flatMap((line) => {
    const match = /^\d+\s+([a-z0-9_]+)\((.*)$/.exec(line);
    if (match === null) return [];
    const [, name = '', rest = ''] = match;
    const paths = [...rest.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((found) => found[1] ?? '');
    return [{ name, paths, line }];
  });
}

describe('given a container whose filesystem is full of traps, snapshotted into a case', () => {
  it('then the snapshot kept everything: the export is complete and holds the 1 GiB file in full', () => {
    expect(exported.complete, snapshot.summary).toBe(true);
    expect(exported.bytes).toBeGreaterThan(GIB);
    expect(snapshot.items.some((item) => item.kind === 'image-save' && item.complete)).toBe(true);
  });

  it('when indexed in a child process under strace, then every write-like system call stays inside the case folder', () => {
    const calls = syscalls();
    expect(calls.length).toBeGreaterThan(10);
    const outside = calls.filter((call) => {
      const writes =
        WRITING.test(call.name) ||
        ((call.name === 'open' || call.name === 'openat') && /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC/.test(call.line));
      return writes && call.paths.some((file) => !file.startsWith(`${caseDir}/`));
    });
    expect(outside.map((call) => call.line)).toEqual([]);
    const written = calls
      .filter((call) => call.name === 'openat' && /O_CREAT/.test(call.line))
      .flatMap((call) => call.paths);
    expect(written.every((file) => file.startsWith(path.join(caseDir, 'analysis', '.index-')))).toBe(true);
    expect(written.length).toBe(report.results.length);
  });

  it('then no link was followed and no name from the evidence reached the host: no path names shadow, the HTML or the escape', () => {
    const touched = syscalls().flatMap((call) => call.paths);
    expect(touched.filter((file) => /shadow|onerror|SGVsbG8|invoice|new\\nline/.test(file))).toEqual([]);
  });

  it('then the working directory (a canary tree with its own etc/shadow) is untouched', async () => {
    expect(await treeDigest(canary)).toBe(canaryBefore);
  });

  it('then the case folder holds only its documents, its evidence and the index files, and still verifies', async () => {
    expect((await readdir(caseDir)).sort()).toEqual(
      ['analysis', 'annotations.jsonl', 'case.json', 'custody.jsonl', 'evidence', 'manifest.json'].sort(),
    );
    expect((await readdir(path.join(caseDir, 'analysis'))).sort()).toEqual(
      report.results.map((result) => `index-${result.itemId}.jsonl`).sort(),
    );
    expect((await readdir(path.join(caseDir, 'evidence'))).sort()).toEqual(
      snapshot.items.map((item) => item.path.replace(/^evidence\//, '')).sort(),
    );
    const { store } = makeAcquisition({ socketPath: dockerSocketPath(), casesRoot, idleTimeoutMs: 10_000 });
    expect((await store.verify(caseDir)).problems).toEqual([]);
  });

  it('then memory stayed bounded (under 300 MB over the start, 1 GiB file included) and indexing took seconds, not minutes', () => {
    expect(report.results.map((result) => result.saveProblem)).toEqual(report.results.map(() => undefined));
    expect(report.maxRss - report.rssBefore).toBeLessThan(300 * 1024 * 1024);
    const exportRun = report.results.find((result) => result.kind === 'filesystem-export');
    expect(exportRun?.ms).toBeLessThan(60_000);
  });
});

describe('given the index of that export', () => {
  it('then its names are byte for byte the names GNU tar lists for the same evidence file', async () => {
    const listing = await gnuListing(path.join(caseDir, exported.path));
    expect(exportIndex.map((entry) => entry.path)).toEqual(listing.map((line) => line.path));
    const paths = new Set(exportIndex.map((entry) => entry.path));
    for (const [trap, name] of Object.entries(HOSTILE)) expect(paths.has(name), trap).toBe(true);
  });

  it('then 50,000 files in one folder and 200 levels of folders are all indexed', () => {
    expect(exportIndex.filter((entry) => entry.path.startsWith('h/many/')).length).toBe(50_000);
    expect(exportIndex.filter((entry) => entry.path.startsWith('h/deep') && entry.type === 'dir').length).toBe(201);
  });

  it('then links, devices and fifos are recorded as what they are, with the link targets as data', () => {
    const { byPath } = lastWins(exportIndex);
    expect(byPath.get('h/rel-shadow')).toMatchObject({ type: 'symlink', linkTarget: '../../../../etc/shadow' });
    expect(byPath.get('h/abs-shadow')).toMatchObject({ type: 'symlink', linkTarget: '/etc/shadow' });
    expect(byPath.get('h/abs-shadow')?.sha256).toBeUndefined();
    expect(byPath.get('h/original')).toMatchObject({ type: 'hardlink', linkTarget: 'h/hard' });
    expect(byPath.get('h/fifo')).toMatchObject({ type: 'fifo', size: 0 });
    expect(byPath.get('h/null-dev')).toMatchObject({ type: 'char', devMajor: 1, devMinor: 3 });
    expect(byPath.get('h/loop-dev')).toMatchObject({ type: 'block', devMajor: 7, devMinor: 0 });
  });

  it('then the 1 GiB file carries the hash of 1 GiB of zeros and zero entropy, and its end reads back by offset', async () => {
    const zeros = Buffer.alloc(1024 * 1024);
    const hash = createHash('sha256');
    for (let mebibyte = 0; mebibyte < 1024; mebibyte += 1) hash.update(zeros);
    const big = lastWins(exportIndex).byPath.get('h/big') as IndexEntry;
    expect(big).toMatchObject({ type: 'file', size: GIB, sha256: hash.digest('hex'), entropy: 0 });
    const tail = await readEntrySlice(path.join(caseDir, exported.path), big, GIB - 100, 256 * 1024);
    expect(tail).toMatchObject({ offset: GIB - 100, totalBytes: GIB, truncated: false });
    expect(tail.bytes.equals(Buffer.alloc(100))).toBe(true);
  });

  it('then hostile files read back as their own bytes, and a link to /etc/shadow cannot be read at all', async () => {
    const { byPath } = lastWins(exportIndex);
    const file = path.join(caseDir, exported.path);
    const read = async (name: string): Promise<string> =>
      (await readEntrySlice(file, byPath.get(name) as IndexEntry, 0, 1024)).bytes.toString('utf8');
    expect(await read(HOSTILE.escape)).toBe('osc52\n');
    expect(await read(HOSTILE.invalid)).toBe('bytes\n');
    expect(await read(HOSTILE.deep)).toBe('bottom\n');
    await expect(readEntrySlice(file, byPath.get('h/abs-shadow') as IndexEntry, 0, 1024)).rejects.toThrow(
      /never followed/,
    );
  });

  it('then every name has a display form with nothing raw in it, and base64 that gives the exact bytes back', () => {
    for (const entry of exportIndex) {
      const shown = displayPath(entry.path);
      expect(shown.path).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/);
      if (shown.pathBase64 !== undefined) expect(base64ToByteString(shown.pathBase64)).toBe(entry.path);
    }
    expect(displayPath(HOSTILE.escape)).toEqual({
      path: 'h/esc\\x1b]52;c;SGVsbG8=\\x07',
      pathBase64: Buffer.from(HOSTILE.escape, 'latin1').toString('base64'),
    });
    expect(displayPath(HOSTILE.bidi).path).toBe('h/invoice\\u{202e}txt.exe');
  });

  it('then the image save of the container’s image was indexed too, its layer verified against its diff_id', async () => {
    const item = snapshot.items.find((candidate) => candidate.kind === 'image-save') as ManifestItem;
    const image = (await loadEvidenceIndex(caseDir, item)) as EvidenceIndex;
    expect(image.kind).toBe('image');
    if (image.kind !== 'image') return;
    expect(image.layers.length).toBeGreaterThan(0);
    for (const layer of image.layers) {
      expect(layer.index.problems).toEqual([]);
      expect(`sha256:${layer.index.sha256}`).toBe(layer.layer.digest);
    }
  });
});
