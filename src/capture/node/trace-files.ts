// Reading traces from disk: one file, a strace -ff set (pid from each file name), or several traces merged by time.
//
// Files are read in blocks (trace-line-readers.ts). strace output is decoded as latin1, one character per byte,
// which the pure parser expects; JSON as UTF-8. Format is detected from each file's first 64 KiB unless given.
// A JSON file whose first line is not a whole value is one pretty-printed document (Tetragon's examples) and is
// read whole, up to 256 MiB.
//
// Time of day (strace -t/-tt) carries no date: it is dated from `baseDate` when given, else from the file's
// modification time (the time its last line was written), stepping back a day when the last stamp is later
// than that time of day, and again when the trace crossed midnight (its last stamp is earlier than its first).
import { open, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ContractError } from '../../contract/envelope.js';
import { JsonLineParser, parseJsonDocument, type JsonFormat } from '../common/trace/json-sources.js';
import { StraceParser, type TimeStyle } from '../common/trace/strace-parser.js';
import {
  LineReader,
  WorkerLineReader,
  lexerWorkerScript,
  sharedLexerWorker,
  type LexerWorker,
} from './trace-line-readers.js';
import { detectFormat, type TraceFormat } from '../common/trace/trace-detect.js';
import type { TraceEvent } from '../common/trace/trace-event.js';
import { SkipLog } from '../common/trace/trace-skips.js';
import { dateInOffset, midnightSeconds, parseUtcOffset, secondOfDay } from '../common/trace/trace-time.js';
import { TraceReplay, type ReplayOptions } from '../common/trace/replay.js';
import type { TraceInputInfo } from '../common/trace/replay-report.js';

/** strace files from this size up are lexed on a worker thread (below it, starting one costs more than it saves). */
const WORKER_THRESHOLD = 8 * 1024 * 1024;
const HEAD = 64 * 1024;
const DOCUMENT_LIMIT = 256 * 1024 * 1024;

export interface ReadTraceOptions {
  format?: TraceFormat | 'auto';
  /** YYYY-MM-DD for strace -t/-tt stamps (the date of the first line). */
  baseDate?: string;
  /** UTC offset strace printed time of day in ("+02:00"); default "+00:00". */
  utcOffset?: string;
  signal?: AbortSignal;
  /** Bytes read so far of all inputs. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Where strace lines are lexed: on a worker thread for large files (auto, the default), always, or never. */
  lexer?: 'auto' | 'worker' | 'thread';
}

export interface TraceInput extends TraceInputInfo {
  bytes: number;
  /** Where its lines were lexed (strace inputs). */
  lexer?: 'main thread' | 'worker thread';
}

export interface ReadTraceResult {
  inputs: TraceInput[];
  skips: SkipLog;
  events: number;
  /** How time-of-day stamps were dated (undefined when no input has them). */
  dating: string | undefined;
}

interface Planned {
  path: string;
  index: number;
  format: TraceFormat;
  pid: number | undefined;
  bytes: number;
  mtimeMs: number;
  head: string;
}

/** Expands an -ff prefix ("trace" when trace.123, trace.124 exist) and checks every file. */
async function expandPaths(paths: readonly string[]): Promise<{ path: string; pid: number | undefined }[]> {
  const out: { path: string; pid: number | undefined }[] = [];
  for (const given of paths) {
    const info = await stat(given).catch(() => undefined);
    if (info?.isFile() === true) {
      out.push({ path: given, pid: undefined });
      continue;
    }
    if (info !== undefined) throw new ContractError('BAD_INPUT', `${given} is not a regular file`);
    const directory = path.dirname(given);
    const base = path.basename(given);
    const names = await readdir(directory).catch(() => [] as string[]);
    const members = names
      .map((name) => ({ name, pid: name.startsWith(`${base}.`) ? name.slice(base.length + 1) : '' }))
      .filter((entry) => /^\d+$/.test(entry.pid))
      .sort((a, b) => Number(a.pid) - Number(b.pid));
    if (members.length === 0)
      throw new ContractError('NOT_FOUND', `no trace at ${given} (nor an -ff set ${given}.<pid>)`);
    for (const member of members) out.push({ path: path.join(directory, member.name), pid: Number(member.pid) });
  }
  // Files named <base>.<pid> given together are an -ff set too.
  const bases = new Map<string, number>();
  for (const entry of out) {
    const match = /^(.*)\.(\d+)$/.exec(entry.path);
    if (match?.[1] !== undefined) bases.set(match[1], (bases.get(match[1]) ?? 0) + 1);
  }
  return out.map((entry) => {
    if (entry.pid !== undefined) return entry;
    const match = /^(.*)\.(\d+)$/.exec(entry.path);
    const shared = match?.[1] !== undefined && (bases.get(match[1]) ?? 0) > 1;
    return { path: entry.path, pid: shared ? Number(match?.[2]) : undefined };
  });
}

async function readHead(file: string, bytes: number): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(bytes, HEAD));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.toString('utf8', 0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function readTail(file: string, bytes: number): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const length = Math.min(bytes, HEAD);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, bytes - length);
    return buffer.toString('latin1', 0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Seconds into the day of the first time-of-day stamp in some strace lines. */
function timeOfDayStamps(text: string): number[] {
  const out: number[] = [];
  const pattern = /^(?:\[pid\s+\d+\]\s+|\d+\s+)?(\d{2}):(\d{2}):(\d{2})[. ]/gm;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    out.push(Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]));
  }
  return out;
}

/** The date of a time-of-day trace's first line, from the file's mtime (see the header comment). */
async function dateFromMtime(file: Planned, offset: number): Promise<string> {
  const mtime = Math.floor(file.mtimeMs / 1000);
  const firstStamp = timeOfDayStamps(file.head)[0];
  const lastStamp = timeOfDayStamps(await readTail(file.path, file.bytes)).at(-1);
  let midnight = midnightSeconds(dateInOffset(mtime, offset), offset) ?? 0;
  if (lastStamp !== undefined && lastStamp > secondOfDay(mtime, offset) + 60) midnight -= 86_400;
  if (firstStamp !== undefined && lastStamp !== undefined && lastStamp < firstStamp) midnight -= 86_400;
  return dateInOffset(midnight + 43_200, offset);
}

async function plan(paths: readonly string[], options: ReadTraceOptions): Promise<Planned[]> {
  const expanded = await expandPaths(paths);
  const planned: Planned[] = [];
  for (const [index, entry] of expanded.entries()) {
    const info = await stat(entry.path);
    const head = await readHead(entry.path, info.size);
    let format: TraceFormat;
    if (options.format !== undefined && options.format !== 'auto') {
      format = options.format;
    } else {
      const detected = detectFormat(head);
      // An empty file among several (a capture's strace for a process that exited before it was attached) holds
      // no events; it cannot be mistaken, so it is read as such rather than failing the whole replay.
      if ('reason' in detected && info.size === 0 && expanded.length > 1) {
        planned.push({
          path: entry.path,
          index,
          format: 'strace',
          pid: entry.pid,
          bytes: 0,
          mtimeMs: info.mtimeMs,
          head,
        });
        continue;
      }
      if ('reason' in detected) {
        throw new ContractError('BAD_INPUT', `${entry.path}: ${detected.reason}; give --format to force one`);
      }
      format = detected.format;
    }
    planned.push({ path: entry.path, index, format, pid: entry.pid, bytes: info.size, mtimeMs: info.mtimeMs, head });
  }
  return planned;
}

/** Reads a file a chunk at a time and splits it into lines on newline bytes. */
/** One input's events, produced a chunk at a time on demand (so several inputs merge without loading them whole). */
class InputEvents {
  readonly queue: TraceEvent[] = [];
  position = 0;
  exhausted = false;

  constructor(private readonly produce: () => Promise<boolean>) {}

  /** The next event, reading more of the file as needed; undefined at the end. */
  async peek(): Promise<TraceEvent | undefined> {
    while (this.position >= this.queue.length && !this.exhausted) {
      if (this.position > 0) {
        this.queue.length = 0;
        this.position = 0;
      }
      if (!(await this.produce())) this.exhausted = true;
    }
    return this.queue[this.position];
  }
}

/** Where an input's events come from: a chunk producer (line formats) or a whole JSON document. */
interface Opened {
  produce: () => Promise<boolean>;
  /** Releases the file (after an error or abort; produce closes it at the end). */
  close: () => Promise<void>;
}

/**
 * Reads every input (each with its own parser and dating) and sends all events, ordered, to the sink: a single
 * file in file order; several merged by time, streaming (untimed events take their file's last time; ties keep
 * input order, which for an -ff set is pid order).
 */
export async function readTraceFiles(
  paths: readonly string[],
  sink: (event: TraceEvent) => void,
  options: ReadTraceOptions = {},
): Promise<ReadTraceResult> {
  if (paths.length === 0) throw new ContractError('BAD_INPUT', 'no trace file given');
  const offset = parseUtcOffset(options.utcOffset ?? '+00:00');
  if (offset === undefined) throw new ContractError('BAD_INPUT', `UTC offset ${options.utcOffset}: expected ±HH:MM`);
  if (options.baseDate !== undefined && midnightSeconds(options.baseDate, 0) === undefined) {
    throw new ContractError('BAD_INPUT', `base date ${options.baseDate}: expected YYYY-MM-DD`);
  }
  const files = await plan(paths, options);
  const total = files.reduce((sum, file) => sum + file.bytes, 0);
  let read = 0;
  const progress = (bytes: number): void => {
    read += bytes;
    options.onProgress?.(read, total);
  };
  const skips = new SkipLog();
  const inputs: TraceInput[] = [];
  const datings: string[] = [];
  // Large strace inputs are lexed on the process's lexer worker thread, small ones where they are read.
  const script = options.lexer === 'thread' ? undefined : lexerWorkerScript();
  if (options.lexer === 'worker' && script === undefined) {
    throw new ContractError('UNAVAILABLE', 'the strace lexer worker is not built (npm run build)');
  }
  const lexerFor = (bytes: number): LexerWorker | undefined => {
    if (script === undefined || (options.lexer !== 'worker' && bytes < WORKER_THRESHOLD)) return undefined;
    return sharedLexerWorker(script);
  };

  const openInput = async (file: Planned, emit: (event: TraceEvent) => void): Promise<Opened> => {
    const info: TraceInput = { path: file.path, format: file.format, lines: 0, bytes: file.bytes };
    if (file.pid !== undefined) info.pid = file.pid;
    inputs[file.index] = info;
    if (file.format === 'strace') {
      let baseDate = options.baseDate;
      if (baseDate === undefined && timeOfDayStamps(file.head).length > 0) baseDate = await dateFromMtime(file, offset);
      const parser = new StraceParser(emit, {
        defaultPid: file.pid,
        baseDate,
        utcOffsetSeconds: offset,
        file: file.index,
        skips,
      });
      const worker = lexerFor(file.bytes);
      const reader =
        worker === undefined
          ? new LineReader(file.path, 'latin1', parser, progress, options.signal)
          : new WorkerLineReader(file.path, worker, parser, progress, options.signal);
      info.lexer = worker === undefined ? 'main thread' : 'worker thread';
      return {
        close: () => reader.close(),
        produce: async () => {
          if (await reader.step()) return true;
          parser.end();
          info.lines = parser.lines;
          if (parser.timeStyle === 'time-of-day') {
            const how = options.baseDate === undefined ? "from the file's modification time" : 'as given';
            datings.push(
              `${path.basename(file.path)}: time of day dated ${baseDate ?? '1970-01-01'} (${how}), UTC${options.utcOffset ?? '+00:00'}`,
            );
          }
          return false;
        },
      };
    }
    const format = file.format as JsonFormat;
    if (isLineDelimited(file.head)) {
      const parser = new JsonLineParser(format, emit, { file: file.index, skips });
      const reader = new LineReader(file.path, 'utf8', parser, progress, options.signal);
      return {
        close: () => reader.close(),
        produce: async () => {
          const more = await reader.step();
          info.lines = parser.lines;
          return more;
        },
      };
    }
    if (file.bytes > DOCUMENT_LIMIT) {
      throw new ContractError(
        'BAD_INPUT',
        `${file.path}: one JSON document over 256 MiB; use NDJSON (one event per line)`,
      );
    }
    let done = false;
    return {
      close: async () => undefined,
      produce: async () => {
        if (done) return false;
        done = true;
        options.signal?.throwIfAborted();
        const text = (await readFile(file.path)).toString('utf8');
        progress(file.bytes);
        parseJsonDocument(format, text, emit, { file: file.index, skips });
        info.lines = text.split('\n').length;
        return true;
      },
    };
  };

  let events = 0;
  const deliver = (event: TraceEvent): void => {
    events++;
    sink(event);
  };
  const opened: Opened[] = [];
  try {
    if (files.length === 1) {
      const only = await openInput(files[0] as Planned, deliver);
      opened.push(only);
      while (await only.produce()) {
        // every event went straight to the sink
      }
    } else {
      const sources: InputEvents[] = [];
      for (const file of files) {
        const source: InputEvents = new InputEvents(async () => input.produce());
        const input = await openInput(file, (event) => source.queue.push(event));
        opened.push(input);
        sources.push(source);
      }
      await mergeByTime(sources, deliver);
    }
  } finally {
    // Normally already closed at their ends; after an error or abort this releases the files.
    await Promise.all(opened.map((input) => input.close()));
  }
  const dating = datings.length === 0 ? undefined : datings.join('; ');
  return { inputs, skips, events, dating };
}

/** True when a JSON file's first line is a whole value (NDJSON), false for a pretty-printed document. */
function isLineDelimited(head: string): boolean {
  const first = head.trimStart().split('\n', 1)[0] ?? '';
  try {
    JSON.parse(first);
    return true;
  } catch {
    return false;
  }
}

/** K-way merge by (sec, nsec); an untimed event takes its input's last time; ties keep input order. */
async function mergeByTime(sources: readonly InputEvents[], sink: (event: TraceEvent) => void): Promise<void> {
  const lastSec = sources.map(() => Number.NEGATIVE_INFINITY);
  const lastNsec = sources.map(() => 0);
  for (;;) {
    let best = -1;
    let bestSec = 0;
    let bestNsec = 0;
    for (let index = 0; index < sources.length; index++) {
      const event = await (sources[index] as InputEvents).peek();
      if (event === undefined) continue;
      const timed = !Number.isNaN(event.sec);
      const sec = timed ? event.sec : (lastSec[index] ?? 0);
      const nsec = timed ? event.nsec : (lastNsec[index] ?? 0);
      if (best < 0 || sec < bestSec || (sec === bestSec && nsec < bestNsec)) {
        best = index;
        bestSec = sec;
        bestNsec = nsec;
      }
    }
    if (best < 0) return;
    const source = sources[best] as InputEvents;
    const event = source.queue[source.position++] as TraceEvent;
    if (!Number.isNaN(event.sec)) {
      lastSec[best] = event.sec;
      lastNsec[best] = event.nsec;
    }
    sink(event);
  }
}

/** Reads traces straight into a replay and finishes it. */
export async function replayTraceFiles(
  paths: readonly string[],
  options: ReadTraceOptions & ReplayOptions = {},
): Promise<{ replay: TraceReplay; result: ReadTraceResult }> {
  const replay = new TraceReplay({
    checkpointEvery: options.checkpointEvery,
    ...(options.runningAtAttach === undefined ? {} : { runningAtAttach: options.runningAtAttach }),
  });
  const result = await readTraceFiles(paths, (event) => replay.apply(event), options);
  replay.finish();
  return { replay, result };
}

export type { TimeStyle };
