// Shared scene-setting for the case-folder tests: temp cases roots, real tar bytes from GNU tar, chunked streams.
import { execFile } from 'node:child_process';
import { chmod, lstat, mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { EvidenceSource } from '../../src/forensics/common/case-model.js';
import type { EvidenceSpec } from '../../src/forensics/common/case-recorder.js';
import { CaseStore } from '../../src/forensics/node/case-store.js';

const run = promisify(execFile);

/** A fresh, empty cases root in the system temp folder. */
export function tempDir(prefix = 'hc-case-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

/** Sealed cases are 0444/0555; give the owner write access back so tampering and cleanup work for non-root runs too. */
export async function makeWritable(target: string): Promise<void> {
  const stats = await lstat(target);
  if (stats.isSymbolicLink()) return;
  if (stats.isDirectory()) {
    await chmod(target, 0o755);
    for (const entry of await readdir(target)) await makeWritable(path.join(target, entry));
  } else {
    await chmod(target, 0o644);
  }
}

export async function removeTree(target: string): Promise<void> {
  await makeWritable(target).catch(() => undefined);
  await rm(target, { recursive: true, force: true });
}

/** A clock that ticks one second per call from a fixed instant: every timestamp in a case is reproducible. */
export function tickingClock(start = Date.UTC(2026, 0, 2, 3, 4, 5)): () => Date {
  let tick = 0;
  return () => new Date(start + 1000 * tick++);
}

export function newStore(casesRoot: string, now: () => Date = tickingClock()): CaseStore {
  return new CaseStore({ casesRoot, operator: 'responder-1', toolVersion: 'holdcell test', now });
}

/** Real archive bytes: `tar -c` (GNU tar) over a folder of the given files. */
export async function realTar(files: Record<string, string | Buffer>): Promise<Buffer> {
  const dir = await tempDir('hc-tar-src-');
  try {
    for (const [name, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), content);
    }
    // Fixed owner and mtime so the same files always give the same archive bytes.
    const { stdout } = await run(
      'tar',
      [
        '-c',
        '-f',
        '-',
        '--sort=name',
        '--owner=0',
        '--group=0',
        '--numeric-owner',
        '--mtime=2026-01-01 00:00Z',
        '-C',
        dir,
        '.',
      ],
      { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
    );
    return stdout;
  } finally {
    await removeTree(dir);
  }
}

/** Where the last entry's data ends (rounded up to a block): the archive cut just before its end-of-archive blocks. */
export function endOfEntries(tar: Buffer): number {
  let last = tar.length - 1;
  while (last >= 0 && tar[last] === 0) last -= 1;
  return Math.ceil((last + 1) / 512) * 512;
}

/** The bytes as an async stream of fixed-size chunks, as an engine connection delivers them. */
export async function* chunked(bytes: Uint8Array, size = 4096): AsyncIterable<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += size) {
    yield bytes.subarray(offset, Math.min(bytes.byteLength, offset + size));
  }
}

export const SOURCE: EvidenceSource = {
  engineId: 'default',
  endpoint: 'unix:///var/run/docker.sock',
  engineVersion: '26.1.5',
  containerId: 'c0ffee'.padEnd(64, '0'),
  containerName: 'suspect',
};

export function spec(id: string, fileName: string, overrides: Partial<EvidenceSpec> = {}): EvidenceSpec {
  return {
    id,
    kind: 'filesystem-export',
    fileName,
    format: 'tar',
    source: SOURCE,
    apiCalls: [{ method: 'GET', path: '/containers/c0ffee/export', at: '2026-01-02T03:04:05.000Z', status: 200 }],
    ...overrides,
  };
}
