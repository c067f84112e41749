// The live container view folds snapshots and deltas per engine; the same id on two engines is two containers.
import { describe, expect, it } from 'vitest';
import {
  applyContainerChange,
  emptyContainerView,
  visibleContainers,
} from '../../src/capture/common/container-view.js';
import type { ContainerSummary } from '../../src/capture/common/containers.js';

const container = (engineId: string, hex: string, name: string, created: string): ContainerSummary => ({
  engineId,
  id: hex.repeat(64),
  name,
  image: 'busybox',
  imageId: 'sha256:x',
  state: 'running',
  status: 'Up',
  created,
  risks: [],
});

describe('container view', () => {
  const a = container('default', 'a', 'web', '2026-11-22T10:00:00.000000001Z');
  const b = container('default', 'b', 'db', '2026-11-22T11:00:00Z');
  const remoteA = container('remote', 'a', 'web-remote', '2026-11-22T09:00:00Z');

  it('given snapshots from two engines, then both are kept apart, newest first', () => {
    let view = applyContainerChange(emptyContainerView, { type: 'snapshot', engineId: 'default', containers: [a, b] });
    view = applyContainerChange(view, { type: 'snapshot', engineId: 'remote', containers: [remoteA] });
    expect(visibleContainers(view).map((c) => c.name)).toEqual(['db', 'web', 'web-remote']);
  });

  it('given a new snapshot after a reconnect, then containers gone meanwhile disappear from that engine only', () => {
    let view = applyContainerChange(emptyContainerView, { type: 'snapshot', engineId: 'default', containers: [a, b] });
    view = applyContainerChange(view, { type: 'snapshot', engineId: 'remote', containers: [remoteA] });
    view = applyContainerChange(view, { type: 'snapshot', engineId: 'default', containers: [b] });
    expect(visibleContainers(view).map((c) => c.name)).toEqual(['db', 'web-remote']);
  });

  it('given upserts and removes, then the view follows them', () => {
    let view = applyContainerChange(emptyContainerView, { type: 'snapshot', engineId: 'default', containers: [a] });
    view = applyContainerChange(view, { type: 'upsert', action: 'pause', container: { ...a, state: 'paused' } });
    expect(visibleContainers(view)[0]?.state).toBe('paused');
    view = applyContainerChange(view, { type: 'remove', engineId: 'default', id: a.id });
    expect(view.containers.size).toBe(0);
  });

  it('given a filter, then it matches name, id, image, state or risk, case-insensitively', () => {
    const risky = { ...b, risks: [{ kind: 'privileged' as const, detail: 'x' }] };
    const view = applyContainerChange(emptyContainerView, {
      type: 'snapshot',
      engineId: 'default',
      containers: [a, risky],
    });
    expect(visibleContainers(view, 'PRIV').map((c) => c.name)).toEqual(['db']);
    expect(visibleContainers(view, 'aaaa').map((c) => c.name)).toEqual(['web']);
  });
});
