// Moves an evidence image between engines: `docker save` on the source streamed into `docker load` on the target, hashed.
import { createHash } from 'node:crypto';
import type { ContainerEngine, EngineStream } from './container-engine.js';

/** No byte from the source for this long: the transfer is abandoned instead of hanging. */
export const TRANSFER_IDLE_TIMEOUT_MS = 60_000;

export interface TransferResult {
  /** SHA-256 of exactly the bytes the source sent and the target was given. */
  sha256: string;
  bytes: number;
  /** The target engine's load report (progress text), trimmed. */
  loadOutput: string;
}

/** Passes the source's bytes on unchanged while hashing and counting them; a stall past the idle timeout breaks it. */
async function* hashedPassThrough(
  stream: EngineStream,
  tally: { hash: ReturnType<typeof createHash>; bytes: number },
  onProgress: (bytes: number) => void,
  idleTimeoutMs: number,
): AsyncGenerator<Uint8Array> {
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stream.destroy(new Error(`the source engine sent nothing for ${idleTimeoutMs / 1000} s`));
    }, idleTimeoutMs);
  };
  arm();
  try {
    for await (const chunk of stream) {
      arm();
      tally.hash.update(chunk);
      tally.bytes += chunk.byteLength;
      onProgress(tally.bytes);
      yield chunk;
    }
  } finally {
    clearTimeout(timer);
  }
}

export async function transferImage(spec: {
  source: ContainerEngine;
  target: ContainerEngine;
  /** What to save on the source: a reference keeps its tag on the target, an id loads untagged. */
  image: string;
  signal: AbortSignal;
  onProgress?: (bytes: number) => void;
  idleTimeoutMs?: number;
}): Promise<TransferResult> {
  const stream = await spec.source.saveImage(spec.image, spec.signal);
  const tally = { hash: createHash('sha256'), bytes: 0 };
  try {
    const loadOutput = await spec.target.loadImage(
      hashedPassThrough(
        stream,
        tally,
        spec.onProgress ?? (() => undefined),
        spec.idleTimeoutMs ?? TRANSFER_IDLE_TIMEOUT_MS,
      ),
      spec.signal,
    );
    return { sha256: tally.hash.digest('hex'), bytes: tally.bytes, loadOutput: loadOutput.trim().slice(0, 2000) };
  } finally {
    // After a clean end this is a no-op; after a failed load it frees the source's connection.
    stream.destroy();
  }
}
