// Which tracer records a container, and the reason the responder sees: decided from what the host probed.
import type { TracerKind, TracerPreference, TracerProbe } from './trace-capture.js';

export interface TracerOption {
  kind: TracerKind;
  probes: TracerProbe[];
}

export type TracerDecision = { tracer: TracerKind; reason: string } | { tracer: null; reason: string };

const WHY: Record<TracerKind, string> = {
  bpftrace:
    "bpftrace on syscall tracepoints, filtered by the container's PID namespace: no ptrace (the suspect cannot see a " +
    'tracer in /proc/self/status), little slowdown, and processes entering later through exec are included',
  strace:
    'strace attached from the host to every process of the container, and to each new one (exec) as it appears: ' +
    'full argument decoding, but ptrace slows the suspect and is visible to it, and an exec that ends within the ' +
    '~50 ms between two looks at the container can be missed',
  'helper-strace':
    "strace in a helper container sharing the suspect's PID namespace with SYS_PTRACE only (no network, read-only): " +
    'it reaches the processes of engines this host cannot see into (remote, VM); nothing runs inside the suspect',
};

/** Order of preference: local engines try the least intrusive tracer first. */
const LOCAL_ORDER: readonly TracerKind[] = ['bpftrace', 'strace'];
const REMOTE_ORDER: readonly TracerKind[] = ['helper-strace'];

function unusable(option: TracerOption): string {
  const failing = option.probes.filter((probe) => !probe.usable);
  return failing.map((probe) => `${probe.tool}: ${probe.detail}`).join('; ') || 'not probed';
}

const usable = (option: TracerOption): boolean =>
  option.probes.length > 0 && option.probes.every((probe) => probe.usable);

export function chooseTracer(
  isLocal: boolean,
  preference: TracerPreference,
  options: readonly TracerOption[],
): TracerDecision {
  const byKind = new Map(options.map((option) => [option.kind, option]));
  if (preference !== 'auto') {
    const option = byKind.get(preference);
    if (option === undefined) return { tracer: null, reason: `${preference} cannot trace this engine's containers` };
    if (!usable(option))
      return { tracer: null, reason: `${preference} was asked for but cannot run: ${unusable(option)}` };
    return { tracer: preference, reason: `${WHY[preference]} (asked for)` };
  }
  const order = isLocal ? LOCAL_ORDER : REMOTE_ORDER;
  const passedOver: string[] = [];
  for (const kind of order) {
    const option = byKind.get(kind);
    if (option === undefined) continue;
    if (usable(option)) {
      const before = passedOver.length === 0 ? '' : ` — chosen because ${passedOver.join('; ')}`;
      return { tracer: kind, reason: `${WHY[kind]}${before}` };
    }
    passedOver.push(`${kind} is unusable (${unusable(option)})`);
  }
  return {
    tracer: null,
    reason: `no tracer can record this container here: ${passedOver.join('; ') || 'none applies to this engine'}`,
  };
}
