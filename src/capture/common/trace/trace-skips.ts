// Lines a parser could not turn into events: counted by reason and kept (capped) so they are shown, never dropped silently.

export interface SkippedLine {
  /** Index of the input file (0 for a single file). */
  file: number;
  /** 1-based line number in that file. */
  line: number;
  reason: string;
  /** The line's start, at most TEXT_LIMIT characters (display it through visibleText). */
  text: string;
}

const TEXT_LIMIT = 240;

export class SkipLog {
  private total = 0;
  private readonly kept: SkippedLine[] = [];
  private readonly reasons = new Map<string, number>();

  constructor(private readonly keepLimit = 1000) {}

  add(file: number, line: number, reason: string, text: string): void {
    this.total++;
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
    if (this.kept.length < this.keepLimit) {
      this.kept.push({ file, line, reason, text: text.length > TEXT_LIMIT ? `${text.slice(0, TEXT_LIMIT)}…` : text });
    }
  }

  /** Every skipped line, including those beyond the kept list. */
  get count(): number {
    return this.total;
  }

  /** The first keepLimit skipped lines, in input order. */
  get lines(): readonly SkippedLine[] {
    return this.kept;
  }

  /** Counts by reason, sorted by reason for deterministic output. */
  byReason(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const reason of [...this.reasons.keys()].sort()) out[reason] = this.reasons.get(reason) ?? 0;
    return out;
  }

  /** Merges another log (another file of the same import). */
  absorb(other: SkipLog): void {
    for (const line of other.kept) {
      if (this.kept.length < this.keepLimit) this.kept.push(line);
    }
    this.total += other.total;
    for (const [reason, count] of other.reasons) this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + count);
  }
}
