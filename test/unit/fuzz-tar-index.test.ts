// Fuzzing the tar indexer and the docker-save reader with mutated generated archives: header fields rewritten
// (checksums fixed so the lie gets through), cuts, splices, lost and extra end blocks. Indexing always resolves
// with its problems, the same bytes index the same way from a file or a stream cut anywhere, and a save archive
// is read or refused with an ImageArchiveError.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageArchiveError, indexImageLayers, readImageArchive } from '../../src/forensics/node/image-archive.js';
import { indexTar, type TarIndex } from '../../src/forensics/node/tar-index.js';
import {
  BLOCK,
  base256,
  chunks,
  device,
  dir,
  dockerSave,
  fifo,
  file,
  gnuLong,
  hardlink,
  header,
  pax,
  setChecksum,
  symlink,
  tar,
} from '../support/hostile-tar.js';
import { budget, timeout } from './fuzz-support.js';

/** Archives with every kind of header the indexer reads: the seeds mutations start from. */
const SEEDS: Buffer[] = [
  tar([dir('etc/'), file('etc/passwd', 'root:x:0:0::/root:/bin/sh\n'), symlink('etc/link', '../../etc/shadow')]),
  tar([
    file('a', 'x'.repeat(1000)),
    hardlink('b', 'a'),
    fifo('p'),
    device('null', 'char', 1, 3),
    device('loop', 'block', 7, 0),
    file('setuid', '#!/bin/sh\n', { mode: 0o4755 }),
  ]),
  tar([
    pax([
      ['path', `${'deep/'.repeat(40)}file`],
      ['mtime', '1700000000.123456789'],
      ['SCHILY.xattr.security.capability', '\x01\x00\x00\x02\x00\x20\x00\x00'],
      ['uid', '4000000000'],
    ]),
    file('placeholder', 'payload'),
    pax([['linkpath', '/'.repeat(300)]]),
    symlink('root-link', 'x'),
  ]),
  tar([
    gnuLong('L', `${'n'.repeat(300)}\n\x1b[2J`),
    file('short', 'gnu long name'),
    gnuLong('K', '../'.repeat(60)),
    symlink('l', 'x'),
  ]),
  tar([pax([['comment', 'global']], { global: true }), file('g', 'with a global header'), dir('d/')]),
  tar([
    pax([
      ['GNU.sparse.major', '1'],
      ['GNU.sparse.minor', '0'],
      ['GNU.sparse.name', 'sparse-file'],
      ['GNU.sparse.realsize', '1099511627776'],
    ]),
    file('GNUSparseFile.0/sparse-file', '1\n0\n512\n'.padEnd(1024, '\0')),
    header({
      name: 'old-sparse',
      typeflag: 'S',
      size: 0,
      magic: 'gnu',
      edit: (block) => base256(block, 483, 12, 2n ** 40n),
    }),
  ]),
  tar([file('v7-file', 'old', { magic: 'v7' }), file('dup', '1'), file('dup', '2'), file('dup', '3')]),
];

/** Header fields by offset and width, for field-aware edits. */
const FIELDS = [
  { at: 0, width: 100 },
  { at: 100, width: 8 },
  { at: 108, width: 8 },
  { at: 116, width: 8 },
  { at: 124, width: 12 },
  { at: 136, width: 12 },
  { at: 148, width: 8 },
  { at: 156, width: 1 },
  { at: 157, width: 100 },
  { at: 257, width: 8 },
  { at: 345, width: 155 },
  { at: 482, width: 13 },
];

/** Values a numeric field might lie with. */
const NUMBERS: ((block: Buffer, at: number, width: number) => void)[] = [
  (block, at, width) => base256(block, at, width, -1n),
  (block, at, width) => base256(block, at, width, -1000n),
  (block, at, width) => base256(block, at, width, 2n ** 62n),
  (block, at, width) => base256(block, at, width, 2n ** 95n - 1n),
  (block, at, width) => block.fill(0x37, at, at + width),
  (block, at, width) => block.fill(0x20, at, at + width),
  (block, at, width) => block.fill(0, at, at + width),
  (block, at, width) => block.write('9'.repeat(width), at, 'latin1'),
  (block, at, width) => block.write(' 1 2 3'.padEnd(width, '\0'), at, 'latin1'),
  (block, at) => {
    block[at] = 0x81;
  },
];

type TarMutation =
  | { op: 'field'; header: number; field: number; value: number; fix: boolean }
  | { op: 'flip'; at: number; byte: number; fix: boolean }
  | { op: 'truncate'; at: number }
  | { op: 'splice'; at: number; seed: number; from: number }
  | { op: 'duplicate'; block: number; count: number }
  | { op: 'zeros'; block: number; count: number }
  | { op: 'typeflag'; header: number; flag: number }
  | { op: 'pax-length'; at: number; text: string };

const tarMutation: fc.Arbitrary<TarMutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('field' as const),
      header: fc.nat(),
      field: fc.nat({ max: FIELDS.length - 1 }),
      value: fc.nat({ max: NUMBERS.length - 1 }),
      fix: fc.boolean(),
    }),
  },
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), byte: fc.nat({ max: 255 }), fix: fc.boolean() }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('splice' as const), at: fc.nat(), seed: fc.nat(), from: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), block: fc.nat(), count: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ op: fc.constant('zeros' as const), block: fc.nat(), count: fc.integer({ min: 1, max: 3 }) }),
  fc.record({
    op: fc.constant('typeflag' as const),
    header: fc.nat(),
    flag: fc.constantFrom(...'0123456789xgLKSDMVNAZ\0'.split('').map((c) => c.charCodeAt(0))),
  }),
  fc.record({
    op: fc.constant('pax-length' as const),
    at: fc.nat(),
    text: fc.constantFrom('0', '-5', '99999999999999999999', '1', '', 'x', '600000'),
  }),
);

/** Offsets of blocks whose checksum holds: the headers. */
function headerBlocks(bytes: Buffer): number[] {
  const found: number[] = [];
  for (let at = 0; at + BLOCK <= bytes.length; at += BLOCK) {
    const stored = parseInt(bytes.toString('latin1', at + 148, at + 156).replace(/[\0 ]/g, ''), 8);
    let sum = 0;
    for (let index = 0; index < BLOCK; index += 1) sum += index >= 148 && index < 156 ? 0x20 : (bytes[at + index] ?? 0);
    if (sum !== 256 && sum === stored) found.push(at);
  }
  return found;
}

function applyTar(seed: Buffer, mutations: readonly TarMutation[]): Buffer {
  let bytes = Buffer.from(seed);
  for (const mutation of mutations) {
    const headers = headerBlocks(bytes);
    const pick = (index: number): number | undefined => headers[index % Math.max(1, headers.length)];
    switch (mutation.op) {
      case 'field': {
        const at = pick(mutation.header);
        const field = FIELDS[mutation.field];
        if (at === undefined || field === undefined) break;
        const block = bytes.subarray(at, at + BLOCK);
        NUMBERS[mutation.value]?.(block, field.at, field.width);
        if (mutation.fix) setChecksum(block);
        break;
      }
      case 'flip': {
        if (bytes.length === 0) break;
        const at = mutation.at % bytes.length;
        bytes[at] = mutation.byte;
        const start = at - (at % BLOCK);
        if (mutation.fix && headers.includes(start)) setChecksum(bytes.subarray(start, start + BLOCK));
        break;
      }
      case 'truncate':
        bytes = bytes.subarray(0, mutation.at % (bytes.length + 1));
        break;
      case 'splice': {
        const other = SEEDS[mutation.seed % SEEDS.length] as Buffer;
        bytes = Buffer.concat([
          bytes.subarray(0, mutation.at % (bytes.length + 1)),
          other.subarray(mutation.from % (other.length + 1)),
        ]);
        break;
      }
      case 'duplicate': {
        const blocks = Math.floor(bytes.length / BLOCK);
        const at = (mutation.block % Math.max(1, blocks)) * BLOCK;
        const piece = bytes.subarray(at, at + mutation.count * BLOCK);
        bytes = Buffer.concat([bytes.subarray(0, at), piece, piece, bytes.subarray(at + piece.length)]);
        break;
      }
      case 'zeros': {
        const blocks = Math.floor(bytes.length / BLOCK);
        const at = (mutation.block % (blocks + 1)) * BLOCK;
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.alloc(mutation.count * BLOCK), bytes.subarray(at)]);
        break;
      }
      case 'typeflag': {
        const at = pick(mutation.header);
        if (at === undefined) break;
        bytes[at + 156] = mutation.flag;
        setChecksum(bytes.subarray(at, at + BLOCK));
        break;
      }
      case 'pax-length': {
        // Rewrites the length of a PAX record ("<len> key=value\n") somewhere in the archive.
        const text = bytes.toString('latin1');
        const records = [...text.matchAll(/(?<=^|\n|\0)(\d+) [A-Za-z.]+=/g)];
        const record = records[mutation.at % Math.max(1, records.length)];
        if (record === undefined || record.index === undefined) break;
        const length = record[1] as string;
        bytes = Buffer.concat([
          bytes.subarray(0, record.index),
          Buffer.from(mutation.text, 'latin1'),
          bytes.subarray(record.index + length.length),
        ]);
        break;
      }
    }
  }
  return bytes;
}

const hostileTar = fc
  .record({ seed: fc.nat(), mutations: fc.array(tarMutation, { minLength: 1, maxLength: 5 }) })
  .map(({ seed, mutations }) => ({ seed: seed % SEEDS.length, mutations }));

/**
 * Settles within `ms` or fails: an indexer that never resolves (a stream waiting for an event that never comes)
 * becomes a counterexample fast-check can shrink, not a test run that hangs.
 */
function settlesWithin<T>(work: Promise<T>, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms (a hang)`)), ms);
  });
  return Promise.race([work, hang]).finally(() => clearTimeout(timer));
}

/** What must hold of any index: offsets inside what was read, problems capped, "complete" only when clean. */
function checkIndex(index: TarIndex, length: number): void {
  expect(index.bytes).toBeLessThanOrEqual(length);
  const kinds = new Set(index.problems.map((problem) => problem.kind));
  expect(index.problems.length).toBeLessThanOrEqual(kinds.size * 51);
  for (const problem of index.problems) expect(problem.detail.length).toBeGreaterThan(10);
  for (const entry of index.entries) {
    expect(entry.dataOffset).toBeGreaterThanOrEqual(entry.headerOffset + BLOCK);
    expect(entry.dataOffset).toBeLessThanOrEqual(length);
    expect(Number.isSafeInteger(entry.size) && entry.size >= 0).toBe(true);
    expect(entry.mtime).toMatch(/^([+-]\d{6,}|\d{4})-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  }
  if (index.complete) expect([...kinds].filter((kind) => kind === 'truncated' || kind === 'bad-header')).toEqual([]);
}

describe('given mutated archives', () => {
  let work: string;
  let run = 0;
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'hc-fuzz-tar-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it(
    'when indexed from a file and from streams cut anywhere, then it resolves, the answers agree, and offsets hold',
    async () => {
      await fc.assert(
        fc.asyncProperty(hostileTar, fc.integer({ min: 1, max: 2048 }), async ({ seed, mutations }, chunk) => {
          const bytes = applyTar(SEEDS[seed] as Buffer, mutations);
          const name = path.join(work, `fuzz-${run++}.tar`);
          await writeFile(name, bytes);
          try {
            const fromFile = await settlesWithin(indexTar({ file: name }, { streamSha256: true }));
            checkIndex(fromFile, bytes.length);
            const again = await settlesWithin(indexTar({ file: name }, { streamSha256: true }));
            expect(again).toEqual(fromFile);
            const fromStream = await settlesWithin(indexTar({ stream: chunks(bytes, chunk) }, { streamSha256: true }));
            expect({ ...fromStream, bytes: 0 }).toEqual({ ...fromFile, bytes: 0 });
            const headers = await settlesWithin(indexTar({ file: name }, { headersOnly: true, hashContent: false }));
            checkIndex(headers, bytes.length);
            expect(headers.entries.map((entry) => entry.path)).toEqual(fromFile.entries.map((entry) => entry.path));
          } finally {
            await rm(name, { force: true });
          }
        }),
        budget(250),
      );
    },
    timeout(60_000),
  );

  it(
    'when a docker save holds mutated layers or is itself mutated, then it is read or refused with an ImageArchiveError',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(hostileTar, { minLength: 1, maxLength: 3 }),
          fc.array(tarMutation, { maxLength: 3 }),
          async (layers, outer) => {
            const save = dockerSave(
              layers.map(({ seed, mutations }) => ({ tar: applyTar(SEEDS[seed] as Buffer, mutations) })),
            );
            const bytes = applyTar(save.bytes, outer);
            const name = path.join(work, `save-${run++}.tar`);
            await writeFile(name, bytes);
            try {
              const archive = await settlesWithin(readImageArchive(name));
              for (const layer of await settlesWithin(indexImageLayers(name, archive))) {
                checkIndex(layer.index, layer.index.bytes);
              }
            } catch (error) {
              if (!(error instanceof ImageArchiveError)) throw error;
              expect(error.message.length).toBeGreaterThan(20);
            } finally {
              await rm(name, { force: true });
            }
          },
        ),
        budget(120),
      );
    },
    timeout(60_000),
  );
});
