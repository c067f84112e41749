// What HoldCell's Kubernetes services need from one cluster; kubernetes-cluster.ts implements it with @kubernetes/client-node.
import type { ApiStatus } from '../common/kubernetes-objects.js';

export type KubeMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export type PatchType =
  'application/json-patch+json' | 'application/merge-patch+json' | 'application/strategic-merge-patch+json';

export interface KubeRequest {
  method: KubeMethod;
  /** Absolute API path with its query, e.g. /api/v1/namespaces/web/pods/p?resourceVersion=0. */
  path: string;
  body?: unknown;
  contentType?: 'application/json' | PatchType;
}

/** A schema the adapter validates answers with (a zod subset from src/capture/common/kubernetes-*.ts). */
export interface AnswerSchema<T> {
  safeParse(
    value: unknown,
  ): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
}

export interface KubeAnswer<T> {
  status: number;
  /** The body exactly as the API server sent it (parsed JSON): this is what evidence items keep. */
  raw: unknown;
  parsed: T;
}

/** A non-2xx answer: the HTTP status and the API server's Status object when it sent one. */
export class KubeApiError extends Error {
  constructor(
    readonly method: KubeMethod,
    readonly path: string,
    readonly statusCode: number,
    readonly apiStatus: ApiStatus | undefined,
    /** The body's first bytes when it was not a Status (e.g. the kubelet's "404 page not found"). */
    readonly bodyText: string,
  ) {
    super(
      `${method} ${path} answered ${statusCode}${apiStatus?.reason ? ` ${apiStatus.reason}` : ''}: ${
        apiStatus?.message ?? (bodyText.trim().slice(0, 200) || 'no message')
      }`,
    );
    this.name = 'KubeApiError';
  }
}

/** A streamed answer (logs, watch, exec output): bytes as they arrive; destroy() drops the connection. */
export interface KubeStream extends AsyncIterable<Uint8Array> {
  readonly status: number;
  destroy(reason?: Error): void;
}

export interface KubeExecResult {
  /** The process's exit code from the Status on channel 3; null when the server sent none. */
  exitCode: number | null;
  /** The negotiated subprotocol (v5.channel.k8s.io, v4.channel.k8s.io, …). */
  protocol: string;
  /** True when the server ended the session with a Status (channel 3); false when the socket just closed. */
  statusReceived: boolean;
  message: string;
}

/** An exec or attach session over the streaming websocket protocol, output kept apart per channel. */
export interface KubeExec {
  readonly path: string;
  readonly stdout: AsyncIterable<Uint8Array>;
  readonly stderr: AsyncIterable<Uint8Array>;
  /** Resolves once the session ended (status received or socket closed). */
  result(): Promise<KubeExecResult>;
  close(): void;
}

export interface KubernetesApi {
  /** The kubeconfig context name. */
  readonly clusterId: string;
  readonly server: string;
  /** The context's namespace ("default" when it names none). */
  readonly namespace: string;
  /** GET /version. */
  version(signal?: AbortSignal): Promise<string>;
  /** One JSON call; the answer validated with the schema before anything acts on it. Throws KubeApiError on non-2xx. */
  call<T>(request: KubeRequest, schema: AnswerSchema<T>, signal?: AbortSignal): Promise<KubeAnswer<T>>;
  /** GET with a streamed body (logs, watch). Throws KubeApiError on non-2xx, before any byte is handed out. */
  stream(path: string, signal?: AbortSignal): Promise<KubeStream>;
  /** exec (command) or attach (command undefined) on one container; stdin is never sent. */
  exec(
    namespace: string,
    pod: string,
    container: string,
    command: string[] | undefined,
    signal?: AbortSignal,
  ): Promise<KubeExec>;
  /** A sentence naming the server and the likely cause. */
  explainFailure(error: unknown): string;
}
