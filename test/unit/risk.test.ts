// Risk badges come from a container's configuration: what would let its processes reach the host.
import { describe, expect, it } from 'vitest';
import { DockerContainerInspect } from '../../src/capture/common/docker-inspect.js';
import { assessRisks, runsAsRoot } from '../../src/capture/common/risk.js';

function inspectWith(overrides: { User?: string; HostConfig?: Record<string, unknown>; Mounts?: unknown[] | null }) {
  return DockerContainerInspect.parse({
    Id: 'a'.repeat(64),
    Name: '/suspect',
    Created: '2026-11-22T10:00:00.123456789Z',
    Image: `sha256:${'b'.repeat(64)}`,
    State: { Status: 'running', Pid: 42 },
    Config: { Image: 'nginx:1.27', User: overrides.User ?? 'www-data' },
    HostConfig: { NetworkMode: 'bridge', PidMode: '', IpcMode: 'private', CapAdd: null, ...overrides.HostConfig },
    Mounts: overrides.Mounts === undefined ? [] : overrides.Mounts,
  });
}

const kinds = (inspect: ReturnType<typeof inspectWith>) => assessRisks(inspect).map((risk) => risk.kind);

describe('risk badges', () => {
  it('given a tame container (non-root, bridge network, no mounts), then it has no badges', () => {
    expect(kinds(inspectWith({}))).toEqual([]);
  });

  it('given a privileged container sharing host network, PID and IPC, then each is badged', () => {
    expect(
      kinds(inspectWith({ HostConfig: { Privileged: true, NetworkMode: 'host', PidMode: 'host', IpcMode: 'host' } })),
    ).toEqual(['privileged', 'host-network', 'host-pid', 'host-ipc']);
  });

  it('given the user forms that mean root, then "runs as root" is badged; other users are not', () => {
    for (const user of ['', '0', 'root', '0:0', 'root:wheel', ' 0 ']) expect(runsAsRoot(user), user).toBe(true);
    for (const user of ['1000', 'nobody', '65534:65534', 'rootless', '10']) expect(runsAsRoot(user), user).toBe(false);
    expect(assessRisks(inspectWith({ User: '' }))[0]?.detail).toContain('No user set');
  });

  it('given a runtime socket or its directory mounted, then "docker socket" is badged with where', () => {
    const socket = assessRisks(
      inspectWith({
        Mounts: [{ Type: 'bind', Source: '/var/run/docker.sock', Destination: '/var/run/docker.sock', RW: true }],
      }),
    );
    expect(socket.map((risk) => risk.kind)).toEqual(['docker-socket']);
    expect(socket[0]?.detail).toContain('/var/run/docker.sock → /var/run/docker.sock');
    expect(
      kinds(inspectWith({ Mounts: [{ Source: '/run/containerd/containerd.sock', Destination: '/c.sock' }] })),
    ).toEqual(['docker-socket']);
    expect(kinds(inspectWith({ Mounts: [{ Source: '/var/run/', Destination: '/host-run' }] }))).toEqual([
      'docker-socket',
    ]);
    expect(kinds(inspectWith({ Mounts: [{ Source: '/srv/data', Destination: '/data' }] }))).toEqual([]);
    expect(kinds(inspectWith({ Mounts: null }))).toEqual([]);
  });

  it('given added capabilities, then they are badged and listed in a stable order', () => {
    const risks = assessRisks(inspectWith({ HostConfig: { CapAdd: ['SYS_PTRACE', 'NET_ADMIN'] } }));
    expect(risks).toEqual([{ kind: 'added-capabilities', detail: 'Added capabilities: NET_ADMIN, SYS_PTRACE' }]);
  });

  it('given inspect JSON missing what HoldCell relies on, then validation refuses it', () => {
    expect(DockerContainerInspect.safeParse({ Id: 'not-an-id' }).success).toBe(false);
  });
});
