// The composition root: the one place that constructs HoldCell's services and wires them together, by hand.
import { ContainerCatalog } from '../capture/node/container-catalog.js';
import { DockerEngine } from '../capture/node/docker-engine.js';
import type { MessagePipe } from '../contract/pipe.js';
import type { RpcServer } from '../contract/rpc-server.js';
import type { HostConfig } from './config.js';
import { servePipe, type HostIdentity, type HostServices, type PipeKind } from './serve-pipe.js';

export interface Host {
  readonly services: HostServices;
  readonly identity: HostIdentity;
  /** Serves the contract on one pipe; the returned server closes with the pipe or with the host. */
  serve(pipe: MessagePipe, kind: PipeKind, log?: (line: string) => void): RpcServer;
  close(): Promise<void>;
}

export function createHost(config: HostConfig): Host {
  const engines = config.engines.map(({ engineId, endpoint }) => new DockerEngine(engineId, endpoint));
  const services: HostServices = { capture: new ContainerCatalog(engines) };
  const identity: HostIdentity = { version: config.version, startedAt: new Date().toISOString() };
  const servers = new Set<RpcServer>();
  return {
    services,
    identity,
    serve(pipe, kind, log) {
      const server = servePipe(services, identity, pipe, kind, log);
      servers.add(server);
      pipe.onClose(() => servers.delete(server));
      return server;
    },
    async close() {
      for (const server of servers) server.close();
      servers.clear();
    },
  };
}
