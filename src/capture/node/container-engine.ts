// The engine interface the rest of HoldCell uses; adapters (Docker now, Kubernetes later) implement it.
import type { DockerContainerInspect, DockerEvent } from '../common/docker-inspect.js';

export interface EngineVersion {
  serverVersion: string;
  apiVersion: string;
}

export interface ContainerListEntry {
  id: string;
  /** The engine's human status line ("Up 3 minutes", "Exited (0) 2 hours ago"). */
  status: string;
}

export interface ContainerEngine {
  readonly engineId: string;
  readonly kind: 'docker';
  /** The endpoint as shown to the responder. */
  readonly endpoint: string;
  version(signal?: AbortSignal): Promise<EngineVersion>;
  listContainers(signal?: AbortSignal): Promise<ContainerListEntry[]>;
  /** Validated inspect JSON, or undefined when the container no longer exists. */
  inspectContainer(id: string, signal?: AbortSignal): Promise<DockerContainerInspect | undefined>;
  /** Container events from now on; ends (throws) when the stream breaks. */
  containerEvents(signal: AbortSignal): AsyncIterable<DockerEvent>;
  /** Turns a low-level failure into a sentence naming the endpoint and the likely cause. */
  explainFailure(error: unknown): string;
}
