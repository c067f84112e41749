// Stand-in API server request plumbing: path → resource attributes (as the apiserver's RequestInfo), Status bodies, selectors.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from './kube-store.js';

export interface RequestInfo {
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
  /** Path segments after the subresource (node proxy: checkpoint/{ns}/{pod}/{container}). */
  rest: string[];
}

/** /api/v1/namespaces/ns/pods/p/log → { group '', resource pods, name p, subresource log }, like k8s RequestInfoFactory. */
export function parseApiPath(pathname: string): RequestInfo | undefined {
  const parts = pathname
    .split('/')
    .filter((part) => part !== '')
    .map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1] ?? '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1] ?? '';
    version = parts[2] ?? '';
    rest = parts.slice(3);
  } else return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...tail] = rest;
  if (resource === undefined) return undefined;
  return {
    group,
    version,
    ...(namespace === undefined ? {} : { namespace }),
    resource,
    ...(name === undefined ? {} : { name }),
    ...(subresource === undefined ? {} : { subresource }),
    rest: tail,
  };
}

/** The authorizer's verb for this request (list/watch for collections, create for exec upgrades, as the apiserver does). */
export function verbOf(method: string, info: RequestInfo, query: URLSearchParams, upgrade: boolean): string {
  if (upgrade) return 'create';
  switch (method) {
    case 'GET':
      if (info.name === undefined) return query.get('watch') === 'true' ? 'watch' : 'list';
      return 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return method.toLowerCase();
  }
}

export function statusBody(code: number, reason: string, message: string, details?: Record<string, unknown>) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

export function sendJson(response: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

export function sendStatus(
  response: ServerResponse,
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
): void {
  sendJson(response, code, statusBody(code, reason, message, details));
}

export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function fieldValue(object: unknown, path: string): string | undefined {
  let node: unknown = object;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node === undefined || node === null ? undefined : String(node);
}

/** fieldSelector "involvedObject.uid=x,metadata.name!=y" (equality forms, as the apiserver supports for these fields). */
export function matchesFieldSelector(object: KubeObject, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const negated = term.includes('!=');
    const [path, value] = term.split(negated ? '!=' : /==?/);
    const actual = fieldValue(object, path ?? '');
    return negated ? actual !== value : actual === value;
  });
}

/** labelSelector "a=b,c!=d,e,!f" (the equality and existence forms). */
export function matchesLabelSelector(object: KubeObject, selector: string | null): boolean {
  if (!selector) return true;
  const labels = (object.metadata['labels'] ?? {}) as Record<string, string>;
  return selector.split(',').every((term) => {
    if (term.startsWith('!')) return !Object.hasOwn(labels, term.slice(1));
    if (term.includes('!=')) {
      const [key, value] = term.split('!=');
      return labels[key ?? ''] !== value;
    }
    if (term.includes('=')) {
      const [key, value] = term.split(/==?/);
      return labels[key ?? ''] === value;
    }
    return Object.hasOwn(labels, term);
  });
}

const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$/;
const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** metav1validation.ValidateLabels: the errors the apiserver would list, empty when valid. */
export function labelErrors(labels: Record<string, unknown>): string[] {
  const errors: string[] = [];
  for (const [key, value] of Object.entries(labels)) {
    const [prefix, name] = key.includes('/') ? key.split('/', 2) : [undefined, key];
    if (!LABEL_NAME.test(name ?? '') || (prefix !== undefined && (!LABEL_PREFIX.test(prefix) || prefix.length > 253)))
      errors.push(`metadata.labels: Invalid value: "${key}": name part must consist of alphanumeric characters`);
    if (typeof value !== 'string' || (value !== '' && !LABEL_NAME.test(value)))
      errors.push(
        `metadata.labels: Invalid value: "${String(value)}": a valid label must be an empty string or consist of alphanumeric characters`,
      );
  }
  return errors;
}
