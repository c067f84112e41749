// Building timeline.jsonl: sources sorted into run files of bounded size, then a k-way merge of the runs by key.
//
// Memory holds one batch of events (and whatever the source itself needs: a replayed trace, the diff's entries)
// plus one line per run during the merge, so the timeline of a long capture never has to fit in memory whole.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventLine, eventSortKey } from '../common/timeline-event.js';
import { prepareEvents, TimelineWriter, type TimelineTally } from '../common/timeline-merge.js';
import type { TimelineEvent } from '../common/timeline-model.js';
import { fsyncDir } from './durable-fs.js';
import type { SourceUnit } from './timeline-sources.js';

/** A byte offset is remembered every this many lines, so a page starts reading near its first line. */
export const PAGE_INDEX_STEP = 1000;
/** Events sorted in memory at once before they go to a run file. */
const RUN_EVENTS = 50_000;
const WRITE_CHUNK = 1 << 20;

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
  /** Events per run file (tests make it small to exercise many runs). */
  runEvents?: number;
}

/** Lines of a file read in large blocks (far fewer awaits than a line-by-line reader). */
class LineFile {
  private buffer = Buffer.alloc(0);
  private position = 0;
  private lines: string[] = [];
  private next = 0;
  private ended = false;

  private constructor(private readonly handle: FileHandle) {}

  static async open(file: string): Promise<LineFile> {
    return new LineFile(await open(file, 'r'));
  }

  async line(): Promise<string | undefined> {
    while (this.next >= this.lines.length) {
      if (this.ended) return undefined;
      const chunk = Buffer.allocUnsafe(WRITE_CHUNK);
      const { bytesRead } = await this.handle.read(chunk, 0, chunk.length, this.position);
      this.position += bytesRead;
      const data = Buffer.concat([this.buffer, chunk.subarray(0, bytesRead)]);
      const last = data.lastIndexOf(0x0a);
      if (bytesRead === 0) {
        this.ended = true;
        this.lines = data.length > 0 ? [data.toString('utf8')] : [];
        this.buffer = Buffer.alloc(0);
      } else {
        this.lines = last < 0 ? [] : data.toString('utf8', 0, last).split('\n');
        this.buffer = data.subarray(last + 1);
      }
      this.next = 0;
    }
    return this.lines[this.next++];
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

interface Run {
  file: LineFile;
  key: string;
  line: string;
}

/** Loads the run's next line; false at its end. */
async function advance(run: Run): Promise<boolean> {
  const text = await run.file.line();
  if (text === undefined) return false;
  const tab = text.indexOf('\t');
  run.key = text.slice(0, tab);
  run.line = text.slice(tab + 1);
  return true;
}

/** Total order of run heads: the sort key, then (for a duplicate id) the line itself. */
const before = (a: Run, b: Run): boolean => a.key < b.key || (a.key === b.key && a.line < b.line);

/** A binary min-heap of run heads: a timeline from thousands of runs still merges in O(log runs) per line. */
class RunHeap {
  readonly runs: Run[] = [];

  push(run: Run): void {
    const runs = this.runs;
    runs.push(run);
    for (let at = runs.length - 1; at > 0;) {
      const parent = (at - 1) >> 1;
      if (!before(runs[at] as Run, runs[parent] as Run)) break;
      [runs[at], runs[parent]] = [runs[parent] as Run, runs[at] as Run];
      at = parent;
    }
  }

  /** Moves the top down after its line changed; removes it when its run ended. */
  async advanceTop(): Promise<void> {
    const runs = this.runs;
    const top = runs[0] as Run;
    if (!(await advance(top))) {
      const last = runs.pop() as Run;
      if (runs.length === 0) return;
      runs[0] = last;
    }
    for (let at = 0; ;) {
      const left = at * 2 + 1;
      const right = left + 1;
      let least = at;
      if (left < runs.length && before(runs[left] as Run, runs[least] as Run)) least = left;
      if (right < runs.length && before(runs[right] as Run, runs[least] as Run)) least = right;
      if (least === at) return;
      [runs[at], runs[least]] = [runs[least] as Run, runs[at] as Run];
      at = least;
    }
  }
}

async function writeRun(file: string, events: readonly TimelineEvent[]): Promise<void> {
  const handle = await open(file, 'wx', 0o600);
  try {
    let chunk = '';
    for (const event of events) {
      chunk += `${eventSortKey(event)}\t${eventLine(event)}\n`;
      if (chunk.length > WRITE_CHUNK) {
        await handle.write(chunk);
        chunk = '';
      }
    }
    if (chunk !== '') await handle.write(chunk);
  } finally {
    await handle.close();
  }
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
  const limit = options.runEvents ?? RUN_EVENTS;
  try {
    for (const [index, unit] of units.entries()) {
      options.signal.throwIfAborted();
      options.onUnit?.(index, units.length, unit.itemId);
      let batch: TimelineEvent[] = [];
      let count = 0;
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return;
        const file = path.join(work, `run-${runs.length}.tsv`);
        await writeRun(file, prepareEvents(batch));
        runs.push(file);
        batch = [];
      };
      try {
        const events = await unit.read(options.signal);
        for (let next = events.next(); ; next = events.next()) {
          if (next.done === true) {
            problems.push(...next.value);
            break;
          }
          if (options.keep !== undefined && !options.keep(next.value)) continue;
          count++;
          batch.push(next.value);
          if (batch.length >= limit) {
            options.signal.throwIfAborted();
            await flush();
          }
        }
      } catch (error) {
        options.signal.throwIfAborted();
        // One unreadable item must not cost the whole timeline; whatever it gave before failing is kept.
        problems.push(`${unit.itemId} could not be read: ${(error as Error).message}`);
      }
      await flush();
      sources.push({ itemId: unit.itemId, sha256: unit.sha256, events: count });
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
  const heap = new RunHeap();
  const opened: LineFile[] = [];
  try {
    for (const file of files) {
      const run: Run = { file: await LineFile.open(file), key: '', line: '' };
      opened.push(run.file);
      if (await advance(run)) heap.push(run);
    }
    const writer = new TimelineWriter();
    const hash = createHash('sha256');
    const offsets: number[] = [];
    let bytes = 0;
    let count = 0;
    let chunk = '';
    while (heap.runs.length > 0) {
      const run = heap.runs[0] as Run;
      const line = `${writer.nextLine(run.line)}\n`;
      if (count % PAGE_INDEX_STEP === 0) offsets.push(bytes);
      count++;
      bytes += Buffer.byteLength(line);
      chunk += line;
      if (chunk.length > WRITE_CHUNK) {
        signal.throwIfAborted();
        hash.update(chunk);
        await sink.write(chunk);
        chunk = '';
      }
      await heap.advanceTop();
    }
    if (chunk !== '') {
      hash.update(chunk);
      await sink.write(chunk);
    }
    return { sha256: hash.digest('hex'), bytes, tally: writer.sortedTally(), offsets };
  } finally {
    await Promise.all(opened.map((file) => file.close()));
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
