// Risk badges derived from a container's configuration: what would let its processes reach the host.
import type { DockerContainerInspect } from './docker-inspect.js';
import type { Risk } from './containers.js';

// A mounted runtime socket gives the container full control of the engine, hence of the host.
const RUNTIME_SOCKET = /(^|\/)(docker|containerd|crio|podman|cri-dockerd)\.sock$/;
const RUNTIME_DIRECTORIES = new Set(['/var/run', '/run', '/var/run/docker', '/run/containerd', '/var/run/containerd']);

/** Config.User is "", "0", "root", "0:0", "root:root" … for root; the image default applies when empty. */
export function runsAsRoot(user: string): boolean {
  const name = user.split(':')[0]?.trim() ?? '';
  return name === '' || name === '0' || name === 'root';
}

export function assessRisks(inspect: DockerContainerInspect): Risk[] {
  const risks: Risk[] = [];
  const host = inspect.HostConfig;
  if (host.Privileged)
    risks.push({ kind: 'privileged', detail: 'Runs --privileged: all capabilities and host devices' });
  if (host.NetworkMode === 'host') risks.push({ kind: 'host-network', detail: "Shares the host's network namespace" });
  if (host.PidMode === 'host') risks.push({ kind: 'host-pid', detail: "Shares the host's PID namespace" });
  if (host.IpcMode === 'host') risks.push({ kind: 'host-ipc', detail: "Shares the host's IPC namespace" });
  if (runsAsRoot(inspect.Config.User)) {
    const detail =
      inspect.Config.User === '' ? 'No user set: processes run as root (uid 0)' : `Runs as ${inspect.Config.User}`;
    risks.push({ kind: 'root-user', detail });
  }
  const sockets = inspect.Mounts.filter(
    (mount) =>
      RUNTIME_SOCKET.test(mount.Source) ||
      RUNTIME_SOCKET.test(mount.Destination) ||
      RUNTIME_DIRECTORIES.has(mount.Source.replace(/\/+$/, '')),
  );
  if (sockets.length > 0) {
    const detail = sockets.map((mount) => `${mount.Source} → ${mount.Destination}`).join(', ');
    risks.push({ kind: 'docker-socket', detail: `Container runtime socket mounted: ${detail}` });
  }
  if (host.CapAdd.length > 0) {
    risks.push({ kind: 'added-capabilities', detail: `Added capabilities: ${[...host.CapAdd].sort().join(', ')}` });
  }
  return risks;
}
