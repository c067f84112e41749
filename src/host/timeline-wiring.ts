// Builds the timeline service from the host's parts, for the composition root and the CLI alike: one wiring, two callers.
import { readTraceFiles } from '../capture/node/trace-files.js';
import type { CaseStore } from '../forensics/node/case-store.js';
import type { DiffService } from '../forensics/node/diff-service.js';
import { TimelineService } from '../forensics/node/timeline-service.js';
import type { TraceReader } from '../forensics/node/timeline-trace-source.js';

/** The capture domain's trace reader, handed to the timeline (forensics may not import capture's node code). */
export const readTraceForTimeline: TraceReader = async (file, sink, signal) => {
  const { skips } = await readTraceFiles([file], sink, signal === undefined ? {} : { signal });
  return {
    skipped: skips.count,
    examples: skips.lines.slice(0, 5).map((skip) => `line ${skip.line}: ${skip.reason}`),
  };
};

export function createTimelineService(wiring: { cases: CaseStore; diffs: DiffService }): TimelineService {
  return new TimelineService({
    cases: wiring.cases,
    diff: (caseDir, signal) => wiring.diffs.report(caseDir, { rebuild: false, signal }),
    readTrace: readTraceForTimeline,
  });
}
