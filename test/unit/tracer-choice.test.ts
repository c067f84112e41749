// Which tracer records a suspect: the least intrusive one that works here, and a reason the responder can check.
import { describe, expect, it } from 'vitest';
import { chooseTracer, type TracerOption } from '../../src/capture/common/tracer-choice.js';

const ok = (tool: string) => ({ tool, usable: true, detail: 'fine' });
const missing = (tool: string, detail: string) => ({ tool, usable: false, detail });

const BPF_OK: TracerOption = { kind: 'bpftrace', probes: [ok('bpftrace'), ok('btf')] };
const BPF_MISSING: TracerOption = { kind: 'bpftrace', probes: [missing('bpftrace', 'not installed')] };
const STRACE_OK: TracerOption = { kind: 'strace', probes: [ok('strace'), ok('ptrace')] };
const STRACE_MISSING: TracerOption = { kind: 'strace', probes: [missing('strace', 'not installed'), ok('ptrace')] };
const HELPER_OK: TracerOption = { kind: 'helper-strace', probes: [ok('tools image')] };

describe('choosing a tracer', () => {
  it('given a local engine with both tools, then bpftrace is chosen, because ptrace is visible to the suspect', () => {
    const decision = chooseTracer(true, 'auto', [BPF_OK, STRACE_OK]);
    expect(decision.tracer).toBe('bpftrace');
    expect(decision.reason).toMatch(/no ptrace/);
  });

  it('given bpftrace missing, then strace is chosen and the reason names what bpftrace lacked', () => {
    const decision = chooseTracer(true, 'auto', [BPF_MISSING, STRACE_OK]);
    expect(decision).toMatchObject({ tracer: 'strace' });
    expect(decision.reason).toMatch(/chosen because bpftrace is unusable \(bpftrace: not installed\)/);
  });

  it('given neither tool, then nothing is chosen and both missing tools are named', () => {
    const decision = chooseTracer(true, 'auto', [BPF_MISSING, STRACE_MISSING]);
    expect(decision.tracer).toBeNull();
    expect(decision.reason).toMatch(/bpftrace: not installed.*strace: not installed/);
  });

  it('given a remote engine, then host tools are never used: the helper container is', () => {
    expect(chooseTracer(false, 'auto', [BPF_OK, STRACE_OK, HELPER_OK]).tracer).toBe('helper-strace');
  });

  it('given a tracer asked for by name that cannot run, then it is refused with why, not silently swapped', () => {
    const decision = chooseTracer(true, 'strace', [BPF_OK, STRACE_MISSING]);
    expect(decision.tracer).toBeNull();
    expect(decision.reason).toMatch(/strace was asked for but cannot run: strace: not installed/);
  });
});
