// One contract suite, run over every pipe: calls, errors, validation, progress, cancellation, subscriptions, bad frames.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ContractError } from '../../src/contract/envelope.js';
import { labImplementation, type LabProbe } from './lab-contract.js';
import { memoryTransport, websocketTransport, type Connection } from './pipe-transports.js';

async function rejection(promise: Promise<unknown>): Promise<ContractError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ContractError);
  return error as ContractError;
}

describe.each([memoryTransport, websocketTransport])('the contract over the $name', (transport) => {
  let probe: LabProbe;
  let connection: Connection;
  beforeEach(async () => {
    probe = { cancelledSlowCalls: 0, endedTickStreams: 0 };
    connection = await transport.connect(labImplementation(probe));
  });
  afterEach(async () => connection.close());

  it('given a valid call, when the host answers, then the client gets the typed output', async () => {
    await expect(connection.client.api.lab.add({ a: 2, b: 40 })).resolves.toEqual({ sum: 42 });
  });

  it('given an invalid input, then the host answers BAD_INPUT naming the field', async () => {
    const error = await rejection(connection.client.api.lab.add({ a: 1, b: 'two' as unknown as number }));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.field).toBe('b');
    expect(error.message).toContain('"b"');
    const nested = await rejection(connection.client.api.lab.nested({ target: { engineId: '' } }));
    expect(nested.field).toBe('target.engineId');
  });

  it('given an input with a defaulted field, then the host fills the default from the schema', async () => {
    await expect(connection.client.api.lab.nested({ target: { engineId: 'default' } })).resolves.toEqual({
      engineId: 'default',
      limit: 10,
    });
  });

  it('given a method or event the host does not declare, then it answers NOT_FOUND without touching prototypes', async () => {
    connection.sendRaw({ t: 'call', id: 'x1', method: 'lab.toString', input: {} });
    connection.sendRaw({ t: 'call', id: 'x2', method: 'constructor.name', input: {} });
    connection.sendRaw({ t: 'subscribe', id: 'x3', event: 'lab.add', input: {} });
    await vi.waitFor(() => expect(connection.hostReplies().length).toBe(3));
    for (const reply of connection.hostReplies()) {
      expect(reply).toMatchObject({ t: 'err', error: { code: 'NOT_FOUND' } });
    }
    await expect(connection.client.api.lab.add({ a: 1, b: 1 })).resolves.toEqual({ sum: 2 });
  });

  it('given a service that throws, then a ContractError keeps its code and a plain error becomes FAILED', async () => {
    const missing = await rejection(connection.client.api.lab.missing({ id: 'abc' }));
    expect([missing.code, missing.field, missing.message]).toEqual(['NOT_FOUND', 'id', 'No container abc']);
    const crash = await rejection(connection.client.api.lab.crash({}));
    expect(crash.code).toBe('FAILED');
    expect(crash.message).toBe('lab.crash failed: disk on fire');
  });

  it('given an implementation whose output drifted from the contract, then the host refuses to send it', async () => {
    const error = await rejection(connection.client.api.lab.drifted({}));
    expect(error.code).toBe('FAILED');
    expect(error.message).toContain('breaks the contract');
  });

  it('given a long job, then progress events arrive in order before the result', async () => {
    const seen: number[] = [];
    const result = await connection.client.api.lab.slow(
      { steps: 5 },
      { onProgress: (progress) => seen.push(progress.done) },
    );
    expect(result).toEqual({ completed: 5 });
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  it('given a long job, when the client cancels, then the call rejects CANCELLED and the host stops the work', async () => {
    const controller = new AbortController();
    const call = connection.client.api.lab.slow({ steps: 1000 }, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 40));
    controller.abort();
    expect((await rejection(call)).code).toBe('CANCELLED');
    await vi.waitFor(() => expect(probe.cancelledSlowCalls).toBe(1));
    await vi.waitFor(() => expect(connection.server().stats().active).toBe(0));
  });

  it('given a subscription, then events stream until unsubscribe and the host ends the stream', async () => {
    const received: number[] = [];
    const unsubscribe = connection.client.api.lab.ticks({ intervalMs: 5 }, ({ n }) => received.push(n));
    await vi.waitFor(() => expect(received.length).toBeGreaterThanOrEqual(3));
    unsubscribe();
    await vi.waitFor(() => expect(probe.endedTickStreams).toBe(1));
    const countAfterEnd = received.length;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(received.length).toBe(countAfterEnd);
    expect(received.slice(0, 3)).toEqual([1, 2, 3]);
  });

  it('given a feed that fails, then the subscriber gets the event and then the error with its code', async () => {
    const received: number[] = [];
    const failure = await new Promise<Error>((resolve) => {
      connection.client.api.lab.failingFeed({}, ({ n }) => received.push(n), resolve);
    });
    expect(received).toEqual([1]);
    expect((failure as ContractError).code).toBe('UNAVAILABLE');
  });

  it('given malformed envelopes, then each is dropped and counted and the pipe keeps working', async () => {
    connection.sendRaw('not json at all');
    connection.sendRaw({ t: 'call', method: 'lab.add', input: {} });
    connection.sendRaw({ t: 'launch', id: 'x' });
    connection.sendRaw({ t: 'call', id: 'y', method: 'no-dot', input: {} });
    await vi.waitFor(() => expect(connection.server().stats().dropped).toBe(4));
    await expect(connection.client.api.lab.add({ a: 1, b: 2 })).resolves.toEqual({ sum: 3 });
  });

  it('given the connection drops, then pending calls reject UNAVAILABLE and the host stops their work', async () => {
    const call = connection.client.api.lab.slow({ steps: 1000 });
    connection.client.api.lab.ticks({ intervalMs: 5 }, () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 40));
    connection.disconnect();
    expect((await rejection(call)).code).toBe('UNAVAILABLE');
    await vi.waitFor(() => expect(probe.cancelledSlowCalls).toBe(1));
    await vi.waitFor(() => expect(probe.endedTickStreams).toBe(1));
  });
});
