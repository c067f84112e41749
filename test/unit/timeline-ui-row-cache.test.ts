// The event list's row cache: while the responder scrolls a million-row result, rows are read in blocks around what is
// drawn and ahead of the scroll, and a block read for later does not re-render the list now.
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../renderer/src/features/timeline/event-row.js';
import {
  indexOfPosition,
  keysResult,
  rangeResult,
  type QueryResult,
} from '../../renderer/src/features/timeline/query-plan.js';
import { BLOCK, RowCache } from '../../renderer/src/features/timeline/row-cache.js';
import type { TimelineDb } from '../../renderer/src/features/timeline/timeline-db.js';

interface Read {
  /** First and last merge position asked for (range results), or the keys (key-list results). */
  positions: number[];
  answer: () => Promise<void>;
}

const stored = (position: number): StoredEvent => ({ o: position, k: String(position), e: {} as StoredEvent['e'] });

/**
 * A stand-in for the events table (Node has no IndexedDB): it answers the two reads RowCache makes, each when the
 * test releases it, so the order in which blocks arrive is the test's to choose.
 */
function standInDb(): { db: TimelineDb; reads: Read[] } {
  const reads: Read[] = [];
  const pending = (positions: number[], rows: () => StoredEvent[]): Promise<StoredEvent[]> =>
    new Promise((resolve) =>
      reads.push({
        positions,
        answer: async () => {
          resolve(rows());
          await new Promise((settled) => setTimeout(settled, 0));
        },
      }),
    );
  const events = {
    where: () => ({
      between: (from: number, to: number) => ({
        toArray: () =>
          pending([from, to], () => Array.from({ length: to - from + 1 }, (_, offset) => stored(from + offset))),
      }),
    }),
    bulkGet: (keys: number[]) => pending(keys, () => keys.map(stored)),
  };
  return { db: { events } as unknown as TimelineDb, reads };
}

/** The blocks read so far, in the order asked for, by their first row's list index. */
const blocksRead = (reads: Read[], result: QueryResult): number[] =>
  reads.map((read) => Math.floor(indexOfPosition(result, read.positions[0] as number) / BLOCK));

describe('reading the event list rows around the scroll', () => {
  it('given a list scrolled down, when it asks for its window, then the drawn blocks, one behind and two ahead are read, each once', () => {
    const { db, reads } = standInDb();
    const result = rangeResult(5_000, 5_000 + 1_000_000 - 1);
    const cache = new RowCache(db, result, () => undefined);
    cache.request(0, 34);
    expect(blocksRead(reads, result)).toEqual([0, 1, 2]);
    cache.request(3 * BLOCK + 10, 3 * BLOCK + 44);
    cache.request(3 * BLOCK + 14, 3 * BLOCK + 48);
    expect(blocksRead(reads, result)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(reads[3]!.positions).toEqual([5_000 + 3 * BLOCK, 5_000 + 4 * BLOCK - 1]);
  });

  it('given the list scrolled back up, when it asks for its window, then the reads go two blocks above it', () => {
    const { db, reads } = standInDb();
    const result = rangeResult(0, 999_999);
    const cache = new RowCache(db, result, () => undefined);
    cache.request(40 * BLOCK, 40 * BLOCK + 34);
    cache.request(30 * BLOCK + 5, 30 * BLOCK + 39);
    expect(blocksRead(reads, result)).toEqual([39, 40, 41, 42, 28, 29, 30, 31]);
  });

  it('given blocks arriving, when one is drawn, then the list re-renders with its rows; when one was read ahead, it does not', async () => {
    const { db, reads } = standInDb();
    const keys = Uint32Array.from({ length: 10 * BLOCK }, (_, index) => index * 3);
    const result = keysResult(keys);
    let renders = 0;
    const cache = new RowCache(db, result, () => (renders += 1));
    cache.request(BLOCK + 100, BLOCK + 134);
    // Drawn: rows 228..261, blocks 1 and 2; one block behind, two ahead.
    expect(blocksRead(reads, result)).toEqual([0, 1, 2, 3, 4]);
    await reads[4]!.answer();
    await reads[3]!.answer();
    expect(renders).toBe(0);
    expect(cache.get(3 * BLOCK)?.o).toBe(keys[3 * BLOCK]);
    await reads[1]!.answer();
    expect(renders).toBe(1);
    expect(cache.get(BLOCK + 100)?.o).toBe(keys[BLOCK + 100]);
    expect(cache.get(2 * BLOCK)).toBeUndefined();
    await reads[2]!.answer();
    expect(renders).toBe(2);
    expect(cache.get(BLOCK + 133)?.o).toBe(keys[BLOCK + 133]);
  });
});
