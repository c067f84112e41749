// The kubernetes service's pod view: clusters from kubeconfig, every pod with risks, and list+watch with relists.
import type { ServiceImpl } from '../../contract/kit.js';
import type { ClusterStatus, kubernetesService, PodChange, PodSummary } from '../common/kubernetes.contract.js';
import { ObjectList, Pod, WatchEvent } from '../common/kubernetes-objects.js';
import { comparePods, kubePaths, summarizePod } from '../common/kubernetes-pods.js';
import { KubeApiError, type KubernetesApi } from './kubernetes-api.js';
import { jsonLines } from './kubernetes-lines.js';
import type { KubernetesClusters } from './kubernetes-registry.js';

export interface KubernetesCatalogOptions {
  reconnectDelayMs?: { first: number; max: number };
  /** How long one watch request may stay open before it is renewed from the last resourceVersion. */
  watchTimeoutSeconds?: number;
  now?: () => Date;
}

type CatalogMethods = Pick<ServiceImpl<typeof kubernetesService>, 'listClusters' | 'listPods' | 'watchPods'>;

interface PodList {
  pods: PodSummary[];
  resourceVersion: string;
  /** The path listed: all namespaces, or only the context's namespace when listing across namespaces is forbidden. */
  path: string;
}

function sleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, milliseconds);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function select(clusters: KubernetesClusters, clusterId: string | undefined): KubernetesApi[] {
  return clusterId === undefined ? clusters.all() : [clusters.get(clusterId)];
}

/** The watch stream said its starting point is gone (410 Expired): relist, it is not an outage. */
class WatchExpired extends Error {}

export class KubernetesCatalog implements CatalogMethods {
  private readonly delays: { first: number; max: number };
  private readonly watchTimeout: number;
  private readonly now: () => Date;

  constructor(
    private readonly loadClusters: () => Promise<KubernetesClusters>,
    options: KubernetesCatalogOptions = {},
  ) {
    this.delays = options.reconnectDelayMs ?? { first: 500, max: 5_000 };
    this.watchTimeout = options.watchTimeoutSeconds ?? 300;
    this.now = options.now ?? (() => new Date());
  }

  listClusters = async (_input: object, { signal }: { signal: AbortSignal }): Promise<ClusterStatus[]> => {
    const clusters = await this.loadClusters();
    return [
      ...(await Promise.all(clusters.all().map((cluster) => this.probe(cluster, signal)))),
      ...this.problemStatuses(clusters),
    ];
  };

  listPods = async (
    { clusterId }: { clusterId?: string | undefined },
    { signal }: { signal: AbortSignal },
  ): Promise<{ pods: PodSummary[]; clusters: ClusterStatus[] }> => {
    const clusters = await this.loadClusters();
    const results = await Promise.all(
      select(clusters, clusterId).map(async (cluster) => {
        const status = await this.probe(cluster, signal);
        if (status.state !== 'connected') return { pods: [], cluster: status };
        try {
          return { pods: (await this.list(cluster, signal)).pods, cluster: status };
        } catch (error) {
          return { pods: [], cluster: this.status(cluster, 'unreachable', { error: cluster.explainFailure(error) }) };
        }
      }),
    );
    return {
      pods: results.flatMap((result) => result.pods).sort(comparePods),
      clusters: [
        ...results.map((result) => result.cluster),
        ...(clusterId === undefined ? this.problemStatuses(clusters) : []),
      ],
    };
  };

  watchPods = async (
    { clusterId }: { clusterId?: string | undefined },
    sink: { signal: AbortSignal; emit(change: PodChange): void },
  ): Promise<void> => {
    const clusters = await this.loadClusters();
    if (clusterId === undefined)
      for (const status of this.problemStatuses(clusters)) sink.emit({ type: 'cluster', cluster: status });
    await Promise.all(select(clusters, clusterId).map((cluster) => this.follow(cluster, sink)));
  };

  private problemStatuses(clusters: KubernetesClusters): ClusterStatus[] {
    return clusters.problems.map((problem) => ({
      clusterId: problem.clusterId,
      kind: 'kubernetes' as const,
      server: '',
      namespace: '',
      state: 'unreachable' as const,
      error: problem.error,
      checkedAt: this.now().toISOString(),
    }));
  }

  private status(
    cluster: KubernetesApi,
    state: ClusterStatus['state'],
    extra: Partial<ClusterStatus> = {},
  ): ClusterStatus {
    return {
      clusterId: cluster.clusterId,
      kind: 'kubernetes',
      server: cluster.server,
      namespace: cluster.namespace,
      state,
      checkedAt: this.now().toISOString(),
      ...extra,
    };
  }

  private async probe(cluster: KubernetesApi, signal: AbortSignal): Promise<ClusterStatus> {
    try {
      return this.status(cluster, 'connected', { serverVersion: await cluster.version(signal) });
    } catch (error) {
      return this.status(cluster, 'unreachable', { error: cluster.explainFailure(error) });
    }
  }

  /** Every namespace when allowed; a responder limited to one namespace still sees that namespace's pods. */
  private async list(cluster: KubernetesApi, signal: AbortSignal): Promise<PodList> {
    let path = kubePaths.pods();
    let answer;
    try {
      answer = await cluster.call({ method: 'GET', path }, ObjectList, signal);
    } catch (error) {
      if (!(error instanceof KubeApiError) || error.statusCode !== 403) throw error;
      path = kubePaths.pods(cluster.namespace);
      answer = await cluster.call({ method: 'GET', path }, ObjectList, signal);
    }
    const pods = (answer.parsed.items ?? []).flatMap((item) => {
      const parsed = Pod.safeParse(item);
      return parsed.success ? [summarizePod(cluster.clusterId, parsed.data)] : [];
    });
    return { pods: pods.sort(comparePods), resourceVersion: answer.parsed.metadata.resourceVersion ?? '', path };
  }

  /** Snapshot, then watch from its resourceVersion; 410 → relist; a closed watch → renew; failure → report, back off. */
  private async follow(
    cluster: KubernetesApi,
    sink: { signal: AbortSignal; emit(change: PodChange): void },
  ): Promise<void> {
    let delay = this.delays.first;
    let announced = false;
    while (!sink.signal.aborted) {
      const attempt = new AbortController();
      const stopAttempt = (): void => attempt.abort();
      sink.signal.addEventListener('abort', stopAttempt, { once: true });
      try {
        if (!announced) sink.emit({ type: 'cluster', cluster: this.status(cluster, 'connecting') });
        const version = await cluster.version(attempt.signal);
        const listing = await this.list(cluster, attempt.signal);
        sink.emit({ type: 'cluster', cluster: this.status(cluster, 'connected', { serverVersion: version }) });
        sink.emit({ type: 'snapshot', clusterId: cluster.clusterId, pods: listing.pods });
        announced = true;
        delay = this.delays.first;
        let resourceVersion = listing.resourceVersion;
        for (;;) {
          resourceVersion = await this.watchOnce(cluster, listing.path, resourceVersion, sink, attempt.signal);
          if (sink.signal.aborted) return;
        }
      } catch (error) {
        if (sink.signal.aborted) break;
        if (error instanceof WatchExpired || (error instanceof KubeApiError && error.statusCode === 410)) continue;
        announced = false;
        sink.emit({
          type: 'cluster',
          cluster: this.status(cluster, 'unreachable', { error: cluster.explainFailure(error) }),
        });
        await sleep(delay, sink.signal);
        delay = Math.min(delay * 2, this.delays.max);
      } finally {
        attempt.abort();
        sink.signal.removeEventListener('abort', stopAttempt);
      }
    }
  }

  /** One watch request; resolves with the last resourceVersion seen when the server ends it (timeoutSeconds). */
  private async watchOnce(
    cluster: KubernetesApi,
    listPath: string,
    from: string,
    sink: { emit(change: PodChange): void },
    signal: AbortSignal,
  ): Promise<string> {
    const query = new URLSearchParams({
      watch: 'true',
      resourceVersion: from,
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(this.watchTimeout),
    });
    const stream = await cluster.stream(`${listPath}?${query.toString()}`, signal);
    let resourceVersion = from;
    try {
      for await (const line of jsonLines(stream)) {
        const event = WatchEvent.safeParse(line);
        if (!event.success) continue;
        const { type, object } = event.data;
        if (type === 'ERROR') {
          const code = (object as { code?: unknown } | undefined)?.code;
          if (code === 410) throw new WatchExpired('the watch resourceVersion expired');
          throw new Error(
            `the watch stream reported: ${String((object as { message?: unknown } | undefined)?.message)}`,
          );
        }
        const version = (object as { metadata?: { resourceVersion?: unknown } } | undefined)?.metadata?.resourceVersion;
        if (typeof version === 'string') resourceVersion = version;
        if (type === 'BOOKMARK') continue;
        const pod = Pod.safeParse(object);
        if (!pod.success) continue;
        if (type === 'DELETED') {
          sink.emit({
            type: 'remove',
            clusterId: cluster.clusterId,
            namespace: pod.data.metadata.namespace ?? 'default',
            name: pod.data.metadata.name,
          });
        } else sink.emit({ type: 'upsert', pod: summarizePod(cluster.clusterId, pod.data) });
      }
    } finally {
      stream.destroy();
    }
    return resourceVersion;
  }
}
