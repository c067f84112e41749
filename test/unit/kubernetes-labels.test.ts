// Label selectors and detachment: which labels isolate removes so that no controller or Service selects the pod.
import { describe, expect, it } from 'vitest';
import {
  breakingKeys,
  labelPointer,
  planDetachment,
  QUARANTINE_LABEL,
  quarantineValue,
  selectorMatches,
  serviceSelects,
} from '../../src/capture/common/kubernetes-labels.js';

const labels = { app: 'web', tier: 'frontend', 'pod-template-hash': '7d9f', team: 'payments' };

describe('label selectors', () => {
  it('given matchLabels and every expression operator, when matched, then apimachinery semantics hold', () => {
    expect(selectorMatches({ matchLabels: { app: 'web' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'api' } }, labels)).toBe(false);
    expect(
      selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend', 'edge'] }] }, labels),
    ).toBe(true);
    expect(
      selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['frontend'] }] }, labels),
    ).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, labels)).toBe(
      true,
    );
    expect(selectorMatches({ matchExpressions: [{ key: 'team', operator: 'Exists' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, labels)).toBe(false);
    expect(selectorMatches({}, labels)).toBe(true);
  });

  it('given a Service without a selector, when matched, then it selects nothing (its endpoints are managed by hand)', () => {
    expect(serviceSelects(undefined, labels)).toBe(false);
    expect(serviceSelects({}, labels)).toBe(false);
    expect(serviceSelects({ tier: 'frontend' }, labels)).toBe(true);
  });

  it('given a selector, when its breaking keys are computed, then only keys whose removal stops a match count', () => {
    expect(
      breakingKeys({
        matchLabels: { app: 'web' },
        matchExpressions: [
          { key: 'team', operator: 'Exists' },
          { key: 'tier', operator: 'In', values: ['frontend'] },
          { key: 'env', operator: 'NotIn', values: ['prod'] },
          { key: 'legacy', operator: 'DoesNotExist' },
        ],
      }),
    ).toEqual(['app', 'team', 'tier']);
  });
});

describe('detachment plan', () => {
  it('given a ReplicaSet and two Services selecting the pod, when planned, then every selected key is removed with its value', () => {
    const plan = planDetachment(labels, [
      { what: 'ReplicaSet web-7d9f', selector: { matchLabels: { app: 'web', 'pod-template-hash': '7d9f' } } },
      { what: 'Service web', selector: { matchLabels: { app: 'web' } } },
      { what: 'Service frontend', selector: { matchLabels: { tier: 'frontend' } } },
      { what: 'Service api', selector: { matchLabels: { app: 'api' } } },
    ]);
    expect(plan).toEqual({
      remove: { app: 'web', 'pod-template-hash': '7d9f', tier: 'frontend' },
      detached: ['ReplicaSet web-7d9f', 'Service web', 'Service frontend'],
      stillSelecting: [],
    });
  });

  it('given a selector made only of NotIn/DoesNotExist, when planned, then it is reported as still selecting', () => {
    const plan = planDetachment(labels, [
      { what: 'Service odd', selector: { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] } },
    ]);
    expect(plan.stillSelecting).toEqual(['Service odd']);
    expect(plan.remove).toEqual({});
  });

  it('given a selector on the quarantine label itself, when planned, then the quarantine label is never removed', () => {
    const plan = planDetachment({ ...labels, [QUARANTINE_LABEL]: 'c1' }, [
      { what: 'NetworkPolicy x', selector: { matchLabels: { [QUARANTINE_LABEL]: 'c1' } } },
    ]);
    expect(plan.remove).toEqual({});
    expect(plan.stillSelecting).toEqual(['NetworkPolicy x']);
  });

  it('given case ids and label keys, when made into label values and JSON pointers, then both are valid', () => {
    expect(quarantineValue('0f1e2d3c-aaaa-bbbb-cccc-1234567890ab')).toBe('0f1e2d3c-aaaa-bbbb-cccc-1234567890ab');
    expect(quarantineValue('-case/7 ünïcode-')).toBe('case-7--n-code');
    expect(quarantineValue('x'.repeat(80))).toHaveLength(63);
    expect(labelPointer('holdcell.io/quarantine')).toBe('/metadata/labels/holdcell.io~1quarantine');
    expect(labelPointer('a~b')).toBe('/metadata/labels/a~0b');
  });
});
