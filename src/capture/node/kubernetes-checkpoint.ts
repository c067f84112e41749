// Forensic container checkpointing through the kubelet, the archive read back by a short-lived node-pinned helper
// pod, and the fallback: the suspect's own tar over exec, flagged as such. Nothing is ever extracted anywhere.
import type { ManifestItem } from '../../forensics/common/case-model.js';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../common/kubernetes-labels.js';
import { AnyAnswer, CheckpointAnswer, Pod, type Node } from '../common/kubernetes-objects.js';
import { kubePaths } from '../common/kubernetes-pods.js';
import { KubeApiError } from './kubernetes-api.js';
import { execOutput, slug, type PodEvidence } from './kubernetes-evidence.js';

/** What the kubelet names its archives: checkpoint-<pod>_<namespace>-<container>-<RFC 3339 time>.tar. */
const ARCHIVE_NAME = /^checkpoint-[A-Za-z0-9._:+-]+\.tar$/;
const CHECKPOINT_DIR = '/var/lib/kubelet/checkpoints';
const HELPER_MOUNT = '/checkpoints';
const HELPER_READY_MS = 120_000;

export const SUSPECT_TAR_FLAG = 'acquired-through-suspect-tar';
export const SUSPECT_TAR_CAVEAT =
  "CAVEAT: acquired through the suspect's own tar: a compromised container can lie to, replace or subvert its tar " +
  'binary, and the archive holds only what that tar chose to read. Corroborate with a kubelet checkpoint or the ' +
  "node's view of the container's filesystem.";
/** The suspect's tar, told not to wander into pseudo-filesystems; it writes to stdout, nothing lands on the node. */
export const SUSPECT_TAR_COMMAND = [
  'tar',
  '-c',
  '-f',
  '-',
  '--exclude=./proc',
  '--exclude=./sys',
  '--exclude=./dev',
  '-C',
  '/',
  '.',
];

export interface CheckpointOptions {
  /** Tools image of the helper pod (needs `cat`). */
  helperImage: string;
  signal: AbortSignal;
}

export type CheckpointAttempt =
  { ok: true; item: ManifestItem; note: string } | { ok: false; why: string; checkpointTaken?: string };

/** Exactly why the kubelet did not checkpoint, from its answer and the node's versions. */
export function explainCheckpointRefusal(
  error: unknown,
  node: Node | undefined,
  explain: (error: unknown) => string,
): string {
  const kubelet = node?.status?.nodeInfo?.kubeletVersion ?? 'unknown';
  const runtime = node?.status?.nodeInfo?.containerRuntimeVersion ?? 'unknown';
  if (!(error instanceof KubeApiError)) return `the checkpoint request failed: ${explain(error)}`;
  const body = `${error.apiStatus?.message ?? ''} ${error.bodyText}`;
  if (error.statusCode === 403) {
    return 'forbidden: this context may not create nodes/proxy, the API server path to the kubelet checkpoint endpoint';
  }
  if (error.statusCode === 404 && /404 page not found/.test(body)) {
    return (
      `the kubelet (${kubelet}) has no checkpoint endpoint: its ContainerCheckpoint feature gate is off ` +
      '(alpha and off by default in 1.25–1.29, beta and on by default from 1.30) or it is older than 1.25'
    );
  }
  if (/Unimplemented|not implemented|unknown method CheckpointContainer/i.test(body) || error.statusCode === 501) {
    return (
      `the container runtime (${runtime}) does not implement CheckpointContainer: CRI-O needs enable_criu_support = true ` +
      'and CRIU on the node; containerd needs 2.0 or later and CRIU on the node'
    );
  }
  return `the kubelet refused the checkpoint (${error.statusCode}): ${body.trim().slice(0, 300)}`;
}

function helperPod(
  name: string,
  namespace: string,
  node: string,
  image: string,
  caseId: string,
): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY, 'holdcell.io/role': 'checkpoint-reader', 'holdcell.io/case': caseId },
    },
    spec: {
      nodeName: node,
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      activeDeadlineSeconds: 900,
      // Pinned by nodeName (no scheduler), and allowed onto the cordoned or tainted node the suspect runs on.
      tolerations: [{ operator: 'Exists' }],
      // uid 0 without capabilities: the archives are root-owned 0600, read as their owner, nothing more.
      securityContext: { runAsUser: 0, runAsNonRoot: false, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'reader',
          image,
          command: ['sleep', '900'],
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          },
          resources: { limits: { cpu: '250m', memory: '64Mi' } },
          volumeMounts: [{ name: 'checkpoints', mountPath: HELPER_MOUNT, readOnly: true }],
        },
      ],
      volumes: [{ name: 'checkpoints', hostPath: { path: CHECKPOINT_DIR, type: 'Directory' } }],
    },
  };
}

async function sleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, milliseconds);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** POST the kubelet checkpoint, then stream the archive back through a helper pod on that node (hashed while written). */
export async function checkpointContainer(
  evidence: PodEvidence,
  node: { name: string; object: Node | undefined },
  container: { name: string; imageId?: string },
  options: CheckpointOptions,
): Promise<CheckpointAttempt> {
  const { log, ref } = evidence;
  const requested = await log.call(
    'kubernetes.checkpoint.create',
    { method: 'POST', path: kubePaths.checkpoint(node.name, ref.namespace, ref.name, container.name) },
    CheckpointAnswer,
    options.signal,
    (answer) => `kubelet wrote ${answer.parsed.items.join(', ')}`,
    { container: container.name },
  );
  if (!requested.ok)
    return {
      ok: false,
      why: explainCheckpointRefusal(requested.error, node.object, (error) => log.api.explainFailure(error)),
    };
  const kubeletPath = requested.answer.parsed.items[0] ?? '';
  const file = kubeletPath.slice(kubeletPath.lastIndexOf('/') + 1);
  if (!kubeletPath.startsWith(`${CHECKPOINT_DIR}/`) || !ARCHIVE_NAME.test(file)) {
    return {
      ok: false,
      why: `the kubelet named an archive HoldCell will not read: ${kubeletPath.slice(0, 200)}`,
      checkpointTaken: kubeletPath,
    };
  }
  const helperName = `holdcell-ckpt-${slug(ref.name).slice(0, 30)}-${Math.random().toString(36).slice(2, 7)}`;
  const created = await log.call(
    'kubernetes.helper.create',
    {
      method: 'POST',
      path: kubePaths.pods(ref.namespace),
      body: helperPod(helperName, ref.namespace, node.name, options.helperImage, evidence.recorder.caseId),
    },
    AnyAnswer,
    options.signal,
    () => `helper pod ${helperName} on ${node.name}`,
  );
  if (!created.ok)
    return {
      ok: false,
      why: `the checkpoint was written to ${kubeletPath} on ${node.name}, but the helper pod could not be created: ${created.message}`,
      checkpointTaken: kubeletPath,
    };
  try {
    const ready = await waitRunning(evidence, helperName, options.signal);
    if (ready !== true)
      return {
        ok: false,
        why: `the checkpoint is on ${node.name} at ${kubeletPath}; the helper pod did not start: ${ready}`,
        checkpointTaken: kubeletPath,
      };
    const command = ['cat', `${HELPER_MOUNT}/${file}`];
    const session = await log.api.exec(ref.namespace, helperName, 'reader', command, options.signal);
    const at = new Date().toISOString();
    let exitNote = '';
    const item = await evidence.stream(
      evidence.spec(`checkpoint-${container.name}`, 'other', 'tar', 'tar', {
        container: container.name,
        ...(container.imageId ? { imageDigest: container.imageId } : {}),
        flags: ['kubelet-checkpoint', 'read-through-node-helper-pod'],
        note:
          `Kubelet checkpoint (CRIU) of container ${container.name}, written by the kubelet on ${node.name} at ${kubeletPath} ` +
          `and read back unchanged by helper pod ${helperName} (cat over exec, hostPath mounted read-only). ` +
          'The archive stays on the node until someone removes it.',
        apiCalls: [requested.apiCall, { method: 'GET', path: session.path, at, status: 101 }],
      }),
      execOutput(
        session,
        (code) => code === 0,
        (outcome) => {
          exitNote = outcome.statusReceived ? `exit ${String(outcome.exitCode)}` : outcome.message;
        },
      ),
      options.signal,
    );
    log.track({ method: 'GET', path: session.path, at, status: 101 });
    await log.note({
      action: 'kubernetes.helper.exec',
      params: { method: 'GET', path: session.path, status: 101, command, pod: helperName },
      outcome: item.complete ? 'ok' : 'error',
      detail: `${exitNote}; ${item.bytes} bytes, sha256 ${item.sha256}`,
      sha256: item.sha256,
    });
    return { ok: true, item, note: `checkpoint ${kubeletPath} read through helper pod ${helperName}` };
  } finally {
    await log.call(
      'kubernetes.helper.delete',
      { method: 'DELETE', path: `${kubePaths.pod(ref.namespace, helperName)}?gracePeriodSeconds=0` },
      AnyAnswer,
      new AbortController().signal,
      () => `helper pod ${helperName} deleted`,
    );
  }
}

async function waitRunning(evidence: PodEvidence, name: string, signal: AbortSignal): Promise<true | string> {
  const deadline = Date.now() + HELPER_READY_MS;
  let last = 'not yet observed';
  while (Date.now() < deadline && !signal.aborted) {
    try {
      const answer = await evidence.log.api.call(
        { method: 'GET', path: kubePaths.pod(evidence.ref.namespace, name) },
        Pod,
        signal,
      );
      const status = answer.parsed.status;
      const running = status?.containerStatuses?.find((entry) => entry.name === 'reader')?.state?.running;
      if (status?.phase === 'Running' && running) {
        evidence.log.track({
          method: 'GET',
          path: kubePaths.pod(evidence.ref.namespace, name),
          at: new Date().toISOString(),
          status: answer.status,
        });
        return true;
      }
      const waiting = status?.containerStatuses?.find((entry) => entry.name === 'reader')?.state?.waiting;
      last = `${status?.phase ?? 'Pending'}${waiting?.reason ? ` (${waiting.reason})` : ''}`;
      if (status?.phase === 'Failed' || status?.phase === 'Succeeded') return `it ended: ${last}`;
    } catch (error) {
      last = evidence.log.api.explainFailure(error);
    }
    await sleep(200, signal);
  }
  return signal.aborted ? 'cancelled' : `not running after ${HELPER_READY_MS / 1000} s: ${last}`;
}

/** The fallback: the container's filesystem as its own tar writes it to stdout, flagged and caveated. */
export async function suspectTar(
  evidence: PodEvidence,
  container: { name: string; imageId?: string },
  why: string,
  signal: AbortSignal,
): Promise<ManifestItem> {
  const { log, ref } = evidence;
  const session = await log.api.exec(ref.namespace, ref.name, container.name, SUSPECT_TAR_COMMAND, signal);
  const at = new Date().toISOString();
  let outcome = '';
  const item = await evidence.stream(
    evidence.spec(`suspect-tar-${container.name}`, 'filesystem-export', 'tar', 'tar', {
      container: container.name,
      ...(container.imageId ? { imageDigest: container.imageId } : {}),
      flags: [SUSPECT_TAR_FLAG],
      note: `${SUSPECT_TAR_CAVEAT} No kubelet checkpoint was possible: ${why}. Command: ${SUSPECT_TAR_COMMAND.join(' ')}`,
      apiCalls: [{ method: 'GET', path: session.path, at, status: 101 }],
    }),
    // GNU tar exits 1 when a file changed while it was read: the archive is whole, the note says so.
    execOutput(
      session,
      (code) => code === 0 || code === 1,
      (result) => {
        outcome = result.statusReceived
          ? `exit ${String(result.exitCode)}${result.stderr ? `: ${result.stderr.trim().slice(0, 200)}` : ''}`
          : result.message;
      },
    ),
    signal,
  );
  log.track({ method: 'GET', path: session.path, at, status: 101 });
  await log.note({
    action: 'kubernetes.suspect.exec-tar',
    params: { method: 'GET', path: session.path, status: 101, command: SUSPECT_TAR_COMMAND, container: container.name },
    outcome: item.complete ? 'ok' : 'error',
    detail: `${outcome}; ${item.bytes} bytes, sha256 ${item.sha256}`,
    sha256: item.sha256,
  });
  return item;
}
