// The replay terminal's plan: forward in one session appends only new output; back or another session starts over.
import { describe, expect, it } from 'vitest';
import { planTerminal } from '../../renderer/src/features/replay/terminal-plan.js';

const out = (seq: number) => ({ seq, direction: 'out' as const });
const input = (seq: number) => ({ seq, direction: 'in' as const });

describe('replaying a terminal session while seeking', () => {
  it('given nothing rendered, when the instant is shown, then the terminal resets and writes the output up to it', () => {
    const plan = planTerminal(undefined, 'r/10:1', 50, [out(3), input(4), out(9), out(60)]);
    expect(plan.reset).toBe(true);
    expect(plan.write.map((chunk) => chunk.seq)).toEqual([3, 9]);
    expect(plan.next).toEqual({ session: 'r/10:1', untilSeq: 50, lastChunkSeq: 9 });
  });

  it('given output rendered up to an instant, when moving forward, then only the newer chunks are written', () => {
    const first = planTerminal(undefined, 'r/10:1', 50, [out(3), out(9)]);
    const plan = planTerminal(first.next, 'r/10:1', 80, [out(3), out(9), out(70)]);
    expect(plan.reset).toBe(false);
    expect(plan.write.map((chunk) => chunk.seq)).toEqual([70]);
    expect(plan.next.lastChunkSeq).toBe(70);
  });

  it('given forward steps with no new output, when moving on, then nothing is written and the last chunk is remembered', () => {
    const first = planTerminal(undefined, 'r/10:1', 50, [out(9)]);
    const plan = planTerminal(first.next, 'r/10:1', 51, [out(9)]);
    expect(plan).toEqual({ reset: false, write: [], next: { session: 'r/10:1', untilSeq: 51, lastChunkSeq: 9 } });
  });

  it('given output rendered, when seeking back, then the terminal resets and replays up to the earlier instant', () => {
    const first = planTerminal(undefined, 'r/10:1', 80, [out(3), out(9), out(70)]);
    const plan = planTerminal(first.next, 'r/10:1', 20, [out(3), out(9)]);
    expect(plan.reset).toBe(true);
    expect(plan.write.map((chunk) => chunk.seq)).toEqual([3, 9]);
  });

  it('given another session or another replay, when shown, then the terminal starts over even when moving forward', () => {
    const first = planTerminal(undefined, 'r/10:1', 50, [out(9)]);
    expect(planTerminal(first.next, 'r/11:2', 60, [out(55)]).reset).toBe(true);
    expect(planTerminal(first.next, 'other/10:1', 60, [out(9)]).write.map((chunk) => chunk.seq)).toEqual([9]);
  });

  it('given the byte cap dropped older chunks, when moving forward, then what was written stays and only newer ones follow', () => {
    const first = planTerminal(undefined, 'r/10:1', 50, [out(3), out(9)]);
    const plan = planTerminal(first.next, 'r/10:1', 90, [out(70), out(85)]);
    expect(plan.reset).toBe(false);
    expect(plan.write.map((chunk) => chunk.seq)).toEqual([70, 85]);
  });
});
