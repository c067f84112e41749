// One in-process handle per case folder: the queue that serialises its custody appends and manifest rewrites.
import path from 'node:path';
import { CUSTODY_FILE } from './case-paths.js';
import { CustodyLog } from './custody-log.js';

/**
 * Everything that changes custody.jsonl or manifest.json for one case runs through `exclusive`, one task at a
 * time, so seq numbers stay consecutive and "evidence.add → manifest → manifest.write" is never interleaved.
 * Streaming the evidence bytes themselves happens outside the queue, so several acquisitions run in parallel.
 */
export class CaseHandle {
  readonly custody: CustodyLog;
  /** Ids of items being streamed right now: reserved against duplicates, and a reason to refuse sealing. */
  readonly acquiring = new Set<string>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(readonly dir: string) {
    this.custody = new CustodyLog(path.join(dir, CUSTODY_FILE));
  }

  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    // The queue must go on after a failed task; the failure still reaches this task's caller.
    this.tail = result.catch(() => undefined);
    return result;
  }
}

// Module-wide, so every CaseStore and every recorder in this process that names the same folder shares one queue.
const handles = new Map<string, CaseHandle>();

/** The handle for an absolute, resolved case folder path. */
export function caseHandle(dir: string): CaseHandle {
  let handle = handles.get(dir);
  if (handle === undefined) {
    handle = new CaseHandle(dir);
    handles.set(dir, handle);
  }
  return handle;
}
