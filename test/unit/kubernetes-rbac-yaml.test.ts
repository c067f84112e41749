// The shipped RBAC (deploy/kubernetes/holdcell-rbac.yaml) grants every verb the isolate preflight asks about, and
// every verb snapshot and capture use, so a responder bound to it never meets a denial HoldCell could have foreseen.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  accessQuestions,
  buildPodIsolationPlan,
  observationAccess,
} from '../../src/capture/common/kubernetes-isolation.js';
import type { AccessAttributes } from '../../src/capture/common/kubernetes-rbac.js';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** Reads the rules of every ClusterRole (the file writes each list in flow style: ['a', 'b']). */
function clusterRoleRules(text: string): Map<string, Rule[]> {
  const roles = new Map<string, Rule[]>();
  const list = (line: string | undefined): string[] =>
    [...(line ?? '').matchAll(/'([^']*)'/g)].map((match) => match[1] ?? '');
  for (const document of text.split(/^---$/m)) {
    if (!/^kind: ClusterRole$/m.test(document)) continue;
    const name = /^ {2}name: (\S+)$/m.exec(document)?.[1] ?? '';
    const lines = document.split('\n');
    const rules: Rule[] = [];
    lines.forEach((line, index) => {
      if (!line.startsWith('  - apiGroups:')) return;
      rules.push({ apiGroups: list(line), resources: list(lines[index + 1]), verbs: list(lines[index + 2]) });
    });
    roles.set(name, rules);
  }
  return roles;
}

const grants = (rules: readonly Rule[], access: AccessAttributes): boolean => {
  const resource = access.subresource ? `${access.resource}/${access.subresource}` : access.resource;
  return rules.some(
    (rule) =>
      rule.apiGroups.includes(access.group) && rule.resources.includes(resource) && rule.verbs.includes(access.verb),
  );
};

const core = (verb: string, resource: string, subresource?: string): AccessAttributes => ({
  verb,
  group: '',
  resource,
  ...(subresource ? { subresource } : {}),
});

describe('the shipped RBAC', () => {
  const roles = clusterRoleRules(
    readFileSync(new URL('../../deploy/kubernetes/holdcell-rbac.yaml', import.meta.url), 'utf8'),
  );
  const responder = roles.get('holdcell-responder') ?? [];
  const acquisition = roles.get('holdcell-acquisition') ?? [];

  it('given a Deployment pod isolated with cordon, when its preflight is computed, then the responder role allows every question', () => {
    const facts = {
      ref: { clusterId: 'c', namespace: 'shop', name: 'p' },
      uid: 'u',
      node: 'n',
      labels: { app: 'web' },
      selecting: [{ what: 'ReplicaSet r', selector: { matchLabels: { app: 'web' } } }],
      ownerResources: [
        { group: 'apps', resource: 'replicasets' },
        { group: 'apps', resource: 'deployments' },
        { group: 'apps', resource: 'statefulsets' },
        { group: 'apps', resource: 'daemonsets' },
        { group: 'batch', resource: 'jobs' },
        { group: 'batch', resource: 'cronjobs' },
      ],
      policyExists: false,
      nodeUnschedulable: false,
      warnings: [],
    };
    const plan = buildPodIsolationPlan(facts, { cordon: true });
    const questions = accessQuestions([{ id: 'observe', access: observationAccess(facts, true) }, ...plan.steps]);
    expect(questions.length).toBeGreaterThan(8);
    expect(questions.filter((question) => !grants(responder, question.attributes)).map((q) => q.description)).toEqual(
      [],
    );
  });

  it('given snapshot, release and capture, when their calls are listed, then the two roles together allow each', () => {
    const needed: AccessAttributes[] = [
      core('get', 'pods', 'log'),
      core('patch', 'pods', 'ephemeralcontainers'),
      core('list', 'events'),
      core('get', 'serviceaccounts'),
      core('list', 'pods'),
      core('watch', 'pods'),
      { verb: 'delete', group: 'networking.k8s.io', resource: 'networkpolicies' },
      { verb: 'list', group: 'rbac.authorization.k8s.io', resource: 'rolebindings' },
      { verb: 'list', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' },
      { verb: 'get', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
      { verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' },
    ];
    expect(needed.filter((access) => !grants(responder, access))).toEqual([]);
    const acquiring = [
      core('create', 'nodes', 'proxy'),
      core('create', 'pods'),
      core('delete', 'pods'),
      core('create', 'pods', 'exec'),
    ];
    expect(acquiring.filter((access) => !grants(acquisition, access))).toEqual([]);
    // The powerful verbs stay out of the everyday role.
    expect(acquiring.filter((access) => grants(responder, access))).toEqual([]);
  });
});
