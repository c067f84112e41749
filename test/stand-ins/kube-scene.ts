// Stand-in cluster scene: a compromised Deployment pod and a tame pod, shaped like real API answers (kubectl get -o json).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeApiStandIn } from './kube-api-server.js';

export const SCENE = {
  namespace: 'shop',
  node: 'worker-1',
  suspect: 'web-7d9f8b6c5d-x2k4p',
  replicaSet: 'web-7d9f8b6c5d',
  tame: 'tame-0',
  suspectLabels: { app: 'web', tier: 'frontend', 'pod-template-hash': '7d9f8b6c5d', team: 'payments' },
} as const;

const RS_UID = '5f0c2a4e-9d1b-4b6e-8a43-0c7e2d6b9f10';
const DEPLOY_UID = 'a3b1c9d2-7e45-4f60-9b21-3d8e5f7a1c24';
const TOKEN_VOLUME = {
  name: 'kube-api-access-8x7kq',
  projected: {
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { items: [{ key: 'ca.crt', path: 'ca.crt' }], name: 'kube-root-ca.crt' } },
      {
        downwardAPI: {
          items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }],
        },
      },
    ],
  },
};
const TOKEN_MOUNT = {
  mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
  name: TOKEN_VOLUME.name,
  readOnly: true,
};

function node(name: string, controlPlane: boolean): Record<string, unknown> {
  return {
    metadata: {
      name,
      uid: `node-${name}`,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        ...(controlPlane ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
      creationTimestamp: '2026-11-01T09:00:00Z',
    },
    spec: { podCIDR: '10.244.1.0/24', providerID: `kind://docker/kind/${name}` },
    status: {
      addresses: [
        { type: 'InternalIP', address: '172.18.0.2' },
        { type: 'Hostname', address: name },
      ],
      nodeInfo: {
        architecture: 'amd64',
        containerRuntimeVersion: 'containerd://1.7.18',
        kernelVersion: '6.1.0-27-amd64',
        kubeletVersion: 'v1.31.2',
        operatingSystem: 'linux',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
      },
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
    },
  };
}

function containerStatus(name: string, image: string, digest: string, restarts: number): Record<string, unknown> {
  return {
    containerID: `containerd://${digest.slice(0, 12)}${'0'.repeat(52)}`,
    image,
    imageID: `${image.split(':')[0] ?? image}@sha256:${digest}`,
    lastState:
      restarts > 0 ? { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: '2026-11-20T07:59:00Z' } } : {},
    name,
    ready: true,
    restartCount: restarts,
    started: true,
    state: { running: { startedAt: '2026-11-20T08:00:00Z' } },
  };
}

/** Seeds the scene and starts the suspect's processes; returns the suspect container's real pid. */
export function seedScene(standIn: KubeApiStandIn): { suspectPid: number } {
  const { namespace, suspect, replicaSet, tame } = SCENE;
  standIn.seed('nodes', node(SCENE.node, false));
  standIn.seed('nodes', node('control-plane', true));
  standIn.seed('deployments', {
    metadata: {
      name: 'web',
      namespace,
      uid: DEPLOY_UID,
      labels: { app: 'web' },
      creationTimestamp: '2026-11-19T10:00:00Z',
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: {} },
    },
  });
  const template = {
    metadata: { labels: { app: 'web', tier: 'frontend', 'pod-template-hash': '7d9f8b6c5d' } },
    spec: {
      containers: [{ name: 'web', image: 'registry.example/shop/web:2.4.1', volumeMounts: [TOKEN_MOUNT] }],
      serviceAccountName: 'web',
      volumes: [TOKEN_VOLUME],
    },
  };
  standIn.seed('replicasets', {
    metadata: {
      name: replicaSet,
      namespace,
      uid: RS_UID,
      labels: { app: 'web', 'pod-template-hash': '7d9f8b6c5d' },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: 'web',
          uid: DEPLOY_UID,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      creationTimestamp: '2026-11-19T10:00:00Z',
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web', 'pod-template-hash': '7d9f8b6c5d' } },
      template,
    },
  });
  standIn.seed('pods', {
    metadata: {
      name: suspect,
      generateName: `${replicaSet}-`,
      namespace,
      uid: '0e6f3c1a-2b7d-4c8e-9f10-a1b2c3d4e5f6',
      labels: { ...SCENE.suspectLabels },
      annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-20T07:58:00Z' },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: replicaSet,
          uid: RS_UID,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      creationTimestamp: '2026-11-20T07:58:01Z',
    },
    spec: {
      containers: [
        {
          name: 'web',
          image: 'registry.example/shop/web:2.4.1',
          imagePullPolicy: 'IfNotPresent',
          securityContext: { privileged: true, capabilities: { add: ['NET_ADMIN', 'SYS_PTRACE'] } },
          volumeMounts: [{ mountPath: '/host/etc', name: 'host-etc' }, TOKEN_MOUNT],
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
        },
        {
          name: 'metrics',
          image: 'registry.example/shop/metrics:0.9',
          securityContext: { runAsUser: 65534 },
          volumeMounts: [TOKEN_MOUNT],
        },
      ],
      dnsPolicy: 'ClusterFirst',
      enableServiceLinks: true,
      hostPID: true,
      nodeName: SCENE.node,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      serviceAccount: 'web',
      serviceAccountName: 'web',
      terminationGracePeriodSeconds: 30,
      tolerations: [
        { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
      ],
      volumes: [{ name: 'host-etc', hostPath: { path: '/etc', type: 'Directory' } }, TOKEN_VOLUME],
    },
    status: {
      phase: 'Running',
      hostIP: '172.18.0.2',
      podIP: '10.244.1.5',
      podIPs: [{ ip: '10.244.1.5' }],
      qosClass: 'BestEffort',
      startTime: '2026-11-20T07:58:01Z',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-11-20T08:00:00Z' }],
      containerStatuses: [
        containerStatus('metrics', 'registry.example/shop/metrics:0.9', 'b'.repeat(64), 0),
        containerStatus('web', 'registry.example/shop/web:2.4.1', 'a'.repeat(64), 1),
      ],
    },
  });
  standIn.seed('pods', {
    metadata: {
      name: tame,
      namespace,
      uid: '7a7a7a7a-1111-2222-3333-444455556666',
      labels: { app: 'tame' },
      creationTimestamp: '2026-11-18T12:00:00Z',
    },
    spec: {
      automountServiceAccountToken: false,
      containers: [
        {
          name: 'tame',
          image: 'registry.example/tame:1',
          securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false },
        },
      ],
      nodeName: SCENE.node,
      serviceAccountName: 'default',
    },
    status: {
      phase: 'Running',
      containerStatuses: [containerStatus('tame', 'registry.example/tame:1', 'c'.repeat(64), 0)],
    },
  });
  standIn.seed('services', {
    metadata: { name: 'web', namespace, uid: 'svc-web', creationTimestamp: '2026-11-19T10:00:00Z' },
    spec: {
      selector: { app: 'web' },
      ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }],
      type: 'ClusterIP',
      clusterIP: '10.96.12.34',
    },
  });
  standIn.seed('services', {
    metadata: { name: 'frontend', namespace, uid: 'svc-frontend', creationTimestamp: '2026-11-19T10:00:00Z' },
    spec: {
      selector: { tier: 'frontend' },
      ports: [{ port: 443, protocol: 'TCP' }],
      type: 'ClusterIP',
      clusterIP: '10.96.12.35',
    },
  });
  standIn.seed('services', {
    metadata: { name: 'manual', namespace, uid: 'svc-manual', creationTimestamp: '2026-11-19T10:00:00Z' },
    spec: { ports: [{ port: 9000, protocol: 'TCP' }], type: 'ClusterIP' },
  });
  standIn.seed('events', {
    metadata: { name: `${suspect}.17f9a2b3c4d5e6f7`, namespace },
    involvedObject: {
      apiVersion: 'v1',
      kind: 'Pod',
      name: suspect,
      namespace,
      uid: '0e6f3c1a-2b7d-4c8e-9f10-a1b2c3d4e5f6',
      fieldPath: 'spec.containers{web}',
    },
    reason: 'BackOff',
    message: 'Back-off restarting failed container web in pod web-7d9f8b6c5d-x2k4p_shop',
    type: 'Warning',
    count: 3,
    firstTimestamp: '2026-11-20T07:59:00Z',
    lastTimestamp: '2026-11-20T07:59:40Z',
    source: { component: 'kubelet', host: SCENE.node },
    reportingComponent: 'kubelet',
    reportingInstance: SCENE.node,
  });
  standIn.seed('events', {
    metadata: { name: 'tame-0.1', namespace },
    involvedObject: {
      apiVersion: 'v1',
      kind: 'Pod',
      name: tame,
      namespace,
      uid: '7a7a7a7a-1111-2222-3333-444455556666',
    },
    reason: 'Pulled',
    message: 'Container image already present on machine',
    type: 'Normal',
    count: 1,
  });
  standIn.seed('serviceaccounts', {
    metadata: { name: 'web', namespace, uid: 'sa-web', creationTimestamp: '2026-11-19T10:00:00Z' },
  });
  standIn.seed('roles', {
    metadata: { name: 'web-reader', namespace },
    rules: [{ apiGroups: [''], resources: ['secrets', 'configmaps'], verbs: ['get', 'list'] }],
  });
  standIn.seed('rolebindings', {
    metadata: { name: 'web-reader', namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'web-reader' },
    subjects: [{ kind: 'ServiceAccount', name: 'web', namespace }],
  });
  standIn.seed('rolebindings', {
    metadata: { name: 'unrelated', namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'web-reader' },
    subjects: [{ kind: 'ServiceAccount', name: 'other', namespace }],
  });
  standIn.seed('clusterroles', {
    metadata: { name: 'node-reader' },
    rules: [{ apiGroups: [''], resources: ['nodes', 'pods'], verbs: ['get', 'list', 'watch'] }],
  });
  standIn.seed('clusterrolebindings', {
    metadata: { name: 'web-node-reader' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'node-reader' },
    subjects: [{ kind: 'ServiceAccount', name: 'web', namespace }],
  });
  const runtime = standIn.runtime;
  runtime.setLogs(
    namespace,
    suspect,
    'web',
    'GET /healthz 200\nPOST /upload 201\n',
    'GET /healthz 200\nkilled: out of memory\n',
  );
  runtime.setLogs(namespace, suspect, 'metrics', 'scrape ok\n');
  const root = runtime.rootfs(namespace, suspect, 'web');
  mkdirSync(join(root, 'etc'), { recursive: true });
  mkdirSync(join(root, 'tmp', '.x'), { recursive: true });
  writeFileSync(join(root, 'etc', 'hostname'), `${suspect}\n`);
  writeFileSync(join(root, 'tmp', '.x', 'miner'), Buffer.from('\x7fELF stand-in payload'));
  // A real process stands for the suspect container, so a tracer attaches to real syscalls.
  const suspectPid = runtime.start(namespace, suspect, 'web', [
    'sh',
    '-c',
    'while :; do cat /etc/hostname > /dev/null; sleep 0.1; done',
  ]);
  return { suspectPid };
}
