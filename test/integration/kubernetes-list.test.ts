// Pods listed and watched through the real adapter against the stand-in API server (HTTPS, token, CA, watch stream).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PodChange } from '../../src/capture/common/kubernetes.contract.js';
import { loadKubernetesClusters } from '../../src/capture/node/kubernetes-cluster.js';
import { KubernetesCatalog } from '../../src/capture/node/kubernetes-catalog.js';
import { kubeconfigFiles } from '../../src/capture/node/kubernetes-kubeconfig.js';
import { KubernetesClusters } from '../../src/capture/node/kubernetes-registry.js';
import { KubeApiStandIn } from '../stand-ins/kube-api-server.js';
import { writeKubeconfig } from '../stand-ins/kube-pki.js';
import { SCENE, seedScene } from '../stand-ins/kube-scene.js';
import { runHoldcell } from '../support/holdcell-cli.js';

const context = { signal: new AbortController().signal, progress: () => undefined };

function catalogFor(files: string[]): KubernetesCatalog {
  const { clusters, problems } = loadKubernetesClusters(files);
  const registry = new KubernetesClusters(
    clusters,
    problems.map((problem) => ({ clusterId: problem.file, error: problem.error })),
  );
  return new KubernetesCatalog(async () => registry, { reconnectDelayMs: { first: 50, max: 200 } });
}

async function until<T>(read: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('kubernetes pods against the stand-in API server', () => {
  const standIn = new KubeApiStandIn({ bookmarkMs: 100 });
  let dir: string;
  let kubeconfig: string;

  beforeAll(async () => {
    await standIn.start();
    seedScene(standIn);
    dir = mkdtempSync(join(tmpdir(), 'holdcell-kube-list-'));
    kubeconfig = standIn.kubeconfig(join(dir, 'config'), 'stand-in', 'shop');
  });
  afterAll(async () => {
    await standIn.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('given a kubeconfig with a token and CA, when pods are listed, then each pod carries its risks, node and digests (stand-in)', async () => {
    const listing = await catalogFor([kubeconfig]).listPods({}, context);
    expect(listing.clusters).toEqual([
      expect.objectContaining({
        clusterId: 'stand-in',
        state: 'connected',
        serverVersion: 'v1.31.2-stand-in',
        namespace: 'shop',
      }),
    ]);
    const suspect = listing.pods.find((pod) => pod.name === SCENE.suspect);
    expect(suspect).toMatchObject({ namespace: 'shop', node: 'worker-1', phase: 'Running', serviceAccount: 'web' });
    expect(suspect?.risks.map((risk) => risk.kind).sort()).toEqual(
      ['added-capabilities', 'host-path', 'host-pid', 'privileged', 'root-user', 'service-account-token'].sort(),
    );
    expect(suspect?.containers.find((container) => container.name === 'web')).toMatchObject({
      imageID: `registry.example/shop/web@sha256:${'a'.repeat(64)}`,
      restartCount: 1,
      state: 'running',
    });
    const tame = listing.pods.find((pod) => pod.name === SCENE.tame);
    expect(tame?.risks).toEqual([]);
    // Only reads were made.
    expect(standIn.writes()).toEqual([]);
  });

  it('given KUBECONFIG with several files, a dead context and a broken file, when clusters are listed, then each is reported (stand-in)', async () => {
    const second = writeKubeconfig(join(dir, 'second'), [
      { name: 'gone', server: 'https://127.0.0.1:1', token: 'x', caCert: standIn.caCert },
      // A context that the first file also defines: the first file wins, as with kubectl.
      { name: 'stand-in', server: 'https://127.0.0.1:2', token: 'x', caCert: standIn.caCert },
    ]);
    const broken = join(dir, 'broken');
    writeFileSync(broken, 'clusters: [this is: not: yaml');
    const files = kubeconfigFiles({ KUBECONFIG: [kubeconfig, second, broken, join(dir, 'missing')].join(':') }, ':');
    const statuses = await catalogFor(files).listClusters({}, context);
    const byId = new Map(statuses.map((status) => [status.clusterId, status]));
    expect(byId.get('stand-in')).toMatchObject({ state: 'connected', server: standIn.url });
    expect(byId.get('gone')).toMatchObject({ state: 'unreachable' });
    expect(byId.get('gone')?.error).toMatch(/connection refused/);
    expect(byId.get(broken)?.error).toMatch(/cannot read kubeconfig/);
    expect(byId.has(join(dir, 'missing'))).toBe(false);
  });

  it('given a wrong token, when pods are listed, then the cluster is unreachable with a 401 explanation (stand-in)', async () => {
    const bad = writeKubeconfig(join(dir, 'bad-token'), [
      { name: 'bad', server: standIn.url, token: 'not-the-token', caCert: standIn.caCert },
    ]);
    const listing = await catalogFor([bad]).listPods({}, context);
    expect(listing.clusters[0]?.state).toBe('unreachable');
    expect(listing.clusters[0]?.error).toMatch(/refused the credentials/);
  });

  it('given a watch, when a pod changes, the history is compacted and the watch drops, then the view follows through a relist (stand-in)', async () => {
    const changes: PodChange[] = [];
    const controller = new AbortController();
    const watching = catalogFor([kubeconfig]).watchPods(
      {},
      { signal: controller.signal, emit: (change) => changes.push(change) },
    );
    await until(() => changes.find((change) => change.type === 'snapshot'), 'the first snapshot');

    const pod = standIn.store.get('pods', 'shop', SCENE.tame);
    if (!pod) throw new Error('scene lacks the tame pod');
    pod.metadata['labels'] = { app: 'tame', seen: 'yes' };
    standIn.store.update('pods', pod);
    await until(
      () => changes.find((change) => change.type === 'upsert' && change.pod.name === SCENE.tame),
      'the upsert of the relabelled pod',
    );

    // History compacted and the connection cut: the next watch from the old resourceVersion gets 410 Expired.
    const snapshotsBefore = changes.filter((change) => change.type === 'snapshot').length;
    standIn.store.compact();
    standIn.store.delete('pods', 'shop', SCENE.tame);
    standIn.store.compact();
    standIn.dropWatches();
    await until(
      () => (changes.filter((change) => change.type === 'snapshot').length > snapshotsBefore ? true : undefined),
      'a fresh snapshot after the outage',
    );
    const last = changes.filter((change) => change.type === 'snapshot').at(-1);
    expect(last?.type === 'snapshot' && last.pods.map((entry) => entry.name)).not.toContain(SCENE.tame);
    controller.abort();
    await watching;
  });

  it('given KUBECONFIG, when `holdcell ps --json` runs, then pods and clusters are added beside the unchanged container fields (stand-in)', async () => {
    const run = await runHoldcell(['ps', '--json'], { env: { KUBECONFIG: kubeconfig } });
    const output = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(Object.keys(output)).toEqual(['containers', 'engines', 'pods', 'clusters']);
    const pods = output['pods'] as { namespace: string; name: string; node: string; risks: { kind: string }[] }[];
    expect(pods.map((pod) => `${pod.namespace}/${pod.name}`)).toContain(`shop/${SCENE.suspect}`);
    expect(pods.find((pod) => pod.name === SCENE.suspect)?.node).toBe('worker-1');
    expect(output['clusters']).toEqual([expect.objectContaining({ clusterId: 'stand-in', state: 'connected' })]);

    const text = await runHoldcell(['ps'], { env: { KUBECONFIG: kubeconfig } });
    expect(text.stdout).toMatch(new RegExp(`pod/shop/${SCENE.suspect}\\s+stand-in\\s+worker-1\\s+Running`));
  });
});
