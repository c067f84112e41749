// The Docker adapter: the one file that imports dockerode; validates every engine answer before it goes further.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { DockerContainerInspect, DockerEvent } from '../common/docker-inspect.js';
import { describeEndpoint, type DockerEndpoint } from '../common/docker-endpoint.js';
import type { ContainerEngine, ContainerListEntry, EngineVersion } from './container-engine.js';

const CONNECT_TIMEOUT_MS = 5_000;
const CALL_TIMEOUT_MS = 30_000;

function dockerodeOptions(endpoint: DockerEndpoint): Docker.DockerOptions {
  switch (endpoint.kind) {
    case 'unix':
      return { socketPath: endpoint.socketPath };
    case 'tcp': {
      const tls =
        endpoint.tls && endpoint.certPath !== undefined
          ? {
              ca: readFileSync(join(endpoint.certPath, 'ca.pem')),
              cert: readFileSync(join(endpoint.certPath, 'cert.pem')),
              key: readFileSync(join(endpoint.certPath, 'key.pem')),
            }
          : {};
      return { host: endpoint.host, port: endpoint.port, protocol: endpoint.tls ? 'https' : 'http', ...tls };
    }
    case 'ssh':
      // Host-key verification against known_hosts is required before SSH engines are enabled (containment issue).
      throw new Error(`SSH engines are not enabled yet: ${describeEndpoint(endpoint)}`);
  }
}

/** Every call gets a deadline so a stalled engine produces an error, never a hang. */
function withDeadline(signal: AbortSignal | undefined, milliseconds: number): AbortSignal {
  const deadline = AbortSignal.timeout(milliseconds);
  return signal === undefined ? deadline : AbortSignal.any([signal, deadline]);
}

interface HttpishError {
  code?: string;
  statusCode?: number;
  message?: string;
  name?: string;
}

export class DockerEngine implements ContainerEngine {
  readonly kind = 'docker' as const;
  readonly endpoint: string;
  private readonly docker: Docker;

  constructor(
    readonly engineId: string,
    private readonly address: DockerEndpoint,
  ) {
    this.endpoint = describeEndpoint(address);
    // connectionTimeout is a docker-modem option the typings omit: a dead TCP peer fails fast instead of hanging.
    const options = { ...dockerodeOptions(address), connectionTimeout: CONNECT_TIMEOUT_MS };
    this.docker = new Docker(options as Docker.DockerOptions);
  }

  async version(signal?: AbortSignal): Promise<EngineVersion> {
    // The typings lack version's options overload; docker-modem honours abortSignal on every call.
    const version = this.docker.version.bind(this.docker) as (options: {
      abortSignal: AbortSignal;
    }) => Promise<unknown>;
    const answer = await version({ abortSignal: withDeadline(signal, CONNECT_TIMEOUT_MS) });
    const { Version, ApiVersion } = (answer ?? {}) as { Version?: unknown; ApiVersion?: unknown };
    if (typeof Version !== 'string' || typeof ApiVersion !== 'string') {
      throw new Error(`${this.endpoint} answered /version without Version/ApiVersion: is it a Docker engine?`);
    }
    return { serverVersion: Version, apiVersion: ApiVersion };
  }

  async listContainers(signal?: AbortSignal): Promise<ContainerListEntry[]> {
    const answer: unknown = await this.docker.listContainers({
      all: true,
      abortSignal: withDeadline(signal, CALL_TIMEOUT_MS),
    });
    if (!Array.isArray(answer)) throw new Error(`${this.endpoint} answered /containers/json with a non-list`);
    return answer.flatMap((entry: { Id?: unknown; Status?: unknown }) =>
      typeof entry.Id === 'string'
        ? [{ id: entry.Id, status: typeof entry.Status === 'string' ? entry.Status : '' }]
        : [],
    );
  }

  async inspectContainer(id: string, signal?: AbortSignal): Promise<DockerContainerInspect | undefined> {
    try {
      const answer: unknown = await this.docker
        .getContainer(id)
        .inspect({ abortSignal: withDeadline(signal, CALL_TIMEOUT_MS) });
      const parsed = DockerContainerInspect.safeParse(answer);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(
          `${this.endpoint} returned inspect JSON for ${id.slice(0, 12)} that HoldCell cannot trust: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`,
        );
      }
      return parsed.data;
    } catch (error) {
      if ((error as HttpishError).statusCode === 404) return undefined;
      throw error;
    }
  }

  async *containerEvents(signal: AbortSignal): AsyncIterable<DockerEvent> {
    const stream = (await this.docker.getEvents({
      filters: { type: ['container'] },
      abortSignal: signal,
    })) as unknown as Readable;
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    const stop = (): void => {
      stream.destroy();
    };
    signal.addEventListener('abort', stop, { once: true });
    try {
      for await (const line of lines) {
        if (line.trim() === '') continue;
        let json: unknown;
        try {
          json = JSON.parse(line);
        } catch {
          continue; // a garbled line loses one event, not the stream; the next snapshot repairs the view
        }
        const parsed = DockerEvent.safeParse(json);
        if (parsed.success) yield parsed.data;
      }
    } finally {
      signal.removeEventListener('abort', stop);
      lines.close();
      stream.destroy();
    }
    if (!signal.aborted) throw new Error(`${this.endpoint} closed its event stream`);
  }

  explainFailure(error: unknown): string {
    const { code, statusCode, message, name } = (error ?? {}) as HttpishError;
    const where = `Docker engine at ${this.endpoint}`;
    const socket = this.address.kind === 'unix' ? this.address.socketPath : undefined;
    switch (code) {
      case 'ENOENT':
        return `${where} is not reachable: ${socket ?? 'the socket'} does not exist (is dockerd running?)`;
      case 'EACCES':
        return `${where} is not reachable: permission denied on ${socket ?? 'the socket'} (run as a member of the docker group)`;
      case 'ECONNREFUSED':
        return `${where} is not reachable: connection refused (is dockerd running and listening there?)`;
      case 'ECONNRESET':
      case 'EPIPE':
        return `${where} dropped the connection (${code})`;
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `${where} is not reachable: the host name does not resolve (${code})`;
      case 'ETIMEDOUT':
        return `${where} did not answer in time (${code})`;
    }
    if (name === 'TimeoutError' || name === 'AbortError') return `${where} did not answer in time`;
    if (statusCode !== undefined) return `${where} answered HTTP ${statusCode}: ${message ?? ''}`.trim();
    return `${where} failed: ${message ?? String(error)}`;
  }
}
