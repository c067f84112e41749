// Pod snapshot through the real adapter against the stand-in API server: objects, logs, RBAC, checkpoint or its fallback.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PodSnapshots } from '../../src/capture/node/kubernetes-snapshot.js';
import { SCENE } from '../stand-ins/kube-scene.js';
import { runHoldcell } from '../support/holdcell-cli.js';
import { callContext, startKubeRig, type KubeRig } from './kubernetes-support.js';

const ref = { clusterId: 'stand-in', namespace: SCENE.namespace, name: SCENE.suspect };
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('pod snapshot against the stand-in API server', () => {
  let rig: KubeRig;
  let snapshots: PodSnapshots;

  beforeAll(async () => {
    rig = await startKubeRig();
    snapshots = new PodSnapshots({
      clusters: rig.clusters,
      openCase: rig.cases.openOrCreate,
      helperImage: 'holdcell-test/tracer:1',
    });
  });
  afterAll(async () => rig.close());

  it('given the checkpoint API, when snapshotting, then objects, logs, RBAC and each container checkpoint are hashed items (stand-in)', async () => {
    rig.standIn.checkpointMode = 'enabled';
    const caseDir = join(rig.dir, 'snap-checkpoint');
    const result = await snapshots.snapshotPod({ ref, caseDir, suspectTar: false }, callContext());
    expect(result.complete).toBe(true);
    expect(result.checkpoint.method).toBe('kubelet-checkpoint');
    const ids = result.items.map((item) => item.id.replace(/^k8s-snap1-web-7d9f8b6c5d-x2k4p-/, ''));
    expect(ids).toEqual([
      'pod',
      'node-worker-1',
      'owner-replicaset-web-7d9f8b6c5d',
      'owner-deployment-web',
      'events',
      'logs-web',
      'logs-web-previous',
      'logs-metrics',
      'image-digests',
      'serviceaccount-web',
      'rbac-namespace-bindings-web',
      'rbac-role-web-reader-namespace',
      'rbac-cluster-bindings-web',
      'rbac-clusterrole-node-reader-cluster',
      'checkpoint-web',
      'checkpoint-metrics',
    ]);
    const byId = (suffix: string) => result.items.find((item) => item.id.endsWith(`-${suffix}`));
    const recorder = await rig.cases.open(caseDir);
    const read = (suffix: string) => readFileSync(join(recorder.caseDir, byId(suffix)?.path ?? 'missing'));

    expect(read('logs-web-previous').toString()).toContain('killed: out of memory');
    expect(read('logs-web').toString()).toMatch(/^2026-11-20T08:00:00\.000000000Z GET \/healthz 200/);
    const bindings = JSON.parse(read('rbac-namespace-bindings-web').toString()) as {
      items: { metadata: { name: string } }[];
    };
    expect(bindings.items.map((item) => item.metadata.name)).toEqual(['web-reader']);
    const digests = JSON.parse(read('image-digests').toString()) as { containers: { name: string; digest: string }[] };
    expect(digests.containers.find((entry) => entry.name === 'web')?.digest).toBe(`sha256:${'a'.repeat(64)}`);
    const events = JSON.parse(read('events').toString()) as { items: { reason: string }[] };
    expect(events.items.map((event) => event.reason)).toEqual(['BackOff']);

    // The archive in the case is byte for byte the one the kubelet wrote on the node.
    const nodeDir = join(rig.standIn.runtime.nodeRoot('worker-1'), 'var/lib/kubelet/checkpoints');
    const onNode = readdirSync(nodeDir).find((file) => file.startsWith(`checkpoint-${SCENE.suspect}_shop-web-`));
    expect(onNode).toBeDefined();
    const checkpoint = byId('checkpoint-web');
    expect(checkpoint).toMatchObject({
      kind: 'other',
      format: 'tar',
      complete: true,
      flags: ['kubelet-checkpoint', 'read-through-node-helper-pod'],
    });
    expect(checkpoint?.sha256).toBe(sha256(readFileSync(join(nodeDir, onNode ?? ''))));
    const listing = execFileSync('tar', ['-tf', join(recorder.caseDir, checkpoint?.path ?? '')], { encoding: 'utf8' });
    expect(listing).toContain('./rootfs-diff.tar');

    // The helper pod ran pinned to the node with the hostPath read-only, nothing else, and is gone.
    const created = rig.standIn.requests.find(
      (entry) => entry.method === 'POST' && entry.path === '/api/v1/namespaces/shop/pods',
    );
    const helper = created?.body as { metadata: { name: string }; spec: Record<string, unknown> };
    expect(helper.spec).toMatchObject({
      nodeName: 'worker-1',
      automountServiceAccountToken: false,
      volumes: [{ name: 'checkpoints', hostPath: { path: '/var/lib/kubelet/checkpoints', type: 'Directory' } }],
      containers: [
        expect.objectContaining({
          volumeMounts: [{ name: 'checkpoints', mountPath: '/checkpoints', readOnly: true }],
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          },
        }),
      ],
    });
    expect(rig.standIn.store.get('pods', 'shop', helper.metadata.name)).toBeUndefined();
    expect(
      rig.standIn.runtime.commands.filter((entry) => entry.container === 'reader').map((entry) => entry.command[0]),
    ).toEqual(['cat', 'cat']);

    const verified = await runHoldcell(['verify', caseDir]);
    expect(verified.code).toBe(0);
  });

  it('given the ContainerCheckpoint feature gate off, when snapshotting, then the note says exactly why and no archive is taken (stand-in)', async () => {
    rig.standIn.checkpointMode = 'feature-gate-off';
    const result = await snapshots.snapshotPod(
      { ref, caseDir: join(rig.dir, 'snap-gate'), suspectTar: false },
      callContext(),
    );
    expect(result.checkpoint.method).toBe('none');
    expect(result.checkpoint.notes[0]?.note).toMatch(
      /the kubelet \(v1\.31\.2\) has no checkpoint endpoint: its ContainerCheckpoint feature gate is off/,
    );
    expect(result.checkpoint.notes[0]?.note).toMatch(/--suspect-tar/);
    expect(result.items.some((item) => item.format === 'tar')).toBe(false);
    expect(result.complete).toBe(true);
  });

  it("given a runtime without checkpoint support and --suspect-tar over v4.channel.k8s.io, when snapshotting, then the suspect's tar is kept with its caveat (stand-in)", async () => {
    rig.standIn.checkpointMode = 'runtime-unsupported';
    rig.standIn.execProtocol = 'v4.channel.k8s.io';
    try {
      const caseDir = join(rig.dir, 'snap-tar');
      const result = await snapshots.snapshotPod({ ref, caseDir, suspectTar: true }, callContext());
      expect(result.checkpoint.method).toBe('suspect-tar');
      expect(result.checkpoint.notes[0]?.note).toMatch(
        /containerd:\/\/1\.7\.18\) does not implement CheckpointContainer/,
      );
      const archive = result.items.find((item) => item.id.endsWith('-suspect-tar-web'));
      expect(archive).toMatchObject({
        kind: 'filesystem-export',
        format: 'tar',
        complete: true,
        flags: ['acquired-through-suspect-tar'],
      });
      expect(archive?.note).toMatch(/^CAVEAT: acquired through the suspect's own tar/);
      const listing = execFileSync('tar', ['-tf', join((await rig.cases.open(caseDir)).caseDir, archive?.path ?? '')], {
        encoding: 'utf8',
      });
      expect(listing.split('\n')).toContain('./tmp/.x/miner');
      const custody = await (await rig.cases.open(caseDir)).custody();
      expect(custody.find((record) => record.action === 'kubernetes.suspect.exec-tar')?.params['path']).toMatch(
        /\/exec\?container=web&stdout=true&stderr=true&command=tar/,
      );
    } finally {
      rig.standIn.execProtocol = 'v5.channel.k8s.io';
    }
  });

  it('given the exec socket drops mid-archive, when snapshotting with --suspect-tar, then the partial archive is kept and marked incomplete (stand-in)', async () => {
    rig.standIn.checkpointMode = 'feature-gate-off';
    rig.standIn.cutExecAfterBytes = 3000;
    try {
      const result = await snapshots.snapshotPod(
        { ref, caseDir: join(rig.dir, 'snap-cut'), suspectTar: true },
        callContext(),
      );
      const archive = result.items.find((item) => item.id.endsWith('-suspect-tar-web'));
      expect(archive?.complete).toBe(false);
      expect(archive?.bytes).toBe(3000);
      expect(archive?.incompleteReason).toMatch(/without a status/);
      expect(result.complete).toBe(false);
    } finally {
      rig.standIn.cutExecAfterBytes = undefined;
    }
  });

  it('given the CLI, when `holdcell snapshot pod/…` runs where checkpoints are off, then it says why per container and exits 0 (stand-in)', async () => {
    rig.standIn.checkpointMode = 'feature-gate-off';
    const run = await runHoldcell(['snapshot', `pod/shop/${SCENE.suspect}`, '--case', join(rig.dir, 'snap-cli')], {
      env: { KUBECONFIG: rig.kubeconfig },
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/checkpoint web: no checkpoint: the kubelet \(v1\.31\.2\) has no checkpoint endpoint/);
    expect(run.stdout).toMatch(/Preserved pod shop\/web-7d9f8b6c5d-x2k4p: 14 items/);
  });
});
