// Reads what pod isolation decides on: the pod, its controller chain's selectors, the Services, the policy, the node.
import { ContractError } from '../../contract/envelope.js';
import type { PodRef } from '../common/kubernetes.contract.js';
import type { PodIsolationFacts } from '../common/kubernetes-isolation.js';
import { QUARANTINE_POLICY, type SelectingObject } from '../common/kubernetes-labels.js';
import { Controller, NetworkPolicy, Node, ObjectList, Pod, Service } from '../common/kubernetes-objects.js';
import { kubePaths, ownerPath } from '../common/kubernetes-pods.js';
import { KubeApiError, type KubeAnswer } from './kubernetes-api.js';
import { contractCodeOf, type KubeCallLog } from './kubernetes-custody.js';

const MAX_OWNER_DEPTH = 4;

export interface ObservedPod {
  facts: PodIsolationFacts;
  pod: KubeAnswer<Pod>;
}

function pluralOf(kind: string): string {
  return `${kind.toLowerCase()}${kind.endsWith('s') ? 'es' : 's'}`;
}

/** Reads the pod or fails with an error naming what is wrong (no such pod, forbidden, unreachable). */
export async function readPod(log: KubeCallLog, ref: PodRef, signal: AbortSignal): Promise<KubeAnswer<Pod>> {
  const result = await log.call(
    'kubernetes.pod.get',
    { method: 'GET', path: kubePaths.pod(ref.namespace, ref.name) },
    Pod,
    signal,
    (answer) => `resourceVersion ${answer.parsed.metadata.resourceVersion ?? '?'}`,
  );
  if (!result.ok) {
    const code = contractCodeOf(result.error);
    throw new ContractError(
      code,
      code === 'NOT_FOUND'
        ? `No pod ${ref.namespace}/${ref.name} in context ${ref.clusterId} (${log.api.server})`
        : result.message,
      code === 'NOT_FOUND' ? 'ref.name' : undefined,
    );
  }
  log.setPod(result.answer.parsed.metadata.uid ?? `${ref.namespace}/${ref.name}`);
  return result.answer;
}

export async function observePod(
  log: KubeCallLog,
  ref: PodRef,
  options: { cordon: boolean },
  signal: AbortSignal,
): Promise<ObservedPod> {
  const pod = await readPod(log, ref, signal);
  const { namespace } = ref;
  const warnings: string[] = [];
  const selecting: SelectingObject[] = [];
  const ownerResources: { group: string; resource: string }[] = [];
  let owner = (pod.parsed.metadata.ownerReferences ?? []).find((entry) => entry.controller === true);
  if (owner === undefined) warnings.push('no controller owns this pod: nothing will start a replacement');
  for (let depth = 0; owner !== undefined && depth < MAX_OWNER_DEPTH; depth += 1) {
    const group = owner.apiVersion.includes('/') ? (owner.apiVersion.split('/')[0] ?? '') : '';
    ownerResources.push({ group, resource: pluralOf(owner.kind) });
    if (owner.kind === 'StatefulSet') {
      warnings.push(
        `StatefulSet ${owner.name} recreates its pods under the same name: it cannot start a replacement while the suspect keeps that name`,
      );
    }
    const current = owner;
    const read = await log.call(
      `kubernetes.owner.get`,
      { method: 'GET', path: ownerPath(namespace, current) },
      Controller,
      signal,
    );
    if (!read.ok) {
      warnings.push(`cannot read ${current.kind} ${current.name} (${read.message}): its selector is unknown`);
      break;
    }
    const selector = read.answer.parsed.spec?.selector;
    if (selector) selecting.push({ what: `${current.kind} ${current.name}`, selector });
    owner = (read.answer.parsed.metadata.ownerReferences ?? []).find((entry) => entry.controller === true);
  }
  const services = await log.call(
    'kubernetes.services.list',
    { method: 'GET', path: kubePaths.services(namespace) },
    ObjectList,
    signal,
  );
  if (services.ok) {
    for (const item of services.answer.parsed.items ?? []) {
      const service = Service.safeParse(item);
      const selector = service.success ? service.data.spec?.selector : undefined;
      if (service.success && selector && Object.keys(selector).length > 0) {
        selecting.push({ what: `Service ${service.data.metadata.name}`, selector: { matchLabels: selector } });
      }
    }
  } else warnings.push(`cannot list Services in ${namespace} (${services.message}): the pod may stay behind one`);
  const policy = await log.call(
    'kubernetes.networkpolicy.get',
    { method: 'GET', path: kubePaths.networkPolicy(namespace, QUARANTINE_POLICY) },
    NetworkPolicy,
    signal,
  );
  const policyExists = policy.ok;
  if (!policy.ok && !(policy.error instanceof KubeApiError && policy.error.statusCode === 404)) {
    warnings.push(`cannot read NetworkPolicy ${QUARANTINE_POLICY} (${policy.message})`);
  }
  let nodeUnschedulable: boolean | undefined;
  const nodeName = pod.parsed.spec.nodeName ?? '';
  if (options.cordon && nodeName !== '') {
    const node = await log.call('kubernetes.node.get', { method: 'GET', path: kubePaths.node(nodeName) }, Node, signal);
    if (node.ok) nodeUnschedulable = node.answer.parsed.spec?.unschedulable === true;
    else warnings.push(`cannot read node ${nodeName} (${node.message})`);
  }
  return {
    pod,
    facts: {
      ref,
      uid: pod.parsed.metadata.uid ?? '',
      node: nodeName,
      labels: pod.parsed.metadata.labels ?? {},
      selecting,
      ownerResources,
      policyExists,
      nodeUnschedulable,
      warnings,
    },
  };
}
