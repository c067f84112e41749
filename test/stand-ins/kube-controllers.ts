// Stand-in ReplicaSet controller: releases a pod whose labels stop matching, adopts a matching orphan, keeps the replica count.
//
// What the real controller does (pkg/controller/replicaset + ControllerRefManager), reduced to one pass after each
// pod write: a pod no longer selected loses its controller ownerReference (it is orphaned, not deleted), a
// replacement is created from the template; a matching orphan is adopted; a surplus pod is deleted, newest first.
import { randomBytes } from 'node:crypto';
import type { KubeObject, KubeStore } from './kube-store.js';
import { matchesLabelSelector } from './kube-requests.js';

interface ReplicaSetLike {
  metadata: { name: string; namespace?: string; uid?: string };
  spec: {
    replicas?: number;
    selector: { matchLabels?: Record<string, string> };
    template: { metadata?: { labels?: Record<string, string> }; spec: Record<string, unknown> };
  };
}

const selectorString = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');

function controllerOf(pod: KubeObject): { uid?: string } | undefined {
  const owners = (pod.metadata['ownerReferences'] ?? []) as { uid?: string; controller?: boolean }[];
  return owners.find((owner) => owner.controller === true);
}

export function reconcileReplicaSets(store: KubeStore, namespace: string): void {
  for (const object of store.list('replicasets', namespace)) {
    const rs = object as unknown as ReplicaSetLike;
    const selector = selectorString(rs.spec.selector.matchLabels ?? {});
    const pods = store.list('pods', namespace);
    for (const pod of pods) {
      const controller = controllerOf(pod);
      const selected = matchesLabelSelector(pod, selector);
      if (controller?.uid === rs.metadata.uid && !selected) {
        pod.metadata['ownerReferences'] = ((pod.metadata['ownerReferences'] ?? []) as { uid?: string }[]).filter(
          (owner) => owner.uid !== rs.metadata.uid,
        );
        store.update('pods', pod);
      } else if (controller === undefined && selected && !pod.metadata['deletionTimestamp']) {
        pod.metadata['ownerReferences'] = [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: rs.metadata.name,
            uid: rs.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ];
        store.update('pods', pod);
      }
    }
    const owned = store
      .list('pods', namespace)
      .filter((pod) => controllerOf(pod)?.uid === rs.metadata.uid)
      .sort(
        (a, b) =>
          String(b.metadata['creationTimestamp']).localeCompare(String(a.metadata['creationTimestamp'])) ||
          Number(b.metadata.resourceVersion) - Number(a.metadata.resourceVersion),
      );
    const replicas = rs.spec.replicas ?? 1;
    for (const surplus of owned.slice(0, Math.max(0, owned.length - replicas))) {
      store.delete('pods', namespace, surplus.metadata.name);
    }
    for (let missing = replicas - owned.length; missing > 0; missing -= 1) {
      const name = `${rs.metadata.name}-${randomBytes(3).toString('hex').slice(0, 5)}`;
      const node = (store.list('nodes')[0]?.metadata.name as string | undefined) ?? 'worker-1';
      store.create('pods', {
        metadata: {
          name,
          namespace,
          generateName: `${rs.metadata.name}-`,
          labels: { ...(rs.spec.template.metadata?.labels ?? {}) },
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'ReplicaSet',
              name: rs.metadata.name,
              uid: rs.metadata.uid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
          creationTimestamp: new Date(Date.now() + 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
        },
        spec: { ...structuredClone(rs.spec.template.spec), nodeName: node },
        status: { phase: 'Pending' },
      } as KubeObject);
    }
  }
}
