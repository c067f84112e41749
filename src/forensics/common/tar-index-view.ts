// Reading an index the way an extractor would: for a path written twice, the last entry in tar order wins.
import type { BytePath, IndexEntry } from './tar-index-model.js';

export interface EffectiveEntries {
  /** Each path once: its last entry in tar order. Iteration order is each path's first appearance. */
  byPath: Map<BytePath, IndexEntry>;
  /** Paths that appear more than once, in order of their first repeat (the index keeps every occurrence). */
  duplicated: BytePath[];
}

export function lastWins(entries: readonly IndexEntry[]): EffectiveEntries {
  const byPath = new Map<BytePath, IndexEntry>();
  const duplicated: BytePath[] = [];
  const seenTwice = new Set<BytePath>();
  for (const entry of entries) {
    if (byPath.has(entry.path) && !seenTwice.has(entry.path)) {
      seenTwice.add(entry.path);
      duplicated.push(entry.path);
    }
    byPath.set(entry.path, entry);
  }
  return { byPath, duplicated };
}
