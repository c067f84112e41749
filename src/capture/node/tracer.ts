// What every live tracer (bpftrace, host strace, helper-container strace) offers the capture service.
//
// A tracer turns "this container, from now on" into one or more byte streams; the capture service writes each
// stream into the case as it arrives (hashed while written), so a crash mid-capture loses nothing already traced.
import type { TracerKind, TracerProbe } from '../common/trace-capture.js';
import type { ContainerEngine } from './container-engine.js';

export interface TraceTarget {
  engine: ContainerEngine;
  /** Full container id. */
  containerId: string;
  /** The container's init process as the engine's host sees it (State.Pid); 0 when not running. */
  initPid: number;
}

export interface TraceStream {
  /** Evidence file name stem, unique within one capture ("strace-1", "bpftrace"). */
  name: string;
  /** "strace": raw strace text (-f -ttt -yy …); "jsonl": HoldCell's JSONL event format (README). */
  format: 'strace' | 'jsonl';
  /** The command that produces it, recorded in the manifest and custody log. */
  command: string[];
  data: AsyncIterable<Uint8Array>;
}

export interface RunningTrace {
  /** Each output stream as soon as it exists; ends once every stream has ended after stop(). */
  streams: AsyncIterable<TraceStream>;
  /** Detach or end the tracer gracefully (the tracee keeps running untouched); resolves once it has exited. */
  stop(): Promise<void>;
  /** Resolves when the tracer ends on its own (every traced process exited, or the tracer died) with why. */
  readonly ended: Promise<{ reason: 'tracees-exited' | 'tracer-exit'; detail: string }>;
  /** Host pids traced so far. */
  pids(): number[];
  /** Diagnostics so far (attach failures, lost events, tracer stderr lines). */
  warnings(): string[];
}

export interface Tracer {
  readonly kind: TracerKind;
  /** Can this tracer run here for this target? Never throws: an unusable tracer says why. */
  probe(target: TraceTarget): Promise<TracerProbe[]>;
  /** The first command it will run (for the plan preview). */
  command(target: TraceTarget): string[];
  /** Starts tracing; rejects (before any stream) when the tracer cannot start. */
  start(target: TraceTarget, signal: AbortSignal): Promise<RunningTrace>;
}
