// The pipes the contract suite runs over: the in-memory pair and the real WebSocket bridge on 127.0.0.1.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContractImpl } from '../../src/contract/kit.js';
import { createMemoryPipePair } from '../../src/contract/memory-pipe.js';
import { createRpcClient, type RpcClient } from '../../src/contract/rpc-client.js';
import { createRpcServer, type RpcServer } from '../../src/contract/rpc-server.js';
import { startWsBridge } from '../../src/host/ws-bridge.js';
import { connectWsClient } from '../support/ws-client-pipe.js';
import { labContract } from './lab-contract.js';

type Lab = typeof labContract;

export interface Connection {
  client: RpcClient<Lab>;
  server(): RpcServer;
  /** Puts any value on the wire as the client would, bypassing the typed client. */
  sendRaw(value: unknown): void;
  /** Every message the host sent on this connection, as it crossed the wire. */
  hostReplies(): unknown[];
  /** Drops the connection from the client's side, as a closed window or tab would. */
  disconnect(): void;
  close(): Promise<void>;
}

export interface Transport {
  name: string;
  connect(implementation: ContractImpl<Lab>): Promise<Connection>;
}

export const memoryTransport: Transport = {
  name: 'in-memory pair',
  connect: async (implementation) => {
    const pair = createMemoryPipePair();
    const server = createRpcServer(labContract, implementation, pair.host);
    const replies: unknown[] = [];
    pair.client.onMessage((message) => replies.push(message));
    return {
      hostReplies: () => replies,
      client: createRpcClient(labContract, pair.client),
      server: () => server,
      sendRaw: (value) => pair.client.send(value),
      disconnect: () => pair.close(),
      close: async () => pair.close(),
    };
  },
};

export const websocketTransport: Transport = {
  name: 'WebSocket bridge',
  connect: async (implementation) => {
    const rendererDir = mkdtempSync(join(tmpdir(), 'holdcell-renderer-'));
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
    let server: RpcServer | undefined;
    const bridge = await startWsBridge({
      rendererDir,
      onConnection: (pipe) => {
        server = createRpcServer(labContract, implementation, pipe);
      },
    });
    const ws = await connectWsClient(`ws://127.0.0.1:${bridge.port}/rpc?token=${bridge.token}`, {
      Origin: `http://127.0.0.1:${bridge.port}`,
    });
    const replies: unknown[] = [];
    ws.pipe.onMessage((message) => replies.push(message));
    return {
      hostReplies: () => replies,
      client: createRpcClient(labContract, ws.pipe),
      server: () => {
        if (!server) throw new Error('the bridge has not attached a server yet');
        return server;
      },
      sendRaw: (value) => ws.sendRaw(typeof value === 'string' ? value : JSON.stringify(value)),
      disconnect: () => ws.close(),
      close: async () => {
        ws.close();
        await bridge.close();
      },
    };
  },
};
