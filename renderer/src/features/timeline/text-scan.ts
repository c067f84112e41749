// Substring search over the search-text column (one event per line): the positions of the lines that hold every
// term. Pure, so the worker, a main-thread fallback and the tests all run the same code.

/** Offsets where each line of `text` starts (line i spans starts[i] up to the next start minus its newline). */
export function lineStarts(text: string): Uint32Array {
  let count = 1;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count += 1;
  const starts = new Uint32Array(count);
  let line = 1;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) starts[line++] = at + 1;
  return starts;
}

/**
 * Merge positions (base + line number) of the lines holding every term. The longest term is searched with
 * indexOf across the whole chunk (the engine's fast path); only the lines it hits are checked for the others.
 */
export function scanText(text: string, starts: Uint32Array, base: number, terms: readonly string[]): number[] {
  const found: number[] = [];
  if (terms.length === 0 || text.length === 0) return found;
  const [lead, ...others] = [...terms].sort((a, b) => b.length - a.length) as [string, ...string[]];
  let line = 0;
  let at = text.indexOf(lead);
  while (at !== -1) {
    // Hits come in increasing order, so the line only ever moves forward.
    while (line + 1 < starts.length && (starts[line + 1] as number) <= at) line += 1;
    const start = starts[line] as number;
    const next = line + 1 < starts.length ? (starts[line + 1] as number) : text.length + 1;
    const end = next - 1;
    if (at + lead.length > end) {
      // The hit runs over the line's end into the next event's line: not a match for this one.
      at = text.indexOf(lead, at + 1);
      continue;
    }
    if (others.every((term) => text.slice(start, end).includes(term))) found.push(base + line);
    at = next > text.length ? -1 : text.indexOf(lead, next);
  }
  return found;
}

/** The text of line `line` (without its newline). */
export function lineAt(text: string, starts: Uint32Array, line: number): string {
  const start = starts[line] as number;
  const next = line + 1 < starts.length ? (starts[line + 1] as number) - 1 : text.length;
  return text.slice(start, next);
}

/**
 * With `candidates` already chosen out of `span` events: check each candidate's line when they are few (an eighth
 * of the span or less), else scan the whole span once and intersect.
 */
export function checkEachCandidate(candidates: number, span: number): boolean {
  return candidates * 8 <= span;
}
