// Pod risk badges from the spec alone: privileged, hostPath, host namespaces, capabilities, root, token, runtime socket.
import { describe, expect, it } from 'vitest';
import { Pod } from '../../src/capture/common/kubernetes-objects.js';
import { assessPodRisks, containerRunsAsRoot, tokenMounted } from '../../src/capture/common/kubernetes-risk.js';

function pod(spec: Record<string, unknown>): Pod {
  return Pod.parse({ metadata: { name: 'p', namespace: 'n' }, spec: { containers: [{ name: 'c' }], ...spec } });
}

const kinds = (value: Pod): string[] => assessPodRisks(value).map((risk) => risk.kind);

describe('pod risks', () => {
  it('given a pod that sets nothing, when assessed, then it may run as root and nothing else is flagged', () => {
    expect(kinds(pod({}))).toEqual(['root-user']);
  });

  it('given runAsNonRoot on the pod or a non-zero runAsUser on the container, when assessed, then root is not flagged', () => {
    expect(kinds(pod({ securityContext: { runAsNonRoot: true } }))).toEqual([]);
    expect(kinds(pod({ containers: [{ name: 'c', securityContext: { runAsUser: 1000 } }] }))).toEqual([]);
  });

  it('given runAsUser 0 on a container overriding a non-root pod, when assessed, then that container is named as root', () => {
    const value = pod({
      securityContext: { runAsUser: 1000 },
      containers: [{ name: 'ok' }, { name: 'bad', securityContext: { runAsUser: 0 } }],
    });
    const root = assessPodRisks(value).find((risk) => risk.kind === 'root-user');
    expect(root?.detail).toBe('May run as root: bad (runAsUser 0)');
    expect(containerRunsAsRoot(value.spec, value.spec.containers[0]!)).toEqual({ root: false, why: 'runAsUser 1000' });
  });

  it('given every host-reaching setting, when assessed, then each has its badge in a stable order', () => {
    const value = pod({
      hostNetwork: true,
      hostPID: true,
      hostIPC: true,
      securityContext: { runAsNonRoot: true },
      containers: [
        { name: 'a', securityContext: { privileged: true, capabilities: { add: ['SYS_ADMIN', 'NET_ADMIN'] } } },
      ],
      ephemeralContainers: [{ name: 'debugger', securityContext: { capabilities: { add: ['SYS_PTRACE'] } } }],
      volumes: [{ name: 'sock', hostPath: { path: '/run/containerd/containerd.sock', type: 'Socket' } }],
    });
    expect(kinds(value)).toEqual([
      'privileged',
      'host-network',
      'host-pid',
      'host-ipc',
      'host-path',
      'docker-socket',
      'added-capabilities',
    ]);
    expect(assessPodRisks(value).find((risk) => risk.kind === 'added-capabilities')?.detail).toBe(
      'Added capabilities: NET_ADMIN, SYS_ADMIN, SYS_PTRACE',
    );
  });

  it('given the admission-injected projected token volume, when assessed, then the token badge names the account', () => {
    const value = pod({
      securityContext: { runAsNonRoot: true },
      serviceAccountName: 'web',
      volumes: [{ name: 'kube-api-access-1', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }],
    });
    expect(assessPodRisks(value)).toEqual([
      {
        kind: 'service-account-token',
        detail: 'Service-account token in the pod: token of web mounted (volume kube-api-access-1)',
      },
    ]);
  });

  it('given automount off, or a legacy token secret, when assessed, then the token state follows the spec', () => {
    expect(tokenMounted(pod({ automountServiceAccountToken: false }).spec).mounted).toBe(false);
    expect(tokenMounted(pod({ automountServiceAccountToken: true }).spec).mounted).toBe(true);
    expect(
      tokenMounted(pod({ volumes: [{ name: 't', secret: { secretName: 'default-token-ab12c' } }] }).spec).mounted,
    ).toBe(true);
  });
});
