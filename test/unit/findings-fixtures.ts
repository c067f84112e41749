// A small in-memory scene (image and container contents, neighbours) behind the findings evaluator's lookups.
import { displayByteString } from '../../src/forensics/common/byte-text.js';
import type { DiffChange, DiffSide, Finding } from '../../src/forensics/common/diff-model.js';
import {
  createFindingsEvaluator,
  type EntryFacts,
  type EntryMeta,
  type FindingLookups,
  type Neighbour,
} from '../../src/forensics/common/findings.js';
import type { PackageAttribution, PackageManager } from '../../src/forensics/common/packages.js';

/** The suspect container's creation time, with the engine's nanoseconds. */
export const CREATED = '2026-11-22T10:00:00.123456789Z';
/** When the image's files were written (well before the container). */
export const IMAGE_TIME = '2026-01-01T00:00:00Z';
/** When the suspect wrote its files (after the container started). */
export const LATER = '2026-11-22T10:05:00Z';

export function meta(overrides: Partial<EntryMeta> = {}): EntryMeta {
  return { type: 'file', mode: 0o644, uid: 0, gid: 0, size: 100, mtime: LATER, ...overrides };
}

export function imageMeta(overrides: Partial<EntryMeta> = {}): EntryMeta {
  return meta({ mtime: IMAGE_TIME, ...overrides });
}

/** A diff entry as the engine hands it over: the display path is derived from the raw bytes. */
export function entry(
  bytePath: string,
  change: DiffChange,
  sides: { before?: EntryMeta; after?: EntryMeta; package?: PackageAttribution } = {},
): EntryFacts {
  return { path: displayByteString(bytePath), bytePath, change, ...sides };
}

export interface Scene {
  /** Byte-string contents of image files, by byte path. */
  image?: Record<string, string>;
  container?: Record<string, string>;
  /** Container-side children per directory. */
  siblings?: Record<string, Neighbour[]>;
  packageManagers?: PackageManager[];
  containerCreated?: string;
}

export interface RecordingLookups extends FindingLookups {
  reads: { side: DiffSide; path: string; maxBytes: number }[];
  siblingCalls: string[];
}

export function lookupsFor(scene: Scene = {}): RecordingLookups {
  const reads: RecordingLookups['reads'] = [];
  const siblingCalls: string[] = [];
  return {
    reads,
    siblingCalls,
    containerCreated: scene.containerCreated ?? CREATED,
    packageManagers: scene.packageManagers ?? [],
    siblings: async (dir) => {
      siblingCalls.push(dir);
      return scene.siblings?.[dir] ?? [];
    },
    readContent: async (side, path, maxBytes) => {
      reads.push({ side, path, maxBytes });
      const files = side === 'image' ? scene.image : scene.container;
      return files?.[path]?.slice(0, maxBytes);
    },
  };
}

export async function findingsOf(facts: EntryFacts, scene: Scene = {}): Promise<Finding[]> {
  return createFindingsEvaluator(lookupsFor(scene))(facts);
}

/** The one finding of `rule` for the entry, or undefined. */
export async function findingOf(rule: string, facts: EntryFacts, scene: Scene = {}): Promise<Finding | undefined> {
  return (await findingsOf(facts, scene)).find((finding) => finding.rule === rule);
}
