// The real application contract served by the real host over the in-memory pipe: identity, pipe health, input checks.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { appContract } from '../../src/contract/app-contract.js';
import { createMemoryPipePair } from '../../src/contract/memory-pipe.js';
import { createRpcClient, type RpcClient } from '../../src/contract/rpc-client.js';
import { loadHostConfig } from '../../src/host/config.js';
import { createHost, type Host } from '../../src/host/create-host.js';

describe('the HoldCell host over a pipe', () => {
  let host: Host;
  let client: RpcClient<typeof appContract>;
  let rawSend: (message: unknown) => void;
  beforeEach(() => {
    // An engine that is certainly absent: these cases are about the contract, not Docker.
    host = createHost(loadHostConfig({}, { dockerHost: 'unix:///run/holdcell-contract-test-absent.sock' }));
    const pair = createMemoryPipePair();
    host.serve(pair.host, 'memory');
    client = createRpcClient(appContract, pair.client);
    rawSend = (message) => pair.client.send(message);
  });
  afterEach(async () => host.close());

  it('given a client, when it asks who it talks to, then the host names itself and the pipe', async () => {
    await expect(client.api.system.info({})).resolves.toMatchObject({
      product: 'HoldCell',
      pipe: 'memory',
      droppedMessages: 0,
    });
  });

  it('given malformed envelopes, then system.info counts them for this connection', async () => {
    rawSend({ t: 'call' });
    rawSend(42);
    await vi.waitFor(async () => expect((await client.api.system.info({})).droppedMessages).toBe(2));
  });

  it('given an invalid engine filter, then BAD_INPUT names the field', async () => {
    await expect(client.api.capture.listContainers({ engineId: '' })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      field: 'engineId',
    });
  });

  it('given an unreachable engine, then the listing says which endpoint failed and why, instead of failing', async () => {
    const listing = await client.api.capture.listContainers({});
    expect(listing.containers).toEqual([]);
    expect(listing.engines[0]).toMatchObject({
      state: 'unreachable',
      endpoint: 'unix:///run/holdcell-contract-test-absent.sock',
      error: expect.stringContaining('does not exist') as unknown,
    });
  });

  it('given a watch on an unreachable engine, then the first news is the engine state with the reason', async () => {
    const changes: unknown[] = [];
    const stop = client.api.capture.watchContainers({}, (change) => changes.push(change));
    await vi.waitFor(() =>
      expect(changes).toContainEqual(
        expect.objectContaining({
          type: 'engine',
          engine: expect.objectContaining({ state: 'unreachable' }) as unknown,
        }),
      ),
    );
    stop();
  });

  it('given a slow echo, when the client cancels it, then it rejects CANCELLED', async () => {
    const controller = new AbortController();
    const pending = client.api.system.echo({ text: 'x', delayMs: 5_000 }, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
