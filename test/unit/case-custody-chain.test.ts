// The custody log is a hash chain: each record holds the SHA-256 of the previous line; appends never race or rewrite.
import { createHash } from 'node:crypto';
import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../../src/forensics/common/case-model.js';
import { chainBreaks, CustodyLog, parseCustody } from '../../src/forensics/node/custody-log.js';
import { newStore, removeTree, tempDir } from './case-fixtures.js';

const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

/** custody.jsonl as raw lines (without newlines), the way a reviewer with `sed` would see it. */
async function rawLines(caseDir: string): Promise<string[]> {
  const text = await readFile(path.join(caseDir, 'custody.jsonl'), 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n');
}

const breaksOf = (lines: string[]): string[] =>
  chainBreaks(parseCustody(Buffer.from(lines.map((l) => `${l}\n`).join(''))));

describe('custody chain', () => {
  let root: string;
  beforeEach(async () => {
    root = await tempDir();
  });
  afterEach(async () => removeTree(root));

  it('given a new case, then its log starts at seq 0 from the genesis hash and each record hashes the line before', async () => {
    const store = newStore(root);
    const recorder = await store.create('case-a', { title: 'web-1 compromise' });
    await recorder.record({
      action: 'engine.pause',
      target: { engineId: 'default', containerId: 'abc' },
      outcome: 'ok',
    });
    await recorder.record({
      action: 'network.disconnect',
      params: { network: 'bridge' },
      outcome: 'error',
      detail: 'no such network',
    });

    const lines = await rawLines(recorder.caseDir);
    const records = lines.map((line) => JSON.parse(line) as { seq: number; prevHash: string; action: string });
    expect(records.map((r) => r.action)).toEqual([
      'case.create',
      'manifest.write',
      'engine.pause',
      'network.disconnect',
    ]);
    expect(records.map((r) => r.seq)).toEqual([0, 1, 2, 3]);
    expect(records[0]?.prevHash).toBe(GENESIS_HASH);
    for (let index = 1; index < lines.length; index += 1) {
      expect(records[index]?.prevHash).toBe(sha256(lines[index - 1] ?? ''));
    }
    expect(breaksOf(lines)).toEqual([]);
  });

  it('given two recorders for the same folder appending at once, then seq stays consecutive and the chain holds', async () => {
    const first = await newStore(root).create('busy', { title: '' });
    // A second store instance, as a second service in the same host would have.
    const second = await newStore(root).open('busy');
    await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        (index % 2 === 0 ? first : second).record({ action: 'probe.step', params: { index }, outcome: 'ok' }),
      ),
    );
    const lines = await rawLines(first.caseDir);
    expect(lines).toHaveLength(42);
    expect(lines.map((line) => (JSON.parse(line) as { seq: number }).seq)).toEqual([...Array(42).keys()]);
    expect(breaksOf(lines)).toEqual([]);
  });

  it('given records appended, then the earlier bytes of the file are never rewritten', async () => {
    const recorder = await newStore(root).create('append-only', { title: '' });
    const before = await readFile(path.join(recorder.caseDir, 'custody.jsonl'));
    await recorder.record({ action: 'note', outcome: 'ok', detail: 'responder arrived' });
    const after = await readFile(path.join(recorder.caseDir, 'custody.jsonl'));
    expect(after.subarray(0, before.length).equals(before)).toBe(true);
    expect(after.length).toBeGreaterThan(before.length);
  });

  it('given a removed record, then the break is reported once, at the gap', async () => {
    const lines = await rawLines((await seeded(root)).caseDir);
    const removed = [...lines.slice(0, 2), ...lines.slice(3)];
    expect(breaksOf(removed)).toEqual([
      'line 3 (seq 3): prevHash does not match line 2 (a record was removed, reordered or edited); seq 3 does not follow seq 1',
    ]);
  });

  it('given two records swapped, then both links around them break', async () => {
    const lines = await rawLines((await seeded(root)).caseDir);
    const swapped = [lines[0], lines[2], lines[1], ...lines.slice(3)] as string[];
    const breaks = breaksOf(swapped);
    expect(breaks[0]).toMatch(/^line 2 \(seq 2\): prevHash does not match line 1 .*seq 2 does not follow seq 0$/);
    expect(breaks[1]).toMatch(/^line 3 \(seq 1\): prevHash does not match line 2 .*seq 1 does not follow seq 2$/);
    expect(breaks[2]).toMatch(/^line 4 \(seq 3\): prevHash does not match line 3/);
  });

  it('given a record edited in the middle (still valid JSON), then the next link breaks', async () => {
    const lines = await rawLines((await seeded(root)).caseDir);
    const edited = [...lines];
    edited[2] = (edited[2] ?? '').replace('"outcome":"ok"', '"outcome":"skipped"');
    expect(edited[2]).not.toBe(lines[2]);
    expect(breaksOf(edited)).toEqual([
      'line 4 (seq 3): prevHash does not match line 3 (a record was removed, reordered or edited)',
    ]);
  });

  it('given the first record removed, then the new first record is not anchored at genesis', async () => {
    const lines = await rawLines((await seeded(root)).caseDir);
    expect(breaksOf(lines.slice(1))[0]).toBe(
      'line 1 (seq 1): prevHash is not the genesis hash (records before it are missing); seq 1 does not follow seq -1',
    );
  });

  it('given garbage and a torn last line, then each is named', () => {
    const custody = parseCustody(Buffer.from('not json\n{"seq":0}\n{"seq":1,"at'));
    expect(chainBreaks(custody)).toEqual([
      'line 1 is not JSON',
      expect.stringMatching(/^line 2 is not a custody record/),
      'custody.jsonl ends with 12 bytes that are not a complete line',
    ]);
  });

  it('given a log whose last line was torn, then recording refuses and leaves the file as it was', async () => {
    const recorder = await newStore(root).create('torn', { title: '' });
    const file = path.join(recorder.caseDir, 'custody.jsonl');
    await appendFile(file, '{"seq":2,"at":"2026');
    const before = await readFile(file);
    await expect(recorder.record({ action: 'note', outcome: 'ok' })).rejects.toThrow(/ends with a damaged record/);
    expect((await readFile(file)).equals(before)).toBe(true);
  });

  it('given another process appended to the log, then the next append chains onto that record', async () => {
    const recorder = await newStore(root).create('shared', { title: '' });
    await recorder.record({ action: 'a', outcome: 'ok' });
    // A separate CustodyLog on the same file stands in for a second process (no shared in-process queue or cache).
    const otherProcess = new CustodyLog(path.join(recorder.caseDir, 'custody.jsonl'));
    await otherProcess.append({ action: 'b', outcome: 'ok', at: '2026-01-02T03:04:05Z', operator: 'cli-user' });
    await recorder.record({ action: 'c', outcome: 'ok' });
    const lines = await rawLines(recorder.caseDir);
    expect(lines.map((line) => (JSON.parse(line) as { action: string }).action)).toEqual([
      'case.create',
      'manifest.write',
      'a',
      'b',
      'c',
    ]);
    expect(breaksOf(lines)).toEqual([]);
  });
});

/** A case with a few records after the two creation records. */
async function seeded(root: string) {
  const recorder = await newStore(root).create('seeded', { title: 'seeded' });
  for (const action of ['engine.inspect', 'engine.pause', 'network.create']) {
    await recorder.record({ action, target: { engineId: 'default' }, outcome: 'ok' });
  }
  return recorder;
}
