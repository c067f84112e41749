// Stand-in Kubernetes API server: real HTTPS + websockets speaking the API's protocols, for tests (no cluster runs here).
//
// REST with resourceVersion and Status errors, list + watch (chunked JSON event lines, bookmarks, 410 Expired),
// bearer-token authentication, an authorizer with configurable denials answering SelfSubjectAccessReviews and
// enforcing the same rules on real requests, JSON/merge/strategic patches, pod logs (previous), exec and attach
// over v4/v5.channel.k8s.io, the kubelet checkpoint endpoint through the node proxy, the ephemeralcontainers
// subresource, and a ReplicaSet controller that orphans a pod whose labels stop matching and starts a replacement.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { acceptClientFrames, chooseProtocol, serveProcess, type ChannelProtocol } from './kube-exec-socket.js';
import { applyPatch, PatchError } from './kube-patch.js';
import { makeStandInPki, writeKubeconfig, type StandInPki } from './kube-pki.js';
import {
  labelErrors,
  matchesFieldSelector,
  matchesLabelSelector,
  parseApiPath,
  readBody,
  sendJson,
  sendStatus,
  verbOf,
  type RequestInfo,
} from './kube-requests.js';
import { StandInRuntime } from './kube-runtime.js';
import { KubeStore, type KubeObject, type StoredEvent } from './kube-store.js';
import { reconcileReplicaSets } from './kube-controllers.js';

/** One denied access, matched field by field (absent fields match anything). */
export interface Denial {
  verb: string;
  resource: string;
  subresource?: string;
  namespace?: string;
}

/** What the node's kubelet does with a checkpoint request. */
export type CheckpointMode = 'enabled' | 'feature-gate-off' | 'runtime-unsupported';

export interface StandInOptions {
  /** Subprotocol the stand-in prefers for exec/attach (default v5). */
  execProtocol?: ChannelProtocol;
  checkpoint?: CheckpointMode;
  /** Bookmark interval for watches asking for them (default 500 ms). */
  bookmarkMs?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  contentType?: string;
  body?: unknown;
  status?: number;
}

/** kind and apiVersion of each resource as the API server writes them on single objects and watch events. */
const KINDS: Record<string, [string, string]> = {
  pods: ['v1', 'Pod'],
  nodes: ['v1', 'Node'],
  services: ['v1', 'Service'],
  events: ['v1', 'Event'],
  serviceaccounts: ['v1', 'ServiceAccount'],
  replicasets: ['apps/v1', 'ReplicaSet'],
  deployments: ['apps/v1', 'Deployment'],
  statefulsets: ['apps/v1', 'StatefulSet'],
  daemonsets: ['apps/v1', 'DaemonSet'],
  jobs: ['batch/v1', 'Job'],
  cronjobs: ['batch/v1', 'CronJob'],
  networkpolicies: ['networking.k8s.io/v1', 'NetworkPolicy'],
  roles: ['rbac.authorization.k8s.io/v1', 'Role'],
  rolebindings: ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
  clusterroles: ['rbac.authorization.k8s.io/v1', 'ClusterRole'],
  clusterrolebindings: ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
};

const kindOf = (resource: string): string => KINDS[resource]?.[1] ?? resource;

function typed(resource: string, object: KubeObject): KubeObject {
  const [apiVersion, kind] = KINDS[resource] ?? ['v1', resource];
  const { apiVersion: _a, kind: _k, ...rest } = object;
  return { apiVersion, kind, ...rest } as KubeObject;
}

function untyped(object: KubeObject): KubeObject {
  const { apiVersion: _a, kind: _k, ...rest } = object;
  return rest as KubeObject;
}

export class KubeApiStandIn {
  readonly store = new KubeStore();
  readonly runtime: StandInRuntime;
  readonly requests: RecordedRequest[] = [];
  readonly token = randomBytes(24).toString('hex');
  denials: Denial[] = [];
  checkpointMode: CheckpointMode;
  execProtocol: ChannelProtocol;
  /** When set, exec sessions are cut (socket dropped, no status) after this many stdout bytes. */
  cutExecAfterBytes: number | undefined;
  private readonly bookmarkMs: number;
  private readonly pki: StandInPki;
  private readonly server: https.Server;
  private readonly sockets = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => chooseProtocol(offered, this.execProtocol),
  });
  private readonly root: string;
  private readonly openResponses = new Set<ServerResponse>();
  url = '';

  constructor(options: StandInOptions = {}) {
    this.execProtocol = options.execProtocol ?? 'v5.channel.k8s.io';
    this.checkpointMode = options.checkpoint ?? 'enabled';
    this.bookmarkMs = options.bookmarkMs ?? 500;
    this.root = mkdtempSync(join(tmpdir(), 'holdcell-kube-stand-in-'));
    this.runtime = new StandInRuntime(this.root);
    this.pki = makeStandInPki();
    this.server = https.createServer({ cert: this.pki.serverCert, key: this.pki.serverKey }, (request, response) => {
      void this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent)
          sendStatus(
            response,
            500,
            'InternalError',
            `stand-in: ${error instanceof Error ? error.message : String(error)}`,
          );
        else response.destroy();
      });
    });
    this.server.on('upgrade', (request: IncomingMessage, socket, head) => this.upgrade(request, socket, head));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.runtime.stopAll();
    for (const response of this.openResponses) response.destroy();
    for (const client of this.sockets.clients) client.terminate();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.root, { recursive: true, force: true });
    rmSync(this.pki.dir, { recursive: true, force: true });
  }

  /** A kubeconfig for this stand-in (token + CA), written to `path`. */
  kubeconfig(path: string, context = 'stand-in', namespace?: string): string {
    return writeKubeconfig(path, [
      {
        name: context,
        server: this.url,
        token: this.token,
        caCert: this.pki.caCert,
        ...(namespace ? { namespace } : {}),
      },
    ]);
  }

  get caCert(): string {
    return this.pki.caCert;
  }

  /** Puts an object in place as if it had always been there (no controller runs). */
  seed(resource: string, object: Record<string, unknown>): KubeObject {
    return this.store.create(resource, untyped(object as KubeObject));
  }

  /** Writes made through the API (not reads), for "nothing was changed" assertions. */
  writes(): RecordedRequest[] {
    return this.requests.filter(
      (entry) => entry.method !== 'GET' && !entry.path.startsWith('/apis/authorization.k8s.io/'),
    );
  }

  private allowed(attributes: { verb: string; resource: string; subresource?: string; namespace?: string }): boolean {
    return !this.denials.some(
      (denial) =>
        denial.verb === attributes.verb &&
        denial.resource === attributes.resource &&
        (denial.subresource === undefined || denial.subresource === (attributes.subresource ?? '')) &&
        (denial.namespace === undefined || denial.namespace === attributes.namespace),
    );
  }

  private authenticated(request: IncomingMessage): boolean {
    return request.headers.authorization === `Bearer ${this.token}`;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'https://stand-in');
    const record: RecordedRequest = { method: request.method ?? 'GET', path: `${url.pathname}${url.search}` };
    this.requests.push(record);
    response.once('finish', () => (record.status = response.statusCode));
    if (!this.authenticated(request)) {
      sendStatus(response, 401, 'Unauthorized', 'Unauthorized');
      return;
    }
    if (url.pathname === '/version') {
      sendJson(response, 200, { major: '1', minor: '31', gitVersion: 'v1.31.2-stand-in', platform: 'linux/amd64' });
      return;
    }
    const info = parseApiPath(url.pathname);
    if (!info) {
      sendStatus(response, 404, 'NotFound', 'the server could not find the requested resource');
      return;
    }
    const body = ['POST', 'PATCH', 'PUT'].includes(record.method) ? await readBody(request) : undefined;
    let parsedBody: unknown;
    if (body && body.length > 0) {
      try {
        parsedBody = JSON.parse(body.toString('utf8'));
      } catch {
        sendStatus(response, 400, 'BadRequest', 'the request body is not JSON');
        return;
      }
    }
    record.body = parsedBody;
    const contentType = request.headers['content-type'];
    if (contentType) record.contentType = contentType;
    if (info.group === 'authorization.k8s.io' && info.resource === 'selfsubjectaccessreviews') {
      this.review(parsedBody, response);
      return;
    }
    const verb = verbOf(record.method, info, url.searchParams, false);
    const attributes = {
      verb,
      resource: info.resource,
      ...(info.subresource ? { subresource: info.subresource } : {}),
      ...(info.namespace ? { namespace: info.namespace } : {}),
    };
    if (!this.allowed(attributes)) {
      const what = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
      sendStatus(
        response,
        403,
        'Forbidden',
        `${what}${info.name ? ` "${info.name}"` : ''} is forbidden: User "responder" cannot ${verb} resource "${what}" in API group "${info.group}"${info.namespace ? ` in the namespace "${info.namespace}"` : ' at the cluster scope'}`,
        { ...(info.name ? { name: info.name } : {}), kind: info.resource },
      );
      return;
    }
    await this.route(record.method, info, url.searchParams, parsedBody, contentType ?? '', request, response);
  }

  private review(body: unknown, response: ServerResponse): void {
    const attributes = ((body as { spec?: { resourceAttributes?: Record<string, string> } })?.spec
      ?.resourceAttributes ?? {}) as { verb?: string; resource?: string; subresource?: string; namespace?: string };
    const allowed = this.allowed({
      verb: attributes.verb ?? '',
      resource: attributes.resource ?? '',
      ...(attributes.subresource ? { subresource: attributes.subresource } : {}),
      ...(attributes.namespace ? { namespace: attributes.namespace } : {}),
    });
    sendJson(response, 201, {
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: (body as { spec?: unknown })?.spec ?? {},
      status: allowed
        ? {
            allowed: true,
            reason:
              'RBAC: allowed by ClusterRoleBinding "holdcell-responder" of ClusterRole "holdcell-responder" to User "responder"',
          }
        : { allowed: false },
    });
  }

  private notFound(response: ServerResponse, info: RequestInfo): void {
    sendStatus(response, 404, 'NotFound', `${info.resource} "${info.name ?? ''}" not found`, {
      name: info.name ?? '',
      kind: info.resource,
    });
  }

  private async route(
    method: string,
    info: RequestInfo,
    query: URLSearchParams,
    body: unknown,
    contentType: string,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    if (info.subresource === 'log' && method === 'GET') return this.podLog(info, query, response);
    if (info.resource === 'nodes' && info.subresource === 'proxy') return this.nodeProxy(method, info, response);
    if (info.name === undefined) {
      if (method === 'GET' && query.get('watch') === 'true') return this.watch(info, query, request, response);
      if (method === 'GET') return this.list(info, query, response);
      if (method === 'POST') return this.create(info, body, response);
    } else {
      const existing = this.store.get(info.resource, info.namespace, info.name);
      if (!existing) return this.notFound(response, info);
      if (method === 'GET') return sendJson(response, 200, typed(info.resource, existing));
      if (method === 'PATCH') return this.patch(info, existing, body, contentType, response);
      if (method === 'DELETE') {
        const gone = this.store.delete(info.resource, info.namespace, info.name);
        if (info.resource === 'pods' && gone) {
          reconcileReplicaSets(this.store, info.namespace ?? 'default');
          return sendJson(response, 200, typed('pods', gone));
        }
        return sendJson(response, 200, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          details: { name: info.name, group: info.group, kind: info.resource, uid: existing.metadata.uid },
        });
      }
    }
    sendStatus(response, 405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
  }

  private list(info: RequestInfo, query: URLSearchParams, response: ServerResponse): void {
    const items = this.store
      .list(info.resource, info.namespace)
      .filter((object) => matchesLabelSelector(object, query.get('labelSelector')))
      .filter((object) => matchesFieldSelector(object, query.get('fieldSelector')));
    const [apiVersion, kind] = KINDS[info.resource] ?? ['v1', info.resource];
    sendJson(response, 200, {
      kind: `${kind}List`,
      apiVersion,
      metadata: { resourceVersion: String(this.store.currentRevision) },
      items,
    });
  }

  private create(info: RequestInfo, body: unknown, response: ServerResponse): void {
    const object = body as KubeObject | undefined;
    if (!object?.metadata?.name) {
      sendStatus(
        response,
        422,
        'Invalid',
        `${kindOf(info.resource)} is invalid: metadata.name: Required value: name is required`,
      );
      return;
    }
    if (info.namespace && object.metadata.namespace && object.metadata.namespace !== info.namespace) {
      sendStatus(
        response,
        400,
        'BadRequest',
        'the namespace of the provided object does not match the namespace sent on the request',
      );
      return;
    }
    const errors = labelErrors((object.metadata['labels'] ?? {}) as Record<string, unknown>);
    if (errors.length > 0) {
      sendStatus(
        response,
        422,
        'Invalid',
        `${kindOf(info.resource)} "${object.metadata.name}" is invalid: ${errors.join(', ')}`,
      );
      return;
    }
    if (this.store.get(info.resource, info.namespace, object.metadata.name)) {
      sendStatus(response, 409, 'AlreadyExists', `${info.resource} "${object.metadata.name}" already exists`, {
        name: object.metadata.name,
        kind: info.resource,
      });
      return;
    }
    const toStore = untyped({
      ...object,
      metadata: { ...object.metadata, ...(info.namespace ? { namespace: info.namespace } : {}) },
    });
    const created = this.store.create(info.resource, toStore);
    sendJson(response, 201, typed(info.resource, created));
    if (info.resource === 'pods') this.schedule(created);
  }

  /** The stand-in kubelet: a created pod with a node runs shortly after (status Running, containers ready). */
  private schedule(pod: KubeObject): void {
    setTimeout(() => {
      const current = this.store.get('pods', pod.metadata.namespace, pod.metadata.name);
      if (!current) return;
      const spec = current['spec'] as { nodeName?: string; containers?: { name: string; image?: string }[] };
      const startedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      current['status'] = {
        phase: 'Running',
        hostIP: '172.18.0.2',
        podIP: '10.244.1.77',
        startTime: startedAt,
        containerStatuses: (spec.containers ?? []).map((container) => ({
          name: container.name,
          image: container.image ?? '',
          imageID: `${container.image ?? 'image'}@sha256:${'7'.repeat(64)}`,
          containerID: `containerd://${randomBytes(32).toString('hex')}`,
          ready: true,
          restartCount: 0,
          started: true,
          state: { running: { startedAt } },
        })),
      };
      this.store.update('pods', current);
    }, 50);
  }

  private patch(
    info: RequestInfo,
    existing: KubeObject,
    body: unknown,
    contentType: string,
    response: ServerResponse,
  ): void {
    let patched: KubeObject;
    try {
      patched = applyPatch(contentType, existing as never, body) as unknown as KubeObject;
    } catch (error) {
      if (error instanceof PatchError) {
        const reason = error.code === 409 ? 'Conflict' : error.code === 415 ? 'UnsupportedMediaType' : 'Invalid';
        sendStatus(response, error.code, reason, error.message);
        return;
      }
      throw error;
    }
    const requested = (body as { metadata?: { resourceVersion?: string } } | undefined)?.metadata?.resourceVersion;
    if (!Array.isArray(body) && requested !== undefined && requested !== existing.metadata.resourceVersion) {
      sendStatus(
        response,
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${info.resource} "${info.name ?? ''}": the object has been modified; please apply your changes to the latest version and try again`,
      );
      return;
    }
    const errors = labelErrors((patched.metadata['labels'] ?? {}) as Record<string, unknown>);
    if (errors.length > 0) {
      sendStatus(
        response,
        422,
        'Invalid',
        `${kindOf(info.resource)} "${info.name ?? ''}" is invalid: ${errors.join(', ')}`,
      );
      return;
    }
    if (info.resource === 'pods') {
      const before = existing['spec'] as Record<string, unknown>;
      const after = patched['spec'] as Record<string, unknown>;
      const { ephemeralContainers: beforeEphemeral, ...beforeRest } = before;
      const { ephemeralContainers: afterEphemeral, ...afterRest } = after;
      if (info.subresource === 'ephemeralcontainers') {
        if (JSON.stringify(beforeRest) !== JSON.stringify(afterRest)) {
          sendStatus(
            response,
            422,
            'Invalid',
            `Pod "${info.name ?? ''}" is invalid: spec: Forbidden: only ephemeralContainers may change through this subresource`,
          );
          return;
        }
      } else if (JSON.stringify(before) !== JSON.stringify(after)) {
        sendStatus(
          response,
          422,
          'Invalid',
          `Pod "${info.name ?? ''}" is invalid: spec: Forbidden: pod updates may not change fields other than \`spec.containers[*].image\`,\`spec.initContainers[*].image\`,\`spec.activeDeadlineSeconds\`,\`spec.tolerations\` (only additions to existing tolerations),\`spec.terminationGracePeriodSeconds\` (allow it to be set to 1 if it was previously negative)`,
        );
        return;
      }
      patched['status'] = existing['status'];
      const updated = this.store.update('pods', patched);
      sendJson(response, 200, typed('pods', updated));
      if (info.subresource === 'ephemeralcontainers') this.startEphemeral(updated, beforeEphemeral, afterEphemeral);
      else reconcileReplicaSets(this.store, info.namespace ?? 'default');
      return;
    }
    const updated = this.store.update(info.resource, patched);
    sendJson(response, 200, typed(info.resource, updated));
  }

  /** The stand-in kubelet starts each new ephemeral container: waiting, then running, then terminated with its code. */
  private startEphemeral(pod: KubeObject, before: unknown, after: unknown): void {
    const known = new Set(((before ?? []) as { name: string }[]).map((container) => container.name));
    const added = (
      (after ?? []) as {
        name: string;
        image?: string;
        command?: string[];
        args?: string[];
        targetContainerName?: string;
      }[]
    ).filter((container) => !known.has(container.name));
    const namespace = pod.metadata.namespace ?? 'default';
    const setState = (name: string, image: string, state: Record<string, unknown>): void => {
      const current = this.store.get('pods', namespace, pod.metadata.name);
      if (!current) return;
      const status = (current['status'] ?? {}) as { ephemeralContainerStatuses?: Record<string, unknown>[] };
      const others = (status.ephemeralContainerStatuses ?? []).filter((entry) => entry['name'] !== name);
      status.ephemeralContainerStatuses = [
        ...others,
        { name, image, imageID: `${image}@sha256:${'e'.repeat(64)}`, ready: false, restartCount: 0, state },
      ];
      current['status'] = status;
      this.store.update('pods', current);
    };
    for (const container of added) {
      const image = container.image ?? '';
      setState(container.name, image, { waiting: { reason: 'ContainerCreating' } });
      setTimeout(() => {
        const startedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
        setState(container.name, image, { running: { startedAt } });
        const command = [...(container.command ?? []), ...(container.args ?? [])];
        void this.runtime
          .startEphemeral(namespace, pod.metadata.name, container.name, container.targetContainerName ?? '', command)
          .then((exitCode) =>
            setState(container.name, image, {
              terminated: {
                exitCode,
                reason: exitCode === 0 ? 'Completed' : 'Error',
                startedAt,
                finishedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
              },
            }),
          );
      }, 100);
    }
  }

  private podLog(info: RequestInfo, query: URLSearchParams, response: ServerResponse): void {
    const pod = this.store.get('pods', info.namespace, info.name ?? '');
    if (!pod) return this.notFound(response, info);
    const spec = pod['spec'] as { containers: { name: string }[]; ephemeralContainers?: { name: string }[] };
    const container = query.get('container') ?? spec.containers[0]?.name ?? '';
    const known = [...spec.containers, ...(spec.ephemeralContainers ?? [])].some((entry) => entry.name === container);
    if (!known) {
      sendStatus(response, 400, 'BadRequest', `container ${container} is not valid for pod ${info.name ?? ''}`);
      return;
    }
    const namespace = info.namespace ?? 'default';
    if (query.get('follow') === 'true') {
      response.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
      this.openResponses.add(response);
      response.once('close', () => this.openResponses.delete(response));
      this.runtime.followLog(namespace, info.name ?? '', container).pipe(response);
      return;
    }
    const previous = query.get('previous') === 'true';
    const text = this.runtime.readLog(
      namespace,
      info.name ?? '',
      container,
      previous,
      query.get('timestamps') === 'true',
    );
    if (text === undefined) {
      if (previous) {
        sendStatus(
          response,
          400,
          'BadRequest',
          `previous terminated container "${container}" in pod "${info.name ?? ''}" not found`,
        );
        return;
      }
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.end();
      return;
    }
    response.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': text.length });
    response.end(text);
  }

  /** POST /api/v1/nodes/{node}/proxy/checkpoint/{ns}/{pod}/{container}: answered as that node's kubelet would. */
  private async nodeProxy(method: string, info: RequestInfo, response: ServerResponse): Promise<void> {
    if (!this.store.get('nodes', undefined, info.name ?? '')) return this.notFound(response, info);
    const [endpoint, namespace, podName, container] = info.rest;
    if (method !== 'POST' || endpoint !== 'checkpoint' || this.checkpointMode === 'feature-gate-off') {
      // The kubelet registers /checkpoint only with the ContainerCheckpoint feature gate on; otherwise its mux says:
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('404 page not found\n');
      return;
    }
    const pod = this.store.get('pods', namespace, podName ?? '');
    const spec = pod?.['spec'] as { containers?: { name: string }[]; nodeName?: string } | undefined;
    if (!pod || spec?.nodeName !== info.name || !spec?.containers?.some((entry) => entry.name === container)) {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(
        `checkpointing of ${namespace ?? ''}/${podName ?? ''}/${container ?? ''} failed (container not found)\n`,
      );
      return;
    }
    if (this.checkpointMode === 'runtime-unsupported') {
      response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(
        `checkpointing of ${namespace ?? ''}/${podName ?? ''}/${container ?? ''} failed (rpc error: code = Unimplemented desc = method CheckpointContainer not implemented)\n`,
      );
      return;
    }
    const path = await this.runtime.checkpoint(pod as never, container ?? '');
    sendJson(response, 200, { items: [path] });
  }

  private watch(info: RequestInfo, query: URLSearchParams, request: IncomingMessage, response: ServerResponse): void {
    const resource = info.resource;
    const matches = (object: KubeObject): boolean =>
      (info.namespace === undefined || object.metadata.namespace === info.namespace) &&
      matchesLabelSelector(object, query.get('labelSelector')) &&
      matchesFieldSelector(object, query.get('fieldSelector'));
    const write = (type: string, object: KubeObject): void => {
      response.write(`${JSON.stringify({ type, object })}\n`);
    };
    const [apiVersion, kind] = KINDS[resource] ?? ['v1', resource];
    response.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    this.openResponses.add(response);
    const requested = query.get('resourceVersion');
    let last = this.store.currentRevision;
    if (requested === null || requested === '' || requested === '0') {
      for (const object of this.store.list(resource, info.namespace).filter(matches))
        write('ADDED', typed(resource, object));
    } else {
      const since = Number(requested);
      const backlog = this.store.eventsSince(resource, since);
      if (backlog === 'expired') {
        write('ERROR', {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: { name: '' },
          status: 'Failure',
          message: `too old resource version: ${since} (${this.store.oldestWatchable})`,
          reason: 'Expired',
          code: 410,
        } as unknown as KubeObject);
        response.end();
        this.openResponses.delete(response);
        return;
      }
      for (const event of backlog) if (matches(event.object)) write(event.type, typed(resource, event.object));
    }
    const unsubscribe = this.store.subscribe((event: StoredEvent) => {
      last = event.revision;
      if (event.resource === resource && matches(event.object)) write(event.type, typed(resource, event.object));
    });
    const bookmarks =
      query.get('allowWatchBookmarks') === 'true'
        ? setInterval(() => {
            write('BOOKMARK', {
              kind,
              apiVersion,
              metadata: { resourceVersion: String(Math.max(last, this.store.currentRevision)) },
            } as unknown as KubeObject);
          }, this.bookmarkMs)
        : undefined;
    const timeout = Number(query.get('timeoutSeconds') ?? '0');
    const timer = timeout > 0 ? setTimeout(() => response.end(), timeout * 1000) : undefined;
    const cleanup = (): void => {
      unsubscribe();
      if (bookmarks) clearInterval(bookmarks);
      if (timer) clearTimeout(timer);
      this.openResponses.delete(response);
    };
    response.once('close', cleanup);
    request.once('close', cleanup);
  }

  /** Drops every open watch connection (as an apiserver restart would). */
  dropWatches(): void {
    for (const response of this.openResponses) response.destroy();
    this.openResponses.clear();
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'https://stand-in');
    const info = parseApiPath(url.pathname);
    const reject = (code: number, text: string): void => {
      socket.end(`HTTP/1.1 ${code} ${text}\r\nContent-Type: application/json\r\n\r\n`);
    };
    this.requests.push({ method: 'GET', path: `${url.pathname}${url.search}` });
    if (!this.authenticated(request)) return reject(401, 'Unauthorized');
    if (!info || info.resource !== 'pods' || (info.subresource !== 'exec' && info.subresource !== 'attach'))
      return reject(404, 'Not Found');
    if (
      !this.allowed({
        verb: 'create',
        resource: 'pods',
        subresource: info.subresource,
        ...(info.namespace ? { namespace: info.namespace } : {}),
      })
    )
      return reject(403, 'Forbidden');
    const pod = this.store.get('pods', info.namespace, info.name ?? '');
    if (!pod) return reject(404, 'Not Found');
    const container = url.searchParams.get('container') ?? '';
    const command = url.searchParams.getAll('command');
    this.sockets.handleUpgrade(request, socket, head, (client) => {
      acceptClientFrames(client);
      if (info.subresource === 'attach') {
        const output = this.runtime.followLog(info.namespace ?? 'default', info.name ?? '', container);
        const none = new PassThrough();
        none.end();
        void serveProcess(
          client,
          { stdout: output, stderr: none, exited: new Promise((resolve) => output.once('end', () => resolve(0))) },
          ['attach'],
        );
        return;
      }
      const process = this.runtime.exec(pod as never, container, command);
      void serveProcess(
        client,
        process,
        command,
        this.cutExecAfterBytes === undefined ? {} : { cutAfterBytes: this.cutExecAfterBytes },
      );
    });
  }
}
