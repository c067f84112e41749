// Attaches the application contract to one pipe (IPC window, WebSocket connection or memory pair).
import { appContract, type AppImplementation } from '../contract/app-contract.js';
import type { MessagePipe } from '../contract/pipe.js';
import { createRpcServer, type RpcServer } from '../contract/rpc-server.js';
import type { HostInfo } from '../contract/system.contract.js';

export type PipeKind = HostInfo['pipe'];

/** The host's services minus the per-connection system service, which serve-pipe adds itself. */
export type HostServices = Omit<AppImplementation, 'system'>;

export interface HostIdentity {
  version: string;
  startedAt: string;
}

export function servePipe(
  services: HostServices,
  identity: HostIdentity,
  pipe: MessagePipe,
  kind: PipeKind,
  log: (line: string) => void = () => undefined,
): RpcServer {
  // eslint-disable-next-line prefer-const -- assigned after the implementation that reads it is built
  let server: RpcServer;
  const implementation: AppImplementation = {
    ...services,
    system: {
      info: async () => ({
        product: 'HoldCell',
        version: identity.version,
        pipe: kind,
        droppedMessages: server.stats().dropped,
        startedAt: identity.startedAt,
      }),
      echo: async ({ text, delayMs }, { signal }) => {
        if (delayMs > 0) {
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(resolve, delayMs);
            signal.addEventListener('abort', () => {
              clearTimeout(timer);
              reject(new Error('aborted'));
            });
          });
        }
        return { text };
      },
    },
  };
  server = createRpcServer(appContract, implementation, pipe, {
    onDropped: (reason) => log(`dropped a malformed ${kind} message: ${reason}`),
    onInternalError: (error, name) =>
      log(`internal error in ${name}: ${error instanceof Error ? error.stack : String(error)}`),
  });
  return server;
}
