// Folds the watchContainers change stream into the current view of every engine and its containers (pure, for any UI).
import type { ContainerChange } from './capture.contract.js';
import { compareContainers, type ContainerSummary, type EngineStatus } from './containers.js';

export interface ContainerView {
  readonly engines: ReadonlyMap<string, EngineStatus>;
  /** Keyed by engine id + container id: the same id on two engines is two containers. */
  readonly containers: ReadonlyMap<string, ContainerSummary>;
}

export const emptyContainerView: ContainerView = { engines: new Map(), containers: new Map() };

export const containerKey = (engineId: string, id: string): string => `${engineId}/${id}`;

export function applyContainerChange(view: ContainerView, change: ContainerChange): ContainerView {
  switch (change.type) {
    case 'engine':
      return { ...view, engines: new Map(view.engines).set(change.engine.engineId, change.engine) };
    case 'snapshot': {
      const containers = new Map(
        [...view.containers].filter(([, container]) => container.engineId !== change.engineId),
      );
      for (const container of change.containers)
        containers.set(containerKey(container.engineId, container.id), container);
      return { ...view, containers };
    }
    case 'upsert':
      return {
        ...view,
        containers: new Map(view.containers).set(
          containerKey(change.container.engineId, change.container.id),
          change.container,
        ),
      };
    case 'remove': {
      const containers = new Map(view.containers);
      containers.delete(containerKey(change.engineId, change.id));
      return { ...view, containers };
    }
  }
}

/** Containers in display order, optionally narrowed by a case-insensitive text filter over name, id, image and risks. */
export function visibleContainers(view: ContainerView, filter = ''): ContainerSummary[] {
  const needle = filter.trim().toLowerCase();
  const all = [...view.containers.values()].sort(compareContainers);
  if (needle === '') return all;
  return all.filter((container) =>
    [container.name, container.id, container.image, container.state, ...container.risks.map((risk) => risk.kind)].some(
      (field) => field.toLowerCase().includes(needle),
    ),
  );
}
