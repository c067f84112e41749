// Release of a quarantined pod from the case alone: put back exactly the labels isolate removed, then remove what
// HoldCell created (its NetworkPolicy only when no quarantined pod still needs it, its cordon only if it cordoned).
import { ContractError } from '../../contract/envelope.js';
import type { CaseRecorder } from '../../forensics/common/case-recorder.js';
import type { CustodyRecord } from '../../forensics/common/case-model.js';
import type { StepOutcome } from '../common/containment.js';
import type { PodRef, PodReleaseResult } from '../common/kubernetes.contract.js';
import { QUARANTINE_LABEL, QUARANTINE_POLICY } from '../common/kubernetes-labels.js';
import { AnyAnswer, Node, ObjectList, Pod } from '../common/kubernetes-objects.js';
import { kubePaths, queryString } from '../common/kubernetes-pods.js';
import { KubeApiError } from './kubernetes-api.js';
import type { KubeCallLog } from './kubernetes-custody.js';
import { readPod } from './kubernetes-observe.js';

/** What the case says isolate changed on this pod. */
export interface PodIsolationHistory {
  quarantineValue: string | undefined;
  /** Every label any isolate removed, with the value it had then (the first record of a key wins). */
  removedLabels: Record<string, string>;
  createdPolicy: boolean;
  cordonedNode: string | undefined;
}

const isStringMap = (value: unknown): value is Record<string, string> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.values(value).every((entry) => typeof entry === 'string');

export function podIsolationHistory(records: readonly CustodyRecord[]): PodIsolationHistory {
  const history: PodIsolationHistory = {
    quarantineValue: undefined,
    removedLabels: {},
    createdPolicy: false,
    cordonedNode: undefined,
  };
  for (const record of records) {
    if (record.outcome !== 'ok') continue;
    const params = record.params;
    if (record.action === 'kubernetes.pod.quarantine') {
      if (typeof params['quarantineValue'] === 'string') history.quarantineValue = params['quarantineValue'];
      if (isStringMap(params['removeLabels'])) {
        for (const [key, value] of Object.entries(params['removeLabels'])) {
          if (!Object.hasOwn(history.removedLabels, key)) history.removedLabels[key] = value;
        }
      }
    } else if (record.action === 'kubernetes.networkpolicy.create') history.createdPolicy = true;
    else if (record.action === 'kubernetes.node.cordon' && typeof params['node'] === 'string') {
      history.cordonedNode = params['node'];
    }
  }
  return history;
}

export class ReleasePodRun {
  constructor(
    private readonly log: KubeCallLog,
    private readonly ref: PodRef,
    private readonly openCase: () => Promise<CaseRecorder>,
  ) {}

  async execute(signal: AbortSignal): Promise<PodReleaseResult> {
    const pod = await readPod(this.log, this.ref, signal);
    const recorder = await this.openCase();
    const uid = pod.parsed.metadata.uid ?? '';
    const records = (await recorder.custody()).filter(
      (record) => record.target.engineId === this.ref.clusterId && record.target.containerId === uid,
    );
    const history = podIsolationHistory(records);
    if (history.quarantineValue === undefined && !history.createdPolicy && history.cordonedNode === undefined) {
      throw new ContractError(
        'NOT_FOUND',
        `The case ${recorder.caseDir} records no isolation of pod ${this.ref.namespace}/${this.ref.name} (uid ${uid}); nothing to release — is it the right case folder?`,
        'caseDir',
      );
    }
    await this.log.attach(recorder);
    await this.log.note({
      action: 'kubernetes.release.start',
      params: { namespace: this.ref.namespace, name: this.ref.name, restore: history.removedLabels },
      outcome: 'ok',
    });
    const steps: StepOutcome[] = [
      await this.restoreLabels(pod.parsed, history, signal),
      await this.removePolicy(history, signal),
      await this.uncordon(history, signal),
    ];
    const released = steps.every((step) => step.status === 'done' || step.status === 'skipped');
    const done = steps.filter((step) => step.status === 'done').map((step) => step.detail);
    const failed = steps.filter((step) => step.status === 'failed').map((step) => `${step.action} (${step.detail})`);
    const name = `pod ${this.ref.namespace}/${this.ref.name}`;
    const summary =
      done.length === 0 && failed.length === 0
        ? `Released ${name}: nothing left to undo.`
        : [
            `${released ? 'Released' : 'NOT fully released'} ${name}${done.length > 0 ? `: ${done.join('; ')}` : ''}.`,
            ...(failed.length > 0 ? [`Failed: ${failed.join('; ')}.`] : []),
          ].join(' ');
    return { ref: this.ref, steps, released, summary };
  }

  private async restoreLabels(pod: Pod, history: PodIsolationHistory, signal: AbortSignal): Promise<StepOutcome> {
    const step = { id: 'release-labels', phase: 'release' as const, action: 'restore-labels' };
    const labels = pod.metadata.labels ?? {};
    const current = labels[QUARANTINE_LABEL];
    if (current !== undefined && current !== history.quarantineValue) {
      return { ...step, status: 'failed', detail: `the pod is now quarantined by case ${current}, not this one` };
    }
    const missing = Object.entries(history.removedLabels).filter(([key, value]) => labels[key] !== value);
    if (current === undefined && missing.length === 0) {
      return { ...step, status: 'skipped', detail: 'labels already as before isolation' };
    }
    // A merge patch with the resourceVersion read: a concurrent change makes it fail (409) instead of being overwritten.
    const patch = {
      metadata: {
        resourceVersion: pod.metadata.resourceVersion,
        labels: { ...Object.fromEntries(missing), [QUARANTINE_LABEL]: null },
      },
    };
    const result = await this.log.call(
      'kubernetes.pod.restore-labels',
      {
        method: 'PATCH',
        path: kubePaths.pod(this.ref.namespace, this.ref.name),
        body: patch,
        contentType: 'application/merge-patch+json',
      },
      AnyAnswer,
      signal,
      () => `restored ${missing.map(([key]) => key).join(', ') || 'no label'}; removed ${QUARANTINE_LABEL}`,
      { restoredLabels: Object.fromEntries(missing) },
    );
    if (!result.ok) return { ...step, status: 'failed', detail: result.message };
    const restored = missing.map(([key, value]) => `${key}=${value}`);
    return {
      ...step,
      status: 'done',
      detail: `removed ${QUARANTINE_LABEL}${restored.length > 0 ? ` and restored ${restored.join(', ')}` : ''}`,
    };
  }

  private async removePolicy(history: PodIsolationHistory, signal: AbortSignal): Promise<StepOutcome> {
    const step = { id: 'release-policy', phase: 'release' as const, action: 'network-policy' };
    if (!history.createdPolicy) {
      return { ...step, status: 'skipped', detail: 'this case did not create the quarantine NetworkPolicy' };
    }
    const { namespace } = this.ref;
    const users = await this.log.call(
      'kubernetes.pods.list-quarantined',
      { method: 'GET', path: `${kubePaths.pods(namespace)}?${queryString({ labelSelector: QUARANTINE_LABEL })}` },
      ObjectList,
      signal,
    );
    if (!users.ok)
      return { ...step, status: 'failed', detail: `cannot tell whether other pods still need it: ${users.message}` };
    const others = (users.answer.parsed.items ?? []).flatMap((item) => {
      const parsed = Pod.safeParse(item);
      return parsed.success
        ? [`${parsed.data.metadata.name} (case ${parsed.data.metadata.labels?.[QUARANTINE_LABEL] ?? '?'})`]
        : [];
    });
    if (others.length > 0) {
      await this.log.note({
        action: 'kubernetes.networkpolicy.delete',
        outcome: 'skipped',
        detail: `still used by ${others.join(', ')}`,
        params: { namespace },
      });
      return { ...step, status: 'skipped', detail: `kept: still quarantining ${others.join(', ')}` };
    }
    const deleted = await this.log.call(
      'kubernetes.networkpolicy.delete',
      { method: 'DELETE', path: kubePaths.networkPolicy(namespace, QUARANTINE_POLICY) },
      AnyAnswer,
      signal,
      () => 'deleted',
      { namespace },
    );
    if (deleted.ok)
      return { ...step, status: 'done', detail: `NetworkPolicy ${QUARANTINE_POLICY} deleted from ${namespace}` };
    if (deleted.error instanceof KubeApiError && deleted.error.statusCode === 404) {
      return { ...step, status: 'skipped', detail: 'the quarantine NetworkPolicy is already gone' };
    }
    return { ...step, status: 'failed', detail: deleted.message };
  }

  private async uncordon(history: PodIsolationHistory, signal: AbortSignal): Promise<StepOutcome> {
    const step = { id: 'release-cordon', phase: 'release' as const, action: 'uncordon' };
    const node = history.cordonedNode;
    if (node === undefined) return { ...step, status: 'skipped', detail: 'this case did not cordon a node' };
    const read = await this.log.call(
      'kubernetes.node.get',
      { method: 'GET', path: kubePaths.node(node) },
      Node,
      signal,
    );
    if (!read.ok) return { ...step, status: 'failed', detail: read.message };
    if (read.answer.parsed.spec?.unschedulable !== true) {
      return { ...step, status: 'skipped', detail: `node ${node} is already schedulable` };
    }
    const patched = await this.log.call(
      'kubernetes.node.uncordon',
      {
        method: 'PATCH',
        path: kubePaths.node(node),
        body: { spec: { unschedulable: false } },
        contentType: 'application/strategic-merge-patch+json',
      },
      AnyAnswer,
      signal,
      () => `node ${node} schedulable again`,
      { node },
    );
    return patched.ok
      ? { ...step, status: 'done', detail: `node ${node} uncordoned` }
      : { ...step, status: 'failed', detail: patched.message };
  }
}
