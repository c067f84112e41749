// What was already running in a container when a capture attached: read back from the capture's host-proc item.
//
// A tracer attached to a running process never sees its execve, so the replay would show the suspect's own main
// process with no command. The capture reads the host's /proc for the pids it attached to and stores that document
// as evidence beside the trace; the replay, the timeline and the report seed those processes from it.
import { sha256Text } from '../../../forensics/common/timeline-hash.js';
import { base64Decode, bytesToText } from './trace-bytes.js';
import type { RunningAtAttach } from './replay-core.js';

const FLAG = 'capture:';
/** The flag that ties a capture's trace items and its snapshot at attach together. */
export const captureFlag = (captureId: string): string => `${FLAG}${captureId}`;
/** The flag the snapshot item carries besides its capture's. */
export const AT_ATTACH_FLAG = 'at-capture-attach';
/**
 * A trace item's flag saying its pids are the container's own (a helper sharing its PID namespace traced it), not
 * the host's: the snapshot, read on the host, is then keyed by each process's innermost NSpid.
 */
export const CONTAINER_PIDS_FLAG = 'pids:container-namespace';

interface FlaggedItem {
  id: string;
  kind: string;
  path: string;
  sha256: string;
  flags: readonly string[];
}

/** The snapshot taken when this trace's capture attached, when the case holds one. */
export function attachSnapshotOf<I extends FlaggedItem>(trace: FlaggedItem, items: readonly I[]): I | undefined {
  const capture = trace.flags.find((flag) => flag.startsWith(FLAG));
  if (capture === undefined) return undefined;
  return items.find(
    (item) => item.kind === 'host-proc' && item.flags.includes(AT_ATTACH_FLAG) && item.flags.includes(capture),
  );
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A /proc byte string as the host-proc document keeps it (text, or { base64 } when not UTF-8), in the trace's form. */
function procText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (isRecord(value) && typeof value['base64'] === 'string') {
    const bytes = base64Decode(value['base64']);
    return bytes === undefined ? null : bytesToText(bytes);
  }
  return null;
}

/** The first id of a "Uid:" status line ("0\t0\t0\t0": real, effective, saved, filesystem). */
function realUid(status: unknown): number | null {
  const line = isRecord(status) ? status['Uid'] : undefined;
  const first = typeof line === 'string' ? /^\s*(\d{1,10})\b/.exec(line)?.[1] : undefined;
  return first === undefined ? null : Number(first);
}

/** The pid in the process's innermost namespace: the last id of its "NSpid:" status line. */
function innermostPid(status: unknown): number | undefined {
  const line = isRecord(status) ? status['NSpid'] : undefined;
  const last = typeof line === 'string' ? /(\d{1,10})\s*$/.exec(line)?.[1] : undefined;
  return last === undefined ? undefined : Number(last);
}

/**
 * The processes of a host-proc document by pid, as the host numbers them or as the container does. The document is
 * evidence (it could have been edited): anything that is not the expected shape is left out, never trusted.
 */
export function runningAtAttachFrom(
  document: unknown,
  pids: 'host' | 'container' = 'host',
): Map<number, RunningAtAttach> {
  const known = new Map<number, RunningAtAttach>();
  const processes = isRecord(document) && Array.isArray(document['processes']) ? document['processes'] : [];
  for (const entry of processes) {
    if (!isRecord(entry)) continue;
    const pid = pids === 'host' ? entry['pid'] : innermostPid(entry['status']);
    if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) continue;
    const argv = Array.isArray(entry['cmdline']) ? entry['cmdline'].map(procText) : [];
    known.set(pid, {
      exe: procText(entry['exe']),
      argv: argv.filter((arg): arg is string => arg !== null),
      cwd: procText(entry['cwd']),
      uid: realUid(entry['status']),
    });
  }
  return known;
}

/**
 * What the traces' captures saw running at attach, merged by pid (the first trace's snapshot wins a pid two share).
 * A snapshot whose bytes no longer match the manifest is not used, and said so: verify names it.
 */
export async function loadRunningAtAttach<I extends FlaggedItem>(
  traces: readonly FlaggedItem[],
  items: readonly I[],
  read: (item: I) => Promise<Uint8Array>,
): Promise<{ running: Map<number, RunningAtAttach>; problems: string[] }> {
  const running = new Map<number, RunningAtAttach>();
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const trace of traces) {
    const snapshot = attachSnapshotOf(trace, items);
    const key = `${snapshot?.id ?? ''}\u0000${trace.flags.includes(CONTAINER_PIDS_FLAG)}`;
    if (snapshot === undefined || seen.has(key)) continue;
    seen.add(key);
    try {
      // The document is UTF-8 JSON (bytes that are not are kept as base64 inside it), so hashing its text hashes its
      // bytes; a byte that is not UTF-8 (an edit) decodes to U+DCxx and fails the comparison.
      const text = bytesToText(await read(snapshot));
      if (sha256Text(text) !== snapshot.sha256) {
        problems.push(`${snapshot.id} does not match its manifest hash: processes running at attach not shown`);
        continue;
      }
      const document: unknown = JSON.parse(text);
      const numbering = trace.flags.includes(CONTAINER_PIDS_FLAG) ? 'container' : 'host';
      for (const [pid, process] of runningAtAttachFrom(document, numbering)) {
        if (!running.has(pid)) running.set(pid, process);
      }
    } catch (error) {
      problems.push(`${snapshot.id} could not be read: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { running, problems };
}
