// Live syscall capture as data: which tracer runs and why, and what a finished capture put into the case.
import { z } from 'zod';
import { ManifestItem } from '../../forensics/common/case-model.js';

/**
 * bpftrace: syscall tracepoints on the host, filtered by the container's PID namespace (catches `docker exec`
 * processes by construction, no ptrace, the suspect cannot see it in /proc/self/status).
 * strace: ptrace-attached on the host to every process of the container, new ones attached as they appear.
 * helper-strace: a helper container sharing the target's PID namespace with SYS_PTRACE only (remote engines).
 */
export const TRACER_KINDS = ['bpftrace', 'strace', 'helper-strace'] as const;
export const TracerKind = z.enum(TRACER_KINDS);
export type TracerKind = z.infer<typeof TracerKind>;

export const TracerPreference = z.enum(['auto', ...TRACER_KINDS]);
export type TracerPreference = z.infer<typeof TracerPreference>;

/** What the host found when it looked for a way to trace (shown to the responder with the plan). */
export const TracerProbe = z.object({
  tool: z.string(),
  usable: z.boolean(),
  /** Path and version when usable, otherwise why not ("not installed", "tracefs not mountable: EPERM", …). */
  detail: z.string(),
});
export type TracerProbe = z.infer<typeof TracerProbe>;

export const CapturePlan = z.object({
  engineId: z.string(),
  containerId: z.string(),
  containerName: z.string(),
  /** null when nothing can trace this container here; `reason` then names what is missing. */
  tracer: TracerKind.nullable(),
  reason: z.string(),
  probes: z.array(TracerProbe),
  /** The tracer's command line (its first process; strace adds one per process that appears later). */
  command: z.array(z.string()),
  /** How the trace is stored in the case. */
  format: z.enum(['strace', 'jsonl']).nullable(),
  /** The container must be running: a paused container is traced (its syscalls resume when unpaused). */
  warnings: z.array(z.string()),
});
export type CapturePlan = z.infer<typeof CapturePlan>;

export const CaptureStop = z.enum(['duration', 'responder', 'container-exit', 'cancelled', 'tracer-exit']);
export type CaptureStop = z.infer<typeof CaptureStop>;

export const CaptureResult = z.object({
  captureId: z.string(),
  caseDir: z.string(),
  engineId: z.string(),
  containerId: z.string(),
  tracer: TracerKind,
  reason: z.string(),
  startedAt: z.string(),
  endedAt: z.string(),
  stoppedBy: CaptureStop,
  /** Host pids traced (strace: each attached process; bpftrace: every pid seen in the namespace). */
  pids: z.array(z.number().int()),
  /** The trace evidence: one item per tracer output stream, hashed while written. */
  items: z.array(ManifestItem),
  /** Tracer diagnostics worth knowing (attach failures, lost events); never silently dropped. */
  warnings: z.array(z.string()),
});
export type CaptureResult = z.infer<typeof CaptureResult>;
