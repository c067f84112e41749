// The report's scope from the case's JSON evidence: engines (engine-info), containers (inspect), images (image-inspect).
import { z } from 'zod';
import { DockerContainerInspect } from '../../capture/common/docker-inspect.js';
import { assessRisks } from '../../capture/common/risk.js';
import type { ManifestItem } from './case-model.js';
import type { Citation, ContainerScope, EngineScope, ImageScope } from './report-model.js';

/** One JSON evidence item as read by the node side: its value, or why it could not be parsed. */
export interface JsonEvidence {
  item: ManifestItem;
  value?: unknown;
  error?: string;
}

const EngineInfo = z.object({
  Name: z.string().optional(),
  ServerVersion: z.string().optional(),
  OperatingSystem: z.string().optional(),
  KernelVersion: z.string().optional(),
});

const ContainerTimes = z.object({
  State: z.object({ StartedAt: z.string().optional() }).optional(),
});

const ImageInspect = z.object({
  Id: z.string(),
  RepoTags: z.array(z.string()).nullish(),
  RepoDigests: z.array(z.string()).nullish(),
  Created: z.string().optional(),
});

/** The source engine id of files imported from the responder's machine (holdcell import-trace): not an engine. */
const IMPORTED_SOURCE = 'host-file';

export const citeItem = (item: Pick<ManifestItem, 'id' | 'sha256'>, locator?: string): Citation =>
  locator === undefined ? { itemId: item.id, sha256: item.sha256 } : { itemId: item.id, sha256: item.sha256, locator };

const byString =
  <T>(key: (value: T) => string) =>
  (a: T, b: T): number => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };

/** Docker's "zero" time for a container never started. */
const realTime = (time: string | undefined): string | undefined =>
  time === undefined || time.startsWith('0001-01-01') ? undefined : time;

function zodProblem(item: ManifestItem, error: z.ZodError): string {
  const issue = error.issues[0];
  return `${item.id}: not the ${item.kind} JSON expected (${issue?.path.join('.') || 'document'}: ${issue?.message ?? 'invalid'})`;
}

export interface Scope {
  engines: EngineScope[];
  containers: ContainerScope[];
  images: ImageScope[];
  problems: string[];
}

/**
 * Several items may describe the same container or image (isolate's inspect, the snapshot's): one row each, citing
 * every item, with the facts of the latest acquisition (items are visited in acquisition order).
 */
export function buildScope(evidence: readonly JsonEvidence[], items: readonly ManifestItem[]): Scope {
  const problems: string[] = [];
  const engines = new Map<string, EngineScope>();
  const containers = new Map<string, ContainerScope>();
  const images = new Map<string, ImageScope>();
  const ordered = [...evidence].sort(byString((entry) => `${entry.item.acquiredAt} ${entry.item.id}`));
  for (const { item, value, error } of ordered) {
    if (error !== undefined) {
      problems.push(`${item.id}: ${error}`);
      continue;
    }
    const cite = citeItem(item);
    if (item.kind === 'engine-info') {
      const parsed = EngineInfo.safeParse(value);
      if (!parsed.success) {
        problems.push(zodProblem(item, parsed.error));
        continue;
      }
      const key = `${item.source.engineId}\u0000${item.source.endpoint}`;
      engines.set(key, {
        engineId: item.source.engineId,
        endpoint: item.source.endpoint,
        ...optional('name', parsed.data.Name),
        ...optional('version', parsed.data.ServerVersion ?? item.source.engineVersion),
        ...optional('os', parsed.data.OperatingSystem),
        ...optional('kernel', parsed.data.KernelVersion),
        cites: [...(engines.get(key)?.cites ?? []), cite],
      });
    } else if (item.kind === 'container-inspect') {
      const parsed = DockerContainerInspect.safeParse(value);
      if (!parsed.success) {
        problems.push(zodProblem(item, parsed.error));
        continue;
      }
      const inspect = parsed.data;
      const times = ContainerTimes.safeParse(value);
      containers.set(inspect.Id, {
        id: inspect.Id,
        name: inspect.Name.replace(/^\//, ''),
        image: inspect.Config.Image,
        imageId: inspect.Image,
        engineId: item.source.engineId,
        ...optional('created', realTime(inspect.Created)),
        ...optional('started', realTime(times.success ? times.data.State?.StartedAt : undefined)),
        state: inspect.State.Status,
        risks: assessRisks(inspect).map((risk) => `${risk.kind}: ${risk.detail}`),
        cites: [...(containers.get(inspect.Id)?.cites ?? []), cite],
      });
    } else if (item.kind === 'image-inspect') {
      const parsed = ImageInspect.safeParse(value);
      if (!parsed.success) {
        problems.push(zodProblem(item, parsed.error));
        continue;
      }
      const image = parsed.data;
      images.set(image.Id, {
        id: image.Id,
        tags: [...(image.RepoTags ?? [])].sort(),
        digests: [...(image.RepoDigests ?? [])].sort(),
        ...optional('created', image.Created),
        role: item.flags.includes('evidence-image') ? 'evidence' : 'origin',
        cites: [...(images.get(image.Id)?.cites ?? []), cite],
      });
    }
  }
  // Engines only named by other items (a capture without a snapshot): their endpoint, and a version if recorded.
  for (const item of [...items].sort(byString((entry) => `${entry.acquiredAt} ${entry.id}`))) {
    if (item.source.engineId === IMPORTED_SOURCE) continue;
    const key = `${item.source.engineId}\u0000${item.source.endpoint}`;
    if (engines.has(key)) continue;
    engines.set(key, {
      engineId: item.source.engineId,
      endpoint: item.source.endpoint,
      ...optional('version', item.source.engineVersion),
      cites: [citeItem(item)],
    });
  }
  return {
    engines: [...engines.values()].sort(byString((engine) => `${engine.engineId}\u0000${engine.endpoint}`)),
    containers: [...containers.values()].sort(byString((container) => `${container.created ?? ''} ${container.id}`)),
    images: [...images.values()].sort(byString((image) => `${image.role === 'origin' ? 0 : 1} ${image.id}`)),
    problems,
  };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined || value === '' ? {} : ({ [key]: value } as Record<K, string>);
}
