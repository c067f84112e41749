// A small contract made for the contract suite: one method or event per pipe semantic under test.
import { z } from 'zod';
import { ContractError } from '../../src/contract/envelope.js';
import { defineContract, defineService, event, method, type ContractImpl } from '../../src/contract/kit.js';

export const labContract = defineContract({
  lab: defineService({
    add: method({
      summary: 'adds two numbers',
      input: z.object({ a: z.number(), b: z.number() }),
      output: z.object({ sum: z.number() }),
    }),
    nested: method({
      summary: 'echoes a nested structure with a default filled in',
      input: z.object({ target: z.object({ engineId: z.string().min(1), limit: z.number().int().default(10) }) }),
      output: z.object({ engineId: z.string(), limit: z.number() }),
    }),
    slow: method({
      summary: 'reports progress every 10 ms until done or cancelled',
      input: z.object({ steps: z.number().int().min(1).max(1000) }),
      output: z.object({ completed: z.number() }),
    }),
    drifted: method({
      summary: 'returns output that breaks its own schema',
      input: z.object({}),
      output: z.object({ ok: z.boolean() }),
    }),
    crash: method({ summary: 'throws a plain Error', input: z.object({}), output: z.object({}) }),
    missing: method({ summary: 'throws NOT_FOUND', input: z.object({ id: z.string() }), output: z.object({}) }),
    ticks: event({
      summary: 'emits n = 1, 2, 3 … every intervalMs until unsubscribed',
      input: z.object({ intervalMs: z.number().int().min(1) }),
      data: z.object({ n: z.number() }),
    }),
    failingFeed: event({ summary: 'emits once then fails', input: z.object({}), data: z.object({ n: z.number() }) }),
  }),
});

export interface LabProbe {
  /** Signals of running slow() calls and ticks() subscriptions, to check the host really stops work. */
  cancelledSlowCalls: number;
  endedTickStreams: number;
}

const wait = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

export function labImplementation(probe: LabProbe): ContractImpl<typeof labContract> {
  return {
    lab: {
      add: async ({ a, b }) => ({ sum: a + b }),
      nested: async ({ target }) => target,
      slow: async ({ steps }, { signal, progress }) => {
        for (let done = 0; done < steps; done += 1) {
          if (signal.aborted) {
            probe.cancelledSlowCalls += 1;
            throw new Error('stopped');
          }
          progress({ done, total: steps, note: `step ${done}` });
          await wait(10);
        }
        return { completed: steps };
      },
      drifted: async () => ({ ok: 'yes' }) as unknown as { ok: boolean },
      crash: async () => {
        throw new Error('disk on fire');
      },
      missing: async ({ id }) => {
        throw new ContractError('NOT_FOUND', `No container ${id}`, 'id');
      },
      ticks: async ({ intervalMs }, sink) => {
        let n = 0;
        const timer = setInterval(() => sink.emit({ n: (n += 1) }), intervalMs);
        sink.signal.addEventListener('abort', () => {
          clearInterval(timer);
          probe.endedTickStreams += 1;
        });
      },
      failingFeed: async (_input, sink) => {
        sink.emit({ n: 1 });
        await wait(5);
        throw new ContractError('UNAVAILABLE', 'feed went away');
      },
    },
  };
}
