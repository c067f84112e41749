// The stored timeline: analysis/timeline.jsonl with its summary document, and pages of it read through a line index.
import { createHash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { TimelineSummary, type TimelineEvent } from '../common/timeline-model.js';
import { ANALYSIS_DIR } from './case-paths.js';
import { writeFileAtomic } from './durable-fs.js';
import { PAGE_INDEX_STEP } from './timeline-build.js';

export const TIMELINE_FILE = 'timeline.jsonl';
export const TIMELINE_SUMMARY_FILE = 'timeline-summary.json';
/** The file format; a stored timeline of another format is rebuilt. */
export const TIMELINE_FORMAT = 'holdcell-timeline/1';
/** Bumped whenever mappers or rules change what the same evidence gives, so stored timelines are rebuilt. */
export const TIMELINE_BUILDER_REVISION = 1;

export const StoredTimeline = z.object({
  format: z.literal(TIMELINE_FORMAT),
  /** Identity of what it was built from: every manifest item, custody and annotations (see timeline-stamp.ts). */
  stamp: z.string(),
  summary: TimelineSummary.omit({ caseDir: true }),
});
export type StoredTimeline = z.infer<typeof StoredTimeline>;

/** The stored summary, or undefined when absent or unusable (analysis is derived: a bad one is rebuilt, never trusted). */
export async function readStoredTimeline(caseDir: string): Promise<StoredTimeline | undefined> {
  try {
    const file = path.join(caseDir, ANALYSIS_DIR, TIMELINE_SUMMARY_FILE);
    const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const parsed = StoredTimeline.safeParse(JSON.parse(await handle.readFile('utf8')));
      return parsed.success ? parsed.data : undefined;
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}

export async function writeStoredTimeline(caseDir: string, stored: StoredTimeline): Promise<void> {
  const bytes = `${JSON.stringify(StoredTimeline.parse(stored), null, 2)}\n`;
  await writeFileAtomic(path.join(caseDir, ANALYSIS_DIR), TIMELINE_SUMMARY_FILE, bytes);
}

export interface LineIndex {
  total: number;
  sha256: string;
  offsets: number[];
}

/** One pass over a stored timeline: its hash, its line count and the page index (to check it before serving it). */
export async function indexTimelineFile(file: string): Promise<LineIndex> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const hash = createHash('sha256');
    const offsets: number[] = [];
    const buffer = Buffer.allocUnsafe(1 << 20);
    let position = 0;
    let total = 0;
    let lineStart = true;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      hash.update(chunk);
      for (let index = 0; index < bytesRead; index++) {
        if (lineStart) {
          if (total % PAGE_INDEX_STEP === 0) offsets.push(position + index);
          lineStart = false;
        }
        if (chunk[index] === 0x0a) {
          total++;
          lineStart = true;
        }
      }
      position += bytesRead;
    }
    return { total, sha256: hash.digest('hex'), offsets };
  } finally {
    await handle.close();
  }
}

/** Pages of a timeline, from the stored file (through its index) or from memory (a sealed case's). */
export class TimelinePages {
  private constructor(
    readonly index: LineIndex,
    private readonly file: string | undefined,
    private readonly lines: readonly string[] | undefined,
  ) {}

  static fromFile(file: string, index: LineIndex): TimelinePages {
    return new TimelinePages(index, file, undefined);
  }

  static fromText(text: string, index: LineIndex): TimelinePages {
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    return new TimelinePages(index, undefined, lines);
  }

  get total(): number {
    return this.index.total;
  }

  get sha256(): string {
    return this.index.sha256;
  }

  /** Lines [offset, offset + limit) as text. */
  async lineRange(offset: number, limit: number): Promise<string[]> {
    const end = Math.min(this.total, offset + limit);
    if (offset >= end) return [];
    if (this.lines !== undefined) return this.lines.slice(offset, end);
    const block = Math.floor(offset / PAGE_INDEX_STEP);
    const start = this.index.offsets[block] ?? 0;
    let skip = offset - block * PAGE_INDEX_STEP;
    const out: string[] = [];
    const stream = createReadStream(this.file as string, { start, encoding: 'utf8' });
    try {
      for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
        if (skip > 0) {
          skip--;
          continue;
        }
        out.push(line);
        if (out.length >= end - offset) break;
      }
    } finally {
      stream.destroy();
    }
    return out;
  }

  /**
   * The events of a page. Lines are the builder's own (the file matched its summary's hash when it was indexed),
   * so they are parsed, not re-validated here: the RPC server validates what it sends anyway.
   */
  async page(offset: number, limit: number): Promise<TimelineEvent[]> {
    return (await this.lineRange(offset, limit)).map((line) => JSON.parse(line) as TimelineEvent);
  }

  /** Every event in merge order, a page at a time (for exports). */
  async *events(pageSize = 5000): AsyncGenerator<TimelineEvent> {
    for (let offset = 0; offset < this.total; offset += pageSize) {
      for (const event of await this.page(offset, pageSize)) yield event;
    }
  }
}
