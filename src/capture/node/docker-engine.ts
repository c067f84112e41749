// The Docker adapter: the one file that imports dockerode; validates every engine answer before it goes further.
import { createInterface } from 'node:readline';
import { PassThrough, Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import Docker from 'dockerode';
import { bulkGetter, type BulkGetter } from './docker-bulk-get.js';
import { demultiplex, type DemuxSource } from './docker-demux.js';
import { JsonLinesReader } from './docker-json-lines.js';
import { dockerodeOptions } from './docker-connection.js';
import { DockerContainerInspect, DockerEvent } from '../common/docker-inspect.js';
import { DockerImageInspect, DockerInfo, DockerNetwork, DockerPathStat, DockerTop } from '../common/docker-api.js';
import { describeEndpoint, type DockerEndpoint } from '../common/docker-endpoint.js';
import type {
  ContainerEngine,
  ContainerListEntry,
  EngineStream,
  EngineVersion,
  ExecSession,
  ExecStreams,
  NetworkAttachment,
} from './container-engine.js';

const CONNECT_TIMEOUT_MS = 5_000;
const CALL_TIMEOUT_MS = 30_000;

/** Every call gets a deadline so a stalled engine produces an error, never a hang. */
function withDeadline(signal: AbortSignal | undefined, milliseconds: number): AbortSignal {
  const deadline = AbortSignal.timeout(milliseconds);
  return signal === undefined ? deadline : AbortSignal.any([signal, deadline]);
}

/** Wraps the engine's HTTP response: iterable bytes, and a destroy that also ends the iteration when aborted. */
function engineStream(response: Readable, signal: AbortSignal | undefined): EngineStream {
  const onAbort = (): void => {
    response.destroy(new Error('acquisition aborted'));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  response.once('close', () => signal?.removeEventListener('abort', onAbort));
  return {
    [Symbol.asyncIterator]: () => response[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>,
    destroy: (reason?: Error) => {
      response.destroy(reason);
    },
  };
}

/** Validates an engine answer; the error names the endpoint and what did not fit, never the raw (hostile) payload. */
function validated<T>(
  schema: {
    safeParse(
      value: unknown,
    ): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
  },
  value: unknown,
  what: string,
): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new Error(
    `${what}: the engine's answer does not fit (${issue?.path.map(String).join('.') ?? ''} ${issue?.message ?? ''})`,
  );
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
  readonly isLocal: boolean;
  private readonly docker: Docker;
  /** export and save go through it when the connection allows (see docker-bulk-get.ts); else through dockerode. */
  private readonly bulk: BulkGetter | undefined;

  constructor(
    readonly engineId: string,
    private readonly address: DockerEndpoint,
  ) {
    this.endpoint = describeEndpoint(address);
    this.isLocal = address.kind === 'unix';
    // connectionTimeout is a docker-modem option the typings omit: a dead TCP peer fails fast instead of hanging.
    const options = { ...dockerodeOptions(address), connectionTimeout: CONNECT_TIMEOUT_MS };
    this.docker = new Docker(options as Docker.DockerOptions);
    this.bulk = bulkGetter(options, CONNECT_TIMEOUT_MS);
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

  async info(signal?: AbortSignal): Promise<{ raw: unknown; parsed: DockerInfo }> {
    const raw: unknown = await this.docker.info({ abortSignal: withDeadline(signal, CALL_TIMEOUT_MS) } as never);
    return { raw, parsed: validated(DockerInfo, raw, `${this.endpoint} /info`) };
  }

  async inspectContainerRaw(id: string, signal?: AbortSignal): Promise<unknown> {
    try {
      const raw: unknown = await this.docker
        .getContainer(id)
        .inspect({ abortSignal: withDeadline(signal, CALL_TIMEOUT_MS) });
      validated(DockerContainerInspect, raw, `${this.endpoint} inspect ${id.slice(0, 12)}`);
      return raw;
    } catch (error) {
      if ((error as HttpishError).statusCode === 404) return undefined;
      throw error;
    }
  }

  async top(id: string, psArgs: string, signal?: AbortSignal): Promise<{ raw: unknown; parsed: DockerTop }> {
    const raw: unknown = await this.docker
      .getContainer(id)
      .top({ ps_args: psArgs, abortSignal: withDeadline(signal, CALL_TIMEOUT_MS) } as never);
    return { raw, parsed: validated(DockerTop, raw, `${this.endpoint} top ${id.slice(0, 12)}`) };
  }

  async logs(id: string, options: { tail: number }, signal?: AbortSignal): Promise<Uint8Array> {
    const answer: unknown = await this.docker.getContainer(id).logs({
      stdout: true,
      stderr: true,
      timestamps: true,
      follow: false,
      tail: options.tail,
      abortSignal: withDeadline(signal, CALL_TIMEOUT_MS),
    } as never);
    if (answer instanceof Uint8Array) return answer;
    if (typeof answer === 'string') return Buffer.from(answer, 'utf8');
    throw new Error(`${this.endpoint} logs ${id.slice(0, 12)}: unexpected answer type`);
  }

  async pause(id: string, signal?: AbortSignal): Promise<void> {
    await this.docker.getContainer(id).pause({ abortSignal: withDeadline(signal, CALL_TIMEOUT_MS) } as never);
  }

  async unpause(id: string, signal?: AbortSignal): Promise<void> {
    await this.docker.getContainer(id).unpause({ abortSignal: withDeadline(signal, CALL_TIMEOUT_MS) } as never);
  }

  async listNetworks(signal?: AbortSignal): Promise<DockerNetwork[]> {
    const raw: unknown = await this.docker.listNetworks({
      abortSignal: withDeadline(signal, CALL_TIMEOUT_MS),
    } as never);
    if (!Array.isArray(raw)) throw new Error(`${this.endpoint} /networks answered with a non-list`);
    return raw.map((network) => validated(DockerNetwork, network, `${this.endpoint} /networks`));
  }

  async createNetwork(
    spec: { name: string; internal: boolean; labels: Record<string, string>; options?: Record<string, string> },
    signal?: AbortSignal,
  ): Promise<string> {
    const network = await this.docker.createNetwork({
      Name: spec.name,
      Driver: 'bridge',
      Internal: spec.internal,
      CheckDuplicate: true,
      Labels: spec.labels,
      Options: spec.options ?? {},
      abortSignal: withDeadline(signal, CALL_TIMEOUT_MS),
    } as never);
    return (network as unknown as { id: string }).id;
  }

  async connectNetwork(
    network: string,
    containerId: string,
    attachment: NetworkAttachment,
    signal?: AbortSignal,
  ): Promise<void> {
    const ipam =
      attachment.ipv4Address || attachment.ipv6Address
        ? {
            IPAMConfig: {
              ...(attachment.ipv4Address ? { IPv4Address: attachment.ipv4Address } : {}),
              ...(attachment.ipv6Address ? { IPv6Address: attachment.ipv6Address } : {}),
            },
          }
        : {};
    await this.docker.getNetwork(network).connect({
      Container: containerId,
      EndpointConfig: { Aliases: attachment.aliases ?? [], Links: attachment.links ?? [], ...ipam },
      abortSignal: withDeadline(signal, CALL_TIMEOUT_MS),
    } as never);
  }

  async disconnectNetwork(network: string, containerId: string, signal?: AbortSignal): Promise<void> {
    await this.docker
      .getNetwork(network)
      .disconnect({ Container: containerId, Force: true, abortSignal: withDeadline(signal, CALL_TIMEOUT_MS) } as never);
  }

  async removeNetwork(network: string, signal?: AbortSignal): Promise<void> {
    await this.docker.getNetwork(network).remove({ abortSignal: withDeadline(signal, CALL_TIMEOUT_MS) } as never);
  }

  async exportContainer(id: string, signal?: AbortSignal): Promise<EngineStream> {
    if (this.bulk !== undefined) return this.bulk.get(`/containers/${id}/export`, signal);
    const response = (await this.docker
      .getContainer(id)
      .export({ abortSignal: signal } as never)) as unknown as Readable;
    return engineStream(response, signal);
  }

  async saveImage(image: string, signal?: AbortSignal): Promise<EngineStream> {
    if (this.bulk !== undefined) return this.bulk.get(`/images/${image}/get`, signal);
    // Image.get() takes no options, so it could not be cancelled while the engine prepares the archive (which can
    // take long before the first byte); the same request through the modem carries the signal from the start.
    const response = await new Promise<Readable>((resolve, reject) => {
      this.docker.modem.dial(
        {
          path: `/images/${image}/get`,
          method: 'GET',
          isStream: true,
          abortSignal: signal,
          statusCodes: { 200: true, 404: 'no such image', 500: 'server error' },
        } as never,
        (error: unknown, stream: unknown) => (error ? reject(error as Error) : resolve(stream as Readable)),
      );
    });
    return engineStream(response, signal);
  }

  async loadImage(data: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<string> {
    const response = (await this.docker.loadImage(Readable.from(data), {
      abortSignal: signal,
    } as never)) as unknown as Readable;
    // The engine reports load failures inside a 200 response as {"error": …} lines. Read line by line in bounded
    // memory (the whole answer used to be held), and a line that is not JSON fails the load rather than being
    // skipped: it may be the one that said the load failed.
    const reader = new JsonLinesReader();
    for await (const chunk of response) reader.push(chunk as Uint8Array);
    const report = reader.end();
    if (report.error !== undefined) throw new Error(`${this.endpoint} refused the image load: ${report.error}`);
    if (report.malformed !== undefined) {
      throw new Error(
        `${this.endpoint} answered the image load with a damaged report (${report.malformed}): whether the image ` +
          'loaded cannot be confirmed from it',
      );
    }
    return report.text;
  }

  async inspectImage(
    image: string,
    signal?: AbortSignal,
  ): Promise<{ raw: unknown; parsed: DockerImageInspect } | undefined> {
    try {
      const raw: unknown = await this.docker
        .getImage(image)
        .inspect({ abortSignal: withDeadline(signal, CALL_TIMEOUT_MS) } as never);
      return { raw, parsed: validated(DockerImageInspect, raw, `${this.endpoint} image inspect`) };
    } catch (error) {
      if ((error as HttpishError).statusCode === 404) return undefined;
      throw error;
    }
  }

  async commitContainer(
    id: string,
    spec: { repo: string; tag: string; comment: string; labels: Record<string, string> },
    signal?: AbortSignal,
  ): Promise<string> {
    const answer = (await this.docker.getContainer(id).commit({
      repo: spec.repo,
      tag: spec.tag,
      comment: spec.comment,
      pause: false,
      changes: Object.entries(spec.labels).map(
        ([key, value]) => `LABEL ${JSON.stringify(key)}=${JSON.stringify(value)}`,
      ),
      abortSignal: withDeadline(signal, 10 * CALL_TIMEOUT_MS),
    } as never)) as unknown as { Id?: unknown };
    const imageId = (answer as { Id?: unknown } | null)?.Id;
    if (typeof imageId !== 'string') {
      // The commit runs before the engine answers: a damaged answer means the image cannot be named, not that
      // none was made (docker-modem hands back the raw bytes when they are not JSON).
      throw new Error(
        `${this.endpoint} commit ${id.slice(0, 12)}: the answer is not the {"Id": …} document it should be, so the ` +
          'new image cannot be named (it may exist anyway)',
      );
    }
    return imageId;
  }

  async removeImage(image: string, signal?: AbortSignal): Promise<void> {
    await this.docker.getImage(image).remove({ abortSignal: withDeadline(signal, CALL_TIMEOUT_MS) } as never);
  }

  async getArchive(
    id: string,
    path: string,
    signal?: AbortSignal,
  ): Promise<{ stream: EngineStream; stat?: DockerPathStat }> {
    const response = (await this.docker
      .getContainer(id)
      .getArchive({ path, abortSignal: signal } as never)) as unknown as IncomingMessage;
    const header = response.headers['x-docker-container-path-stat'];
    let stat: DockerPathStat | undefined;
    if (typeof header === 'string') {
      try {
        stat = DockerPathStat.parse(JSON.parse(Buffer.from(header, 'base64').toString('utf8')));
      } catch {
        stat = undefined; // the stat is a courtesy; the tar itself is the evidence
      }
    }
    return { stream: engineStream(response, signal), ...(stat ? { stat } : {}) };
  }

  async createContainer(name: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<string> {
    const container = await this.docker.createContainer({
      name,
      ...body,
      abortSignal: withDeadline(signal, CALL_TIMEOUT_MS),
    } as never);
    return container.id;
  }

  async startContainer(id: string, signal?: AbortSignal): Promise<void> {
    await this.docker.getContainer(id).start({ abortSignal: withDeadline(signal, CALL_TIMEOUT_MS) } as never);
  }

  async removeContainer(id: string, options: { force: boolean }, signal?: AbortSignal): Promise<void> {
    await this.docker
      .getContainer(id)
      .remove({ force: options.force, v: true, abortSignal: withDeadline(signal, CALL_TIMEOUT_MS) } as never);
  }

  async execTty(
    id: string,
    spec: { cmd: string[]; columns: number; rows: number; user?: string },
  ): Promise<ExecSession> {
    const exec = await this.docker.getContainer(id).exec({
      Cmd: spec.cmd,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: true,
      ...(spec.user ? { User: spec.user } : {}),
      Env: ['TERM=xterm-256color'],
    });
    const socket = (await exec.start({
      hijack: true,
      stdin: true,
      Tty: true,
    } as never)) as unknown as NodeJS.ReadWriteStream & {
      destroy(): void;
    };
    await exec.resize({ h: spec.rows, w: spec.columns } as never).catch(() => undefined);
    return {
      execId: exec.id,
      output: socket as unknown as AsyncIterable<Uint8Array>,
      write: (data) => {
        socket.write(data);
      },
      resize: async (columns, rows) => {
        await exec.resize({ h: rows, w: columns } as never);
      },
      close: () => socket.destroy(),
    };
  }

  async execStreams(id: string, spec: { cmd: string[]; user?: string }): Promise<ExecStreams> {
    const exec = await this.docker.getContainer(id).exec({
      Cmd: spec.cmd,
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      ...(spec.user ? { User: spec.user } : {}),
    });
    const stream = (await exec.start({ hijack: true, stdin: false } as never)) as unknown as DemuxSource;
    // Without a TTY the engine multiplexes both outputs on one stream with 8-byte frame headers. Our demultiplexer,
    // not docker-modem's: that one buffers whole frames (a corrupt 4 GiB size holds every later byte in memory).
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const ended = demultiplex(stream, stdout, stderr);
    return {
      stdout,
      stderr,
      exitCode: async () => {
        await ended;
        const info = (await exec.inspect()) as { ExitCode?: number | null };
        return info.ExitCode ?? null;
      },
    };
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
