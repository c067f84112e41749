// The event list's rows, read from IndexedDB in blocks around what is drawn and kept in a small LRU, so scrolling a
// million-row result reads a few hundred rows at a time and never the whole set.
import type { StoredEvent } from './event-row.js';
import { positionAt, type QueryResult } from './query-plan.js';
import { INDEX, type TimelineDb } from './timeline-db.js';

export const BLOCK = 128;
/** Blocks kept: a few screens either way of the viewport. */
const KEEP = 48;

export class RowCache {
  private readonly blocks = new Map<number, (StoredEvent | undefined)[]>();
  private readonly pending = new Set<number>();
  private closed = false;

  constructor(
    private readonly db: TimelineDb,
    private readonly result: QueryResult,
    private readonly onLoaded: () => void,
  ) {}

  /** The row at list index `index`, when its block is loaded. */
  get(index: number): StoredEvent | undefined {
    const block = this.blocks.get(Math.floor(index / BLOCK));
    return block?.[index % BLOCK];
  }

  /** Makes sure the blocks covering first..end (and one block either side) are loaded or on their way. */
  request(first: number, end: number): void {
    if (this.result.count === 0) return;
    const from = Math.max(0, Math.floor(first / BLOCK) - 1);
    const to = Math.min(Math.floor((this.result.count - 1) / BLOCK), Math.floor(Math.max(first, end - 1) / BLOCK) + 1);
    for (let block = from; block <= to; block += 1) {
      const rows = this.blocks.get(block);
      if (rows) {
        // Most recently used last: Map keeps insertion order.
        this.blocks.delete(block);
        this.blocks.set(block, rows);
      } else if (!this.pending.has(block)) void this.fetch(block);
    }
  }

  close(): void {
    this.closed = true;
  }

  private async fetch(block: number): Promise<void> {
    this.pending.add(block);
    const start = block * BLOCK;
    const end = Math.min(this.result.count, start + BLOCK);
    try {
      const rows =
        this.result.kind === 'range'
          ? await this.db.events
              .where(INDEX.order)
              .between(positionAt(this.result, start), positionAt(this.result, end - 1), true, true)
              .toArray()
          : await this.db.events.bulkGet([...this.result.keys.subarray(start, end)]);
      if (this.closed) return;
      this.blocks.set(block, rows);
      while (this.blocks.size > KEEP) this.blocks.delete(this.blocks.keys().next().value as number);
      this.onLoaded();
    } catch {
      // The database closed under the read (the view moved on), or a read failed: the block stays unloaded and the
      // next request for it (the next scroll or render) reads it again.
    } finally {
      this.pending.delete(block);
    }
  }
}
