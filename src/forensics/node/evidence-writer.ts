// Streams one evidence item to disk: exclusive create, SHA-256 while writing, idle timeout, cancel, completeness.
import { createHash } from 'node:crypto';
import { chmod, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ContractError } from '../../contract/envelope.js';
import type { StreamOptions } from '../common/case-recorder.js';
import type { ManifestItem } from '../common/case-model.js';
import { fsyncDir } from './durable-fs.js';
import { StreamTail, tarEndProblem } from './tar-end.js';

/** Without a caller's choice, a stream that sends nothing for this long is abandoned rather than waited on forever. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

export interface WrittenEvidence {
  sha256: string;
  bytes: number;
  complete: boolean;
  incompleteReason?: string;
}

/** Creates the file exclusively: evidence is written once, so an existing name is a refusal, never an overwrite. */
export async function createEvidenceFile(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'wx', 0o640);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      throw new ContractError(
        'BAD_INPUT',
        `${path.basename(file)} already exists in evidence/; evidence is never overwritten`,
      );
    }
    throw new ContractError('FAILED', `cannot create ${file}: ${(error as Error).message}`);
  }
}

type Step =
  | { kind: 'chunk'; value: unknown }
  | { kind: 'end' }
  | { kind: 'error'; error: unknown }
  | { kind: 'idle' }
  | { kind: 'aborted' };

/** The next chunk, or whichever comes first of: the end, an error, idleness, cancellation. */
function nextStep(iterator: AsyncIterator<unknown>, idleTimeoutMs: number, signal?: AbortSignal): Promise<Step> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve({ kind: 'aborted' });
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = (): void => finish({ kind: 'aborted' });
    const finish = (step: Step): void => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(step);
    };
    if (Number.isFinite(idleTimeoutMs) && idleTimeoutMs > 0) {
      timer = setTimeout(() => finish({ kind: 'idle' }), idleTimeoutMs);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    let pending: Promise<IteratorResult<unknown>>;
    try {
      pending = iterator.next();
    } catch (error) {
      finish({ kind: 'error', error });
      return;
    }
    // Both branches are handled here, so a late rejection after idleness or cancel is never unhandled.
    pending.then(
      (result) => finish(result.done === true ? { kind: 'end' } : { kind: 'chunk', value: result.value }),
      (error: unknown) => finish({ kind: 'error', error }),
    );
  });
}

/** Tears the source down: the engine connection must not stay open behind an abandoned item. */
function abandon(data: AsyncIterable<Uint8Array>, iterator: AsyncIterator<unknown>, reason: string): void {
  const destroy = (data as { destroy?: unknown }).destroy;
  if (typeof destroy === 'function') {
    try {
      (destroy as (error?: Error) => void).call(data, new Error(reason));
    } catch {
      // Already torn down; nothing more to release.
    }
  }
  try {
    void iterator.return?.()?.catch?.(() => undefined);
  } catch {
    // Same: a source that cannot be told to stop is already stopped or will be collected.
  }
}

function seconds(milliseconds: number): string {
  return milliseconds < 1000 ? `${milliseconds} ms` : `${Math.round(milliseconds / 100) / 10} s`;
}

function describeStreamError(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ECONNRESET') return 'connection reset: ECONNRESET';
  if (typeof code === 'string' && !message.includes(code)) return `${message} (${code})`;
  return message;
}

/**
 * Flushes written bytes to the disk while the stream is still arriving, so the final fsync has little left to do:
 * durability costs overlap the transfer instead of following it.
 */
const FLUSH_EVERY_BYTES = 32 * 1024 * 1024;

class BackgroundFlush {
  private pending: Promise<void> | undefined;
  private unflushed = 0;
  failure: unknown;

  constructor(private readonly handle: FileHandle) {}

  written(bytes: number): void {
    this.unflushed += bytes;
    if (this.unflushed < FLUSH_EVERY_BYTES || this.pending) return;
    this.unflushed = 0;
    this.pending = this.handle
      .datasync()
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => {
        this.pending = undefined;
      });
  }

  async settled(): Promise<void> {
    await this.pending;
  }
}

async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset, null);
    offset += bytesWritten;
  }
}

/**
 * Pumps data into handle until the stream ends, breaks, idles or is cancelled; never throws for the stream's
 * faults. The next chunk is only requested after the previous one is on disk, which is the backpressure.
 */
export async function pumpEvidence(
  handle: FileHandle,
  data: AsyncIterable<Uint8Array>,
  format: ManifestItem['format'],
  options: StreamOptions = {},
): Promise<WrittenEvidence> {
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  let hash = createHash('sha256');
  const tail = new StreamTail();
  const flush = new BackgroundFlush(handle);
  let bytes = 0;
  let broken: string | undefined;
  let iterator: AsyncIterator<unknown>;
  try {
    iterator = data[Symbol.asyncIterator]();
  } catch (error) {
    return { sha256: hash.digest('hex'), bytes, complete: false, incompleteReason: describeStreamError(error) };
  }
  for (;;) {
    const step = await nextStep(iterator, idleTimeoutMs, options.signal);
    if (step.kind === 'end') break;
    if (step.kind === 'error') {
      broken = `${describeStreamError(step.error)} (after ${bytes} bytes)`;
      break;
    }
    if (step.kind === 'idle') {
      broken = `idle for ${seconds(idleTimeoutMs)}: abandoned (after ${bytes} bytes)`;
      abandon(data, iterator, broken);
      break;
    }
    if (step.kind === 'aborted') {
      const why = options.signal?.reason instanceof Error ? `: ${options.signal.reason.message}` : '';
      broken = `cancelled${why} (after ${bytes} bytes)`;
      abandon(data, iterator, broken);
      break;
    }
    const chunk = step.value;
    if (!(chunk instanceof Uint8Array)) {
      broken = `the stream yielded something other than bytes (after ${bytes} bytes)`;
      abandon(data, iterator, broken);
      break;
    }
    if (chunk.byteLength === 0) continue;
    // Hash while the write runs on the thread pool: the two costs overlap instead of adding up. The hash state
    // before this chunk is kept so that a failed write leaves the hash of exactly the bytes counted.
    const writing = writeAll(handle, chunk);
    const before = hash.copy();
    hash.update(chunk);
    try {
      await writing;
    } catch (error) {
      hash = before;
      // Our disk failed, not the source: what reached the file is still kept and described.
      broken = `writing to the case failed: ${describeStreamError(error)} (after ${bytes} bytes)`;
      abandon(data, iterator, broken);
      break;
    }
    flush.written(chunk.byteLength);
    tail.push(chunk);
    bytes += chunk.byteLength;
    try {
      options.onProgress?.(bytes);
    } catch {
      // A failing progress listener must not cost the evidence.
    }
  }
  await flush.settled();
  if (broken === undefined && flush.failure !== undefined) {
    broken = `writing to the case failed: ${describeStreamError(flush.failure)} (after ${bytes} bytes)`;
  }
  const sha256 = hash.digest('hex');
  const reason = broken ?? completenessProblem(bytes, tail, format, options.expectedBytes);
  return reason === undefined
    ? { sha256, bytes, complete: true }
    : { sha256, bytes, complete: false, incompleteReason: reason };
}

function completenessProblem(
  bytes: number,
  tail: StreamTail,
  format: ManifestItem['format'],
  expectedBytes: number | undefined,
): string | undefined {
  if (expectedBytes !== undefined && bytes !== expectedBytes) {
    return `stream ended after ${bytes} bytes; the engine declared ${expectedBytes}`;
  }
  return format === 'tar' ? tarEndProblem(bytes, tail.bytes) : undefined;
}

/** Makes the written file durable and read-only: fsync, close, 0444, fsync evidence/ for the new name. */
export async function finishEvidenceFile(handle: FileHandle, file: string): Promise<void> {
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await chmod(file, 0o444);
  await fsyncDir(path.dirname(file));
}
