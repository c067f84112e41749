// Running bpftrace as a child process: its environment, its stdout as lines, its stderr as warnings, a byte queue.
import { availableParallelism } from 'node:os';
import type { Readable } from 'node:stream';
import { BPFTRACE_STRLEN } from '../common/trace/bpftrace-calls.js';

/**
 * BPFTRACE_STRLEN: the str() size the program is built for. PERF_RB_PAGES: ring buffer per CPU, 4 MiB on small
 * hosts (the default 256 KiB loses events in a burst of syscalls), less per CPU on big ones so the total stays
 * near 256 MiB (a power of two, as perf requires). MAP_KEYS_MAX: per-task scratch entries for many live tasks.
 */
export function bpftraceEnv(): Record<string, string> {
  const cpus = Math.max(1, availableParallelism());
  let pages = 1024;
  while (pages > 64 && pages * 4096 * cpus > 256 * 1024 * 1024) pages /= 2;
  return {
    BPFTRACE_STRLEN: String(BPFTRACE_STRLEN),
    BPFTRACE_PERF_RB_PAGES: String(pages),
    BPFTRACE_MAP_KEYS_MAX: '65536',
  };
}
/** An async iterable of byte chunks that a producer feeds and ends. */
export class ChunkQueue implements AsyncIterable<Uint8Array> {
  private readonly items: Uint8Array[] = [];
  private waiting: ((result: IteratorResult<Uint8Array>) => void) | undefined;
  private closed = false;

  push(chunk: Uint8Array): void {
    if (this.closed || chunk.length === 0) return;
    const waiter = this.waiting;
    this.waiting = undefined;
    if (waiter !== undefined) waiter({ value: chunk, done: false });
    else this.items.push(chunk);
  }

  close(): void {
    this.closed = true;
    const waiter = this.waiting;
    this.waiting = undefined;
    waiter?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () => {
        const item = this.items.shift();
        if (item !== undefined) return Promise.resolve({ value: item, done: false });
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiting = resolve));
      },
    };
  }
}

/** Splits a stream's text into lines, handing each complete line over. */
export function eachLine(stream: Readable, onLine: (line: string) => void): Promise<void> {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (text: string) => {
    const lines = (pending + text).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  return new Promise((resolve) =>
    stream.once('close', () => {
      if (pending !== '') onLine(pending);
      resolve();
    }),
  );
}

/** bpftrace's stderr line as the responder should read it. */
export function stderrWarning(line: string): string | undefined {
  if (line.trim() === '') return undefined;
  // Without CAP_SYS_RESOURCE bpftrace cannot lift the memlock limit; kernels from 5.11 charge BPF memory to the
  // cgroup instead, so the program loads anyway.
  if (line.includes("couldn't set RLIMIT_MEMLOCK")) {
    return 'bpftrace could not raise RLIMIT_MEMLOCK (harmless on kernels ≥ 5.11, which account BPF memory per cgroup)';
  }
  return `bpftrace: ${line}`;
}

/** Resolves with `value` after `ms`; the timer never keeps the process alive on its own. */
export const delay = <T>(ms: number, value: T): Promise<T> =>
  new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());
