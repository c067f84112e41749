// Label selectors and the labels isolate removes so that no controller or Service selects the suspect pod any more.
import type { LabelSelector } from './kubernetes-objects.js';

export const QUARANTINE_LABEL = 'holdcell.io/quarantine';
export const QUARANTINE_POLICY = 'holdcell-quarantine';
/** Labels HoldCell puts on what it creates (policy, helper pods), so release and cleanup can tell them apart. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'holdcell';

type Labels = Readonly<Record<string, string>>;

/** Kubernetes label semantics (apimachinery labels.Selector): every requirement must hold; an empty selector matches all. */
export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const requirement of selector.matchExpressions ?? []) {
    const present = Object.hasOwn(labels, requirement.key);
    const value = labels[requirement.key];
    const values = requirement.values ?? [];
    switch (requirement.operator) {
      case 'In':
        if (!present || !values.includes(value ?? '')) return false;
        break;
      case 'NotIn':
        if (present && values.includes(value ?? '')) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
    }
  }
  return true;
}

/** A Service's spec.selector is a plain map; an empty or absent one selects nothing (endpoints are managed by hand). */
export function serviceSelects(selector: Labels | null | undefined, labels: Labels): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return selectorMatches({ matchLabels: selector }, labels);
}

/** Label keys whose removal makes this selector stop matching (matchLabels, In, Exists); NotIn/DoesNotExist cannot. */
export function breakingKeys(selector: LabelSelector): string[] {
  const keys = new Set(Object.keys(selector.matchLabels ?? {}));
  for (const requirement of selector.matchExpressions ?? []) {
    if (requirement.operator === 'In' || requirement.operator === 'Exists') keys.add(requirement.key);
  }
  return [...keys].sort();
}

export interface SelectingObject {
  /** e.g. "ReplicaSet web-7d9f", "Service web". */
  what: string;
  selector: LabelSelector;
}

export interface Detachment {
  /** Labels to remove, with the value they had (what release puts back). Sorted by key. */
  remove: Record<string, string>;
  /** Objects that select the pod now and will not after the removal. */
  detached: string[];
  /** Objects whose selector cannot be broken by removing labels (only NotIn/DoesNotExist): still selecting. */
  stillSelecting: string[];
}

/**
 * Which labels to remove so that none of these objects selects the pod: every key a matching selector depends on,
 * so that a second selector over a subset of the same keys (another ReplicaSet revision, a headless Service) is
 * also broken. The quarantine label is never removed; it is what the NetworkPolicy selects.
 */
export function planDetachment(labels: Labels, selecting: readonly SelectingObject[]): Detachment {
  const remove: Record<string, string> = {};
  const detached: string[] = [];
  const stillSelecting: string[] = [];
  for (const object of selecting) {
    if (!selectorMatches(object.selector, labels)) continue;
    const keys = breakingKeys(object.selector).filter((key) => key !== QUARANTINE_LABEL && Object.hasOwn(labels, key));
    if (keys.length === 0) {
      stillSelecting.push(object.what);
      continue;
    }
    for (const key of keys) remove[key] = labels[key] ?? '';
    detached.push(object.what);
  }
  const sorted = Object.fromEntries(Object.entries(remove).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { remove: sorted, detached, stillSelecting };
}

/** A valid label value for a case id: 63 characters at most, alphanumeric at both ends, [-_.A-Za-z0-9] inside. */
export function quarantineValue(caseId: string): string {
  const cleaned = caseId
    .replace(/[^-_.A-Za-z0-9]/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return cleaned === '' ? 'case' : cleaned;
}

/** RFC 6901 escaping of a label key inside a JSON-patch path (`holdcell.io/quarantine` → `holdcell.io~1quarantine`). */
export function labelPointer(key: string): string {
  return `/metadata/labels/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}
