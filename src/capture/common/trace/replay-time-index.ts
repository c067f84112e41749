// Time → position: the seq of the last state change at or before an instant, found by binary search.
//
// Each state-changing event adds (seq, watermark) where the watermark is the latest time seen so far: strace's
// joined unfinished/resumed calls carry their start time but arrive at their end, so raw times are not sorted;
// the running maximum is, and it is exact (two integers, never a rounded double).
import { grownTo } from './typed-arrays.js';

export class TimeIndex {
  private seqs = new Float64Array(1024);
  private secs = new Float64Array(1024);
  private nsecs = new Int32Array(1024);
  private length = 0;
  private markSec = Number.NaN;
  private markNsec = 0;

  /** The latest time seen (NaN seconds when none). */
  get watermark(): { sec: number; nsec: number } {
    return { sec: this.markSec, nsec: this.markNsec };
  }

  get size(): number {
    return this.length;
  }

  /** Advances the watermark with an event's time (events without time leave it). */
  observe(sec: number, nsec: number): void {
    if (Number.isNaN(sec)) return;
    if (Number.isNaN(this.markSec) || sec > this.markSec || (sec === this.markSec && nsec > this.markNsec)) {
      this.markSec = sec;
      this.markNsec = nsec;
    }
  }

  /** Records that the state changed at `seq` (at the current watermark). */
  mark(seq: number): void {
    if (Number.isNaN(this.markSec)) return;
    const last = this.length - 1;
    if (last >= 0 && this.seqs[last] === seq) return;
    if (this.length === this.seqs.length) this.grow();
    this.seqs[this.length] = seq;
    this.secs[this.length] = this.markSec;
    this.nsecs[this.length] = this.markNsec;
    this.length++;
  }

  /** seq of the last state change at or before the instant; -1 when the instant is before every change. */
  seqAt(sec: number, nsec: number): number {
    let low = 0;
    let high = this.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      const s = this.secs[middle] ?? 0;
      const before = s < sec || (s === sec && (this.nsecs[middle] ?? 0) <= nsec);
      if (before) low = middle + 1;
      else high = middle;
    }
    return low === 0 ? -1 : (this.seqs[low - 1] ?? -1);
  }

  /** The watermark recorded at the last change at or before `seq` (for labelling a seq with a time). */
  timeOf(seq: number): { sec: number; nsec: number } | undefined {
    let low = 0;
    let high = this.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.seqs[middle] ?? 0) <= seq) low = middle + 1;
      else high = middle;
    }
    if (low === 0) return undefined;
    return { sec: this.secs[low - 1] ?? 0, nsec: this.nsecs[low - 1] ?? 0 };
  }

  private grow(): void {
    const size = this.seqs.length * 2;
    this.seqs = grownTo(this.seqs, size);
    this.secs = grownTo(this.secs, size);
    this.nsecs = grownTo(this.nsecs, size);
  }
}
