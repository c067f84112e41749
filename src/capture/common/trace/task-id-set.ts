// A set of task ids (pids, tids) that stays fast with a million tasks: a bitmap for real pids, a Set for the rest.
//
// Why not a Set: the strace parser remembers every task it has seen. A V8 Set of a million numbers outgrows the
// CPU caches, and each lookup then costs a cache miss (bench:parsers, "every pair pending at once": 18× the time
// for 10× the tasks). Linux pids stop at pid_max, at most 2^22, so the bitmap stays within 512 KiB; any other
// number (a defaultPid option, a hostile value) goes to the Set.

/** The kernel's ceiling for pid_max (2^22): ids up to it live in the bitmap. */
const BITMAP_LIMIT = 4_194_304;

export class TaskIdSet {
  private bits = new Uint32Array(64);
  private other: Set<number> | undefined;
  private inBits = 0;
  /** Sum of the bitmap's members: with one member, that member (exact: at most 2^22 ids of at most 2^22). */
  private sum = 0;

  get size(): number {
    return this.inBits + (this.other?.size ?? 0);
  }

  has(id: number): boolean {
    if (!inBitmap(id)) return this.other?.has(id) === true;
    const word = id >>> 5;
    return word < this.bits.length && ((this.bits[word] ?? 0) & (1 << (id & 31))) !== 0;
  }

  add(id: number): void {
    if (!inBitmap(id)) {
      (this.other ??= new Set()).add(id);
      return;
    }
    const word = id >>> 5;
    if (word >= this.bits.length) this.grow(word);
    const mask = 1 << (id & 31);
    const current = this.bits[word] ?? 0;
    if ((current & mask) !== 0) return;
    this.bits[word] = current | mask;
    this.inBits++;
    this.sum += id;
  }

  delete(id: number): boolean {
    if (!inBitmap(id)) return this.other?.delete(id) === true;
    const word = id >>> 5;
    const mask = 1 << (id & 31);
    const current = word < this.bits.length ? (this.bits[word] ?? 0) : 0;
    if ((current & mask) === 0) return false;
    this.bits[word] = current & ~mask;
    this.inBits--;
    this.sum -= id;
    return true;
  }

  /** The one member when the set holds exactly one, else undefined (no scan of the bitmap). */
  only(): number | undefined {
    if (this.size !== 1) return undefined;
    if (this.inBits === 1) return this.sum;
    for (const id of this.other ?? []) return id;
    return undefined;
  }

  private grow(word: number): void {
    const grown = new Uint32Array(Math.min(Math.max(word + 1, this.bits.length * 2), (BITMAP_LIMIT >>> 5) + 1));
    grown.set(this.bits);
    this.bits = grown;
  }
}

function inBitmap(id: number): boolean {
  return id >>> 0 === id && id <= BITMAP_LIMIT;
}
