// Orders the processes of one instant as a tree (parent before children, by start) with each row's depth for indenting.

/** What the tree needs of a process: its incarnation id, its parent's, and when it started. */
export interface TreeProcess {
  id: number;
  parentId: number | null;
  pid: number;
  startSeq: number;
  alive: boolean;
}

export interface TreeRow<P extends TreeProcess> {
  process: P;
  depth: number;
}

const byStart = (a: TreeProcess, b: TreeProcess): number => a.startSeq - b.startSeq || a.id - b.id;

/**
 * Depth-first rows. A process whose parent is not in the list (the trace began after it, or it was never seen)
 * starts a tree of its own; ids are the engine's incarnation ids, so a reused pid never attaches to the wrong parent.
 */
export function processTreeRows<P extends TreeProcess>(processes: readonly P[]): TreeRow<P>[] {
  const known = new Set(processes.map((process) => process.id));
  const children = new Map<number, P[]>();
  const roots: P[] = [];
  for (const process of processes) {
    if (process.parentId === null || process.parentId === process.id || !known.has(process.parentId)) {
      roots.push(process);
      continue;
    }
    const siblings = children.get(process.parentId);
    if (siblings) siblings.push(process);
    else children.set(process.parentId, [process]);
  }
  const rows: TreeRow<P>[] = [];
  const visited = new Set<number>();
  // An explicit stack: a deep fork chain in a hostile trace must not overflow the call stack.
  const stack: TreeRow<P>[] = roots
    .sort(byStart)
    .reverse()
    .map((process) => ({ process, depth: 0 }));
  while (stack.length > 0) {
    const row = stack.pop() as TreeRow<P>;
    if (visited.has(row.process.id)) continue;
    visited.add(row.process.id);
    rows.push(row);
    const below = (children.get(row.process.id) ?? []).slice().sort(byStart).reverse();
    for (const child of below) stack.push({ process: child, depth: row.depth + 1 });
  }
  // A parent cycle (malformed input) leaves processes unreachable from any root: still list them, flat.
  for (const process of processes.slice().sort(byStart)) if (!visited.has(process.id)) rows.push({ process, depth: 0 });
  return rows;
}

/** The row for a pid: the live incarnation when the pid was reused, else the latest one. */
export function findProcess<P extends TreeProcess>(processes: readonly P[], pid: number | undefined): P | undefined {
  if (pid === undefined) return undefined;
  const matches = processes.filter((process) => process.pid === pid);
  return matches.find((process) => process.alive) ?? matches.sort(byStart).at(-1);
}
