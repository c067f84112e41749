// Pod isolation as data: the facts observed on the cluster, the steps they call for and the access each step needs.
import type { PodIsolationPlan, PodRef, PodStep } from './kubernetes.contract.js';
import {
  MANAGED_BY,
  MANAGED_BY_LABEL,
  planDetachment,
  QUARANTINE_LABEL,
  QUARANTINE_POLICY,
  type SelectingObject,
} from './kubernetes-labels.js';
import { describeAccess, type AccessAttributes } from './kubernetes-rbac.js';

export interface PodIsolationFacts {
  ref: PodRef;
  uid: string;
  node: string;
  labels: Readonly<Record<string, string>>;
  /** Owners (controller chain) and Services whose selectors may select the pod. */
  selecting: SelectingObject[];
  /** API group + plural of each owner read while observing, for the preflight. */
  ownerResources: { group: string; resource: string }[];
  policyExists: boolean;
  /** The node's spec.unschedulable, when it was read. */
  nodeUnschedulable: boolean | undefined;
  warnings: string[];
}

export interface IsolationChoices {
  cordon: boolean;
  /** The case's quarantine label value; unknown in a preview (no case opened). */
  quarantineValue?: string;
}

const access = (verb: string, resource: string, namespace?: string, group = ''): AccessAttributes => ({
  verb,
  group,
  resource,
  ...(namespace === undefined ? {} : { namespace }),
});

/** The NetworkPolicy HoldCell creates once per namespace: every pod carrying the quarantine label, no rules = deny all. */
export function quarantinePolicy(namespace: string): Record<string, unknown> {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: QUARANTINE_POLICY,
      namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
      annotations: {
        'holdcell.io/purpose':
          'Deny all ingress and egress for pods labelled holdcell.io/quarantine (incident containment)',
      },
    },
    spec: {
      podSelector: { matchExpressions: [{ key: QUARANTINE_LABEL, operator: 'Exists' }] },
      policyTypes: ['Ingress', 'Egress'],
    },
  };
}

export function buildPodIsolationPlan(
  facts: PodIsolationFacts,
  choices: IsolationChoices,
): Omit<PodIsolationPlan, 'preflight' | 'permitted'> {
  const { namespace, name } = facts.ref;
  const detachment = planDetachment(facts.labels, facts.selecting);
  const current = facts.labels[QUARANTINE_LABEL];
  const warnings = [...facts.warnings];
  for (const what of detachment.stillSelecting) {
    warnings.push(`${what} selects the pod only through NotIn/DoesNotExist terms: removing labels cannot detach it`);
  }
  if (current !== undefined && choices.quarantineValue !== undefined && current !== choices.quarantineValue) {
    warnings.push(`the pod is already quarantined by case ${current}; release it from that case first`);
  }
  const removal = Object.keys(detachment.remove);
  const label = choices.quarantineValue ?? '<case id>';
  const steps: PodStep[] = [
    {
      id: 'collect-pod',
      action: 'record-pod',
      description: `Record pod ${namespace}/${name} as it is now (labels, owners, spec, status) into the case`,
      alreadyDone: false,
      access: [access('get', 'pods', namespace)],
    },
    {
      id: 'contain-policy',
      action: 'network-policy',
      description: facts.policyExists
        ? `NetworkPolicy ${QUARANTINE_POLICY} already denies all traffic of quarantined pods in ${namespace}`
        : `Create NetworkPolicy ${QUARANTINE_POLICY} in ${namespace}: pods labelled ${QUARANTINE_LABEL} get no ingress and no egress`,
      alreadyDone: facts.policyExists,
      access: [access('create', 'networkpolicies', namespace, 'networking.k8s.io')],
    },
    {
      id: 'contain-quarantine',
      action: 'quarantine-labels',
      description:
        `Label ${QUARANTINE_LABEL}=${label}` +
        (removal.length > 0
          ? ` and remove ${removal.join(', ')} so that ${detachment.detached.join(', ')} no longer select it (a controller starts a replacement; the suspect keeps running)`
          : ' (no controller or Service selects it)'),
      alreadyDone: current !== undefined && current === choices.quarantineValue && removal.length === 0,
      access: [access('patch', 'pods', namespace)],
    },
  ];
  if (choices.cordon) {
    steps.push({
      id: 'contain-cordon',
      action: 'cordon',
      description: facts.node
        ? `Cordon node ${facts.node}: no new pods are scheduled there (running pods stay)`
        : 'Cordon the node: the pod is not scheduled on any node, nothing to cordon',
      alreadyDone: facts.nodeUnschedulable === true,
      access: [access('patch', 'nodes')],
    });
  }
  return {
    ref: facts.ref,
    uid: facts.uid,
    node: facts.node,
    ...(choices.quarantineValue === undefined ? {} : { quarantineValue: choices.quarantineValue }),
    removeLabels: detachment.remove,
    detachedFrom: detachment.detached,
    steps,
    warnings,
  };
}

/** Everything the observation read (so a preflight also explains a failed read). */
export function observationAccess(facts: Pick<PodIsolationFacts, 'ref' | 'ownerResources'>, cordon: boolean) {
  const { namespace } = facts.ref;
  return [
    access('list', 'services', namespace),
    access('get', 'networkpolicies', namespace, 'networking.k8s.io'),
    ...facts.ownerResources.map((owner) => access('get', owner.resource, namespace, owner.group)),
    ...(cordon ? [access('get', 'nodes')] : []),
  ];
}

/** Each distinct access once, with the steps that need it, in first-use order. */
export function accessQuestions(
  steps: readonly Pick<PodStep, 'id' | 'access'>[],
): { attributes: AccessAttributes; description: string; steps: string[] }[] {
  const byKey = new Map<string, { attributes: AccessAttributes; description: string; steps: string[] }>();
  for (const step of steps) {
    for (const attributes of step.access) {
      const description = describeAccess(attributes);
      const entry = byKey.get(description);
      if (entry) {
        if (!entry.steps.includes(step.id)) entry.steps.push(step.id);
      } else byKey.set(description, { attributes, description, steps: [step.id] });
    }
  }
  return [...byKey.values()];
}
