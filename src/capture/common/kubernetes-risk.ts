// Risk badges of a pod, from its spec alone: what would let its processes reach the node or the cluster's API.
import type { Risk } from './containers.js';
import type { Pod, PodContainer } from './kubernetes-objects.js';

// A container runtime socket on a hostPath gives the pod the node's runtime, hence the node.
const RUNTIME_SOCKET = /(^|\/)(docker|containerd|crio|podman|cri-dockerd)\.sock$/;
const RUNTIME_DIRECTORIES = new Set(['/var/run', '/run', '/var/run/docker', '/run/containerd', '/var/run/containerd']);

type PodSpec = Pod['spec'];

/** Every container that runs code in the pod: regular, init and ephemeral (a debug container can be the attacker's). */
export function allContainers(spec: PodSpec): PodContainer[] {
  return [...spec.containers, ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])];
}

/**
 * Whether a container may run as uid 0. Container settings override the pod's; runAsNonRoot makes the kubelet
 * refuse a root start, so it counts as not root. With neither set, the image decides (root unless it says otherwise).
 */
export function containerRunsAsRoot(spec: PodSpec, container: PodContainer): { root: boolean; why: string } {
  const runAsUser = container.securityContext?.runAsUser ?? spec.securityContext?.runAsUser;
  const runAsNonRoot = container.securityContext?.runAsNonRoot ?? spec.securityContext?.runAsNonRoot;
  if (runAsUser === 0) return { root: true, why: 'runAsUser 0' };
  if (typeof runAsUser === 'number') return { root: false, why: `runAsUser ${runAsUser}` };
  if (runAsNonRoot === true) return { root: false, why: 'runAsNonRoot' };
  return { root: true, why: "no runAsNonRoot and no runAsUser: the image's user, root unless the image sets one" };
}

/** The service-account token is in the pod when a projected token volume exists or automount was not turned off. */
export function tokenMounted(spec: PodSpec): { mounted: boolean; why: string } {
  const projected = (spec.volumes ?? []).find((volume) =>
    (volume.projected?.sources ?? []).some((source) => source.serviceAccountToken),
  );
  const account = spec.serviceAccountName ?? 'default';
  if (projected) return { mounted: true, why: `token of ${account} mounted (volume ${projected.name})` };
  if (spec.automountServiceAccountToken === false) return { mounted: false, why: 'automount off' };
  if (spec.automountServiceAccountToken === true)
    return { mounted: true, why: `automountServiceAccountToken: true (${account})` };
  // Absent on both: the service account's own setting decides, which defaults to mounting.
  const legacy = (spec.volumes ?? []).find((volume) => /-token-[a-z0-9]{5}$/.test(volume.secret?.secretName ?? ''));
  if (legacy) return { mounted: true, why: `token secret of ${account} mounted (volume ${legacy.name})` };
  return { mounted: false, why: 'no token volume' };
}

export function assessPodRisks(pod: Pod): Risk[] {
  const spec = pod.spec;
  const containers = allContainers(spec);
  const risks: Risk[] = [];
  const privileged = containers.filter((container) => container.securityContext?.privileged === true);
  if (privileged.length > 0) {
    const names = privileged.map((container) => container.name).join(', ');
    risks.push({ kind: 'privileged', detail: `Privileged: ${names} (all capabilities and the node's devices)` });
  }
  if (spec.hostNetwork === true)
    risks.push({ kind: 'host-network', detail: "hostNetwork: the node's network namespace" });
  if (spec.hostPID === true) risks.push({ kind: 'host-pid', detail: "hostPID: sees and signals the node's processes" });
  if (spec.hostIPC === true) risks.push({ kind: 'host-ipc', detail: "hostIPC: the node's IPC namespace" });
  const root = containers
    .map((container) => ({ name: container.name, ...containerRunsAsRoot(spec, container) }))
    .filter((entry) => entry.root);
  if (root.length > 0) {
    risks.push({
      kind: 'root-user',
      detail: `May run as root: ${root.map((entry) => `${entry.name} (${entry.why})`).join(', ')}`,
    });
  }
  const hostPaths = (spec.volumes ?? []).flatMap((volume) =>
    volume.hostPath ? [{ name: volume.name, path: volume.hostPath.path }] : [],
  );
  if (hostPaths.length > 0) {
    risks.push({
      kind: 'host-path',
      detail: `hostPath volumes: ${hostPaths.map((entry) => `${entry.path} (${entry.name})`).join(', ')}`,
    });
  }
  const sockets = hostPaths.filter(
    (entry) => RUNTIME_SOCKET.test(entry.path) || RUNTIME_DIRECTORIES.has(entry.path.replace(/\/+$/, '')),
  );
  if (sockets.length > 0) {
    risks.push({
      kind: 'docker-socket',
      detail: `Container runtime socket on a hostPath: ${sockets.map((entry) => entry.path).join(', ')}`,
    });
  }
  const added = [
    ...new Set(containers.flatMap((container) => container.securityContext?.capabilities?.add ?? [])),
  ].sort();
  if (added.length > 0) risks.push({ kind: 'added-capabilities', detail: `Added capabilities: ${added.join(', ')}` });
  const token = tokenMounted(spec);
  if (token.mounted)
    risks.push({ kind: 'service-account-token', detail: `Service-account token in the pod: ${token.why}` });
  return risks;
}
