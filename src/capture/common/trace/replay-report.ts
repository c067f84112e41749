// The replay report (what `holdcell replay --json` prints): processes, files, network, terminal text, skipped lines.
//
// The first five keys are the documented contract (processes, files, network, tty, skipped); everything after
// them is added detail. tty `text` is the decoded text, raw (JSON escapes control characters; text output goes
// through visibleText), and `base64` carries the exact bytes for automation.
import type { TraceReplay, ReplayInstant } from './replay.js';
import type {
  AlertView,
  FdView,
  FileActivityView,
  NetworkActivityView,
  ProcessView,
  SignalView,
} from './replay-model.js';
import { countThrough, type TtyRecord } from './replay-records.js';
import { atOf } from './replay-views.js';
import type { SkippedLine } from './trace-skips.js';
import { base64Encode, bytesToText, concatBytes } from './trace-bytes.js';

export interface TtyStream {
  pid: number;
  fd: number;
  text: string;
  base64: string;
  /** Some write moved more bytes than the trace shows (strace -s). */
  truncated: boolean;
  chunks: number;
  first: string | null;
  last: string | null;
}

export interface TraceInputInfo {
  path: string;
  format: string;
  /** pid taken from an -ff file name. */
  pid?: number;
  lines: number;
}

export interface ReplayReport {
  processes: (ProcessView & { alive?: boolean })[];
  files: FileActivityView[];
  network: NetworkActivityView[];
  tty: TtyStream[];
  skipped: number;
  skippedLines: SkippedLine[];
  skippedReasons: Record<string, number>;
  ttyInput: TtyStream[];
  signals: SignalView[];
  alerts: AlertView[];
  diagnostics: string[];
  at?: { seq: number; at: string | null; fds: { pid: number; id: number; fds: FdView[] }[] };
  trace: {
    inputs: TraceInputInfo[];
    events: number;
    kinds: Record<string, number>;
    first: string | null;
    last: string | null;
    /** How time-of-day stamps were dated, when the trace has them. */
    dating?: string;
  };
}

export interface ReportSkips {
  count: number;
  lines: readonly SkippedLine[];
  byReason: Record<string, number>;
}

/** Terminal chunks grouped per process, fd and direction, in order of first output. */
export function ttyStreams(chunks: readonly TtyRecord[], direction: 'out' | 'in'): TtyStream[] {
  const groups = new Map<string, TtyRecord[]>();
  for (const chunk of chunks) {
    if (chunk.direction !== direction) continue;
    const key = `${chunk.processId}:${chunk.fd}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [chunk]);
    else group.push(chunk);
  }
  return [...groups.values()].map((group) => {
    const bytes = concatBytes(group.map((chunk) => chunk.bytes));
    const head = group[0] as TtyRecord;
    const tail = group[group.length - 1] as TtyRecord;
    return {
      pid: head.pid,
      fd: head.fd,
      text: bytesToText(bytes),
      base64: base64Encode(bytes),
      truncated: group.some((chunk) => chunk.truncated),
      chunks: group.length,
      first: atOf(head),
      last: atOf(tail),
    };
  });
}

export function buildReplayReport(
  replay: TraceReplay,
  skips: ReportSkips,
  inputs: TraceInputInfo[],
  options: { at?: ReplayInstant; dating?: string } = {},
): ReplayReport {
  const until = options.at;
  const seq = until === undefined ? undefined : replay.seqOf(until);
  const ttyEnd = seq === undefined ? replay.tty.length : countThrough(replay.tty, seq);
  const chunks = replay.tty.slice(0, ttyEnd);
  const span = replay.span();
  const report: ReplayReport = {
    processes: seq === undefined ? replay.allProcesses() : replay.processesAt({ seq }),
    files: replay.fileActivity(seq === undefined ? {} : { until: { seq } }),
    network: replay.connections(seq === undefined ? {} : { until: { seq } }),
    tty: ttyStreams(chunks, 'out'),
    skipped: skips.count,
    skippedLines: [...skips.lines],
    skippedReasons: skips.byReason,
    ttyInput: ttyStreams(chunks, 'in'),
    signals: replay.signalEvents(seq === undefined ? {} : { until: { seq } }),
    alerts: replay.alertEvents(seq === undefined ? {} : { until: { seq } }),
    diagnostics: replay.diagnostics.filter((d) => seq === undefined || d.seq <= seq).map((d) => d.text),
    trace: {
      inputs,
      events: replay.eventCount,
      kinds: { ...replay.eventKinds },
      first: span.first,
      last: span.last,
    },
  };
  if (options.dating !== undefined) report.trace.dating = options.dating;
  if (seq !== undefined) report.at = { seq, at: replay.timeOfSeq(seq), fds: replay.openFdsAt({ seq }) };
  return report;
}
