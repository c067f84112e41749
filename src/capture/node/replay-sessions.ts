// The replay service: traces of a case parsed once into a replay kept on the host, then queried by the player.
//
// Parsing is the expensive step (seconds for millions of lines); each query after it is a checkpoint seek or a
// binary search. A few replays stay open, least recently used evicted first, so a forgotten one cannot pin memory.
import { randomUUID } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ContractError } from '../../contract/envelope.js';
import type { ServiceImpl } from '../../contract/kit.js';
import type { CaseOpener } from '../../forensics/common/case-recorder.js';
import type { ManifestItem } from '../../forensics/common/case-model.js';
import type { ActivityPage, ReplayAt, ReplaySummary, TerminalReplay } from '../common/replay.contract.js';
import type { replayService } from '../common/replay.contract.js';
import { replayDensity } from '../common/trace/replay-density.js';
import { loadRunningAtAttach } from '../common/trace/running-at-attach.js';
import type {
  AlertView,
  FileActivityView,
  NetworkActivityView,
  SignalView,
  TtyChunkView,
} from '../common/trace/replay-model.js';
import type { TraceReplay } from '../common/trace/replay.js';
import { detectFormat, type TraceFormat } from '../common/trace/trace-detect.js';
import { replayTraceFiles, type ReadTraceResult } from './trace-files.js';

type ReplayImpl = ServiceImpl<typeof replayService>;
type FormatChoice = TraceFormat | 'auto';

const DEFAULT_MAX_OPEN = 4;
const SKIP_EXAMPLES = 20;

/** The replay's event lists, built once on first use (each sorted by seq). */
interface Lists {
  files: FileActivityView[];
  network: NetworkActivityView[];
  signals: SignalView[];
  alerts: AlertView[];
  tty: TtyChunkView[];
}

interface OpenReplay {
  summary: ReplaySummary;
  replay: TraceReplay;
  lists: Lists | undefined;
}

/** Decoded size of base64 text without decoding it. */
function base64Bytes(text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

/** Index of the first element with seq >= target. */
function lowerBound(list: readonly { seq: number }[], target: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((list[middle]?.seq ?? 0) < target) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The latest `limit` elements with fromSeq <= seq <= untilSeq (optionally of one pid), latest first. */
function window<T extends { seq: number; pid: number | null }>(
  list: readonly T[],
  fromSeq: number,
  untilSeq: number,
  pid: number | undefined,
  limit: number,
): { items: T[]; total: number } {
  const slice = list.slice(lowerBound(list, fromSeq), lowerBound(list, untilSeq + 1));
  const chosen = pid === undefined ? slice : slice.filter((item) => item.pid === pid);
  return { items: chosen.slice(-limit).reverse(), total: chosen.length };
}

function storedFormat(format: TraceFormat): ManifestItem['format'] {
  return format === 'strace' ? 'text' : 'jsonl';
}

export interface ReplaySessionsOptions {
  /** Opens an existing case (never creates one: a mistyped folder is an error, not a new empty case). */
  openCase: CaseOpener;
  maxOpen?: number;
}

export class ReplaySessions implements ReplayImpl {
  private readonly openCase: CaseOpener;
  private readonly maxOpen: number;
  /** Insertion order is recency: a touched replay is moved to the end. */
  private readonly open = new Map<string, OpenReplay>();

  constructor(options: ReplaySessionsOptions) {
    this.openCase = options.openCase;
    this.maxOpen = options.maxOpen ?? DEFAULT_MAX_OPEN;
  }

  importTrace: ReplayImpl['importTrace'] = async ({ caseDir, path: source, format }, call) => {
    const absolute = path.resolve(source);
    const detected = await this.detect(absolute, format);
    const recorder = await this.openCase(caseDir);
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const id = `trace-import-${stamp}-${randomUUID().slice(0, 8)}`;
    const extension = detected === 'strace' ? 'strace.txt' : `${detected}.jsonl`;
    return recorder.addStream(
      {
        id,
        kind: 'syscall-trace',
        fileName: `${id}.${extension}`,
        format: storedFormat(detected),
        source: { engineId: 'host-file', endpoint: absolute },
        flags: ['imported'],
        note: `imported ${detected} trace from ${absolute}`,
      },
      createReadStream(absolute),
      { signal: call.signal },
    );
  };

  openReplay: ReplayImpl['openReplay'] = async ({ caseDir, itemIds, format, baseDate }, call) => {
    const recorder = await this.openCase(caseDir);
    const items = await recorder.items();
    const traces = items.filter((item) => item.kind === 'syscall-trace');
    const chosen = itemIds === undefined ? traces : itemIds.map((id) => this.traceItem(traces, id));
    if (chosen.length === 0) {
      throw new ContractError('NOT_FOUND', `${recorder.caseDir} holds no syscall trace yet: capture or import one`);
    }
    const paths = chosen.map((item) => path.join(recorder.caseDir, item.path));
    // O_NOFOLLOW, as the timeline's and the diff's readers of evidence: a case folder is not trusted to be intact.
    const { running } = await loadRunningAtAttach(chosen, items, (item) =>
      readFile(path.join(recorder.caseDir, item.path), { flag: constants.O_RDONLY | constants.O_NOFOLLOW }),
    );
    const { replay, result } = await replayTraceFiles(paths, {
      runningAtAttach: running,
      format,
      baseDate,
      signal: call.signal,
      onProgress: (done, total) => call.progress({ done, total, note: 'reading traces' }),
    });
    const replayId = randomUUID();
    const summary = this.summarize(replayId, recorder.caseDir, chosen, replay, result);
    this.remember(replayId, { summary, replay, lists: undefined });
    return summary;
  };

  replayState: ReplayImpl['replayState'] = async ({ replayId, at }) => {
    const session = this.session(replayId);
    return session.replay.stateAt({ seq: this.seqAt(session, at) });
  };

  replayActivity: ReplayImpl['replayActivity'] = async ({ replayId, fromSeq, untilSeq, pid, limit }) => {
    const lists = this.lists(this.session(replayId));
    const files = window(lists.files, fromSeq, untilSeq, pid, limit);
    const network = window(lists.network, fromSeq, untilSeq, pid, limit);
    const signals = window(lists.signals, fromSeq, untilSeq, pid, limit);
    const alerts = window(lists.alerts, fromSeq, untilSeq, pid, limit);
    const page: ActivityPage = {
      files: files.items,
      network: network.items,
      signals: signals.items,
      alerts: alerts.items,
      totals: { files: files.total, network: network.total, signals: signals.total, alerts: alerts.total },
    };
    return page;
  };

  replayTerminal: ReplayImpl['replayTerminal'] = async ({ replayId, fromSeq, untilSeq, pid, fd, maxBytes }) => {
    const lists = this.lists(this.session(replayId));
    const session = lists.tty
      .slice(lowerBound(lists.tty, fromSeq), lowerBound(lists.tty, untilSeq + 1))
      .filter((chunk) => chunk.pid === pid && chunk.fd === fd && chunk.direction === 'out');
    // Keep the newest chunks that fit: what the screen shows at the instant depends most on the latest output.
    let bytes = 0;
    let first = session.length;
    while (first > 0) {
      const size = base64Bytes(session[first - 1]?.base64 ?? '');
      if (bytes + size > maxBytes) break;
      bytes += size;
      first--;
    }
    const answer: TerminalReplay = { pid, fd, chunks: session.slice(first), truncated: first > 0 };
    return answer;
  };

  whoWrote: ReplayImpl['whoWrote'] = async ({ replayId, path: target }) =>
    this.session(replayId).replay.whoWrote(target);

  closeReplay: ReplayImpl['closeReplay'] = async ({ replayId }) => ({ closed: this.open.delete(replayId) });

  // ------------------------------------------------------------------------------------------------------------

  private async detect(file: string, format: FormatChoice): Promise<TraceFormat> {
    const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
      throw new ContractError('NOT_FOUND', `cannot read ${file}: ${error.code ?? error.message}`, 'path');
    });
    try {
      if (!(await handle.stat()).isFile())
        throw new ContractError('BAD_INPUT', `${file} is not a regular file`, 'path');
      if (format !== 'auto') return format;
      const head = Buffer.alloc(64 * 1024);
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      const found = detectFormat(head.subarray(0, bytesRead).toString('latin1'));
      if ('reason' in found)
        throw new ContractError('BAD_INPUT', `${file} is not a trace HoldCell reads: ${found.reason}`, 'path');
      return found.format;
    } finally {
      await handle.close();
    }
  }

  private traceItem(traces: readonly ManifestItem[], id: string): ManifestItem {
    const item = traces.find((candidate) => candidate.id === id);
    if (item === undefined) throw new ContractError('NOT_FOUND', `no syscall-trace item ${id} in this case`, 'itemIds');
    return item;
  }

  private summarize(
    replayId: string,
    caseDir: string,
    items: readonly ManifestItem[],
    replay: TraceReplay,
    result: ReadTraceResult,
  ): ReplaySummary {
    const span = replay.span();
    const density = replayDensity(replay);
    const sessions = new Map<string, { pid: number; fd: number; chunks: number; bytes: number }>();
    for (const chunk of replay.ttyChunks()) {
      if (chunk.direction !== 'out') continue;
      const key = `${chunk.pid}:${chunk.fd}`;
      const session = sessions.get(key) ?? { pid: chunk.pid, fd: chunk.fd, chunks: 0, bytes: 0 };
      session.chunks++;
      session.bytes += base64Bytes(chunk.base64);
      sessions.set(key, session);
    }
    return {
      replayId,
      caseDir,
      inputs: items.map((item, index) => ({
        itemId: item.id,
        path: item.path,
        format: result.inputs[index]?.format ?? 'unknown',
        lines: result.inputs[index]?.lines ?? 0,
        bytes: item.bytes,
      })),
      events: span.events,
      lastSeq: span.events - 1,
      first: span.first,
      last: span.last,
      skips: {
        count: result.skips.count,
        byReason: result.skips.byReason(),
        examples: result.skips.lines.slice(0, SKIP_EXAMPLES).map(({ file, line, reason, text }) => ({
          file,
          line,
          reason,
          text,
        })),
      },
      density: density.counts,
      densityStarts: density.starts,
      processes: replay.allProcesses().length,
      ttySessions: [...sessions.values()],
      ...(result.dating === undefined ? {} : { dating: result.dating }),
    };
  }

  private remember(replayId: string, session: OpenReplay): void {
    this.open.set(replayId, session);
    while (this.open.size > this.maxOpen) {
      const oldest = this.open.keys().next().value;
      if (oldest === undefined) break;
      this.open.delete(oldest);
    }
  }

  private session(replayId: string): OpenReplay {
    const session = this.open.get(replayId);
    if (session === undefined) {
      throw new ContractError(
        'NOT_FOUND',
        `replay ${replayId} is not open (closed, evicted or host restarted): open it again`,
      );
    }
    this.open.delete(replayId);
    this.open.set(replayId, session);
    return session;
  }

  private seqAt(session: OpenReplay, at: ReplayAt): number {
    const last = session.summary.lastSeq;
    if (last < 0) throw new ContractError('BAD_INPUT', 'this replay has no events');
    if ('seq' in at) return Math.min(at.seq, last);
    try {
      return Math.max(0, Math.min(session.replay.seqOf({ iso: at.iso }), last));
    } catch (error) {
      throw new ContractError('BAD_INPUT', `at ${at.iso}: ${(error as Error).message}`, 'at.iso');
    }
  }

  private lists(session: OpenReplay): Lists {
    session.lists ??= {
      files: session.replay.fileActivity(),
      network: session.replay.connections(),
      signals: session.replay.signalEvents(),
      alerts: session.replay.alertEvents(),
      tty: session.replay.ttyChunks(),
    };
    return session.lists;
  }
}
