// Indexes one evidence item on this thread (the default) or, when asked, on a worker thread.
//
// The diff needs two indexes (the container export and the image archive); each on its own worker, they can take
// two free cores at once, but on a busy machine that cost more CPU and time than it saved (README, bench:diff), so
// workers are opt-in (`where: 'worker'`). Results come back packed (tar-index-transfer.ts). From sources (tests
// run TypeScript) there is no compiled worker script: the work then runs here.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ManifestItem } from '../common/case-model.js';
import { ImageArchiveError } from './image-archive.js';
import { unpackIndex, type PackedIndex } from './tar-index-transfer.js';
import { buildEvidenceIndex, evidenceIndex, loadEvidenceIndex, type IndexOutcome } from './tar-index-store.js';
import type { IndexJob } from './tar-index-worker.js';

export interface ThreadOptions {
  rebuild: boolean;
  /** False for a sealed case: stored indexes are used, new ones kept in memory only. */
  store: boolean;
  signal?: AbortSignal;
  onProgress?: (bytes: number) => void;
  /** "worker": a worker thread (needs the build); default "thread", this thread. */
  where?: 'worker' | 'thread';
}

type WorkerReply =
  | { type: 'progress'; bytes: number }
  | { type: 'done'; source: IndexOutcome['source']; saveProblem?: string; packed: PackedIndex }
  | { type: 'error'; name: string; message: string; aborted: boolean };

/** The compiled worker next to this module, or undefined when running from sources. */
export function indexWorkerScript(): URL | undefined {
  const script = new URL('./tar-index-worker.js', import.meta.url);
  return existsSync(fileURLToPath(script)) ? script : undefined;
}

export async function indexEvidenceItem(
  caseDir: string,
  item: ManifestItem,
  options: ThreadOptions,
): Promise<IndexOutcome & { where: 'worker' | 'thread' }> {
  // On this thread unless asked: on this 2-core VM under its usual load (7–9) the two workers cost more CPU than
  // they saved (module loading per worker, packing) and the diff took longer (bench:diff, see the README).
  const script = options.where === 'worker' ? indexWorkerScript() : undefined;
  if (script === undefined) {
    if (options.where === 'worker') throw new Error('the index worker script is not built (npm run build)');
    return { ...(await indexHere(caseDir, item, options)), where: 'thread' };
  }
  return {
    ...(await indexOnWorker(script, { caseDir, item, rebuild: options.rebuild, store: options.store }, options)),
    where: 'worker',
  };
}

async function indexHere(caseDir: string, item: ManifestItem, options: ThreadOptions): Promise<IndexOutcome> {
  const common = {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
  if (options.store) return evidenceIndex(caseDir, item, { ...common, rebuild: options.rebuild });
  const loaded = options.rebuild ? undefined : await loadEvidenceIndex(caseDir, item);
  if (loaded !== undefined) return { index: loaded, source: 'loaded' };
  return { index: await buildEvidenceIndex(caseDir, item, common), source: 'built' };
}

function indexOnWorker(script: URL, job: IndexJob, options: ThreadOptions): Promise<IndexOutcome> {
  options.signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: job });
    let settled = false;
    const onAbort = (): void => worker.postMessage({ type: 'abort' });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (outcome: () => IndexOutcome | Error): void => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      // The worker has said all it will; it ends on its own (terminate would cut a save's cleanup short).
      worker.unref();
      const value = outcome();
      if (value instanceof Error) reject(value);
      else resolve(value);
    };
    worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'progress') options.onProgress?.(reply.bytes);
      else if (reply.type === 'done') {
        finish(() => ({
          index: unpackIndex(reply.packed),
          source: reply.source,
          ...(reply.saveProblem === undefined ? {} : { saveProblem: reply.saveProblem }),
        }));
      } else {
        finish(() => {
          if (reply.aborted && options.signal?.aborted) return options.signal.reason as Error;
          // The classes callers tell apart keep their class across the thread boundary.
          return reply.name === 'ImageArchiveError' ? new ImageArchiveError(reply.message) : new Error(reply.message);
        });
      }
    });
    worker.on('error', (error) => finish(() => error));
    worker.on('exit', (code) =>
      finish(() => new Error(`the indexing worker exited (code ${code}) before it answered`)),
    );
  });
}
