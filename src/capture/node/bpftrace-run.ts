// Running bpftrace as a child process: its environment and its stderr as the responder should read it.
import { availableParallelism } from 'node:os';
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
