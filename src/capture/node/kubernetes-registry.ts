// The clusters from kubeconfig by context name, and kubeconfig entries that could not be used (reported, never fatal).
import { ContractError } from '../../contract/envelope.js';
import type { KubernetesApi } from './kubernetes-api.js';

export interface ClusterProblem {
  /** The context name, or the kubeconfig file that did not parse. */
  clusterId: string;
  error: string;
}

export class KubernetesClusters {
  private readonly byId: ReadonlyMap<string, KubernetesApi>;

  constructor(
    clusters: readonly KubernetesApi[],
    readonly problems: readonly ClusterProblem[] = [],
    /** The kubeconfig's current-context: what an empty context name means, as with kubectl. */
    readonly currentContext?: string,
  ) {
    this.byId = new Map(clusters.map((cluster) => [cluster.clusterId, cluster]));
  }

  all(): KubernetesApi[] {
    return [...this.byId.values()];
  }

  /** The cluster of this context; '' means the current context. */
  get(clusterId: string): KubernetesApi {
    const cluster = this.byId.get(clusterId === '' ? (this.currentContext ?? '') : clusterId);
    if (!cluster) {
      const known = [...this.byId.keys()].join(', ') || 'none: set KUBECONFIG or create ~/.kube/config';
      const name = clusterId === '' ? 'current-context' : `"${clusterId}"`;
      throw new ContractError('NOT_FOUND', `No kubeconfig context ${name} (contexts: ${known})`, 'ref.clusterId');
    }
    return cluster;
  }
}

/**
 * Loads the clusters once, on first use: @kubernetes/client-node takes most of a second to import, which commands
 * that never touch a cluster (verify, case, diff) should not pay.
 */
export function lazyClusters(load: () => Promise<KubernetesClusters>): () => Promise<KubernetesClusters> {
  let loaded: Promise<KubernetesClusters> | undefined;
  return () => (loaded ??= load());
}
