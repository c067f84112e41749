// A pod as HoldCell lists it (summary with risks and node), API paths by resource, and the stable list order.
import type { PodSummary } from './kubernetes.contract.js';
import { QUARANTINE_LABEL } from './kubernetes-labels.js';
import type { ContainerStatus, Pod } from './kubernetes-objects.js';
import { assessPodRisks } from './kubernetes-risk.js';

const segment = (value: string): string => encodeURIComponent(value);

/** A query string in the given key order (the common layer has no URLSearchParams). */
export function queryString(params: Readonly<Record<string, string>>): string {
  return Object.entries(params)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join('&');
}

/** API paths HoldCell calls, built in one place so the custody log and the stand-in agree on them. */
export const kubePaths = {
  pods: (namespace?: string): string =>
    namespace === undefined ? '/api/v1/pods' : `/api/v1/namespaces/${segment(namespace)}/pods`,
  pod: (namespace: string, name: string): string => `/api/v1/namespaces/${segment(namespace)}/pods/${segment(name)}`,
  podLog: (namespace: string, name: string, query: Record<string, string>): string =>
    `/api/v1/namespaces/${segment(namespace)}/pods/${segment(name)}/log?${queryString(query)}`,
  ephemeralContainers: (namespace: string, name: string): string =>
    `/api/v1/namespaces/${segment(namespace)}/pods/${segment(name)}/ephemeralcontainers`,
  node: (name: string): string => `/api/v1/nodes/${segment(name)}`,
  checkpoint: (node: string, namespace: string, pod: string, container: string): string =>
    `/api/v1/nodes/${segment(node)}/proxy/checkpoint/${segment(namespace)}/${segment(pod)}/${segment(container)}`,
  services: (namespace: string): string => `/api/v1/namespaces/${segment(namespace)}/services`,
  events: (namespace: string, uid: string): string =>
    `/api/v1/namespaces/${segment(namespace)}/events?${queryString({ fieldSelector: `involvedObject.uid=${uid}` })}`,
  serviceAccount: (namespace: string, name: string): string =>
    `/api/v1/namespaces/${segment(namespace)}/serviceaccounts/${segment(name)}`,
  networkPolicies: (namespace: string): string =>
    `/apis/networking.k8s.io/v1/namespaces/${segment(namespace)}/networkpolicies`,
  networkPolicy: (namespace: string, name: string): string =>
    `/apis/networking.k8s.io/v1/namespaces/${segment(namespace)}/networkpolicies/${segment(name)}`,
  roleBindings: (namespace: string): string =>
    `/apis/rbac.authorization.k8s.io/v1/namespaces/${segment(namespace)}/rolebindings`,
  clusterRoleBindings: (): string => '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
  role: (namespace: string, name: string): string =>
    `/apis/rbac.authorization.k8s.io/v1/namespaces/${segment(namespace)}/roles/${segment(name)}`,
  clusterRole: (name: string): string => `/apis/rbac.authorization.k8s.io/v1/clusterroles/${segment(name)}`,
  accessReview: (): string => '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
};

/** The path of a namespaced object named by an ownerReference (apps/v1 ReplicaSet → /apis/apps/v1/…/replicasets/x). */
export function ownerPath(namespace: string, owner: { apiVersion: string; kind: string; name: string }): string {
  const plural = `${owner.kind.toLowerCase()}${owner.kind.endsWith('s') ? 'es' : 's'}`;
  const base = owner.apiVersion.includes('/') ? `/apis/${owner.apiVersion}` : `/api/${owner.apiVersion}`;
  return `${base}/namespaces/${segment(namespace)}/${plural}/${segment(owner.name)}`;
}

function stateOf(status: ContainerStatus | undefined): PodSummary['containers'][number]['state'] {
  if (status?.state?.running) return 'running';
  if (status?.state?.waiting) return 'waiting';
  if (status?.state?.terminated) return 'terminated';
  return 'unknown';
}

export function summarizePod(clusterId: string, pod: Pod): PodSummary {
  const statuses = pod.status?.containerStatuses ?? [];
  const quarantine = pod.metadata.labels?.[QUARANTINE_LABEL];
  return {
    clusterId,
    namespace: pod.metadata.namespace ?? 'default',
    name: pod.metadata.name,
    uid: pod.metadata.uid ?? '',
    node: pod.spec.nodeName ?? '',
    phase: pod.status?.phase ?? 'Unknown',
    serviceAccount: pod.spec.serviceAccountName ?? 'default',
    created: pod.metadata.creationTimestamp ?? '',
    containers: pod.spec.containers.map((container) => {
      const status = statuses.find((entry) => entry.name === container.name);
      return {
        name: container.name,
        image: container.image ?? '',
        imageID: status?.imageID ?? '',
        state: stateOf(status),
        ready: status?.ready ?? false,
        restartCount: status?.restartCount ?? 0,
      };
    }),
    risks: assessPodRisks(pod),
    ...(quarantine === undefined ? {} : { quarantine }),
  };
}

/** Newest first, then cluster, namespace, name: the same cluster state always prints the same way. */
export function comparePods(a: PodSummary, b: PodSummary): number {
  if (a.created !== b.created) return a.created < b.created ? 1 : -1;
  const left = `${a.clusterId}\u0000${a.namespace}\u0000${a.name}`;
  const right = `${b.clusterId}\u0000${b.namespace}\u0000${b.name}`;
  return left < right ? -1 : left > right ? 1 : 0;
}
