// Shared arrangement for the Kubernetes integration tests: the stand-in API server with its scene, a case store, clusters.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKubernetesClusters } from '../../src/capture/node/kubernetes-cluster.js';
import { KubernetesClusters } from '../../src/capture/node/kubernetes-registry.js';
import { CaseStore } from '../../src/forensics/node/case-store.js';
import { KubeApiStandIn, type StandInOptions } from '../stand-ins/kube-api-server.js';
import { seedScene } from '../stand-ins/kube-scene.js';

export interface KubeRig {
  standIn: KubeApiStandIn;
  dir: string;
  kubeconfig: string;
  cases: CaseStore;
  clusters: () => Promise<KubernetesClusters>;
  suspectPid: number;
  close(): Promise<void>;
}

export const callContext = () => ({ signal: new AbortController().signal, progress: () => undefined });

export async function startKubeRig(options: StandInOptions = {}): Promise<KubeRig> {
  const standIn = new KubeApiStandIn(options);
  await standIn.start();
  const { suspectPid } = seedScene(standIn);
  const dir = mkdtempSync(join(tmpdir(), 'holdcell-kube-rig-'));
  const kubeconfig = standIn.kubeconfig(join(dir, 'kubeconfig'), 'stand-in', 'shop');
  const cases = new CaseStore({
    casesRoot: join(dir, 'cases'),
    operator: 'responder-k8s',
    toolVersion: 'holdcell test',
  });
  const { clusters } = loadKubernetesClusters([kubeconfig]);
  const registry = new KubernetesClusters(clusters);
  return {
    standIn,
    dir,
    kubeconfig,
    cases,
    clusters: async () => registry,
    suspectPid,
    close: async () => {
      await standIn.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `read` returns a value (the stand-in's kubelet and controller act asynchronously, like real ones). */
export async function eventually<T>(read: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
