// Pod containment through the real adapter against the stand-in API server: preflight, isolate, idempotence, release.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PodContainment } from '../../src/capture/node/kubernetes-containment.js';
import type { KubeObject } from '../stand-ins/kube-store.js';
import { SCENE } from '../stand-ins/kube-scene.js';
import { runHoldcell } from '../support/holdcell-cli.js';
import { callContext, startKubeRig, type KubeRig } from './kubernetes-support.js';

const ref = { clusterId: 'stand-in', namespace: SCENE.namespace, name: SCENE.suspect };
const tameRef = { ...ref, name: SCENE.tame };

describe('pod isolation against the stand-in API server', () => {
  let rig: KubeRig;
  let containment: PodContainment;
  let caseA: string;
  let caseB: string;

  const pod = (name: string): KubeObject | undefined => rig.standIn.store.get('pods', SCENE.namespace, name);
  const labels = (name: string) => pod(name)?.metadata['labels'] as Record<string, string> | undefined;

  beforeAll(async () => {
    rig = await startKubeRig();
    containment = new PodContainment({
      clusters: rig.clusters,
      openCase: rig.cases.openOrCreate,
      openExistingCase: (dir) => rig.cases.open(dir),
    });
    caseA = join(rig.dir, 'case-a');
    caseB = join(rig.dir, 'case-b');
  });
  afterAll(async () => rig.close());

  it('given a Deployment pod behind two Services, when the isolation is planned, then every step, label and verb is listed and nothing changes (stand-in)', async () => {
    const plan = await containment.planPodIsolation({ ref, cordon: true }, callContext());
    expect(plan.removeLabels).toEqual({ app: 'web', 'pod-template-hash': '7d9f8b6c5d', tier: 'frontend' });
    expect(plan.detachedFrom).toEqual([
      'ReplicaSet web-7d9f8b6c5d',
      'Deployment web',
      // Services in the order the API server lists them (by name).
      'Service frontend',
      'Service web',
    ]);
    expect(plan.steps.map((step) => step.action)).toEqual([
      'record-pod',
      'network-policy',
      'quarantine-labels',
      'cordon',
    ]);
    expect(plan.preflight.map((check) => check.description)).toEqual([
      'list services -n shop',
      'get networkpolicies.networking.k8s.io -n shop',
      'get replicasets.apps -n shop',
      'get deployments.apps -n shop',
      'get nodes',
      'get pods -n shop',
      'create networkpolicies.networking.k8s.io -n shop',
      'patch pods -n shop',
      'patch nodes',
    ]);
    expect(plan.permitted).toBe(true);
    expect(rig.standIn.writes()).toEqual([]);
  });

  it('given the context may not patch pods, when isolating, then the preflight names the denied verb and nothing is changed (stand-in)', async () => {
    rig.standIn.denials = [{ verb: 'patch', resource: 'pods', namespace: 'shop' }];
    try {
      const result = await containment.isolatePod({ ref, caseDir: caseA, cordon: false, dryRun: false }, callContext());
      expect(result.plan.permitted).toBe(false);
      expect(result.contained).toBe(false);
      const denied = result.plan.preflight.filter((check) => !check.allowed);
      expect(denied.map((check) => [check.description, check.steps])).toEqual([
        ['patch pods -n shop', ['contain-quarantine']],
      ]);
      expect(result.steps.every((step) => step.status === 'skipped')).toBe(true);
      expect(result.summary).toMatch(/nothing was changed/);
      expect(rig.standIn.writes()).toEqual([]);
      const custody = await (await rig.cases.open(caseA)).custody();
      expect(custody.find((record) => record.action === 'kubernetes.isolate.preflight')).toMatchObject({
        outcome: 'error',
        detail: 'denied: patch pods -n shop',
      });
    } finally {
      rig.standIn.denials = [];
    }
  });

  it('given permission, when isolating with cordon, then the pod is quarantined, detached (a replacement starts) and every call is in custody (stand-in)', async () => {
    const before = rig.standIn.requests.length;
    const result = await containment.isolatePod({ ref, caseDir: caseA, cordon: true, dryRun: false }, callContext());
    expect(result.steps.map((step) => [step.action, step.status])).toEqual([
      ['record-pod', 'done'],
      ['network-policy', 'done'],
      ['quarantine-labels', 'done'],
      ['cordon', 'done'],
    ]);
    expect(result.contained).toBe(true);
    const recorder = await rig.cases.open(caseA);
    expect(labels(SCENE.suspect)).toEqual({ team: 'payments', 'holdcell.io/quarantine': recorder.caseId });

    const policy = rig.standIn.store.get('networkpolicies', 'shop', 'holdcell-quarantine');
    expect(policy?.['spec']).toEqual({
      podSelector: { matchExpressions: [{ key: 'holdcell.io/quarantine', operator: 'Exists' }] },
      policyTypes: ['Ingress', 'Egress'],
    });
    expect(
      (rig.standIn.store.get('nodes', undefined, 'worker-1')?.['spec'] as { unschedulable?: boolean }).unschedulable,
    ).toBe(true);
    // The ReplicaSet released the suspect (it survives for forensics) and started a replacement.
    expect(pod(SCENE.suspect)?.metadata['ownerReferences']).toEqual([]);
    const replacement = rig.standIn.store
      .list('pods', 'shop')
      .find((entry) => entry.metadata.name.startsWith(`${SCENE.replicaSet}-`) && entry.metadata.name !== SCENE.suspect);
    expect(replacement?.metadata['labels']).toMatchObject({ app: 'web', tier: 'frontend' });

    // Every request HoldCell sent is a custody record with the same method, path and status.
    const sent = rig.standIn.requests
      .slice(before)
      .map((entry) => `${entry.method} ${entry.path} ${String(entry.status)}`);
    const custody = await recorder.custody();
    const recorded = custody
      .filter((record) => typeof record.params['path'] === 'string' && typeof record.params['status'] === 'number')
      .slice(-sent.length)
      .map(
        (record) =>
          `${String(record.params['method'])} ${String(record.params['path'])} ${String(record.params['status'])}`,
      );
    expect(recorded.sort()).toEqual(sent.sort());
    const quarantine = custody.find(
      (record) => record.action === 'kubernetes.pod.quarantine' && record.outcome === 'ok',
    );
    expect(quarantine?.params['previousLabels']).toEqual(SCENE.suspectLabels);
    const items = await recorder.items();
    expect(items.find((item) => item.id === result.steps[0]?.itemId)).toMatchObject({
      kind: 'kubernetes-object',
      complete: true,
    });
  });

  it('given an isolated pod, when isolate runs again, then every step is skipped and nothing is written to the cluster (stand-in)', async () => {
    const writesBefore = rig.standIn.writes().length;
    const again = await containment.isolatePod({ ref, caseDir: caseA, cordon: true, dryRun: false }, callContext());
    expect(again.steps.map((step) => step.status)).toEqual(['done', 'skipped', 'skipped', 'skipped']);
    expect(again.contained).toBe(true);
    expect(rig.standIn.writes().length).toBe(writesBefore);
  });

  it('given a second case quarantining another pod, when the first case releases, then labels come back exactly and the shared policy stays (stand-in)', async () => {
    const other = await containment.isolatePod(
      { ref: tameRef, caseDir: caseB, cordon: false, dryRun: false },
      callContext(),
    );
    expect(other.steps.find((step) => step.action === 'network-policy')?.status).toBe('skipped');

    const released = await containment.releasePod({ ref, caseDir: caseA }, callContext());
    expect(released.steps.map((step) => [step.action, step.status])).toEqual([
      ['restore-labels', 'done'],
      ['network-policy', 'skipped'],
      ['uncordon', 'done'],
    ]);
    expect(released.released).toBe(true);
    expect(labels(SCENE.suspect)).toEqual(SCENE.suspectLabels);
    expect(released.steps[1]?.detail).toMatch(/still quarantining tame-0/);
    expect(rig.standIn.store.get('networkpolicies', 'shop', 'holdcell-quarantine')).toBeDefined();
    expect(
      (rig.standIn.store.get('nodes', undefined, 'worker-1')?.['spec'] as { unschedulable?: boolean }).unschedulable,
    ).toBe(false);

    const twice = await containment.releasePod({ ref, caseDir: caseA }, callContext());
    expect(twice.steps.map((step) => step.status)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(twice.summary).toMatch(/nothing left to undo/);
  });

  it('given the only remaining quarantined pod, when its case releases, then the policy goes only if that case created it (stand-in)', async () => {
    const released = await containment.releasePod({ ref: tameRef, caseDir: caseB }, callContext());
    expect(released.steps.find((step) => step.action === 'network-policy')?.detail).toMatch(/did not create/);
    expect(labels(SCENE.tame)).toEqual({ app: 'tame' });
    await expect(containment.releasePod({ ref: tameRef, caseDir: caseA }, callContext())).rejects.toThrow(
      /records no isolation/,
    );
  });

  it('given a dry run, when isolating, then the plan comes back and neither the cluster nor any case is touched (stand-in)', async () => {
    const writes = rig.standIn.writes().length;
    const dry = await containment.isolatePod(
      { ref, caseDir: join(rig.dir, 'never-created'), cordon: false, dryRun: true },
      callContext(),
    );
    expect(dry.dryRun).toBe(true);
    expect(dry.steps.every((step) => step.status === 'planned')).toBe(true);
    expect(rig.standIn.writes().length).toBe(writes);
    await expect(rig.cases.open(join(rig.dir, 'never-created'))).rejects.toThrow();
  });

  it('given the CLI, when `holdcell isolate pod/… --dry-run` and then a real isolate and release run, then exit codes and output follow (stand-in)', async () => {
    const env = { KUBECONFIG: rig.kubeconfig, HOLDCELL_CASES: join(rig.dir, 'cli-cases') };
    const target = `pod/${SCENE.namespace}/${SCENE.suspect}`;
    const dry = await runHoldcell(['isolate', target, '--case', 'cli-case', '--dry-run', '--cordon', '--json'], {
      env,
    });
    expect(dry.code).toBe(0);
    const plan = JSON.parse(dry.stdout) as {
      dryRun: boolean;
      plan: { ref: { clusterId: string }; permitted: boolean };
    };
    expect(plan).toMatchObject({ dryRun: true, plan: { ref: { clusterId: 'stand-in' }, permitted: true } });

    const isolated = await runHoldcell(['isolate', target, '--case', 'cli-case', '--context', 'stand-in'], { env });
    expect(isolated.stderr).toBe('');
    expect(isolated.code).toBe(0);
    expect(isolated.stdout).toMatch(/patch pods -n shop\s+yes\s+contain-quarantine/);
    expect(isolated.stdout).toMatch(/Isolated pod shop\/web-7d9f8b6c5d-x2k4p/);

    const released = await runHoldcell(['release', target, '--case', 'cli-case'], { env });
    expect(released.code).toBe(0);
    expect(released.stdout).toMatch(/Released pod shop\/web-7d9f8b6c5d-x2k4p/);
    expect(labels(SCENE.suspect)).toEqual(SCENE.suspectLabels);

    const unknown = await runHoldcell(['isolate', target, '--case', 'cli-case', '--context', 'nope'], { env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No kubeconfig context "nope"/);
  });
});
