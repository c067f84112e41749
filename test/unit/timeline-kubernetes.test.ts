// Kubernetes on the time axis: real API server audit events (Falco's test corpus), Event lists and Pod status.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyAttackRules } from '../../src/forensics/common/attack-mapping.js';
import { kubernetesDocument, kubernetesEvents } from '../../src/forensics/common/timeline-kubernetes.js';

const REF = { itemId: 'k8s-audit-1', sha256: 'f'.repeat(64), engineId: 'kind-prod' };
const audit = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/k8s-audit/${name}`, import.meta.url), 'utf8'));

describe('Kubernetes audit events', () => {
  it('given an exec into a pod, then it is who, what and when the API server received it, with the command, and T1609', () => {
    const { events, problems } = kubernetesEvents(audit('exec_pod.json'), REF, 'line 3');
    expect(problems).toEqual([]);
    const event = applyAttackRules(events[0] as (typeof events)[number]);
    expect(event).toMatchObject({
      source: 'kubernetes-audit',
      kind: 'k8s.audit.create',
      at: '2018-10-26T13:38:34.867116000Z',
      summary: 'minikube-user create pods/exec default/nginx-deployment-7998647bdf-phvq7 → 101',
      subject: { process: 'bash' },
      attributes: { subresource: 'exec', user: 'minikube-user', sourceIPs: '192.168.99.1', decision: 'allow' },
      techniques: ['T1609'],
      evidence: { itemId: 'k8s-audit-1', locator: 'line 3' },
    });
  });

  it('given an attach to a pod, then it maps to T1609 as well', () => {
    const event = applyAttackRules(kubernetesEvents(audit('attach_pod.json'), REF, 'line 1').events[0] as never);
    expect(event.techniques).toEqual(['T1609']);
  });

  it('given a privileged pod created and an unprivileged one, then only the privileged one is T1610', () => {
    const privileged = applyAttackRules(
      kubernetesEvents(audit('create_nginx_pod_privileged.json'), REF, 'line 1').events[0] as never,
    );
    const plain = applyAttackRules(
      kubernetesEvents(audit('create_nginx_pod_unprivileged.json'), REF, 'line 2').events[0] as never,
    );
    expect(privileged.attributes['privileged']).toBe(true);
    expect(privileged.techniques).toEqual(['T1610']);
    expect(plain.attributes['privileged']).toBeUndefined();
    expect(plain.techniques).toEqual([]);
  });

  it('given a cluster role binding created, then it is an audit event without a technique (no rule claims it)', () => {
    const event = applyAttackRules(
      kubernetesEvents(audit('create_clusterrolebinding.json'), REF, 'line 1').events[0] as never,
    );
    expect(event.kind).toBe('k8s.audit.create');
    expect(event.summary).toContain('clusterrolebindings some-reader-binding');
    expect(event.techniques).toEqual([]);
  });
});

/** An EventList and a Pod as the Kubernetes API returns them (constructed from the v1 API reference shapes). */
const EVENT_LIST = {
  kind: 'EventList',
  apiVersion: 'v1',
  metadata: { resourceVersion: '4711' },
  items: [
    {
      metadata: { name: 'web-7d9c.17a1', namespace: 'shop', creationTimestamp: '2026-11-23T01:20:00Z' },
      involvedObject: { kind: 'Pod', namespace: 'shop', name: 'web-7d9c', fieldPath: 'spec.containers{web}' },
      reason: 'BackOff',
      message: 'Back-off restarting failed container',
      source: { component: 'kubelet', host: 'node-1' },
      firstTimestamp: '2026-11-23T01:20:00Z',
      lastTimestamp: '2026-11-23T01:25:00Z',
      count: 7,
      type: 'Warning',
    },
    { metadata: { name: 'broken' }, reason: 'Pulled', type: 'Normal', involvedObject: { kind: 'Pod', name: 'x' } },
  ],
};

const POD = {
  kind: 'Pod',
  apiVersion: 'v1',
  metadata: { name: 'web-7d9c', namespace: 'shop', creationTimestamp: '2026-11-23T01:00:00Z' },
  spec: { nodeName: 'node-1' },
  status: {
    startTime: '2026-11-23T01:00:02Z',
    containerStatuses: [
      {
        name: 'web',
        image: 'nginx:1.27',
        restartCount: 1,
        containerID: 'containerd://0123abcd',
        state: { running: { startedAt: '2026-11-23T01:10:00Z' } },
        lastState: {
          terminated: {
            exitCode: 137,
            reason: 'OOMKilled',
            startedAt: '2026-11-23T01:00:03Z',
            finishedAt: '2026-11-23T01:09:59Z',
          },
        },
      },
    ],
  },
};

describe('Kubernetes events and pods', () => {
  it('given an EventList, then each event is at its first occurrence with count and last time, and a timeless one is a problem', () => {
    expect(kubernetesDocument(EVENT_LIST)).toBe('list');
    const { events, problems } = kubernetesEvents(EVENT_LIST, REF, 'document');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      source: 'kubernetes',
      kind: 'k8s.event.BackOff',
      at: '2026-11-23T01:20:00.000000000Z',
      summary: 'Warning BackOff on Pod shop/web-7d9c: Back-off restarting failed container',
      attributes: { count: 7, lastTimestamp: '2026-11-23T01:25:00Z', node: 'node-1' },
      evidence: { locator: 'document item 0' },
    });
    expect(problems).toEqual(['k8s-audit-1 document item 1: Kubernetes event without a usable time']);
  });

  it("given a Pod, then its creation, start and each container's runs (the OOM-killed one included) are events", () => {
    const { events } = kubernetesEvents(POD, REF, 'document');
    expect(events.map((event) => [event.kind, event.at.slice(11, 19)])).toEqual([
      ['k8s.pod.created', '01:00:00'],
      ['k8s.pod.started', '01:00:02'],
      ['k8s.container.started', '01:10:00'],
      ['k8s.container.started', '01:00:03'],
      ['k8s.container.terminated', '01:09:59'],
    ]);
    expect(events[4]?.summary).toBe('container web of pod shop/web-7d9c terminated (OOMKilled) with exit code 137');
    expect(events[4]?.subject.containerId).toBe('0123abcd');
  });
});
