// Streams one engine tar into a case: open within a deadline, hand the live stream to the case's evidence writer.
//
// The case store hashes, counts, checks the tar end, enforces the idle timeout and keeps whatever arrived. This
// helper adds what only the acquisition side knows: the API call as made, a deadline for the engine to start
// answering (an engine that never sends headers is as stalled as one that stops mid-stream), and an item even when
// the engine refused outright, so a missing acquisition is visible in the manifest and blocks sealing.
import type { ApiCall, ManifestItem } from '../../forensics/common/case-model.js';
import type { CaseRecorder, EvidenceSpec } from '../../forensics/common/case-recorder.js';
import type { EngineStream } from './container-engine.js';
import { readAhead } from './acquisition-readahead.js';

export interface StreamAcquisition {
  recorder: CaseRecorder;
  spec: EvidenceSpec;
  call: { method: string; path: string };
  /** Opens the engine stream; the signal aborts when the open deadline passes or the caller cancels. */
  open: (signal: AbortSignal) => Promise<EngineStream>;
  /** How long the engine may take to start answering. */
  openTimeoutMs: number;
  /** How long the stream may go without a byte once open. */
  idleTimeoutMs: number;
  signal: AbortSignal;
  now: () => Date;
  /** Turns an engine error into a sentence naming the endpoint (ContainerEngine.explainFailure). */
  explain: (error: unknown) => string;
  onProgress?: (bytes: number) => void;
}

export interface StreamOutcome {
  item: ManifestItem;
  /** Why the engine did not even start the stream, when it did not. */
  openFailure?: string;
  /** The HTTP status of a refusal, when the engine answered one: it was reachable, only unwilling. */
  refusedWith?: number;
}

class OpenTimeout extends Error {
  constructor(milliseconds: number) {
    super(`the engine sent no response within ${(milliseconds / 1000).toFixed(1)} s`);
    this.name = 'OpenTimeout';
  }
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Resolves with the opened stream, or rejects at the deadline or on abort even if the engine call ignores its signal. */
function openWithin(
  open: (signal: AbortSignal) => Promise<EngineStream>,
  controller: AbortController,
  milliseconds: number,
): Promise<EngineStream> {
  return new Promise((resolve, reject) => {
    if (controller.signal.aborted) {
      reject(controller.signal.reason instanceof Error ? controller.signal.reason : new Error('aborted'));
      return;
    }
    let settled = false;
    const settle = (action: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      controller.signal.removeEventListener('abort', onAbort);
      action();
    };
    const onAbort = (): void =>
      settle(() => reject(controller.signal.reason instanceof Error ? controller.signal.reason : new Error('aborted')));
    const timer = setTimeout(() => {
      const timeout = new OpenTimeout(milliseconds);
      settle(() => reject(timeout));
      controller.abort(timeout);
    }, milliseconds);
    controller.signal.addEventListener('abort', onAbort, { once: true });
    open(controller.signal).then(
      (stream) => {
        // A stream that arrives after we gave up is released at once: nobody will read it.
        if (settled) stream.destroy(new Error('abandoned: opened after its deadline'));
        else settle(() => resolve(stream));
      },
      (error: unknown) => settle(() => reject(error)),
    );
  });
}

/** A source that fails at once: lets the case store record a refused acquisition as an empty, incomplete item. */
function failed(reason: string): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => Promise.reject(new Error(reason)),
    }),
  };
}

export async function acquireStream(acquisition: StreamAcquisition): Promise<StreamOutcome> {
  const { call, signal } = acquisition;
  const controller = new AbortController();
  const onCancel = (): void => controller.abort(signal.reason);
  if (signal.aborted) onCancel();
  else signal.addEventListener('abort', onCancel, { once: true });
  const at = acquisition.now().toISOString();
  let stream: EngineStream | undefined;
  let openFailure: string | undefined;
  let status: ApiCall['status'] = 200;
  try {
    stream = await openWithin(acquisition.open, controller, acquisition.openTimeoutMs);
  } catch (error) {
    const refused = statusOf(error);
    status = refused ?? 'error';
    const why = error instanceof OpenTimeout ? error.message : acquisition.explain(error);
    openFailure = `${call.method} ${call.path} failed: ${why}`;
  }
  const spec: EvidenceSpec = {
    ...acquisition.spec,
    apiCalls: [...(acquisition.spec.apiCalls ?? []), { method: call.method, path: call.path, at, status }],
  };
  // Read-ahead keeps the engine streaming while the case writes (see acquisition-readahead.ts). Recycling its
  // batches is safe here: the case's evidence writer is done with a chunk (written, hashed, tail kept) before it
  // asks for the next one.
  const source = stream === undefined ? undefined : readAhead(stream, { recycle: true });
  try {
    const item = await acquisition.recorder.addStream(spec, source ?? failed(openFailure ?? 'not opened'), {
      idleTimeoutMs: acquisition.idleTimeoutMs,
      signal,
      ...(acquisition.onProgress ? { onProgress: acquisition.onProgress } : {}),
    });
    const refused = stream === undefined && typeof status === 'number' ? { refusedWith: status } : {};
    return { item, ...(openFailure === undefined ? {} : { openFailure }), ...refused };
  } finally {
    signal.removeEventListener('abort', onCancel);
    // After a clean end this is a no-op; after a fault it guarantees the engine connection is released.
    source?.destroy();
  }
}
