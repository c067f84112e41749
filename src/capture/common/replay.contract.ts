// The replay domain's contract: import traces into a case, open them as a replay, and ask it about any instant.
//
// A replay is opened once on the host (parsing is the expensive part) and queried many times by the player;
// `replayId` names it until closeReplay or until the host evicts it (least recently used, a few kept).
import { z } from 'zod';
import { defineService, method } from '../../contract/kit.js';
import { ManifestItem } from '../../forensics/common/case-model.js';
import {
  AlertView,
  FileActivityView,
  NetworkActivityView,
  ReplayStateView,
  SignalView,
  TtyChunkView,
  WhoWroteView,
} from './trace/replay-model.js';

const CaseDir = z.string().min(1).max(4096);
const ReplayId = z.string().min(1).max(100);
const Seq = z.number().int().min(0);

export const TraceFormatChoice = z.enum(['auto', 'strace', 'jsonl', 'falco', 'tetragon']);

export const ReplayInput = z.object({
  itemId: z.string(),
  /** Relative to the case folder. */
  path: z.string(),
  format: z.string(),
  lines: z.number().int(),
  bytes: z.number().int(),
});

export const SkipSummary = z.object({
  count: z.number().int(),
  byReason: z.record(z.string(), z.number().int()),
  /** The first few skipped lines (raw: escape before showing). */
  examples: z.array(z.object({ file: z.number().int(), line: z.number().int(), reason: z.string(), text: z.string() })),
});

export const ReplaySummary = z.object({
  replayId: ReplayId,
  caseDir: z.string(),
  inputs: z.array(ReplayInput),
  events: z.number().int(),
  /** Last valid seq (events - 1); the scrubber runs over 0..lastSeq. */
  lastSeq: z.number().int(),
  first: z.string().nullable(),
  last: z.string().nullable(),
  skips: SkipSummary,
  /** Event counts in equal seq slices (at most 200), for the scrubber's density strip. */
  density: z.array(z.number().int()),
  /** seq of the first event of each slice in `density`. */
  densityStarts: z.array(z.number().int()),
  processes: z.number().int(),
  /** Terminal sessions (process + fd with output), for the terminal pane's picker. */
  ttySessions: z.array(
    z.object({ pid: z.number().int(), fd: z.number().int(), chunks: z.number().int(), bytes: z.number().int() }),
  ),
  /** How time-of-day stamps were dated, when the trace has them. */
  dating: z.string().optional(),
});
export type ReplaySummary = z.infer<typeof ReplaySummary>;

/** One instant: a seq (exact) or a UTC ISO time (the last event at or before it). */
export const ReplayAt = z.union([z.object({ seq: Seq }), z.object({ iso: z.string().min(1).max(64) })]);
export type ReplayAt = z.infer<typeof ReplayAt>;

export const ActivityWindow = z.object({
  replayId: ReplayId,
  /** Events with fromSeq <= seq <= untilSeq. */
  fromSeq: Seq.default(0),
  untilSeq: Seq,
  /** Only this process (host pid). */
  pid: z.number().int().optional(),
  /** At most this many of each kind, the latest ones (the player shows what led up to the instant). */
  limit: z.number().int().min(1).max(5000).default(500),
});

export const ActivityPage = z.object({
  files: z.array(FileActivityView),
  network: z.array(NetworkActivityView),
  signals: z.array(SignalView),
  alerts: z.array(AlertView),
  /** How many of each kind are in the window (before `limit`). */
  totals: z.object({
    files: z.number().int(),
    network: z.number().int(),
    signals: z.number().int(),
    alerts: z.number().int(),
  }),
});
export type ActivityPage = z.infer<typeof ActivityPage>;

export const TerminalReplay = z.object({
  pid: z.number().int(),
  fd: z.number().int(),
  /** Output chunks of that session up to the instant, oldest first (bytes in base64; raw evidence). */
  chunks: z.array(TtyChunkView),
  /** Older chunks were left out to respect the byte cap; the pane says so. */
  truncated: z.boolean(),
});
export type TerminalReplay = z.infer<typeof TerminalReplay>;

export const replayService = defineService({
  importTrace: method({
    summary: 'Copy a trace file from this machine into the case as evidence (hashed while copied, custody logged)',
    input: z.object({ caseDir: CaseDir, path: z.string().min(1).max(4096), format: TraceFormatChoice.default('auto') }),
    output: ManifestItem,
  }),
  openReplay: method({
    summary: "Parse and replay the case's traces (all syscall-trace items, or the ones named), merged by time",
    input: z.object({
      caseDir: CaseDir,
      itemIds: z.array(z.string().min(1)).max(1000).optional(),
      format: TraceFormatChoice.default('auto'),
      /** YYYY-MM-DD for strace -t/-tt stamps. */
      baseDate: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/)
        .optional(),
    }),
    output: ReplaySummary,
  }),
  replayState: method({
    summary: 'Processes (tree), open fds and sockets at one instant',
    input: z.object({ replayId: ReplayId, at: ReplayAt }),
    output: ReplayStateView,
  }),
  replayActivity: method({
    summary: 'File, network, signal and alert events in a seq window (latest first capped by limit)',
    input: ActivityWindow,
    output: ActivityPage,
  }),
  replayTerminal: method({
    summary: "One terminal session's output up to an instant, capped in bytes",
    input: z.object({
      replayId: ReplayId,
      /** Only chunks from here on: a player moving forward asks for what it has not written yet. */
      fromSeq: Seq.default(0),
      untilSeq: Seq,
      pid: z.number().int(),
      fd: z.number().int(),
      maxBytes: z
        .number()
        .int()
        .min(1024)
        .max(8 * 1024 * 1024)
        .default(1024 * 1024),
    }),
    output: TerminalReplay,
  }),
  whoWrote: method({
    summary: 'Every event that created, wrote, renamed, chmod-ed or removed a path, with the process ancestry',
    input: z.object({ replayId: ReplayId, path: z.string().min(1).max(8192) }),
    output: WhoWroteView,
  }),
  closeReplay: method({
    summary: 'Forget an opened replay',
    input: z.object({ replayId: ReplayId }),
    output: z.object({ closed: z.boolean() }),
  }),
});
