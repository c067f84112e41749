// A syscall-trace item replayed into timeline events: the trace's own replay, plus its Falco and Tetragon records.
import path from 'node:path';
import { ContractError } from '../../contract/envelope.js';
import type { RunningAtAttach } from '../../capture/common/trace/replay-core.js';
import { TraceReplay } from '../../capture/common/trace/replay.js';
import type { AlertEvent, TetragonEvent, TraceEvent } from '../../capture/common/trace/trace-event.js';
import type { ManifestItem } from '../common/case-model.js';
import type { ItemRef } from '../common/timeline-event.js';
import type { TimelineEvent } from '../common/timeline-model.js';
import { traceEventStream } from '../common/timeline-trace.js';
import { hashFile } from './durable-fs.js';

/**
 * Reads one trace file into events, in order, and says which lines it could not read. The capture domain owns
 * trace files (format detection, strace dating, worker lexing): the composition root passes its reader in.
 */
export type TraceReader = (
  file: string,
  sink: (event: TraceEvent) => void,
  signal?: AbortSignal,
) => Promise<{ skipped: number; examples: string[] }>;

/**
 * Replays one item on its own and gives its events one at a time, so every event's seq is the seq of that item's replay (what the replay view opens
 * with itemIds [the item]). The file is hashed first: events cite the manifest hash, which must still be true.
 */
export async function replayTraceItem(
  readTrace: TraceReader,
  caseDir: string,
  item: ManifestItem,
  ref: ItemRef,
  signal?: AbortSignal,
  runningAtAttach?: ReadonlyMap<number, RunningAtAttach>,
): Promise<Generator<TimelineEvent, string[], void>> {
  const file = path.join(caseDir, item.path);
  const digest = await hashFile(file, signal);
  if (digest.sha256 !== item.sha256) {
    throw new ContractError(
      'FAILED',
      `${item.id} (${item.path}) does not match its manifest hash; run holdcell verify`,
    );
  }
  const replay = new TraceReplay(runningAtAttach === undefined ? {} : { runningAtAttach });
  const sourceEvents: (AlertEvent | TetragonEvent)[] = [];
  const read = await readTrace(
    file,
    (event) => {
      replay.apply(event);
      // Falco and Tetragon records keep what replay does not (rule tags, pods, policies); they are few.
      if (event.kind === 'alert' || event.kind === 'tetragon') sourceEvents.push(event);
    },
    signal,
  );
  replay.finish();
  return (function* () {
    const problems = yield* traceEventStream(replay, sourceEvents, ref);
    if (read.skipped > 0) {
      problems.push(`${item.id}: ${read.skipped} trace line(s) could not be read (${read.examples.join('; ')})`);
    }
    return problems;
  })();
}
