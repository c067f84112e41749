// The attack's process tree and network indicators from replayed syscall traces: who did something flagged, and their ancestry.
import type {
  AlertView,
  FileActivityView,
  NetworkActivityView,
  ProcessView,
} from '../../capture/common/trace/replay-model.js';
import type { ManifestItem } from './case-model.js';
import type { Citation, NetworkIndicator, ProcessNode } from './report-model.js';
import { citeItem } from './report-scope.js';

/** One trace item replayed on its own (its processes are cited to it). */
export interface TraceActivity {
  item: ManifestItem;
  processes: ProcessView[];
  files: FileActivityView[];
  network: NetworkActivityView[];
  alerts: AlertView[];
}

/** What else the case says about a trace's processes: timeline techniques per pid, and paths the diff flagged. */
export interface ActivityContext {
  /** "<itemId> <pid>" → technique ids of the timeline's events about that process in that trace. */
  techniquesByProcess: ReadonlyMap<string, readonly string[]>;
  /** Absolute path → "rule T1234" strings of its diff findings. */
  flaggedPaths: ReadonlyMap<string, readonly string[]>;
}

const MODIFYING_OPS = new Set([
  'write',
  'readwrite',
  'rename',
  'unlink',
  'chmod',
  'chown',
  'truncate',
  'link',
  'symlink',
]);
const INET = new Set(['AF_INET', 'AF_INET6']);
const INDICATOR_OPS = new Set(['connect', 'accept', 'sendto']);
/** A tree of the attack, not of everything: beyond this many processes the rest are counted, not printed. */
export const MAX_TREE_NODES = 400;

export const processLabel = (process: Pick<ProcessView, 'argv' | 'exe'>): string =>
  process.argv.length > 0 ? process.argv.join(' ') : (process.exe ?? '(no exec traced)');

function addReason(reasons: Map<number, Set<string>>, pid: number, reason: string): void {
  let set = reasons.get(pid);
  if (set === undefined) reasons.set(pid, (set = new Set()));
  set.add(reason);
}

const endpoint = (entry: NetworkActivityView): string =>
  entry.family === 'AF_INET6'
    ? `[${entry.address ?? '?'}]:${entry.port ?? '?'}`
    : `${entry.address ?? '?'}:${entry.port ?? '?'}`;

/** Why each process of one trace is part of the attack (pid → reasons, sorted later). */
function reasonsOf(trace: TraceActivity, context: ActivityContext): Map<number, Set<string>> {
  const reasons = new Map<number, Set<string>>();
  const written = new Map<string, FileActivityView>();
  // Attempts count too: a dropped script exec'd without a shebang fails (ENOEXEC) and the shell then runs it.
  const executed = new Set(trace.files.filter((file) => file.op === 'exec').map((file) => file.path));
  for (const file of trace.files) {
    const flagged = context.flaggedPaths.get(file.path);
    if (file.op === 'exec') {
      const ran = file.result === 'ok' ? `ran ${file.path}` : `tried to run ${file.path} (${file.result})`;
      const writer = written.get(file.path);
      if (writer !== undefined && writer.seq < file.seq) {
        addReason(reasons, file.pid, `${ran}, written in this trace (seq ${writer.seq})`);
      }
      if (flagged !== undefined) addReason(reasons, file.pid, `${ran} (finding ${flagged.join(', ')})`);
      continue;
    }
    if (file.result !== 'ok' || !MODIFYING_OPS.has(file.op)) continue;
    if (flagged !== undefined) addReason(reasons, file.pid, `${file.op} ${file.path} (finding ${flagged.join(', ')})`);
    if (file.op !== 'unlink' && !written.has(file.path)) written.set(file.path, file);
    if (executed.has(file.path) && (file.op === 'write' || file.op === 'chmod')) {
      addReason(reasons, file.pid, `${file.op} ${file.path}, which was then executed`);
    }
  }
  for (const entry of trace.network) {
    if (!INDICATOR_OPS.has(entry.op) || entry.family === null || !INET.has(entry.family) || entry.address === null) {
      continue;
    }
    addReason(reasons, entry.pid, `${entry.op} ${endpoint(entry)} (${entry.result})`);
  }
  for (const alert of trace.alerts) {
    if (alert.pid !== null) addReason(reasons, alert.pid, `alert: ${alert.rule} (${alert.priority})`);
  }
  for (const process of trace.processes) {
    const techniques = context.techniquesByProcess.get(`${trace.item.id} ${process.pid}`);
    if (techniques !== undefined && techniques.length > 0)
      addReason(reasons, process.pid, `timeline: ${techniques.join(', ')}`);
    const becameRoot = process.credentials.find((change) => change.euid === 0 || change.uid === 0);
    if (becameRoot !== undefined && process.uid !== null && process.uid !== 0) {
      addReason(reasons, process.pid, `became root (${becameRoot.call}, seq ${becameRoot.seq})`);
    }
  }
  return reasons;
}

/** Flagged processes with their ancestors, as a depth-first tree per trace (children by start). */
export function attackTree(
  traces: readonly TraceActivity[],
  context: ActivityContext,
): { nodes: ProcessNode[]; omitted: number } {
  const nodes: ProcessNode[] = [];
  let omitted = 0;
  for (const trace of traces) {
    const reasons = reasonsOf(trace, context);
    if (reasons.size === 0) continue;
    const byId = new Map(trace.processes.map((process) => [process.id, process]));
    const keep = new Set<number>();
    for (const process of trace.processes) {
      if (!reasons.has(process.pid)) continue;
      for (let at: ProcessView | undefined = process; at !== undefined && !keep.has(at.id);) {
        keep.add(at.id);
        at = at.parentId === null ? undefined : byId.get(at.parentId);
      }
    }
    const kept = trace.processes
      .filter((process) => keep.has(process.id))
      .sort((a, b) => a.startSeq - b.startSeq || a.id - b.id);
    const children = new Map<number | null, ProcessView[]>();
    for (const process of kept) {
      const parent = process.parentId !== null && keep.has(process.parentId) ? process.parentId : null;
      children.set(parent, [...(children.get(parent) ?? []), process]);
    }
    const visit = (process: ProcessView, depth: number): void => {
      if (nodes.length >= MAX_TREE_NODES) {
        omitted += 1;
        return;
      }
      nodes.push(nodeOf(process, depth, [...(reasons.get(process.pid) ?? [])].sort(), trace.item));
      for (const child of children.get(process.id) ?? []) visit(child, depth + 1);
    };
    for (const root of children.get(null) ?? []) visit(root, 0);
  }
  return { nodes, omitted };
}

function nodeOf(process: ProcessView, depth: number, reasons: string[], item: ManifestItem): ProcessNode {
  return {
    pid: process.pid,
    ppid: process.ppid,
    exe: process.exe,
    argv: process.argv,
    start: process.start,
    ...(process.end === undefined ? {} : { end: process.end }),
    ...(process.exitCode === undefined ? {} : { exitCode: process.exitCode }),
    ...(process.signal === undefined ? {} : { signal: process.signal }),
    depth,
    reasons,
    cite: citeItem(item, `seq ${process.startSeq}`),
  };
}

/** Outbound and inbound internet connections, one row per process, operation, endpoint and result. */
export function networkIndicators(traces: readonly TraceActivity[]): NetworkIndicator[] {
  const rows = new Map<string, NetworkIndicator>();
  for (const trace of traces) {
    const processes = new Map(trace.processes.map((process) => [process.pid, process]));
    for (const entry of trace.network) {
      if (!INDICATOR_OPS.has(entry.op) || entry.family === null || !INET.has(entry.family) || entry.address === null) {
        continue;
      }
      const process = processes.get(entry.pid);
      const label = process === undefined ? '?' : processLabel(process);
      const key = [trace.item.id, entry.pid, entry.op, entry.address, entry.port, entry.result, label].join('\u0000');
      const row = rows.get(key);
      if (row !== undefined) {
        row.count += 1;
        continue;
      }
      const cite: Citation = citeItem(trace.item, `seq ${entry.seq}`);
      rows.set(key, {
        op: entry.op,
        address: entry.address,
        port: entry.port,
        result: entry.result,
        pid: entry.pid,
        process: label,
        first: entry.at,
        count: 1,
        cite,
      });
    }
  }
  const key = (row: NetworkIndicator): string =>
    `${row.first ?? '~'}\u0000${row.cite.itemId}\u0000${row.cite.locator ?? ''}`;
  return [...rows.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
