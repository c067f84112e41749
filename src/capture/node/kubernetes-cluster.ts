// The Kubernetes adapter: the one file that imports @kubernetes/client-node; validates every API answer at this edge.
//
// client-node reads kubeconfig (every file of KUBECONFIG, every context, exec/OIDC credential plugins, client
// certificates, proxies) and speaks the exec/attach websocket protocols (v5/v4.channel.k8s.io). REST calls go
// through node:http(s) with the TLS and credentials client-node derives, not through its generated API classes:
// those deserialize answers into model classes that drop unknown fields, and evidence must keep the API server's
// answer exactly as sent, with the status of every call for the custody log.
import { existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { PassThrough } from 'node:stream';
import { Attach, Exec, KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';
import { ApiStatus, VersionInfo } from '../common/kubernetes-objects.js';
import {
  KubeApiError,
  type AnswerSchema,
  type KubeAnswer,
  type KubeExec,
  type KubeExecResult,
  type KubeRequest,
  type KubeStream,
  type KubernetesApi,
} from './kubernetes-api.js';

const CALL_TIMEOUT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 5_000;
/** A JSON answer larger than this is not one HoldCell asked for (a pod list of 10k pods is ~50 MB). */
const MAX_JSON_BYTES = 256 * 1024 * 1024;
const MAX_ERROR_BYTES = 64 * 1024;

/** A kubeconfig entry that could not be used, reported as an unreachable cluster instead of failing the host. */
export interface KubeconfigProblem {
  file: string;
  error: string;
}

/**
 * One KubernetesCluster per context across all files. Like kubectl, the first file that names a cluster, user or
 * context wins; a file that does not exist is skipped (kubectl ignores it too); one that does not parse is a problem.
 */
export function loadKubernetesClusters(files: readonly string[]): {
  clusters: KubernetesCluster[];
  problems: KubeconfigProblem[];
  /** current-context of the first file that sets one (kubectl's rule). */
  currentContext: string | undefined;
} {
  let currentContext: string | undefined;
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  const problems: KubeconfigProblem[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    const config = new KubeConfig();
    try {
      config.loadFromFile(file);
    } catch (error) {
      problems.push({
        file,
        error: `cannot read kubeconfig ${file}: ${error instanceof Error ? error.message : String(error)}`,
      });
      continue;
    }
    const current = config.getCurrentContext();
    if (currentContext === undefined && current) currentContext = current;
    for (const cluster of config.getClusters()) if (!clusters.has(cluster.name)) clusters.set(cluster.name, cluster);
    for (const user of config.getUsers()) if (!users.has(user.name)) users.set(user.name, user);
    for (const context of config.getContexts()) if (!contexts.has(context.name)) contexts.set(context.name, context);
  }
  const result: KubernetesCluster[] = [];
  for (const context of contexts.values()) {
    const cluster = clusters.get(context.cluster);
    if (!cluster) {
      problems.push({
        file: context.name,
        error: `context ${context.name} names cluster ${context.cluster}, which no kubeconfig file defines`,
      });
      continue;
    }
    const config = new KubeConfig();
    const user = users.get(context.user);
    config.loadFromOptions({
      clusters: [cluster],
      users: user ? [user] : [],
      contexts: [context],
      currentContext: context.name,
    });
    result.push(new KubernetesCluster(context.name, config));
  }
  return { clusters: result, problems, currentContext };
}

function withDeadline(signal: AbortSignal | undefined, milliseconds: number): AbortSignal {
  const deadline = AbortSignal.timeout(milliseconds);
  return signal === undefined ? deadline : AbortSignal.any([signal, deadline]);
}

async function readCapped(response: http.IncomingMessage, cap: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > cap) {
      response.destroy();
      throw new Error(`answer larger than ${cap} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function parseStatus(text: string): ApiStatus | undefined {
  try {
    const parsed = ApiStatus.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The exit code a Status on channel 3 carries: Success → 0, NonZeroExitCode → its ExitCode cause. */
function exitCodeOf(status: unknown): number | null {
  const parsed = ApiStatus.safeParse(status);
  if (!parsed.success) return null;
  if (parsed.data.status === 'Success') return 0;
  const cause = (parsed.data.details?.causes ?? []).find((entry) => entry.reason === 'ExitCode');
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : null;
}

interface HttpishError {
  code?: string;
  name?: string;
  message?: string;
}

export class KubernetesCluster implements KubernetesApi {
  readonly server: string;
  readonly namespace: string;

  constructor(
    readonly clusterId: string,
    private readonly config: KubeConfig,
  ) {
    this.server = (config.getCurrentCluster()?.server ?? '').replace(/\/+$/, '');
    this.namespace = config.getContextObject(clusterId)?.namespace ?? 'default';
  }

  async version(signal?: AbortSignal): Promise<string> {
    const answer = await this.call(
      { method: 'GET', path: '/version' },
      VersionInfo,
      withDeadline(signal, CONNECT_TIMEOUT_MS),
    );
    return answer.parsed.gitVersion;
  }

  async call<T>(request: KubeRequest, schema: AnswerSchema<T>, signal?: AbortSignal): Promise<KubeAnswer<T>> {
    const response = await this.send(request, withDeadline(signal, CALL_TIMEOUT_MS));
    const status = response.statusCode ?? 0;
    const bytes = await readCapped(response, status >= 200 && status < 300 ? MAX_JSON_BYTES : MAX_ERROR_BYTES);
    const text = bytes.toString('utf8');
    if (status < 200 || status >= 300)
      throw new KubeApiError(request.method, request.path, status, parseStatus(text), text);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new Error(
        `${request.method} ${request.path} on ${this.server} answered ${status} with a body that is not JSON`,
      );
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(
        `${request.method} ${request.path} on ${this.server}: the answer does not fit (${issue?.path.map(String).join('.') ?? ''} ${issue?.message ?? ''})`,
      );
    }
    return { status, raw, parsed: parsed.data };
  }

  async stream(path: string, signal?: AbortSignal): Promise<KubeStream> {
    const response = await this.send({ method: 'GET', path }, signal);
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      const text = (await readCapped(response, MAX_ERROR_BYTES)).toString('utf8');
      throw new KubeApiError('GET', path, status, parseStatus(text), text);
    }
    const onAbort = (): void => {
      response.destroy(new Error('stream aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    response.once('close', () => signal?.removeEventListener('abort', onAbort));
    return {
      status,
      [Symbol.asyncIterator]: () => response[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>,
      destroy: (reason?: Error) => {
        response.destroy(reason);
      },
    };
  }

  async exec(
    namespace: string,
    pod: string,
    container: string,
    command: string[] | undefined,
    signal?: AbortSignal,
  ): Promise<KubeExec> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let status: unknown;
    let statusReceived = false;
    const base = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}`;
    const path =
      command === undefined
        ? `${base}/attach?container=${encodeURIComponent(container)}&stdout=true&stderr=true`
        : `${base}/exec?container=${encodeURIComponent(container)}&stdout=true&stderr=true&${command.map((part) => `command=${encodeURIComponent(part)}`).join('&')}`;
    const socket =
      command === undefined
        ? await new Attach(this.config).attach(namespace, pod, container, stdout, stderr, null, false)
        : await new Exec(this.config).exec(
            namespace,
            pod,
            container,
            command,
            stdout,
            stderr,
            null,
            false,
            (answer) => {
              status = answer;
              statusReceived = true;
            },
          );
    const ended = new Promise<KubeExecResult>((resolve) => {
      const finish = (reason: string): void => {
        stdout.end();
        stderr.end();
        resolve({
          exitCode: statusReceived ? exitCodeOf(status) : null,
          protocol: socket.protocol,
          statusReceived,
          message: statusReceived ? (ApiStatus.safeParse(status).data?.message ?? 'ended') : reason,
        });
      };
      socket.on('close', (code: number) => finish(`the websocket closed (${code}) without a status`));
      socket.on('error', (error: Error) => finish(`the websocket failed: ${error.message}`));
    });
    const onAbort = (): void => socket.close();
    signal?.addEventListener('abort', onAbort, { once: true });
    void ended.then(() => signal?.removeEventListener('abort', onAbort));
    return { path, stdout, stderr, result: () => ended, close: () => socket.close() };
  }

  explainFailure(error: unknown): string {
    const where = `Kubernetes API server ${this.server} (context ${this.clusterId})`;
    if (error instanceof KubeApiError) {
      if (error.statusCode === 401) return `${where} refused the credentials of this context (401 Unauthorized)`;
      if (error.statusCode === 403) return `${where} forbids it: ${error.apiStatus?.message ?? 'forbidden'}`;
      return `${where}: ${error.message}`;
    }
    const { code, name, message } = (error ?? {}) as HttpishError;
    switch (code) {
      case 'ECONNREFUSED':
        return `${where} is not reachable: connection refused`;
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `${where} is not reachable: the host name does not resolve (${code})`;
      case 'ECONNRESET':
      case 'EPIPE':
        return `${where} dropped the connection (${code})`;
      case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      case 'SELF_SIGNED_CERT_IN_CHAIN':
      case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      case 'ERR_TLS_CERT_ALTNAME_INVALID':
        return `${where}: its TLS certificate does not verify against the context's certificate-authority (${code})`;
    }
    if (name === 'TimeoutError' || name === 'AbortError') return `${where} did not answer in time`;
    return `${where} failed: ${message ?? String(error)}`;
  }

  private async send(request: KubeRequest, signal: AbortSignal | undefined): Promise<http.IncomingMessage> {
    if (this.server === '') throw new Error(`context ${this.clusterId} has no cluster server`);
    const options: https.RequestOptions = { headers: {} };
    await this.config.applyToHTTPSOptions(options);
    const given = (options.headers ?? {}) as Record<string, string>;
    const url = new URL(`${this.server}${request.path}`);
    const body = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body), 'utf8');
    const headers: Record<string, string> = {
      ...given,
      Accept: 'application/json',
      'User-Agent': 'holdcell',
      ...(body
        ? { 'Content-Type': request.contentType ?? 'application/json', 'Content-Length': String(body.length) }
        : {}),
    };
    const transport = url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const outgoing = transport.request(
        url,
        { ...options, method: request.method, headers, ...(signal ? { signal } : {}) },
        resolve,
      );
      outgoing.once('error', reject);
      outgoing.end(body);
    });
  }
}
