// Folds the watchPods change stream into the current view of every cluster and its pods (pure, for any UI).
import type { ClusterStatus, PodChange, PodSummary } from './kubernetes.contract.js';
import { comparePods } from './kubernetes-pods.js';

export interface PodView {
  readonly clusters: ReadonlyMap<string, ClusterStatus>;
  /** Keyed by podKey: the same namespace/name in two contexts is two pods. */
  readonly pods: ReadonlyMap<string, PodSummary>;
}

export const emptyPodView: PodView = { clusters: new Map(), pods: new Map() };

/** The selection key of a pod, distinct from container keys (`engine/id`) by its prefix. */
export const podKey = (clusterId: string, namespace: string, name: string): string =>
  `pod:${clusterId}/${namespace}/${name}`;

export function applyPodChange(view: PodView, change: PodChange): PodView {
  switch (change.type) {
    case 'cluster':
      return { ...view, clusters: new Map(view.clusters).set(change.cluster.clusterId, change.cluster) };
    case 'snapshot': {
      const pods = new Map([...view.pods].filter(([, pod]) => pod.clusterId !== change.clusterId));
      for (const pod of change.pods) pods.set(podKey(pod.clusterId, pod.namespace, pod.name), pod);
      return { ...view, pods };
    }
    case 'upsert':
      return {
        ...view,
        pods: new Map(view.pods).set(podKey(change.pod.clusterId, change.pod.namespace, change.pod.name), change.pod),
      };
    case 'remove': {
      const pods = new Map(view.pods);
      pods.delete(podKey(change.clusterId, change.namespace, change.name));
      return { ...view, pods };
    }
  }
}

/** Pods in display order, narrowed by a case-insensitive filter over name, namespace, node, images, phase and risks. */
export function visiblePods(view: PodView, filter = ''): PodSummary[] {
  const needle = filter.trim().toLowerCase();
  const all = [...view.pods.values()].sort(comparePods);
  if (needle === '') return all;
  return all.filter((pod) =>
    [
      pod.name,
      pod.namespace,
      pod.node,
      pod.phase,
      pod.clusterId,
      ...pod.containers.map((container) => container.image),
      ...pod.risks.map((risk) => risk.kind),
    ].some((field) => field.toLowerCase().includes(needle)),
  );
}
