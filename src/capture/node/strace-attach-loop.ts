// Keeps strace attached to every process of a container: the ones there at the start and each one that enters later.
//
// `strace -f` follows children of what it traces, but a process started through `docker exec` is a child of the
// runtime, not of anything traced: it is found by polling the container's process list and attached on its own,
// in a new strace whose output is a new stream. A process whose TracerPid is set is already followed (by one of
// ours, through -f) and is left alone: attaching twice fails, and a foreign tracer is reported, not fought.
import { AsyncQueue, delay } from './async-plumbing.js';
import type { RunningTrace, TraceStream } from './tracer.js';

export interface ListedProcess {
  pid: number;
  /** TracerPid from /proc/<pid>/status: 0 when nothing traces it. */
  tracerPid: number;
}

export interface LaunchedStrace {
  command: string[];
  /** strace's own output: the trace lines and its "strace: …" diagnostics, as written. */
  output: AsyncIterable<Uint8Array>;
  /** SIGINT: strace detaches from every tracee (which keeps running untouched) and exits. */
  interrupt(): void;
  kill(): void;
  /** Exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

export interface StraceLauncher {
  /** The container's processes now (thread-group leaders); empty once the container has no process left. */
  list(signal: AbortSignal): Promise<ListedProcess[]>;
  /**
   * Starts one strace attached to these pids (and, through -f, to their future children). strace's own messages
   * ("Process 12 attached", attach errors) go to onDiagnostic, never into the trace stream.
   */
  launch(pids: readonly number[], onDiagnostic: (line: string) => void): Promise<LaunchedStrace>;
  /** pids that are the launcher's own (a helper container's processes sharing the namespace): never traced. */
  own?(signal: AbortSignal): Promise<ReadonlySet<number>>;
}

interface Ending {
  reason: 'tracees-exited' | 'tracer-exit';
  detail: string;
}

export interface AttachLoopOptions {
  pollMs?: number;
  /** After stop(), how long strace may take to detach before it is killed. */
  detachTimeoutMs?: number;
}

/** Starts tracing every process now listed, then keeps polling; rejects when the first attach cannot start. */
export async function runAttachLoop(
  launcher: StraceLauncher,
  signal: AbortSignal,
  options: AttachLoopOptions = {},
): Promise<RunningTrace> {
  const pollMs = options.pollMs ?? 50;
  const detachTimeoutMs = options.detachTimeoutMs ?? 5000;
  const streams = new AsyncQueue<TraceStream>();
  const launched: LaunchedStrace[] = [];
  const attempted = new Set<number>();
  const traced = new Set<number>();
  const warnings: string[] = [];
  let stopped = false;
  let resolveEnded!: (value: Ending) => void;
  const ended = new Promise<Ending>((resolve) => (resolveEnded = resolve));
  const own = launcher.own === undefined ? new Set<number>() : await launcher.own(signal);

  const attach = async (pids: number[]): Promise<void> => {
    for (const pid of pids) attempted.add(pid);
    const strace = await launcher.launch(pids, (line) => {
      // Attach and detach notes are routine; anything else strace says (EPERM, lost tracees) is the responder's to see.
      if (!/^strace: Process \d+ (attached|detached)/.test(line)) warnings.push(line);
    });
    launched.push(strace);
    for (const pid of pids) traced.add(pid);
    streams.push({ name: `strace-${launched.length}`, format: 'strace', command: strace.command, data: strace.output });
    void strace.exited.then((code) => {
      if (code !== 0 && code !== null && !stopped) {
        warnings.push(`strace for pid ${pids.join(', ')} exited with code ${code} (see its "strace:" lines)`);
      }
    });
  };

  const untraced = (listing: readonly ListedProcess[]): number[] =>
    listing
      .filter(({ pid, tracerPid }) => !attempted.has(pid) && !own.has(pid) && tracerPid === 0)
      .map(({ pid }) => pid);

  const first = await launcher.list(signal);
  const firstPids = untraced(first);
  if (firstPids.length === 0) {
    const foreign = first.filter(({ tracerPid }) => tracerPid !== 0);
    throw new Error(
      first.length === 0
        ? 'the container has no running process to trace'
        : `every process of the container is already traced by another tracer (TracerPid ${foreign.map((p) => p.tracerPid).join(', ')})`,
    );
  }
  for (const process of first) {
    if (process.tracerPid !== 0 && !own.has(process.pid)) {
      warnings.push(`pid ${process.pid} is already traced by pid ${process.tracerPid} (not HoldCell): not attached`);
      attempted.add(process.pid);
    }
  }
  await attach(firstPids);

  const poll = async (): Promise<void> => {
    while (!stopped && !signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      if (stopped) break;
      const listing = await launcher.list(signal).catch((error: Error) => {
        warnings.push(`listing the container's processes failed: ${error.message}`);
        return undefined;
      });
      if (listing === undefined) continue;
      if (listing.filter(({ pid }) => !own.has(pid)).length === 0) {
        resolveEnded({ reason: 'tracees-exited', detail: 'the container has no process left' });
        break;
      }
      const fresh = untraced(listing);
      if (fresh.length > 0) {
        await attach(fresh).catch((error: Error) =>
          warnings.push(`attaching to ${fresh.join(', ')}: ${error.message}`),
        );
      }
    }
  };
  const polling = poll();

  return {
    streams,
    ended,
    pids: () => [...traced].sort((a, b) => a - b),
    warnings: () => [...warnings],
    stop: async () => {
      stopped = true;
      await polling;
      for (const strace of launched) strace.interrupt();
      await Promise.all(
        launched.map(async (strace) => {
          const exited = await Promise.race([strace.exited.then(() => true), delay(detachTimeoutMs, false)]);
          if (exited) return;
          warnings.push(`strace (${strace.command.join(' ')}) did not detach within ${detachTimeoutMs} ms: killed`);
          strace.kill();
          // A tracer that cannot even be killed is left to its launcher's cleanup; the capture still ends.
          if (!(await Promise.race([strace.exited.then(() => true), delay(detachTimeoutMs, false)]))) {
            warnings.push(`strace (${strace.command.join(' ')}) did not exit after SIGKILL either`);
          }
        }),
      );
      streams.close();
    },
  };
}
