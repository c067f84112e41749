// The replay view's URL parameters (item, seq, pid, tty, path) parsed and formatted; a malformed value means "not set".
import { viewHref } from '../../app/url-state.js';

export interface TtyRef {
  pid: number;
  fd: number;
}

const INTEGER = /^(0|[1-9]\d{0,15})$/;

function integer(value: string): number | undefined {
  return INTEGER.test(value) ? Number(value) : undefined;
}

/** The instant: a seq within 0..lastSeq; anything else (missing, garbage, past the end) is clamped or defaults to 0. */
export function parseSeq(value: string, lastSeq: number): number {
  const seq = integer(value.trim());
  if (seq === undefined) return 0;
  return Math.min(seq, Math.max(0, lastSeq));
}

export function parsePid(value: string): number | undefined {
  return integer(value.trim());
}

/** `pid:fd`, e.g. "4242:1". */
export function parseTty(value: string): TtyRef | undefined {
  const [pid, fd, extra] = value.trim().split(':');
  if (pid === undefined || fd === undefined || extra !== undefined) return undefined;
  const pidNumber = integer(pid);
  const fdNumber = integer(fd);
  return pidNumber === undefined || fdNumber === undefined ? undefined : { pid: pidNumber, fd: fdNumber };
}

export function formatTty(ref: TtyRef): string {
  return `${ref.pid}:${ref.fd}`;
}

/**
 * The chosen terminal session: the URL's when the trace has it, else the one with the most output (the likeliest
 * to be the attacker's shell rather than a helper's one-line error).
 */
export function chooseTty<S extends TtyRef & { bytes: number }>(sessions: readonly S[], value: string): S | undefined {
  const wanted = parseTty(value);
  const named = wanted && sessions.find((session) => session.pid === wanted.pid && session.fd === wanted.fd);
  if (named) return named;
  return sessions.reduce<S | undefined>(
    (best, session) => (!best || session.bytes > best.bytes ? session : best),
    undefined,
  );
}

/** Which traces to replay: the named item alone, or (no item, or one the case lacks) all of them merged. */
export interface TraceChoice {
  /** For openReplay; absent = every syscall-trace item of the case, merged by time. */
  itemIds?: string[];
  /** Why the named item was not used, for the view to show (the id is raw URL text: escape it). */
  note?: string;
}

/**
 * The `item` parameter against the case's trace items. A timeline event's seq counts within its own item's replay,
 * so a link naming the item is exact only when that item is replayed alone; an unknown one falls back to all.
 */
export function chooseTrace(traceItemIds: readonly string[], value: string): TraceChoice {
  const item = value.trim();
  // No traces at all: opening fails with the host's own message, which says what to do.
  if (item === '' || traceItemIds.length === 0) return {};
  if (traceItemIds.includes(item)) return { itemIds: [item] };
  const all = traceItemIds.length === 1 ? 'its one trace' : `all ${traceItemIds.length} of its traces merged by time`;
  return {
    note:
      `This case holds no trace item ${item}: showing ${all} instead, ` +
      'so the position in the link may not be the instant it meant.',
  };
}

/**
 * The path the diff shows ("etc/passwd", relative to the container's root) as the traced process named it
 * ("/etc/passwd"): the replay's paths are absolute.
 */
export function tracePathFromDiff(displayPath: string): string {
  return displayPath.startsWith('/') ? displayPath : `/${displayPath}`;
}

/** A link into the replay of a case, optionally opening "who wrote this?" for a path. */
export function replayHref(caseDir: string, path?: string): string {
  return viewHref('replay', { case: caseDir, ...(path ? { path } : {}) });
}
