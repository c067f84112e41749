// Picks the evidence a diff is computed from: the newest container export, its image's save, and both inspects.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { ContractError } from '../../contract/envelope.js';
import { visibleText } from '../../contract/visible-text.js';
import type { ManifestItem } from '../common/case-model.js';
import type { BytePath } from '../common/tar-index-model.js';
import { sha256Hex } from './durable-fs.js';

/** The evidence behind one diff, with what the two inspect documents say. */
export interface DiffSources {
  exported: ManifestItem;
  imageSave: ManifestItem;
  containerInspect?: ManifestItem;
  imageInspect?: ManifestItem;
  containerId: string;
  imageId: string;
  /** The container's creation time as the engine recorded it (UTC, nanoseconds kept), or "" when unknown. */
  containerCreated: string;
  /** Mount destinations as byte paths (no leading "/"): Docker creates these, the suspect did not. */
  mountPoints: BytePath[];
  /** The layer digests (RootFS.Layers) the engine's image inspect listed, to cross-check the saved image. */
  inspectedLayers?: string[];
  /** Evidence oddities that do not stop the diff (e.g. no container inspect), said in the summary. */
  problems: string[];
}

/** JSON evidence documents are small; a bigger one is not what the engine wrote. */
const MAX_JSON_BYTES = 64 * 1024 * 1024;

/** Manifest order is acquisition order; acquiredAt decides first so a hand-merged manifest still picks the newest. */
function newest(items: readonly ManifestItem[]): ManifestItem | undefined {
  let best: { item: ManifestItem; position: number } | undefined;
  items.forEach((item, position) => {
    if (best === undefined || item.acquiredAt >= best.item.acquiredAt) best = { item, position };
  });
  return best?.item;
}

/** Reads a JSON evidence item, refusing it when its bytes are not the ones the manifest vouches for. */
export async function readJsonEvidence(caseDir: string, item: ManifestItem): Promise<unknown> {
  const file = path.join(caseDir, item.path);
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  let bytes: Buffer;
  try {
    const { size } = await handle.stat();
    if (size > MAX_JSON_BYTES)
      throw new ContractError('FAILED', `${item.path} is ${size} bytes, too big for JSON evidence`);
    bytes = await handle.readFile();
  } finally {
    await handle.close();
  }
  if (sha256Hex(bytes) !== item.sha256) {
    throw new ContractError(
      'FAILED',
      `evidence item ${item.id} (${item.path}) does not match its manifest hash; run holdcell verify on ${caseDir}`,
    );
  }
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (error) {
    throw new ContractError(
      'FAILED',
      `evidence item ${item.id} (${item.path}) is not JSON: ${(error as Error).message}`,
    );
  }
}

/** "/srv/data/" → "srv/data" as a byte string (UTF-8 bytes, one char per byte). */
export function mountBytePath(destination: string): BytePath {
  return Buffer.from(destination, 'utf8').toString('latin1').replace(/^\/+/, '').replace(/\/+$/, '');
}

function inspectFacts(raw: unknown): { created: string; mounts: string[] } {
  const doc = (typeof raw === 'object' && raw !== null ? raw : {}) as { Created?: unknown; Mounts?: unknown };
  const created = typeof doc.Created === 'string' ? doc.Created : '';
  const mounts = Array.isArray(doc.Mounts)
    ? doc.Mounts.flatMap((mount: unknown) => {
        const destination = (mount as { Destination?: unknown } | null)?.Destination;
        return typeof destination === 'string' && destination !== '' ? [destination] : [];
      })
    : [];
  return { created, mounts };
}

function rootFsLayers(raw: unknown): string[] | undefined {
  const layers = (raw as { RootFS?: { Layers?: unknown } } | null)?.RootFS?.Layers;
  return Array.isArray(layers) && layers.every((layer) => typeof layer === 'string') ? layers : undefined;
}

/**
 * The newest complete filesystem export, the complete image save of the image that container was created from,
 * and the newest inspect documents of both. Throws a responder-readable error when a diff is impossible.
 */
export async function selectDiffSources(caseDir: string, items: readonly ManifestItem[]): Promise<DiffSources> {
  const exports = items.filter((item) => item.kind === 'filesystem-export');
  const exported = newest(exports.filter((item) => item.complete));
  if (exported === undefined) {
    throw new ContractError(
      exports.length === 0 ? 'NOT_FOUND' : 'FAILED',
      exports.length === 0
        ? `case ${caseDir} has no filesystem export to diff; snapshot a container into it first`
        : `case ${caseDir} has only incomplete filesystem exports (${exports.map((item) => item.id).join(', ')}); ` +
            'snapshot the container again to get a complete one',
    );
  }
  const containerId = exported.source.containerId ?? '';
  const imageId = exported.source.imageId ?? '';
  if (imageId === '') {
    throw new ContractError('FAILED', `export ${exported.id} does not name the image its container was created from`);
  }
  const saves = items.filter((item) => item.kind === 'image-save' && item.source.imageId === imageId);
  const imageSave = newest(saves.filter((item) => item.complete));
  if (imageSave === undefined) {
    throw new ContractError(
      saves.length === 0 ? 'NOT_FOUND' : 'FAILED',
      saves.length === 0
        ? `case ${caseDir} has no image save of ${imageId} (the image of container ${containerId}); snapshot again`
        : `the image saves of ${imageId} in case ${caseDir} are incomplete (${saves.map((item) => item.id).join(', ')})`,
    );
  }
  const problems: string[] = [];
  const containerInspect = newest(
    items.filter(
      (item) => item.kind === 'container-inspect' && item.complete && item.source.containerId === containerId,
    ),
  );
  const imageInspect = newest(
    items.filter(
      (item) =>
        item.kind === 'image-inspect' &&
        item.complete &&
        item.source.imageId === imageId &&
        !item.flags.includes('evidence-image'),
    ),
  );
  let facts = { created: '', mounts: [] as string[] };
  if (containerInspect === undefined) {
    problems.push(
      visibleText(
        `no container inspect of ${containerId} in the case: container creation time unknown (no timestomping check), mount points not recognised`,
      ),
    );
  } else {
    facts = inspectFacts(await readJsonEvidence(caseDir, containerInspect));
    if (facts.created === '') problems.push(`container inspect ${containerInspect.id} has no Created time`);
  }
  const inspectedLayers =
    imageInspect === undefined ? undefined : rootFsLayers(await readJsonEvidence(caseDir, imageInspect));
  return {
    exported,
    imageSave,
    ...(inspectedLayers === undefined ? {} : { inspectedLayers }),
    ...(containerInspect ? { containerInspect } : {}),
    ...(imageInspect ? { imageInspect } : {}),
    containerId,
    imageId,
    containerCreated: facts.created,
    mountPoints: facts.mounts.map(mountBytePath),
    problems,
  };
}

/** The items a diff is computed from, with their manifest hashes, in a fixed order (its identity and its record). */
export function sourceHashes(sources: DiffSources): { itemId: string; sha256: string }[] {
  return [sources.exported, sources.imageSave, sources.containerInspect, sources.imageInspect].flatMap((item) =>
    item === undefined ? [] : [{ itemId: item.id, sha256: item.sha256 }],
  );
}
