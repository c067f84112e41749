// Kubernetes on the time axis: Event objects (core/v1 and events.k8s.io/v1) and API server audit events.
import { makeEvent, type ItemRef, type MapResult } from './timeline-event.js';
import type { TimelineEvent } from './timeline-model.js';
import { timeFromIso } from './timeline-time.js';

type Json = Record<string, unknown>;

const object = (value: unknown): Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

export type KubernetesDocument = 'audit-event' | 'event' | 'pod' | 'list' | undefined;

/**
 * What a JSON value is: one audit event, one Event object, a Pod, a list (of any of these), or something else.
 * Items of a typed list (EventList, PodList) carry no kind of their own: the API leaves it to the list's.
 */
export function kubernetesDocument(raw: unknown, listKind?: string, listApiVersion?: string): KubernetesDocument {
  const doc = object(raw);
  const inherited = listKind !== undefined && listKind !== 'List' ? listKind.replace(/List$/, '') : undefined;
  const kind = text(doc['kind']) ?? inherited;
  const apiVersion = text(doc['apiVersion']) ?? listApiVersion;
  if (Array.isArray(doc['items']) && (kind === undefined || kind.endsWith('List'))) return 'list';
  if (kind === 'Pod') return 'pod';
  if (kind !== 'Event') return undefined;
  if (text(doc['auditID']) !== undefined || apiVersion?.startsWith('audit.k8s.io') === true) return 'audit-event';
  return 'event';
}

/**
 * A core/v1 or events.k8s.io/v1 Event: placed at its first occurrence (eventTime, firstTimestamp or the deprecated
 * field, else creation), with the count and the last occurrence as attributes.
 */
export function kubernetesEvent(raw: unknown, ref: ItemRef, locator: string): MapResult {
  const doc = object(raw);
  const metadata = object(doc['metadata']);
  const involved = object(doc['involvedObject'] ?? doc['regarding']);
  const candidates = [
    doc['eventTime'],
    doc['firstTimestamp'],
    doc['deprecatedFirstTimestamp'],
    doc['lastTimestamp'],
    metadata['creationTimestamp'],
  ];
  const time = candidates.map(timeFromIso).find((value) => value !== undefined);
  if (time === undefined)
    return { events: [], problems: [`${ref.itemId} ${locator}: Kubernetes event without a usable time`] };
  const reason = text(doc['reason']) ?? 'Event';
  const objectName = `${text(involved['kind']) ?? 'object'} ${text(involved['namespace']) ?? ''}${text(involved['namespace']) === undefined ? '' : '/'}${text(involved['name']) ?? '?'}`;
  const message = text(doc['message']) ?? text(doc['note']) ?? '';
  const source = object(doc['source']);
  const event: TimelineEvent = makeEvent({
    time,
    source: 'kubernetes',
    kind: `k8s.event.${reason}`,
    subject: { engineId: ref.engineId, containerId: ref.containerId },
    summary: `${text(doc['type']) ?? 'Normal'} ${reason} on ${objectName}: ${message}`,
    attributes: {
      reason,
      type: text(doc['type']),
      objectKind: text(involved['kind']),
      objectName: text(involved['name']),
      namespace: text(involved['namespace']),
      fieldPath: text(involved['fieldPath']),
      count: typeof doc['count'] === 'number' ? doc['count'] : undefined,
      lastTimestamp: text(doc['lastTimestamp']) ?? text(doc['deprecatedLastTimestamp']),
      reportedBy: text(source['component']) ?? text(doc['reportingController']),
      node: text(source['host']) ?? text(doc['reportingInstance']),
      timeBasis: 'first occurrence',
    },
    confidence: 'exact',
    evidence: { itemId: ref.itemId, sha256: ref.sha256, locator },
  });
  return { events: [event], problems: [] };
}

/** Facts about a pod in a create request that matter to a responder (privilege and host sharing). */
function podFacts(request: Json): Record<string, boolean | undefined> {
  if (text(request['kind']) !== 'Pod') return {};
  const spec = object(request['spec']);
  const containers = [
    ...(Array.isArray(spec['containers']) ? spec['containers'] : []),
    ...(Array.isArray(spec['initContainers']) ? spec['initContainers'] : []),
  ];
  const volumes = Array.isArray(spec['volumes']) ? spec['volumes'] : [];
  return {
    privileged:
      containers.some((container) => object(object(container)['securityContext'])['privileged'] === true) || undefined,
    hostPID: spec['hostPID'] === true || undefined,
    hostNetwork: spec['hostNetwork'] === true || undefined,
    hostIPC: spec['hostIPC'] === true || undefined,
    hostPath: volumes.some((volume) => object(volume)['hostPath'] !== undefined) || undefined,
  };
}

/** One audit event: who did what to which object, when the API server received it, and the answer's status code. */
export function auditEvent(raw: unknown, ref: ItemRef, locator: string): MapResult {
  const doc = object(raw);
  const time = [doc['requestReceivedTimestamp'], doc['stageTimestamp'], doc['timestamp']]
    .map(timeFromIso)
    .find((value) => value !== undefined);
  if (time === undefined)
    return { events: [], problems: [`${ref.itemId} ${locator}: audit event without a usable time`] };
  const user = object(doc['user']);
  const target = object(doc['objectRef']);
  const verb = text(doc['verb']) ?? 'unknown';
  const resource = text(target['resource']) ?? '';
  const subresource = text(target['subresource']) ?? '';
  const namespace = text(target['namespace']);
  const name = text(target['name']) ?? text(object(object(doc['responseObject'])['metadata'])['name']);
  const code = object(doc['responseStatus'])['code'];
  const username = text(user['username']) ?? 'unknown user';
  const objectText =
    `${resource}${subresource === '' ? '' : `/${subresource}`} ${namespace === undefined ? '' : `${namespace}/`}${name ?? ''}`.trim();
  const uri = text(doc['requestURI']) ?? '';
  // exec's command arrives as repeated ?command= parameters in the request URI.
  const command = [...uri.matchAll(/[?&]command=([^&]*)/g)].map((match) => {
    try {
      return decodeURIComponent((match[1] ?? '').replace(/\+/g, ' '));
    } catch {
      return match[1] ?? '';
    }
  });
  const event = makeEvent({
    time,
    source: 'kubernetes-audit',
    kind: `k8s.audit.${verb}`,
    subject: { engineId: ref.engineId, ...(command.length > 0 ? { process: command.join(' ') } : {}) },
    summary: `${username} ${verb} ${objectText}${typeof code === 'number' ? ` → ${code}` : ''}`,
    attributes: {
      auditID: text(doc['auditID']),
      stage: text(doc['stage']),
      verb,
      resource,
      subresource,
      namespace,
      name,
      user: username,
      groups: strings(user['groups']).join(',') || undefined,
      sourceIPs: strings(doc['sourceIPs']).join(',') || undefined,
      userAgent: text(doc['userAgent']),
      code: typeof code === 'number' ? code : undefined,
      decision: text(object(doc['annotations'])['authorization.k8s.io/decision']),
      requestURI: uri || undefined,
      ...podFacts(object(doc['requestObject'])),
    },
    confidence: 'exact',
    evidence: { itemId: ref.itemId, sha256: ref.sha256, locator },
  });
  return { events: [event], problems: [] };
}

/** Every event in one JSON document or line: lists are walked, anything else is said to be unrecognised. */
export function kubernetesEvents(raw: unknown, ref: ItemRef, locator: string): MapResult {
  const events: TimelineEvent[] = [];
  const problems: string[] = [];
  const doc = object(raw);
  const list = kubernetesDocument(raw) === 'list';
  const items = list ? (doc['items'] as unknown[]) : [raw];
  const listKind = list ? text(doc['kind']) : undefined;
  const listApiVersion = list ? text(doc['apiVersion']) : undefined;
  items.forEach((item, index) => {
    const where = list ? `${locator} item ${index}` : locator;
    const type = kubernetesDocument(item, listKind, listApiVersion);
    const result =
      type === 'audit-event'
        ? auditEvent(item, ref, where)
        : type === 'event'
          ? kubernetesEvent(item, ref, where)
          : type === 'pod'
            ? podEvents(item, ref, where)
            : undefined;
    if (result === undefined) return;
    events.push(...result.events);
    problems.push(...result.problems);
  });
  return { events, problems };
}

/** A Pod object's own times: created, started, and each container's current and last run (restarts included). */
export function podEvents(raw: unknown, ref: ItemRef, locator: string): MapResult {
  const doc = object(raw);
  const metadata = object(doc['metadata']);
  const status = object(doc['status']);
  const pod = `${text(metadata['namespace']) ?? 'default'}/${text(metadata['name']) ?? '?'}`;
  const events: TimelineEvent[] = [];
  const push = (
    at: unknown,
    kind: string,
    field: string,
    summary: string,
    attributes: Record<string, string | number | undefined> = {},
  ) => {
    const time = timeFromIso(at);
    if (time === undefined) return;
    events.push(
      makeEvent({
        time,
        source: 'kubernetes',
        kind,
        subject: { engineId: ref.engineId, containerId: text(attributes['containerId']) },
        summary,
        attributes: { pod, node: text(object(doc['spec'])['nodeName']), ...attributes },
        confidence: 'exact',
        evidence: { itemId: ref.itemId, sha256: ref.sha256, locator: `${locator} field ${field}` },
      }),
    );
  };
  push(metadata['creationTimestamp'], 'k8s.pod.created', 'metadata.creationTimestamp', `pod ${pod} created`);
  push(status['startTime'], 'k8s.pod.started', 'status.startTime', `pod ${pod} started on its node`);
  const statuses = [
    ...(Array.isArray(status['initContainerStatuses']) ? status['initContainerStatuses'] : []),
    ...(Array.isArray(status['containerStatuses']) ? status['containerStatuses'] : []),
  ];
  statuses.forEach((entry, index) => {
    const container = object(entry);
    const name = text(container['name']) ?? `#${index}`;
    const containerId = text(container['containerID'])?.replace(/^[a-z]+:\/\//, '');
    const restarts = typeof container['restartCount'] === 'number' ? container['restartCount'] : undefined;
    const base = { container: name, containerId, image: text(container['image']), restartCount: restarts };
    const running = object(object(container['state'])['running']);
    push(
      running['startedAt'],
      'k8s.container.started',
      `status.containerStatuses[${name}].state.running.startedAt`,
      `container ${name} of pod ${pod} started`,
      base,
    );
    for (const which of ['state', 'lastState'] as const) {
      const ended = object(object(container[which])['terminated']);
      const exit = typeof ended['exitCode'] === 'number' ? ended['exitCode'] : undefined;
      const reason = text(ended['reason']);
      if (which === 'lastState') {
        push(
          ended['startedAt'],
          'k8s.container.started',
          `status.containerStatuses[${name}].lastState.terminated.startedAt`,
          `container ${name} of pod ${pod} started (an earlier run)`,
          base,
        );
      }
      push(
        ended['finishedAt'],
        'k8s.container.terminated',
        `status.containerStatuses[${name}].${which}.terminated.finishedAt`,
        `container ${name} of pod ${pod} terminated${reason === undefined ? '' : ` (${reason})`}${exit === undefined ? '' : ` with exit code ${exit}`}`,
        { ...base, exitCode: exit, reason },
      );
    }
  });
  return { events, problems: [] };
}
