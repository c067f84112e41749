// The event list's rows, read from IndexedDB in blocks around what is drawn and kept in a small LRU, so scrolling a
// million-row result reads a few hundred rows at a time and never the whole set. Blocks ahead of the scroll are read
// before they are drawn, and a block read for later does not re-render the list now.
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
  /** The rows drawn (last request), and which way the list last moved (+1 down, -1 up). */
  private first = 0;
  private end = 0;
  private direction = 1;

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

  /**
   * Makes sure the blocks covering first..end are loaded or on their way, with one block behind and two ahead in the
   * direction the list moves (a block lasts a few dozen frames of a fast scroll; its read takes a few).
   */
  request(first: number, end: number): void {
    if (first !== this.first) this.direction = first > this.first ? 1 : -1;
    this.first = first;
    this.end = end;
    if (this.result.count === 0) return;
    const last = Math.floor((this.result.count - 1) / BLOCK);
    const from = Math.max(0, Math.floor(first / BLOCK) - (this.direction < 0 ? 2 : 1));
    const to = Math.min(last, Math.floor(Math.max(first, end - 1) / BLOCK) + (this.direction > 0 ? 2 : 1));
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
      // Only rows drawn now need a render; rows read ahead show their data when they are drawn.
      if (start < this.end && end > this.first) this.onLoaded();
    } catch {
      // The database closed under the read (the view moved on), or a read failed: the block stays unloaded and the
      // next request for it (the next scroll or render) reads it again.
    } finally {
      this.pending.delete(block);
    }
  }
}
