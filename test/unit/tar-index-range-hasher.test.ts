// The range-hashing workers: exact SHA-256 and entropy of file ranges they read themselves, short files, abandoned runs.
import { createHash, randomBytes } from 'node:crypto';
import { rename, stat, symlink, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countBytes, entropyOf, newHistogram } from '../../src/forensics/node/tar-index-entropy.js';
import { RangeHashRun, type RangeFile } from '../../src/forensics/node/tar-index-range-hasher.js';
import { removeDir, sha256, tempDir } from './tar-index-support.js';

let work: string;
let file: string;
/** 12 MiB: random, then zeros, then random again (ranges cross the workers' 4 MiB reads). */
let bytes: Buffer;

beforeAll(async () => {
  work = await tempDir('hc-range-hash-');
  bytes = Buffer.concat([randomBytes(5 * 1024 * 1024), Buffer.alloc(3 * 1024 * 1024), randomBytes(4 * 1024 * 1024)]);
  file = `${work}/evidence.tar`;
  await writeFile(file, bytes);
});

afterAll(async () => {
  if (work) await removeDir(work);
});

/** The file as the indexer hands it over: its path and identity (device, inode). */
async function evidence(path: string): Promise<RangeFile> {
  const stats = await stat(path, { bigint: true });
  return { path, dev: String(stats.dev), ino: String(stats.ino) };
}

function expectedEntropy(piece: Buffer): number {
  const histogram = newHistogram();
  countBytes(histogram, piece);
  return entropyOf(histogram, piece.length);
}

interface Outcome {
  sha256: string | null;
  entropy: number | null;
  failure: string | null;
}

async function hashRanges(
  ranges: [number, number, boolean][],
  whole?: [number, number],
): Promise<{ outcomes: Map<number, Outcome>; whole: { sha256?: string; failure?: string } }> {
  const outcomes = new Map<number, Outcome>();
  const run = new RangeHashRun(await evidence(file), (seq, sha256, entropy, failure) =>
    outcomes.set(seq, { sha256, entropy, failure }),
  );
  if (whole) run.wholeRange(...whole);
  ranges.forEach(([start, end, entropy], seq) => run.file(seq, start, end, entropy));
  run.flush();
  return { outcomes, whole: await run.finish() };
}

describe('given an evidence file and ranges of it', () => {
  it('when the workers hash them, then every digest and entropy equals hashing the same bytes here', async () => {
    const ranges: [number, number, boolean][] = [
      [0, 40_000, false],
      [1000, 5 * 1024 * 1024 + 7, true],
      [5 * 1024 * 1024, 8 * 1024 * 1024, true],
      [3, 12 * 1024 * 1024, true],
      ...Array.from({ length: 300 }, (_, index): [number, number, boolean] => [
        index * 4099,
        index * 4099 + 33_000,
        false,
      ]),
    ];
    const { outcomes, whole } = await hashRanges(ranges, [512, bytes.length]);
    expect(outcomes.size).toBe(ranges.length);
    ranges.forEach(([start, end, entropy], seq) => {
      const piece = bytes.subarray(start, end);
      expect(outcomes.get(seq), `range ${seq}`).toEqual({
        sha256: sha256(piece),
        entropy: entropy ? expectedEntropy(piece) : null,
        failure: null,
      });
    });
    expect(whole).toEqual({ sha256: sha256(bytes.subarray(512)) });
    // Zeros have no entropy, random bytes nearly 8 bits per byte.
    expect(outcomes.get(2)?.entropy).toBe(expectedEntropy(bytes.subarray(5 * 1024 * 1024, 8 * 1024 * 1024)));
    expect(outcomes.get(3)?.entropy).toBeGreaterThan(5);
  });

  it('when a range runs past the end of the file, then it has no digest and says why; the whole-range hash covers what there is', async () => {
    const { outcomes, whole } = await hashRanges(
      [[bytes.length - 10, bytes.length + 100, false]],
      [0, bytes.length + 4096],
    );
    expect(outcomes.get(0)).toEqual({
      sha256: null,
      entropy: null,
      failure: 'the evidence file ended 100 bytes before this file did',
    });
    expect(whole).toEqual({ sha256: createHash('sha256').update(bytes).digest('hex') });
  });

  it('when a run is abandoned with work queued, then nothing more is delivered to it and later runs still get every digest', async () => {
    const delivered: number[] = [];
    const abandoned = new RangeHashRun(await evidence(file), (seq) => delivered.push(seq));
    for (let seq = 0; seq < 2000; seq += 1) abandoned.file(seq, 0, bytes.length, true);
    abandoned.flush();
    abandoned.abandon();
    const afterwards = delivered.length;
    const { outcomes } = await hashRanges([[0, 1024 * 1024, true]]);
    expect(outcomes.get(0)?.sha256).toBe(sha256(bytes.subarray(0, 1024 * 1024)));
    expect(delivered.length).toBe(afterwards);
    expect(afterwards).toBeLessThan(2000);
  });

  it('when the file is a symbolic link, then the workers refuse to open it (O_NOFOLLOW) and every range says so', async () => {
    const link = `${work}/link.tar`;
    await symlink(file, link);
    const outcomes = new Map<number, string | null>();
    const run = new RangeHashRun({ ...(await evidence(file)), path: link }, (seq, _sha, _entropy, failure) =>
      outcomes.set(seq, failure),
    );
    run.file(0, 0, 100, false);
    run.flush();
    await run.finish();
    expect(outcomes.get(0)).toMatch(/ELOOP|symbolic link/);
  });

  it('when another file is put in its place before the workers open it, then they refuse it and every range says so', async () => {
    const original = `${work}/original.tar`;
    await writeFile(original, bytes.subarray(0, 100_000));
    const identity = await evidence(original);
    const planted = `${work}/planted.tar`;
    await writeFile(planted, Buffer.alloc(100_000));
    await rename(planted, original);
    const outcomes = new Map<number, string | null>();
    const run = new RangeHashRun(identity, (seq, _sha, _entropy, failure) => outcomes.set(seq, failure));
    run.file(0, 0, 50_000, false);
    run.flush();
    await run.finish();
    expect(outcomes.get(0)).toMatch(/no longer the evidence file being indexed \(it was replaced\)/);
  });
});

describe('given a tar of large files indexed with the range workers', () => {
  it('when progress is reported, then it never goes backwards, never counts a file still being hashed, and ends at the whole tar', async () => {
    const { indexTar } = await import('../../src/forensics/node/tar-index.js');
    const { file: member, tar } = await import('../support/hostile-tar.js');
    const archive = `${work}/large-files.tar`;
    await writeFile(
      archive,
      tar(Array.from({ length: 6 }, (_, index) => member(`f${index}`, randomBytes(3 * 1024 * 1024)))),
    );
    const seen: number[] = [];
    const index = await indexTar({ file: archive }, { parallelHashing: true, onProgress: (bytes) => seen.push(bytes) });
    expect(index.entries.every((entry) => entry.sha256 !== undefined)).toBe(true);
    expect(seen.every((bytes, at) => at === 0 || bytes >= (seen[at - 1] ?? 0))).toBe(true);
    expect(seen.at(-1)).toBe(index.bytes);
    // The reader steps over each file in one go; until its digest is back, it is not counted.
    expect(seen.filter((bytes) => bytes === index.bytes)).toHaveLength(1);
  });
});

describe('given a run still hashing a large range', () => {
  it('when the indexing is cancelled while it waits for the workers, then it stops at once with the reason', async () => {
    const controller = new AbortController();
    const run = new RangeHashRun(await evidence(file), () => undefined);
    // Far more than the workers can hash before the abort below.
    for (let seq = 0; seq < 400; seq += 1) run.file(seq, 0, bytes.length, true);
    run.flush();
    const waiting = run.finish(controller.signal);
    setTimeout(() => controller.abort(new Error('the investigator cancelled')), 20);
    const started = Date.now();
    await expect(waiting).rejects.toThrow('the investigator cancelled');
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
