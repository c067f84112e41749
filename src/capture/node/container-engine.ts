// The engine interface the rest of HoldCell uses; adapters (Docker now, Kubernetes later) implement it.
import type { DockerContainerInspect, DockerEvent } from '../common/docker-inspect.js';
import type { DockerImageInspect, DockerInfo, DockerNetwork, DockerPathStat, DockerTop } from '../common/docker-api.js';

export interface EngineVersion {
  serverVersion: string;
  apiVersion: string;
}

export interface ContainerListEntry {
  id: string;
  /** The engine's human status line ("Up 3 minutes", "Exited (0) 2 hours ago"). */
  status: string;
}

/** A byte stream from the engine that can be abandoned (abort or idle timeout) without leaking the connection. */
export interface EngineStream extends AsyncIterable<Uint8Array> {
  /** Tears the underlying connection down; the iterator then ends with an error. */
  destroy(reason?: Error): void;
  /**
   * Push mode, when the transport offers it: chunks as they arrive with pause/resume for flow control. At hundreds
   * of MB/s a promise per chunk (async iteration) is a measurable share of the CPU; use one mode, not both.
   */
  listen?(handlers: StreamHandlers): { pause(): void; resume(): void };
}

export interface StreamHandlers {
  /** The chunk is only valid during the call (a transport may read into one reused buffer): copy what you keep. */
  data(chunk: Uint8Array): void;
  end(): void;
  error(error: unknown): void;
}

export interface NetworkAttachment {
  aliases?: string[];
  ipv4Address?: string;
  ipv6Address?: string;
  links?: string[];
}

export interface ExecSession {
  readonly execId: string;
  /** Raw terminal bytes from the process (tty mode: no multiplexing). */
  readonly output: AsyncIterable<Uint8Array>;
  write(data: Uint8Array): void;
  resize(columns: number, rows: number): Promise<void>;
  close(): void;
}

export interface ExecStreams {
  stdout: AsyncIterable<Uint8Array>;
  stderr: AsyncIterable<Uint8Array>;
  /** Once both streams ended: the process's exit code (null when the engine does not know it). */
  exitCode(): Promise<number | null>;
}

export interface ContainerEngine {
  readonly engineId: string;
  readonly kind: 'docker';
  /** The endpoint as shown to the responder. */
  readonly endpoint: string;
  /** True when the engine runs on this machine, so its container PIDs are this machine's /proc. */
  readonly isLocal: boolean;
  version(signal?: AbortSignal): Promise<EngineVersion>;
  info(signal?: AbortSignal): Promise<{ raw: unknown; parsed: DockerInfo }>;
  listContainers(signal?: AbortSignal): Promise<ContainerListEntry[]>;
  /** Validated inspect JSON, or undefined when the container no longer exists. */
  inspectContainer(id: string, signal?: AbortSignal): Promise<DockerContainerInspect | undefined>;
  /** The engine's inspect answer exactly as sent (for evidence), or undefined when the container is gone. */
  inspectContainerRaw(id: string, signal?: AbortSignal): Promise<unknown>;
  /** Container events from now on; ends (throws) when the stream breaks. */
  containerEvents(signal: AbortSignal): AsyncIterable<DockerEvent>;
  top(id: string, psArgs: string, signal?: AbortSignal): Promise<{ raw: unknown; parsed: DockerTop }>;
  /** The last `tail` lines of stdout+stderr with engine timestamps, as the engine framed them. */
  logs(id: string, options: { tail: number }, signal?: AbortSignal): Promise<Uint8Array>;
  pause(id: string, signal?: AbortSignal): Promise<void>;
  unpause(id: string, signal?: AbortSignal): Promise<void>;
  listNetworks(signal?: AbortSignal): Promise<DockerNetwork[]>;
  createNetwork(
    spec: { name: string; internal: boolean; labels: Record<string, string>; options?: Record<string, string> },
    signal?: AbortSignal,
  ): Promise<string>;
  connectNetwork(
    network: string,
    containerId: string,
    attachment: NetworkAttachment,
    signal?: AbortSignal,
  ): Promise<void>;
  disconnectNetwork(network: string, containerId: string, signal?: AbortSignal): Promise<void>;
  removeNetwork(network: string, signal?: AbortSignal): Promise<void>;
  /** GET /containers/{id}/export: the container's filesystem as a tar stream. */
  exportContainer(id: string, signal?: AbortSignal): Promise<EngineStream>;
  /** GET /images/{name}/get: `docker save` of one image as a tar stream. */
  saveImage(image: string, signal?: AbortSignal): Promise<EngineStream>;
  /** POST /images/load from a tar stream; resolves with the engine's progress text. */
  loadImage(data: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<string>;
  inspectImage(image: string, signal?: AbortSignal): Promise<{ raw: unknown; parsed: DockerImageInspect } | undefined>;
  /** POST /commit without pausing (the caller decides about pausing): resolves with the new image id. */
  commitContainer(
    id: string,
    spec: { repo: string; tag: string; comment: string; labels: Record<string, string> },
    signal?: AbortSignal,
  ): Promise<string>;
  removeImage(image: string, signal?: AbortSignal): Promise<void>;
  /** GET /containers/{id}/archive?path=…: a tar of one path, plus the engine's stat of it. */
  getArchive(id: string, path: string, signal?: AbortSignal): Promise<{ stream: EngineStream; stat?: DockerPathStat }>;
  /** POST /containers/create with the raw Docker create body; resolves with the new id. */
  createContainer(name: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<string>;
  startContainer(id: string, signal?: AbortSignal): Promise<void>;
  removeContainer(id: string, options: { force: boolean }, signal?: AbortSignal): Promise<void>;
  /** An interactive exec with a TTY. Never used on a suspect container by default: sandboxes only. */
  execTty(id: string, spec: { cmd: string[]; columns: number; rows: number; user?: string }): Promise<ExecSession>;
  /**
   * A non-interactive exec with stdout and stderr kept apart. For HoldCell's own helper containers (the tracer),
   * never for a suspect.
   */
  execStreams(id: string, spec: { cmd: string[]; user?: string }): Promise<ExecStreams>;
  /** Turns a low-level failure into a sentence naming the endpoint and the likely cause. */
  explainFailure(error: unknown): string;
}
