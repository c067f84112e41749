// The kubernetes service's snapshot: everything the cluster knows about a pod, as hashed evidence items in the case.
//
// Pod and node objects, the owner chain, events, current and previous logs of every container, image digests, the
// service account and the RBAC bound to it; then, per container, a kubelet checkpoint where the cluster allows it,
// otherwise exactly why not, and (only when asked) the suspect's own tar with its caveat.
import { ContractError } from '../../contract/envelope.js';
import type { CallContext, ServiceImpl } from '../../contract/kit.js';
import type { CaseOpener, CaseRecorder } from '../../forensics/common/case-recorder.js';
import type { kubernetesService, PodRef, PodSnapshotResult } from '../common/kubernetes.contract.js';
import { AnyAnswer, Controller, Node, ObjectList, type Pod } from '../common/kubernetes-objects.js';
import { kubePaths, ownerPath } from '../common/kubernetes-pods.js';
import { bindsServiceAccount, RoleBinding, ServiceAccount } from '../common/kubernetes-rbac.js';
import { KubeApiError, type KubeAnswer } from './kubernetes-api.js';
import { checkpointContainer, suspectTar } from './kubernetes-checkpoint.js';
import { KubeCallLog } from './kubernetes-custody.js';
import { PodEvidence, slug } from './kubernetes-evidence.js';
import { readPod } from './kubernetes-observe.js';
import type { KubernetesClusters } from './kubernetes-registry.js';

export interface PodSnapshotOptions {
  clusters: () => Promise<KubernetesClusters>;
  openCase: CaseOpener;
  /** Tools image for the checkpoint helper pod. */
  helperImage: string;
  now?: () => Date;
}

type Methods = Pick<ServiceImpl<typeof kubernetesService>, 'snapshotPod'>;

const MAX_OWNER_DEPTH = 4;

export class PodSnapshots implements Methods {
  private readonly now: () => Date;

  constructor(private readonly options: PodSnapshotOptions) {
    this.now = options.now ?? (() => new Date());
  }

  snapshotPod = async (
    input: { ref: PodRef; caseDir: string; suspectTar: boolean },
    { signal, progress }: CallContext,
  ): Promise<PodSnapshotResult> => {
    const api = (await this.options.clusters()).get(input.ref.clusterId);
    const ref = { ...input.ref, clusterId: api.clusterId };
    const log = new KubeCallLog(api, { engineId: api.clusterId }, this.now);
    const pod = await readPod(log, ref, signal);
    const recorder = await this.open(input.caseDir);
    await log.attach(recorder);
    const uid = pod.parsed.metadata.uid ?? '';
    const run =
      (await recorder.custody()).filter(
        (record) => record.action === 'kubernetes.snapshot.start' && record.target.containerId === uid,
      ).length + 1;
    await log.note({
      action: 'kubernetes.snapshot.start',
      params: { namespace: ref.namespace, name: ref.name, run, suspectTar: input.suspectTar },
      outcome: 'ok',
    });
    const evidence = new PodEvidence(recorder, log, ref, uid, `k8s-snap${run}-${slug(ref.name).slice(0, 30)}`);
    const stages = ['objects', 'logs', 'service account and RBAC', 'checkpoint'];
    const report = (stage: string): void =>
      progress({ done: stages.indexOf(stage), total: stages.length, note: stage });
    report('objects');
    await evidence.json(evidence.spec('pod', 'kubernetes-object', 'json', 'json'), pod.raw, log.calls[0]);
    const node = await this.objects(evidence, pod, signal);
    report('logs');
    await this.logs(evidence, pod.parsed, signal);
    await this.imageDigests(evidence, pod.parsed);
    report('service account and RBAC');
    await this.serviceAccount(evidence, pod.parsed, signal);
    report('checkpoint');
    const checkpoint = await this.checkpoints(evidence, pod.parsed, node, input.suspectTar, signal);
    const complete = evidence.items.every((item) => item.complete);
    await log.note({
      action: 'kubernetes.snapshot.end',
      params: { items: evidence.items.map((item) => item.id), checkpoint: checkpoint.method },
      outcome: complete ? 'ok' : 'error',
    });
    const summary =
      `${complete ? 'Preserved' : 'Preserved, with incomplete items,'} pod ${ref.namespace}/${ref.name}: ${evidence.items.length} items` +
      (checkpoint.method === 'kubelet-checkpoint'
        ? ', kubelet checkpoint archives included.'
        : checkpoint.method === 'suspect-tar'
          ? "; no checkpoint possible, filesystems archived through the suspect's own tar (see the caveat)."
          : '; no checkpoint possible (see why), no filesystem archive taken.');
    return { ref, items: evidence.items, checkpoint, complete, summary };
  };

  /** Node, owner chain and events; returns the node object for the checkpoint's explanations. */
  private async objects(evidence: PodEvidence, pod: KubeAnswer<Pod>, signal: AbortSignal): Promise<Node | undefined> {
    const { log, ref } = evidence;
    let node: Node | undefined;
    const nodeName = pod.parsed.spec.nodeName ?? '';
    if (nodeName !== '') {
      const read = await log.call(
        'kubernetes.node.get',
        { method: 'GET', path: kubePaths.node(nodeName) },
        Node,
        signal,
      );
      if (read.ok) {
        node = read.answer.parsed;
        await evidence.json(
          evidence.spec(`node-${nodeName}`, 'kubernetes-object', 'json', 'json'),
          read.answer.raw,
          read.apiCall,
        );
      }
    }
    let owner = (pod.parsed.metadata.ownerReferences ?? []).find((entry) => entry.controller === true);
    for (let depth = 0; owner !== undefined && depth < MAX_OWNER_DEPTH; depth += 1) {
      const current = owner;
      const read = await log.call(
        'kubernetes.owner.get',
        { method: 'GET', path: ownerPath(ref.namespace, current) },
        Controller,
        signal,
      );
      if (!read.ok) break;
      await evidence.json(
        evidence.spec(`owner-${current.kind}-${current.name}`, 'kubernetes-object', 'json', 'json'),
        read.answer.raw,
        read.apiCall,
      );
      owner = (read.answer.parsed.metadata.ownerReferences ?? []).find((entry) => entry.controller === true);
    }
    const uid = pod.parsed.metadata.uid ?? '';
    const events = await log.call(
      'kubernetes.events.list',
      { method: 'GET', path: kubePaths.events(ref.namespace, uid) },
      ObjectList,
      signal,
    );
    if (events.ok) {
      await evidence.json(
        evidence.spec('events', 'kubernetes-object', 'json', 'json', {
          note: 'Events whose involvedObject is this pod (feeds the timeline)',
        }),
        events.answer.raw,
        events.apiCall,
      );
    }
    return node;
  }

  /** Current and previous logs of every container, streamed into the case with timestamps. */
  private async logs(evidence: PodEvidence, pod: Pod, signal: AbortSignal): Promise<void> {
    const { log, ref } = evidence;
    const containers = [
      ...(pod.spec.initContainers ?? []),
      ...pod.spec.containers,
      ...(pod.spec.ephemeralContainers ?? []),
    ].map((container) => container.name);
    for (const container of containers) {
      for (const previous of [false, true]) {
        const query: Record<string, string> = {
          container,
          timestamps: 'true',
          ...(previous ? { previous: 'true' } : {}),
        };
        const path = kubePaths.podLog(ref.namespace, ref.name, query);
        const at = this.now().toISOString();
        try {
          const stream = await log.api.stream(path, signal);
          const apiCall = { method: 'GET', path, at, status: stream.status };
          log.track(apiCall);
          const item = await evidence.stream(
            evidence.spec(`logs-${container}${previous ? '-previous' : ''}`, 'container-logs', 'text', 'log', {
              container,
              apiCalls: [apiCall],
              note: `${previous ? 'Previous (terminated) instance' : 'Current instance'} of container ${container}, kubelet timestamps (RFC 3339, UTC) first on each line`,
            }),
            stream,
            signal,
          );
          await log.note({
            action: 'kubernetes.logs.get',
            params: { method: 'GET', path, status: stream.status },
            outcome: item.complete ? 'ok' : 'error',
            detail: `${item.bytes} bytes`,
            sha256: item.sha256,
          });
        } catch (error) {
          const status = error instanceof KubeApiError ? error.statusCode : 'error';
          log.track({ method: 'GET', path, at, status });
          // No previous instance is the normal case for a container that never restarted: recorded, not an item.
          await log.note({
            action: 'kubernetes.logs.get',
            params: { method: 'GET', path, status },
            outcome: previous && status === 400 ? 'skipped' : 'error',
            detail: log.api.explainFailure(error),
          });
        }
      }
    }
  }

  /** Image references and the digests the runtime resolved, per container (from the pod status just recorded). */
  private async imageDigests(evidence: PodEvidence, pod: Pod): Promise<void> {
    const statuses = [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? []),
      ...(pod.status?.ephemeralContainerStatuses ?? []),
    ];
    const document = {
      pod: `${evidence.ref.namespace}/${evidence.ref.name}`,
      uid: evidence.uid,
      containers: statuses.map((status) => ({
        name: status.name,
        image: status.image ?? '',
        imageID: status.imageID ?? '',
        digest: /@(sha256:[0-9a-f]{64})$/.exec(status.imageID ?? '')?.[1] ?? null,
        containerID: status.containerID ?? null,
      })),
    };
    await evidence.json(
      evidence.spec('image-digests', 'kubernetes-object', 'json', 'json', {
        flags: ['derived-from-pod-status'],
        note: 'Taken from status.*containerStatuses[].imageID of the pod item of this snapshot',
      }),
      document,
      undefined,
    );
  }

  /** The service account, every RoleBinding/ClusterRoleBinding naming it, and the roles they grant. */
  private async serviceAccount(evidence: PodEvidence, pod: Pod, signal: AbortSignal): Promise<void> {
    const { log, ref } = evidence;
    const account = pod.spec.serviceAccountName ?? 'default';
    const read = await log.call(
      'kubernetes.serviceaccount.get',
      { method: 'GET', path: kubePaths.serviceAccount(ref.namespace, account) },
      ServiceAccount,
      signal,
    );
    if (read.ok) {
      await evidence.json(
        evidence.spec(`serviceaccount-${account}`, 'kubernetes-object', 'json', 'json'),
        read.answer.raw,
        read.apiCall,
      );
    }
    for (const scope of ['namespace', 'cluster'] as const) {
      const path = scope === 'namespace' ? kubePaths.roleBindings(ref.namespace) : kubePaths.clusterRoleBindings();
      const list = await log.call(
        `kubernetes.rbac.list-${scope}-bindings`,
        { method: 'GET', path },
        ObjectList,
        signal,
      );
      if (!list.ok) continue;
      const bound = (list.answer.parsed.items ?? []).filter((item) => {
        const binding = RoleBinding.safeParse(item);
        return binding.success && bindsServiceAccount(binding.data, ref.namespace, account);
      });
      await evidence.json(
        evidence.spec(`rbac-${scope}-bindings-${account}`, 'kubernetes-object', 'json', 'json', {
          flags: ['filtered-to-service-account'],
          note: `The ${scope === 'namespace' ? 'RoleBindings' : 'ClusterRoleBindings'} of ${path} that bind ${ref.namespace}/${account} (directly or through its groups), as the API server sent each`,
        }),
        { kind: scope === 'namespace' ? 'RoleBindingList' : 'ClusterRoleBindingList', items: bound },
        list.apiCall,
      );
      for (const item of bound) {
        const binding = RoleBinding.parse(item);
        const rolePath =
          binding.roleRef.kind === 'ClusterRole'
            ? kubePaths.clusterRole(binding.roleRef.name)
            : kubePaths.role(ref.namespace, binding.roleRef.name);
        const role = await log.call('kubernetes.rbac.role.get', { method: 'GET', path: rolePath }, AnyAnswer, signal);
        if (role.ok) {
          await evidence.json(
            evidence.spec(
              `rbac-${binding.roleRef.kind}-${binding.roleRef.name}-${scope}`,
              'kubernetes-object',
              'json',
              'json',
            ),
            role.answer.raw,
            role.apiCall,
          );
        }
      }
    }
  }

  private async checkpoints(
    evidence: PodEvidence,
    pod: Pod,
    node: Node | undefined,
    wantTar: boolean,
    signal: AbortSignal,
  ): Promise<PodSnapshotResult['checkpoint']> {
    const nodeName = pod.spec.nodeName ?? '';
    const notes: { container: string; note: string }[] = [];
    let method: PodSnapshotResult['checkpoint']['method'] = 'none';
    for (const container of pod.spec.containers) {
      const status = pod.status?.containerStatuses?.find((entry) => entry.name === container.name);
      const details = { name: container.name, ...(status?.imageID ? { imageId: status.imageID } : {}) };
      let why: string;
      if (nodeName === '') why = 'the pod is not scheduled on a node';
      else if (!status?.state?.running)
        why = 'the container is not running: only a running container can be checkpointed';
      else {
        const attempt = await checkpointContainer(evidence, { name: nodeName, object: node }, details, {
          helperImage: this.options.helperImage,
          signal,
        });
        if (attempt.ok) {
          notes.push({ container: container.name, note: attempt.note });
          method = 'kubelet-checkpoint';
          continue;
        }
        why = attempt.why;
      }
      await evidence.log.note({
        action: 'kubernetes.checkpoint.unavailable',
        params: { container: container.name },
        outcome: 'skipped',
        detail: why,
      });
      if (wantTar && status?.state?.running) {
        const item = await suspectTar(evidence, details, why, signal);
        notes.push({
          container: container.name,
          note: `no checkpoint: ${why}. Filesystem archived through the suspect's own tar (${item.complete ? 'complete' : `incomplete: ${item.incompleteReason ?? ''}`}), flagged acquired-through-suspect-tar.`,
        });
        if (method === 'none') method = 'suspect-tar';
      } else {
        notes.push({
          container: container.name,
          note: `no checkpoint: ${why}.${wantTar ? '' : " The filesystem can be archived through the suspect's own tar (--suspect-tar), with that caveat."}`,
        });
      }
    }
    return { method, notes };
  }

  private async open(caseDir: string): Promise<CaseRecorder> {
    try {
      return await this.options.openCase(caseDir);
    } catch (error) {
      if (error instanceof ContractError) throw error;
      throw new ContractError(
        'FAILED',
        `Cannot open the case ${caseDir}: ${error instanceof Error ? error.message : String(error)}`,
        'caseDir',
      );
    }
  }
}
