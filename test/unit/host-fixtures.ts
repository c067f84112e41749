// The real host over an in-memory pipe, for tests that drive services through the application contract.
import { appContract } from '../../src/contract/app-contract.js';
import { createMemoryPipePair } from '../../src/contract/memory-pipe.js';
import { createRpcClient, type RpcClient } from '../../src/contract/rpc-client.js';
import { loadHostConfig } from '../../src/host/config.js';
import { createHost, type Host } from '../../src/host/create-host.js';

export interface HostOverPipe {
  host: Host;
  client: RpcClient<typeof appContract>;
}

/** Cases under `casesRoot`, operator "analyst-7", and a Docker endpoint that does not exist (no engine needed). */
export function hostOverPipe(casesRoot: string): HostOverPipe {
  const host = createHost(
    loadHostConfig(
      { HOLDCELL_CASES: casesRoot, HOLDCELL_OPERATOR: 'analyst-7' },
      { dockerHost: 'unix:///run/holdcell-contract-test-absent.sock' },
    ),
  );
  const pair = createMemoryPipePair();
  host.serve(pair.host, 'memory');
  return { host, client: createRpcClient(appContract, pair.client) };
}
