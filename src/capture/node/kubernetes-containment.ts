// The kubernetes service's containment: plan with a SelfSubjectAccessReview preflight, isolate, release from the case.
import { ContractError } from '../../contract/envelope.js';
import type { CallContext, ServiceImpl } from '../../contract/kit.js';
import type { CaseOpener, CaseRecorder } from '../../forensics/common/case-recorder.js';
import type { StepOutcome } from '../common/containment.js';
import type {
  AccessCheck,
  kubernetesService,
  PodIsolationPlan,
  PodIsolationResult,
  PodRef,
  PodReleaseResult,
} from '../common/kubernetes.contract.js';
import {
  accessQuestions,
  buildPodIsolationPlan,
  observationAccess,
  quarantinePolicy,
} from '../common/kubernetes-isolation.js';
import { labelPointer, QUARANTINE_LABEL, quarantineValue } from '../common/kubernetes-labels.js';
import { AnyAnswer } from '../common/kubernetes-objects.js';
import { kubePaths } from '../common/kubernetes-pods.js';
import { selfSubjectAccessReview, SelfSubjectAccessReviewAnswer } from '../common/kubernetes-rbac.js';
import { KubeApiError } from './kubernetes-api.js';
import { KubeCallLog } from './kubernetes-custody.js';
import { observePod, type ObservedPod } from './kubernetes-observe.js';
import { ReleasePodRun } from './kubernetes-release.js';
import type { KubernetesClusters } from './kubernetes-registry.js';

export interface PodContainmentOptions {
  clusters: () => Promise<KubernetesClusters>;
  openCase: CaseOpener;
  /** Release works on what a case holds: a mistyped folder must not become a new, empty case. */
  openExistingCase: CaseOpener;
  now?: () => Date;
}

type Methods = Pick<ServiceImpl<typeof kubernetesService>, 'planPodIsolation' | 'isolatePod' | 'releasePod'>;

function summarize(ref: PodRef, steps: readonly StepOutcome[], contained: boolean, permitted: boolean): string {
  const name = `pod ${ref.namespace}/${ref.name}`;
  if (!permitted) {
    const denied = steps.find((step) => step.status === 'skipped')?.detail ?? '';
    return `Did not isolate ${name}: the preflight found verbs this context may not use; nothing was changed. ${denied}`;
  }
  const done = steps.filter((step) => step.status === 'done' && step.phase === 'contain').map((step) => step.action);
  const failed = steps.filter((step) => step.status === 'failed').map((step) => `${step.action} (${step.detail})`);
  const head = contained ? `Isolated ${name}` : `NOT fully isolated ${name}`;
  return [
    `${head}${done.length > 0 ? `: ${done.join(', ')}` : ': every step was already in effect'}.`,
    ...(failed.length > 0 ? [`Failed: ${failed.join('; ')}.`] : []),
  ].join(' ');
}

export class PodContainment implements Methods {
  private readonly now: () => Date;

  constructor(private readonly options: PodContainmentOptions) {
    this.now = options.now ?? (() => new Date());
  }

  planPodIsolation = async (
    { ref, cordon }: { ref: PodRef; cordon: boolean },
    { signal }: CallContext,
  ): Promise<PodIsolationPlan> => {
    const log = await this.log(ref);
    const observed = await observePod(log, { ...ref, clusterId: log.api.clusterId }, { cordon }, signal);
    const plan = buildPodIsolationPlan(observed.facts, { cordon });
    const preflight = await this.preflight(log, observed, plan.steps, cordon, signal);
    return { ...plan, preflight, permitted: preflight.every((check) => check.allowed) };
  };

  isolatePod = async (
    input: { ref: PodRef; caseDir: string; cordon: boolean; dryRun: boolean },
    { signal }: CallContext,
  ): Promise<PodIsolationResult> => {
    const { cordon } = input;
    const log = await this.log(input.ref);
    const ref = { ...input.ref, clusterId: log.api.clusterId };
    const observed = await observePod(log, ref, { cordon }, signal);
    if (input.dryRun) {
      // A preview writes nothing anywhere: no case, no custody; the access reviews change nothing on the cluster.
      const draft = buildPodIsolationPlan(observed.facts, { cordon });
      const preflight = await this.preflight(log, observed, draft.steps, cordon, signal);
      const plan = { ...draft, preflight, permitted: preflight.every((check) => check.allowed) };
      return {
        plan,
        steps: plan.steps.map((step) => ({
          id: step.id,
          phase: step.id.startsWith('collect') ? ('collect' as const) : ('contain' as const),
          action: step.action,
          status: 'planned' as const,
          detail: step.alreadyDone ? `${step.description} — already in effect, would be skipped` : step.description,
        })),
        contained: false,
        dryRun: true,
        summary: `Dry run: nothing was changed and nothing recorded; ${plan.steps.length} steps would run on pod ${ref.namespace}/${ref.name}${plan.permitted ? '' : ', but the preflight found denied verbs'}.`,
      };
    }
    const recorder = await this.open(input.caseDir, this.options.openCase);
    await log.attach(recorder);
    const value = quarantineValue(recorder.caseId);
    const draft = buildPodIsolationPlan(observed.facts, { cordon, quarantineValue: value });
    const run =
      (await recorder.custody()).filter(
        (record) => record.action === 'kubernetes.isolate.start' && record.target.containerId === observed.facts.uid,
      ).length + 1;
    await log.note({
      action: 'kubernetes.isolate.start',
      params: { clusterId: ref.clusterId, namespace: ref.namespace, name: ref.name, cordon, run, plan: draft.steps },
      outcome: 'ok',
    });
    const preflight = await this.preflight(log, observed, draft.steps, cordon, signal);
    const permitted = preflight.every((check) => check.allowed);
    await log.note({
      action: 'kubernetes.isolate.preflight',
      params: {
        checks: preflight.map((check) => ({ access: check.description, allowed: check.allowed, reason: check.reason })),
      },
      outcome: permitted ? 'ok' : 'error',
      detail: permitted
        ? 'every verb allowed'
        : `denied: ${preflight
            .filter((check) => !check.allowed)
            .map((check) => check.description)
            .join(', ')}`,
    });
    const plan: PodIsolationPlan = { ...draft, preflight, permitted };
    if (!permitted) {
      const denied = preflight.filter((check) => !check.allowed);
      const steps = plan.steps.map((step) => ({
        id: step.id,
        phase: step.id.startsWith('collect') ? ('collect' as const) : ('contain' as const),
        action: step.action,
        status: 'skipped' as const,
        detail: `not run: denied ${denied.map((check) => check.description).join(', ')}`,
      }));
      return { plan, steps, contained: false, dryRun: false, summary: summarize(ref, steps, false, false) };
    }
    const steps: StepOutcome[] = [];
    steps.push(await this.recordPod(recorder, log, observed, run));
    steps.push(await this.ensurePolicy(log, ref, observed, signal));
    steps.push(await this.quarantine(log, plan, observed, value, signal));
    if (cordon) steps.push(await this.cordon(log, plan, signal));
    const inEffect = (id: string): boolean => steps.some((step) => step.id === id && step.status !== 'failed');
    const contained =
      inEffect('contain-policy') &&
      inEffect('contain-quarantine') &&
      (!cordon || inEffect('contain-cordon')) &&
      !plan.warnings.some((warning) => warning.includes('removing labels cannot detach'));
    if (log.custodyErrors.length > 0)
      plan.warnings.push(`custody records not written: ${log.custodyErrors.join('; ')}`);
    return { plan, steps, contained, dryRun: false, summary: summarize(ref, steps, contained, true) };
  };

  releasePod = async (
    { ref, caseDir }: { ref: PodRef; caseDir: string },
    { signal }: CallContext,
  ): Promise<PodReleaseResult> => {
    const log = await this.log(ref);
    return new ReleasePodRun(log, { ...ref, clusterId: log.api.clusterId }, this.opener(caseDir)).execute(signal);
  };

  private async log(ref: PodRef): Promise<KubeCallLog> {
    const clusters = await this.options.clusters();
    const api = clusters.get(ref.clusterId);
    return new KubeCallLog(api, { engineId: api.clusterId }, this.now);
  }

  private opener(caseDir: string): () => Promise<CaseRecorder> {
    return () => this.open(caseDir, this.options.openExistingCase);
  }

  private async preflight(
    log: KubeCallLog,
    observed: ObservedPod,
    steps: PodIsolationPlan['steps'],
    cordon: boolean,
    signal: AbortSignal,
  ): Promise<AccessCheck[]> {
    const questions = accessQuestions([
      { id: 'observe', access: observationAccess(observed.facts, cordon) },
      ...steps.filter((step) => !step.alreadyDone || step.id === 'collect-pod'),
    ]);
    return Promise.all(
      questions.map(async (question) => {
        const review = await log.call(
          'kubernetes.access.review',
          { method: 'POST', path: kubePaths.accessReview(), body: selfSubjectAccessReview(question.attributes) },
          SelfSubjectAccessReviewAnswer,
          signal,
          (answer) => `${question.description}: ${answer.parsed.status?.allowed === true ? 'allowed' : 'denied'}`,
        );
        if (!review.ok) {
          return { ...question, allowed: false, reason: `the access review itself failed: ${review.message}` };
        }
        const status = review.answer.parsed.status;
        return {
          ...question,
          allowed: status?.allowed === true,
          reason: status?.evaluationError || status?.reason || (status?.allowed ? 'allowed' : 'no rule allows it'),
        };
      }),
    );
  }

  private async recordPod(
    recorder: CaseRecorder,
    log: KubeCallLog,
    observed: ObservedPod,
    run: number,
  ): Promise<StepOutcome> {
    const { ref, uid } = observed.facts;
    const id = `k8s-isolate-${run}-pod-${uid.replace(/[^a-z0-9]/g, '').slice(0, 12)}`;
    try {
      const item = await recorder.addJson(
        {
          id,
          kind: 'kubernetes-object',
          fileName: `${id}.json`,
          format: 'json',
          source: {
            engineId: ref.clusterId,
            endpoint: log.api.server,
            containerId: uid,
            containerName: `${ref.namespace}/${ref.name}`,
          },
          apiCalls: log.calls.filter((call) => call.path === kubePaths.pod(ref.namespace, ref.name)).slice(0, 1),
          note: 'The pod object before isolation, as the API server sent it (labels restored by release come from here and the custody log)',
        },
        observed.pod.raw,
      );
      return {
        id: 'collect-pod',
        phase: 'collect',
        action: 'record-pod',
        status: 'done',
        detail: `pod object recorded (${item.sha256.slice(0, 12)})`,
        itemId: item.id,
      };
    } catch (error) {
      return {
        id: 'collect-pod',
        phase: 'collect',
        action: 'record-pod',
        status: 'failed',
        detail: error instanceof Error ? error.message : String(error),
      };
    }
  }

  private async ensurePolicy(
    log: KubeCallLog,
    ref: PodRef,
    observed: ObservedPod,
    signal: AbortSignal,
  ): Promise<StepOutcome> {
    const step = { id: 'contain-policy', phase: 'contain' as const, action: 'network-policy' };
    if (observed.facts.policyExists) {
      await log.note({
        action: 'kubernetes.networkpolicy.create',
        outcome: 'skipped',
        detail: 'already exists',
        params: { namespace: ref.namespace },
      });
      return { ...step, status: 'skipped', detail: 'the quarantine NetworkPolicy already exists' };
    }
    const created = await log.call(
      'kubernetes.networkpolicy.create',
      { method: 'POST', path: kubePaths.networkPolicies(ref.namespace), body: quarantinePolicy(ref.namespace) },
      AnyAnswer,
      signal,
      () => 'deny-all NetworkPolicy for quarantined pods created',
      { namespace: ref.namespace },
    );
    if (created.ok)
      return { ...step, status: 'done', detail: `NetworkPolicy holdcell-quarantine created in ${ref.namespace}` };
    if (created.error instanceof KubeApiError && created.error.statusCode === 409) {
      return { ...step, status: 'skipped', detail: 'the quarantine NetworkPolicy was created meanwhile' };
    }
    return { ...step, status: 'failed', detail: created.message };
  }

  private async quarantine(
    log: KubeCallLog,
    plan: PodIsolationPlan,
    observed: ObservedPod,
    value: string,
    signal: AbortSignal,
  ): Promise<StepOutcome> {
    const step = { id: 'contain-quarantine', phase: 'contain' as const, action: 'quarantine-labels' };
    const { ref } = plan;
    const labels = observed.facts.labels;
    const current = labels[QUARANTINE_LABEL];
    if (current !== undefined && current !== value) {
      return {
        ...step,
        status: 'failed',
        detail: `already quarantined by case ${current}: release it from that case first`,
      };
    }
    if (plan.steps.find((entry) => entry.id === 'contain-quarantine')?.alreadyDone) {
      await log.note({
        action: 'kubernetes.pod.quarantine',
        outcome: 'skipped',
        detail: 'already quarantined by this case',
        params: { quarantineValue: value },
      });
      return { ...step, status: 'skipped', detail: 'already quarantined by this case, detached from every selector' };
    }
    // One patch: the quarantine label and the detachment land together, and the tests make it fail rather than
    // remove a label whose value changed since it was read (the recorded value is what release puts back).
    const hasLabels = observed.pod.parsed.metadata.labels !== undefined && observed.pod.parsed.metadata.labels !== null;
    const operations = [
      ...Object.entries(plan.removeLabels).flatMap(([key, old]) => [
        { op: 'test', path: labelPointer(key), value: old },
        { op: 'remove', path: labelPointer(key) },
      ]),
      hasLabels
        ? { op: 'add', path: labelPointer(QUARANTINE_LABEL), value }
        : { op: 'add', path: '/metadata/labels', value: { [QUARANTINE_LABEL]: value } },
    ];
    const patched = await log.call(
      'kubernetes.pod.quarantine',
      {
        method: 'PATCH',
        path: kubePaths.pod(ref.namespace, ref.name),
        body: operations,
        contentType: 'application/json-patch+json',
      },
      AnyAnswer,
      signal,
      () => `labelled ${QUARANTINE_LABEL}=${value}; removed ${Object.keys(plan.removeLabels).join(', ') || 'nothing'}`,
      {
        quarantineValue: value,
        removeLabels: plan.removeLabels,
        previousLabels: labels,
        detachedFrom: plan.detachedFrom,
      },
    );
    if (!patched.ok) return { ...step, status: 'failed', detail: patched.message };
    const removed = Object.keys(plan.removeLabels);
    return {
      ...step,
      status: 'done',
      detail:
        `labelled ${QUARANTINE_LABEL}=${value}` +
        (removed.length > 0
          ? `; removed ${removed.join(', ')}: ${plan.detachedFrom.join(', ')} no longer select it`
          : ''),
    };
  }

  private async cordon(log: KubeCallLog, plan: PodIsolationPlan, signal: AbortSignal): Promise<StepOutcome> {
    const step = { id: 'contain-cordon', phase: 'contain' as const, action: 'cordon' };
    if (plan.node === '') return { ...step, status: 'skipped', detail: 'the pod is on no node' };
    if (plan.steps.find((entry) => entry.id === 'contain-cordon')?.alreadyDone) {
      await log.note({
        action: 'kubernetes.node.cordon',
        outcome: 'skipped',
        detail: 'already unschedulable',
        params: { node: plan.node },
      });
      return { ...step, status: 'skipped', detail: `node ${plan.node} is already cordoned (release will leave it so)` };
    }
    const patched = await log.call(
      'kubernetes.node.cordon',
      {
        method: 'PATCH',
        path: kubePaths.node(plan.node),
        body: { spec: { unschedulable: true } },
        contentType: 'application/strategic-merge-patch+json',
      },
      AnyAnswer,
      signal,
      () => `node ${plan.node} cordoned`,
      { node: plan.node },
    );
    return patched.ok
      ? { ...step, status: 'done', detail: `node ${plan.node} cordoned` }
      : { ...step, status: 'failed', detail: patched.message };
  }

  private async open(caseDir: string, opener: CaseOpener): Promise<CaseRecorder> {
    try {
      return await opener(caseDir);
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
