// Interrupted acquisitions: whatever arrived is kept, hashed, read-only and listed as incomplete; the case never seals.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CaseRecorder } from '../../src/forensics/common/case-recorder.js';
import { CustodyRecord } from '../../src/forensics/common/case-model.js';
import type { CaseStore } from '../../src/forensics/node/case-store.js';
import { chunked, endOfEntries, newStore, realTar, removeTree, spec, tempDir } from './case-fixtures.js';

const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

/** Yields the first `count` chunks, then fails the way a dropped engine connection does. */
async function* resetAfter(bytes: Buffer, count: number, size: number): AsyncIterable<Uint8Array> {
  for (let index = 0; index < count; index += 1) yield bytes.subarray(index * size, (index + 1) * size);
  throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
}

/** An engine stream that delivers some bytes and then goes quiet without closing; records being destroyed. */
function stallingStream(first: Buffer): AsyncIterable<Uint8Array> & { destroyed: boolean; destroy(): void } {
  const stream = {
    destroyed: false,
    destroy() {
      stream.destroyed = true;
    },
    async *[Symbol.asyncIterator]() {
      yield first;
      await new Promise(() => undefined);
    },
  };
  return stream;
}

describe('interrupted acquisition', () => {
  let root: string;
  let store: CaseStore;
  let recorder: CaseRecorder;
  let tar: Buffer;

  beforeEach(async () => {
    root = await tempDir();
    store = newStore(root);
    recorder = await store.create('cut', { title: '' });
    tar = await realTar({
      'usr/bin/payload': Buffer.alloc(100_000, 0x41),
      'etc/cron.d/persist': '* * * * * root /x\n',
    });
  });
  afterEach(async () => removeTree(root));

  async function evidenceAdds(): Promise<CustodyRecord[]> {
    const text = await readFile(path.join(recorder.caseDir, 'custody.jsonl'), 'utf8');
    return text
      .trimEnd()
      .split('\n')
      .map((line) => CustodyRecord.parse(JSON.parse(line)))
      .filter((record) => record.action === 'evidence.add');
  }

  it('given the connection resets mid-export, then the partial bytes are kept read-only, listed incomplete, and sealing is refused', async () => {
    const item = await recorder.addStream(spec('fs-export-1', 'fs.tar'), resetAfter(tar, 5, 8192));

    const kept = await readFile(path.join(recorder.caseDir, 'evidence/fs.tar'));
    expect(kept.equals(tar.subarray(0, 5 * 8192))).toBe(true);
    expect(item).toMatchObject({
      complete: false,
      bytes: 5 * 8192,
      sha256: sha256(kept),
      incompleteReason: `connection reset: ECONNRESET (after ${5 * 8192} bytes)`,
    });
    expect((await stat(path.join(recorder.caseDir, 'evidence/fs.tar'))).mode & 0o777).toBe(0o444);
    expect(await recorder.items()).toEqual([item]);
    expect(await evidenceAdds()).toEqual([
      expect.objectContaining({ outcome: 'error', detail: item.incompleteReason, sha256: item.sha256 }),
    ]);

    const report = await store.verify(recorder.caseDir);
    expect(report.problems).toEqual([
      { subject: 'fs-export-1', kind: 'incomplete', detail: `acquisition incomplete: ${item.incompleteReason}` },
    ]);
    await expect(store.seal(recorder.caseDir)).rejects.toThrow(
      /cannot seal .*: incomplete evidence items: fs-export-1 /,
    );
    expect((await store.summary(recorder.caseDir)).sealed).toBe(false);
  });

  it('given a stream that stops sending, then it is abandoned after the idle timeout, destroyed, and kept as incomplete', async () => {
    const stream = stallingStream(tar.subarray(0, 10_000));
    const started = Date.now();
    const item = await recorder.addStream(spec('fs-export-2', 'stalled.tar'), stream, { idleTimeoutMs: 200 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(stream.destroyed).toBe(true);
    expect(item).toMatchObject({
      complete: false,
      bytes: 10_000,
      incompleteReason: 'idle for 200 ms: abandoned (after 10000 bytes)',
    });
    expect((await readFile(path.join(recorder.caseDir, 'evidence/stalled.tar'))).length).toBe(10_000);
    await expect(store.seal(recorder.caseDir)).rejects.toThrow(/incomplete evidence items: fs-export-2/);
  });

  it('given a stream that ends cleanly but without the tar end-of-archive blocks, then the item is incomplete', async () => {
    const cut = tar.subarray(0, endOfEntries(tar));
    const item = await recorder.addStream(spec('fs-export-3', 'short.tar'), chunked(cut, 4096));
    expect(item).toMatchObject({
      complete: false,
      bytes: cut.length,
      incompleteReason: `stream ended after ${cut.length} bytes without tar end-of-archive blocks`,
    });
    expect((await store.verify(recorder.caseDir)).problems.map((p) => p.kind)).toEqual(['incomplete']);
  });

  it('given the engine declared a size the stream did not deliver, then the item is incomplete', async () => {
    const item = await recorder.addStream(spec('mount-1', 'mount.tar'), chunked(tar), {
      expectedBytes: tar.length + 512,
    });
    expect(item.complete).toBe(false);
    expect(item.incompleteReason).toBe(
      `stream ended after ${tar.length} bytes; the engine declared ${tar.length + 512}`,
    );
  });

  it('given the responder cancels mid-stream, then the item is kept as cancelled and the source torn down', async () => {
    const controller = new AbortController();
    const stream = stallingStream(tar.subarray(0, 4096));
    const pending = recorder.addStream(spec('fs-export-4', 'cancelled.tar'), stream, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('operator pressed stop')), 50);
    const item = await pending;
    expect(item.incompleteReason).toBe('cancelled: operator pressed stop (after 4096 bytes)');
    expect(stream.destroyed).toBe(true);
  });

  it('given an interrupted item and a complete one, then verify reports only the incomplete one and other damage is not hidden', async () => {
    await recorder.addStream(spec('fs-export-5', 'cut.tar'), resetAfter(tar, 2, 4096));
    await recorder.addStream(spec('fs-export-6', 'whole.tar'), chunked(tar));
    expect((await store.verify(recorder.caseDir)).problems.map((p) => [p.subject, p.kind])).toEqual([
      ['fs-export-5', 'incomplete'],
    ]);
    const whole = path.join(recorder.caseDir, 'evidence/whole.tar');
    const bytes = await readFile(whole);
    bytes[100] = (bytes[100] ?? 0) ^ 0xff;
    await writeFile(whole, bytes);
    const cutFile = path.join(recorder.caseDir, 'evidence/cut.tar');
    await writeFile(cutFile, Buffer.concat([await readFile(cutFile), Buffer.from('x')]));
    expect((await store.verify(recorder.caseDir)).problems.map((p) => [p.subject, p.kind])).toEqual([
      ['fs-export-5', 'size-mismatch'],
      ['fs-export-5', 'incomplete'],
      ['fs-export-6', 'hash-mismatch'],
    ]);
  });

  it('given a real file stream, then the next chunk is only read once the previous one is on disk (backpressure)', async () => {
    const source = path.join(root, 'source.tar');
    await writeFile(source, tar);
    const target = path.join(recorder.caseDir, 'evidence/streamed.tar');
    const lagBehindDisk: number[] = [];
    let delivered = 0;
    async function* observed(): AsyncIterable<Uint8Array> {
      for await (const chunk of createReadStream(source, { highWaterMark: 16384 }) as AsyncIterable<Buffer>) {
        if (delivered > 0) lagBehindDisk.push(delivered - (await stat(target)).size);
        delivered += chunk.length;
        yield chunk;
      }
    }
    const item = await recorder.addStream(spec('fs-export-7', 'streamed.tar'), observed());
    expect(item).toMatchObject({ complete: true, bytes: tar.length, sha256: sha256(tar) });
    expect(lagBehindDisk.length).toBeGreaterThan(3);
    expect(new Set(lagBehindDisk)).toEqual(new Set([0]));
  });

  it('given two streams into the same case at once, then both complete and the manifest lists both', async () => {
    const [a, b] = await Promise.all([
      recorder.addStream(spec('fs-export-8', 'a.tar'), chunked(tar, 1000)),
      recorder.addStream(spec('image-save-8', 'b.tar', { kind: 'image-save' }), chunked(tar, 3000)),
    ]);
    expect([a.complete, b.complete]).toEqual([true, true]);
    expect((await recorder.items()).map((i) => i.id).sort()).toEqual(['fs-export-8', 'image-save-8']);
    expect((await store.verify(recorder.caseDir)).ok).toBe(true);
  });
});
