// The text search itself: reads the search-text column of a loaded timeline once (kept while the same database is
// searched) and scans it, or checks given candidates line by line. Runs in the search worker; the main thread uses
// it directly only where no worker exists.
import { clipToRange, intersectSorted, lowerBound } from './query-plan.js';
import { TimelineDb } from './timeline-db.js';
import { checkEachCandidate, lineAt, lineStarts, scanText } from './text-scan.js';

interface Chunk {
  start: number;
  text: string;
  starts: Uint32Array;
}

interface Column {
  name: string;
  chunks: Chunk[];
  /** chunks[i].start, for finding a position's chunk. */
  firsts: Uint32Array;
}

/** Where to search: merge positions lo..hi, and optionally only these (ascending) candidates among them. */
export interface SearchScope {
  lo: number;
  hi: number;
  candidates?: Uint32Array | undefined;
}

let column: Column | undefined;

async function readColumn(name: string, total: number): Promise<Column> {
  if (column?.name === name) return column;
  const db = new TimelineDb(name);
  try {
    const chunks = (await db.texts.orderBy('start').toArray()).map((chunk) => ({
      ...chunk,
      starts: lineStarts(chunk.text),
    }));
    const lines = chunks.reduce((sum, chunk) => sum + chunk.starts.length, 0);
    if (lines !== total) throw new Error(`the search column holds ${lines} of ${total} events: reload the timeline`);
    column = { name, chunks, firsts: Uint32Array.from(chunks, (chunk) => chunk.start) };
    return column;
  } finally {
    db.close();
  }
}

function holds(text: string, terms: readonly string[]): boolean {
  return terms.every((term) => text.includes(term));
}

/** Sorted merge positions within the scope whose search text holds every (lower-cased) term. */
export async function searchColumn(
  name: string,
  total: number,
  terms: readonly string[],
  scope: SearchScope,
): Promise<Uint32Array> {
  const { chunks, firsts } = await readColumn(name, total);
  const { lo, hi, candidates } = scope;
  if (candidates && checkEachCandidate(candidates.length, hi - lo + 1)) {
    const kept: number[] = [];
    for (const position of candidates) {
      const chunk = chunks[lowerBound(firsts, position + 1) - 1];
      if (chunk && holds(lineAt(chunk.text, chunk.starts, position - chunk.start), terms)) kept.push(position);
    }
    return Uint32Array.from(kept);
  }
  const found: number[] = [];
  for (const chunk of chunks) {
    if (chunk.start > hi || chunk.start + chunk.starts.length <= lo) continue;
    for (const position of scanText(chunk.text, chunk.starts, chunk.start, terms)) found.push(position);
  }
  const inRange = clipToRange(Uint32Array.from(found), lo, hi);
  return candidates ? intersectSorted(inRange, candidates) : inRange;
}

/** Drops the kept column (another case opened). */
export function forgetColumn(): void {
  column = undefined;
}
