// The generated bpftrace program: scoped to one PID namespace everywhere, and printing what the converter expects.
import { describe, expect, it } from 'vitest';
import { CALLS, enterLayout } from '../../src/capture/common/trace/bpftrace-calls.js';
import { buildScript } from '../../src/capture/node/bpftrace-script.js';

const NS = 4026532255;

/** The program's probes: attach point and body, in program order. */
function probes(text: string): { attach: string; predicate: string; body: string }[] {
  const out: { attach: string; predicate: string; body: string }[] = [];
  const pattern = /^(\S+)(?: \/(.*)\/)? \{\n([\s\S]*?)\n\}$/gm;
  for (const match of text.matchAll(pattern)) {
    out.push({ attach: match[1] ?? '', predicate: match[2] ?? '', body: match[3] ?? '' });
  }
  return out;
}

describe('the capture program for one container', () => {
  const script = buildScript({ pidNamespace: NS, available: () => true });
  const all = probes(script.text);

  it('given a namespace, then every task probe is filtered by it (and by the namespaces nested below it)', () => {
    const tasks = all.filter(
      (probe) => !['BEGIN', 'END'].includes(probe.attach) && !probe.attach.startsWith('interval:'),
    );
    expect(tasks.length).toBe(script.probes - 3);
    for (const probe of tasks) {
      expect(probe.predicate).toContain(`curtask->nsproxy->pid_ns_for_children->ns.inum == ${NS}`);
      expect(probe.predicate).toContain(`pid_ns_for_children->parent->ns.inum == ${NS}`);
    }
    expect(all.map((probe) => probe.attach)).toEqual(expect.arrayContaining(['BEGIN', 'END', 'interval:ms:250']));
  });

  it('given each traced call, then its entry line prints exactly the values the converter’s layout reads', () => {
    for (const call of CALLS) {
      const enter = all.find((probe) => probe.attach === `tracepoint:syscalls:sys_enter_${call.name}`);
      const format = /printf\("E %llu %d %d (\w+)((?: %lld)*)\\n"/.exec(enter?.body ?? '');
      expect(format?.[1], call.name).toBe(call.name);
      expect((format?.[2] ?? '').split(' %lld').length - 1, call.name).toBe(enterLayout(call).width);
    }
  });

  it('given each call, then one probe enters it and one exits it, printing strings, data and address before X', () => {
    for (const call of CALLS) {
      const enters = all.filter((probe) => probe.attach === `tracepoint:syscalls:sys_enter_${call.name}`);
      const exits = all.filter((probe) => probe.attach === `tracepoint:syscalls:sys_exit_${call.name}`);
      expect([enters.length, exits.length], call.name).toEqual([1, 1]);
      const lines = [...(exits[0]?.body ?? '').matchAll(/printf\("([A-Z]) /g)].map((match) => match[1]);
      expect(lines[lines.length - 1], call.name).toBe('X');
      expect(
        lines.filter((kind) => kind === 'X'),
        call.name,
      ).toHaveLength(1);
    }
    // Fewer programs detach faster when bpftrace exits (one RCU grace period each).
    expect(script.probes).toBeLessThan(2 * CALLS.length + 10);
  });

  it('given evidence bytes, then they are only ever printed as hex pairs (%rh), last on their line', () => {
    const printfs = [...script.text.matchAll(/printf\("([^"]*)\\n"/g)].map((match) => match[1] ?? '');
    for (const format of printfs) {
      expect(format).not.toMatch(/%s|%r(?!h)/);
      if (format.includes('%rh')) expect(format.endsWith('%rh')).toBe(true);
    }
  });

  it('given a kernel without some syscall tracepoints, then those calls are left out and named', () => {
    const partial = buildScript({ pidNamespace: NS, available: (name) => name !== 'fchmodat2' && name !== 'openat2' });
    expect(partial.missing).toEqual(['openat2', 'fchmodat2']);
    expect(partial.text).not.toContain('sys_enter_fchmodat2');
    expect(partial.calls).toHaveLength(CALLS.length - 2);
  });

  it('given the program ends, then the scratch maps are cleared so bpftrace prints no map of pointers', () => {
    const end = all.find((probe) => probe.attach === 'END');
    for (const map of ['@a', '@d', '@s0', '@s1', '@sa', '@sl', '@w']) expect(end?.body).toContain(`clear(${map});`);
  });
});
