// Building timeline.jsonl: each source unit sorted into a run file, then a k-way merge of the runs by sort key.
//
// Memory holds one unit's events at a time (a replayed trace, the diff's entries) plus one line per run during
// the merge, so the timeline of a long capture never has to fit in memory whole.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { eventSortKey, eventLine } from '../common/timeline-event.js';
import { prepareEvents, TimelineWriter, type TimelineTally } from '../common/timeline-merge.js';
import type { TimelineEvent } from '../common/timeline-model.js';
import { fsyncDir } from './durable-fs.js';
import type { SourceUnit } from './timeline-sources.js';

/** A byte offset is remembered every this many lines, so a page starts reading near its first line. */
export const PAGE_INDEX_STEP = 1000;

export interface BuiltTimeline {
  sha256: string;
  bytes: number;
  tally: TimelineTally;
  sources: { itemId: string; sha256: string; events: number }[];
  problems: string[];
  /** offsets[k] = byte offset of line k·PAGE_INDEX_STEP. */
  offsets: number[];
}

/** Where merged lines go: a file being written (the case's analysis folder) or memory (a sealed case). */
export interface LineSink {
  write(text: string): Promise<void>;
}

export interface BuildOptions {
  signal: AbortSignal;
  /** Drops an event before it is merged (the same engine fact read from a second inspect). */
  keep?: (event: TimelineEvent) => boolean;
  onUnit?: (done: number, total: number, itemId: string) => void;
}

/** Reads a unit, turning a failure into a problem: one unreadable item must not cost the whole timeline. */
async function readUnit(
  unit: SourceUnit,
  signal: AbortSignal,
): Promise<{ events: TimelineEvent[]; problems: string[] }> {
  try {
    return await unit.read(signal);
  } catch (error) {
    signal.throwIfAborted();
    return { events: [], problems: [`${unit.itemId} could not be read: ${(error as Error).message}`] };
  }
}

async function writeRun(file: string, events: readonly TimelineEvent[]): Promise<void> {
  const handle = await open(file, 'wx', 0o600);
  try {
    let chunk = '';
    for (const event of events) {
      chunk += `${eventSortKey(event)}\t${eventLine(event)}\n`;
      if (chunk.length > 1 << 20) {
        await handle.write(chunk);
        chunk = '';
      }
    }
    if (chunk !== '') await handle.write(chunk);
  } finally {
    await handle.close();
  }
}

interface RunReader {
  lines: AsyncIterator<string>;
  key: string;
  line: string;
}

async function advance(run: RunReader): Promise<boolean> {
  const next = await run.lines.next();
  if (next.done === true) return false;
  const text = next.value;
  const tab = text.indexOf('\t');
  run.key = text.slice(0, tab);
  run.line = text.slice(tab + 1);
  return true;
}

/** Builds the timeline from the units into the sink; run files live in a private temporary folder, removed after. */
export async function buildTimeline(
  units: readonly SourceUnit[],
  sink: LineSink,
  options: BuildOptions,
): Promise<BuiltTimeline> {
  const work = await mkdtemp(path.join(tmpdir(), 'holdcell-timeline-'));
  const runs: string[] = [];
  const sources: BuiltTimeline['sources'] = [];
  const problems: string[] = [];
  try {
    for (const [index, unit] of units.entries()) {
      options.signal.throwIfAborted();
      options.onUnit?.(index, units.length, unit.itemId);
      const read = await readUnit(unit, options.signal);
      const kept = options.keep === undefined ? read.events : read.events.filter(options.keep);
      problems.push(...read.problems);
      sources.push({ itemId: unit.itemId, sha256: unit.sha256, events: kept.length });
      if (kept.length === 0) continue;
      const file = path.join(work, `run-${index}.tsv`);
      await writeRun(file, prepareEvents(kept));
      runs.push(file);
    }
    options.onUnit?.(units.length, units.length, 'merge');
    return { ...(await mergeRuns(runs, sink, options.signal)), sources, problems };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function mergeRuns(
  files: readonly string[],
  sink: LineSink,
  signal: AbortSignal,
): Promise<Pick<BuiltTimeline, 'sha256' | 'bytes' | 'tally' | 'offsets'>> {
  const readers: RunReader[] = [];
  const streams = files.map((file) => createReadStream(file, { encoding: 'utf8' }));
  try {
    for (const stream of streams) {
      const run: RunReader = {
        lines: createInterface({ input: stream, crlfDelay: Infinity })[Symbol.asyncIterator](),
        key: '',
        line: '',
      };
      if (await advance(run)) readers.push(run);
    }
    const writer = new TimelineWriter();
    const hash = createHash('sha256');
    const offsets: number[] = [];
    let bytes = 0;
    let count = 0;
    let chunk = '';
    while (readers.length > 0) {
      // Few runs (one per evidence item): a linear scan for the least key is cheaper than keeping a heap.
      let best = 0;
      for (let index = 1; index < readers.length; index++) {
        const candidate = readers[index] as RunReader;
        const current = readers[best] as RunReader;
        if (candidate.key < current.key || (candidate.key === current.key && candidate.line < current.line))
          best = index;
      }
      const run = readers[best] as RunReader;
      const line = `${writer.next(JSON.parse(run.line) as TimelineEvent)}\n`;
      if (count % PAGE_INDEX_STEP === 0) offsets.push(bytes);
      count++;
      bytes += Buffer.byteLength(line);
      hash.update(line);
      chunk += line;
      if (chunk.length > 1 << 20) {
        signal.throwIfAborted();
        await sink.write(chunk);
        chunk = '';
      }
      if (!(await advance(run))) readers.splice(best, 1);
    }
    if (chunk !== '') await sink.write(chunk);
    return { sha256: hash.digest('hex'), bytes, tally: writer.sortedTally(), offsets };
  } finally {
    for (const stream of streams) stream.destroy();
  }
}

/** A sink writing a temporary file next to the target; `commit` makes it the target atomically. */
export async function fileSink(
  dir: string,
  name: string,
): Promise<LineSink & { commit(): Promise<void>; abort(): Promise<void> }> {
  const temporary = path.join(dir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle: FileHandle = await open(temporary, 'wx', 0o644);
  let closed = false;
  const close = async () => {
    if (!closed) {
      closed = true;
      await handle.close();
    }
  };
  return {
    write: async (text) => {
      await handle.write(text);
    },
    commit: async () => {
      await handle.sync();
      await close();
      await rename(temporary, path.join(dir, name));
      await fsyncDir(dir);
    },
    abort: async () => {
      await close();
      await rm(temporary, { force: true });
    },
  };
}

/** A sink keeping the text in memory (a sealed case: nothing may be written into it). */
export function memorySink(): LineSink & { text(): string } {
  const parts: string[] = [];
  return {
    write: async (text) => {
      parts.push(text);
    },
    text: () => parts.join(''),
  };
}
