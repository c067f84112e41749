// Worker thread entry: loads or builds (and saves) one evidence item's index, and sends it back packed.
//
// Started by tar-index-thread.ts, one per evidence item, so the container export and the image archive are
// indexed on two cores at once. Hashing stays on this thread (the index already has a core of its own).
import { parentPort, workerData } from 'node:worker_threads';
import type { ManifestItem } from '../common/case-model.js';
import { packIndex, transferables } from './tar-index-transfer.js';
import { buildEvidenceIndex, evidenceIndex, loadEvidenceIndex, type IndexOutcome } from './tar-index-store.js';

/** What the main thread asks for. */
export interface IndexJob {
  caseDir: string;
  item: ManifestItem;
  rebuild: boolean;
  /** False for a sealed case: load or build, never save. */
  store: boolean;
}

/** Progress is sent at most this often (each message costs the main thread a wake-up). */
const PROGRESS_INTERVAL_MS = 100;

async function run(job: IndexJob, signal: AbortSignal): Promise<IndexOutcome> {
  let last = 0;
  const onProgress = (bytes: number): void => {
    const now = Date.now();
    if (now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    parentPort?.postMessage({ type: 'progress', bytes });
  };
  const options = { signal, onProgress, parallelHashing: false };
  if (job.store) return evidenceIndex(job.caseDir, job.item, { ...options, rebuild: job.rebuild });
  const loaded = job.rebuild ? undefined : await loadEvidenceIndex(job.caseDir, job.item);
  if (loaded !== undefined) return { index: loaded, source: 'loaded' };
  return { index: await buildEvidenceIndex(job.caseDir, job.item, options), source: 'built' };
}

const port = parentPort;
if (port !== null) {
  const controller = new AbortController();
  port.on('message', (message: { type: string }) => {
    if (message.type === 'abort') controller.abort(new Error('indexing cancelled'));
  });
  run(workerData as IndexJob, controller.signal).then(
    (outcome) => {
      const packed = packIndex(outcome.index);
      port.postMessage(
        {
          type: 'done',
          source: outcome.source,
          ...(outcome.saveProblem === undefined ? {} : { saveProblem: outcome.saveProblem }),
          packed,
        },
        transferables(packed),
      );
    },
    (error: unknown) => {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      port.postMessage({ type: 'error', name, message, aborted: controller.signal.aborted });
    },
  );
}
