// Access questions and RBAC objects: SelfSubjectAccessReview (the preflight) and the bindings a snapshot preserves.
import { z } from 'zod';
import { ObjectMeta } from './kubernetes-objects.js';

/** One verb on one resource, as a SelfSubjectAccessReview asks it (spec.resourceAttributes). */
export const AccessAttributes = z.object({
  verb: z.string(),
  /** API group, '' for the core group. */
  group: z.string(),
  resource: z.string(),
  subresource: z.string().optional(),
  /** Absent for cluster-scoped resources (nodes). */
  namespace: z.string().optional(),
  name: z.string().optional(),
});
export type AccessAttributes = z.infer<typeof AccessAttributes>;

export const SelfSubjectAccessReviewAnswer = z.object({
  status: z
    .object({
      allowed: z.boolean(),
      denied: z.boolean().nullish(),
      reason: z.string().nullish(),
      evaluationError: z.string().nullish(),
    })
    .nullish(),
});

/** The request body, exactly as `kubectl auth can-i` sends it. */
export function selfSubjectAccessReview(attributes: AccessAttributes): Record<string, unknown> {
  const resourceAttributes: Record<string, string> = {
    verb: attributes.verb,
    group: attributes.group,
    resource: attributes.resource,
  };
  if (attributes.subresource) resourceAttributes['subresource'] = attributes.subresource;
  if (attributes.namespace) resourceAttributes['namespace'] = attributes.namespace;
  if (attributes.name) resourceAttributes['name'] = attributes.name;
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: { resourceAttributes },
  };
}

/** `get pods/exec -n ns` style, for plans and messages. */
export function describeAccess(attributes: AccessAttributes): string {
  const resource = attributes.subresource ? `${attributes.resource}/${attributes.subresource}` : attributes.resource;
  const group = attributes.group === '' ? '' : `.${attributes.group}`;
  const where = attributes.namespace ? ` -n ${attributes.namespace}` : '';
  return `${attributes.verb} ${resource}${group}${attributes.name ? ` ${attributes.name}` : ''}${where}`;
}

export const ServiceAccount = z.object({
  metadata: ObjectMeta,
  automountServiceAccountToken: z.boolean().nullish(),
});

export const RbacSubject = z.object({ kind: z.string(), name: z.string(), namespace: z.string().nullish() });

export const RoleBinding = z.object({
  metadata: ObjectMeta,
  subjects: z.array(RbacSubject).nullish(),
  roleRef: z.object({ apiGroup: z.string().optional(), kind: z.string(), name: z.string() }),
});
export type RoleBinding = z.infer<typeof RoleBinding>;

/** True when the binding names this service account (directly, or through its groups). */
export function bindsServiceAccount(binding: RoleBinding, namespace: string, name: string): boolean {
  return (binding.subjects ?? []).some((subject) => {
    if (subject.kind === 'ServiceAccount') {
      return subject.name === name && (subject.namespace ?? binding.metadata.namespace) === namespace;
    }
    if (subject.kind === 'Group') {
      return (
        subject.name === 'system:serviceaccounts' ||
        subject.name === `system:serviceaccounts:${namespace}` ||
        subject.name === 'system:authenticated'
      );
    }
    if (subject.kind === 'User') return subject.name === `system:serviceaccount:${namespace}:${name}`;
    return false;
  });
}
