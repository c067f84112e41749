// Reads everything the report rests on from a case folder: documents, custody, JSON evidence, diff, traces, timeline, annotations, verify.
//
// Order matters for "same case → same bytes": analyses that may still have to be built (the diff, the timeline)
// come first, because building them appends custody records; custody and manifest are read after them.
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { RunningAtAttach } from '../../capture/common/trace/replay-core.js';
import type { TraceReplay } from '../../capture/common/trace/replay.js';
import { loadRunningAtAttach } from '../../capture/common/trace/running-at-attach.js';
import type { CallContext } from '../../contract/kit.js';
import type { ManifestItem } from '../common/case-model.js';
import type { DiffEntry, DiffSummary } from '../common/diff-model.js';
import type { TraceActivity } from '../common/report-activity.js';
import type { CustodyLine, Loaded, ReportInputs, TimelineFacts } from '../common/report-assemble.js';
import { isReportEvent } from '../common/report-events.js';
import type { JsonEvidence } from '../common/report-scope.js';
import { Annotation, type TimelineEvent } from '../common/timeline-model.js';
import { ANNOTATIONS_FILE, CUSTODY_FILE } from './case-paths.js';
import type { CaseStore } from './case-store.js';
import { readCustody } from './custody-log.js';
import type { DiffReport } from './diff-service.js';
import { readJsonEvidence } from './diff-sources.js';
import type { TimelineService } from './timeline-service.js';
import { readItemBytes } from './timeline-sources.js';

/** Replays trace files (the capture domain's replayTraceFiles, handed in by the composition root). */
export type ReplayTraces = (
  paths: readonly string[],
  options: { signal?: AbortSignal; runningAtAttach?: ReadonlyMap<number, RunningAtAttach> },
) => Promise<{ replay: TraceReplay; result: { skips: { count: number } } }>;

/** The events of the case's timeline the report uses (those `keep` accepts), with its identity, or why there are none. */
export type LoadTimeline = (
  caseDir: string,
  keep: (event: TimelineEvent) => boolean,
  signal: AbortSignal,
) => Promise<Loaded<TimelineFacts>>;

export interface ReportSourcesDeps {
  cases: CaseStore;
  /** The case's diff (built when missing, as `holdcell diff` does). */
  diff: (caseDir: string, signal: AbortSignal) => Promise<DiffReport>;
  replayTraces: ReplayTraces;
  timeline: LoadTimeline;
  toolVersion: string;
}

const JSON_KINDS = new Set<ManifestItem['kind']>(['engine-info', 'container-inspect', 'image-inspect']);
/** annotations.jsonl is the investigators' own file, but still read with a bound. */
const MAX_ANNOTATIONS_BYTES = 64 * 1024 * 1024;

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function loadDiff(
  deps: ReportSourcesDeps,
  caseDir: string,
  items: readonly ManifestItem[],
  signal: AbortSignal,
): Promise<Loaded<{ summary: DiffSummary; entries: DiffEntry[] }>> {
  if (!items.some((item) => item.kind === 'filesystem-export')) {
    return { problem: 'no filesystem diff: the case holds no container export (holdcell snapshot acquires one)' };
  }
  try {
    const report = await deps.diff(caseDir, signal);
    return { summary: report.summary, entries: report.entries };
  } catch (error) {
    signal.throwIfAborted();
    return { problem: `no filesystem diff: ${message(error)}` };
  }
}

async function loadTraces(
  deps: ReportSourcesDeps,
  caseDir: string,
  items: readonly ManifestItem[],
  signal: AbortSignal,
): Promise<{ traces: TraceActivity[]; problems: string[] }> {
  const traces: TraceActivity[] = [];
  const problems: string[] = [];
  const chosen = items.filter((item) => item.kind === 'syscall-trace').sort((a, b) => (a.id < b.id ? -1 : 1));
  for (const item of chosen) {
    try {
      // Each item on its own, so every process, file and connection cites the item it was read from.
      // What ran before the tracer attached, from the capture's snapshot: the attack tree names those processes.
      const attach = await loadRunningAtAttach([item], items, (snapshot) => readItemBytes(caseDir, snapshot));
      problems.push(...attach.problems);
      const { replay, result } = await deps.replayTraces([path.join(caseDir, item.path)], {
        signal,
        runningAtAttach: attach.running,
      });
      traces.push({
        item,
        processes: replay.allProcesses(),
        files: replay.fileActivity(),
        network: replay.connections(),
        alerts: replay.alertEvents(),
      });
      if (result.skips.count > 0) {
        problems.push(`trace ${item.id}: ${result.skips.count} lines could not be parsed (holdcell replay lists them)`);
      }
    } catch (error) {
      signal.throwIfAborted();
      problems.push(`trace ${item.id} could not be replayed: ${message(error)}`);
    }
  }
  return { traces, problems };
}

async function loadJson(caseDir: string, items: readonly ManifestItem[]): Promise<JsonEvidence[]> {
  const out: JsonEvidence[] = [];
  for (const item of items) {
    if (!JSON_KINDS.has(item.kind)) continue;
    try {
      out.push({ item, value: await readJsonEvidence(caseDir, item) });
    } catch (error) {
      out.push({ item, error: message(error) });
    }
  }
  return out;
}

/** annotations.jsonl, line by line; a line that is not an annotation is a problem, not a reason to stop. */
async function loadAnnotations(caseDir: string): Promise<{ annotations: Annotation[]; problems: string[] }> {
  const file = path.join(caseDir, ANNOTATIONS_FILE);
  let text: string;
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      if (size > MAX_ANNOTATIONS_BYTES) {
        return { annotations: [], problems: [`${ANNOTATIONS_FILE} is ${size} bytes: not read`] };
      }
      text = (await handle.readFile()).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { annotations: [], problems: [] };
    throw error;
  }
  const annotations: Annotation[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      const parsed = Annotation.safeParse(JSON.parse(line));
      if (parsed.success) annotations.push(parsed.data);
      else
        problems.push(
          `${ANNOTATIONS_FILE} line ${index + 1} is not an annotation: ${parsed.error.issues[0]?.message ?? ''}`,
        );
    } catch {
      problems.push(`${ANNOTATIONS_FILE} line ${index + 1} is not JSON`);
    }
  });
  return { annotations, problems };
}

async function loadCustody(caseDir: string): Promise<{ custody: CustodyLine[]; problems: string[] }> {
  const parsed = await readCustody(path.join(caseDir, CUSTODY_FILE));
  const custody: CustodyLine[] = [];
  const problems: string[] = [];
  for (const line of parsed.lines) {
    if (line.record === undefined)
      problems.push(`${CUSTODY_FILE} line ${line.lineNo} ${line.error ?? 'is not a record'}`);
    else custody.push({ record: line.record, hash: line.hash });
  }
  return { custody, problems };
}

/**
 * The timeline service's timeline (built when missing or stale, as `holdcell timeline` does), read a page at a time:
 * only the events the report prints are kept, so a million-event timeline is never held whole.
 */
export function timelineLoader(timeline: Pick<TimelineService, 'load'>): LoadTimeline {
  return async (caseDir, keep, signal) => {
    let loaded;
    try {
      loaded = await timeline.load(caseDir, { rebuild: false, fresh: true, signal, progress: () => undefined });
    } catch (error) {
      signal.throwIfAborted();
      return { problem: `no timeline: ${message(error)}` };
    }
    const events: TimelineEvent[] = [];
    for await (const event of loaded.pages.events()) if (keep(event)) events.push(event);
    const { summary } = loaded;
    return {
      events,
      attackVersion: summary.attackVersion,
      problems: summary.problems,
      total: summary.events,
      sha256: summary.sha256,
    };
  };
}

/** Everything assembleReport needs, read from one case. */
export async function readReportInputs(
  deps: ReportSourcesDeps,
  caseDir: string,
  context: Pick<CallContext, 'signal' | 'progress'>,
): Promise<ReportInputs> {
  const { signal } = context;
  const step = (done: number, note: string): void => context.progress({ done, total: 6, note });
  step(0, 'reading the case');
  const first = await deps.cases.summary(caseDir);
  const dir = first.caseDir;
  step(1, 'loading the filesystem diff');
  const diff = await loadDiff(deps, dir, first.items, signal);
  step(2, 'loading the timeline');
  // Annotations first: the timeline is read keeping only what the report prints, bookmarked events among it.
  const { annotations, problems: annotationProblems } = await loadAnnotations(dir);
  const bookmarked = new Set(
    annotations.flatMap((annotation) =>
      annotation.kind === 'bookmark' && annotation.eventId !== undefined ? [annotation.eventId] : [],
    ),
  );
  const timeline = await deps.timeline(dir, (event) => isReportEvent(event, bookmarked), signal);
  step(3, 'replaying the syscall traces');
  // Read again: building the diff or timeline appended custody records, which the report must include.
  const summary = await deps.cases.summary(dir);
  const { traces, problems: traceProblems } = await loadTraces(deps, dir, summary.items, signal);
  step(4, 'reading custody and evidence JSON');
  const { custody, problems: custodyProblems } = await loadCustody(dir);
  const json = await loadJson(dir, summary.items);
  step(5, 'verifying the case');
  const verify = await deps.cases.verify(dir, { signal });
  return {
    caseJson: summary.case,
    items: summary.items,
    custody,
    json,
    diff,
    traces,
    traceProblems: [...traceProblems, ...custodyProblems, ...annotationProblems],
    timeline,
    annotations,
    verify,
    toolVersion: deps.toolVersion,
  };
}
