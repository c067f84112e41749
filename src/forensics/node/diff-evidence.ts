// The diff's access to its evidence: the export's and the image layers' indexes, and read-back of file contents.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { ContractError } from '../../contract/envelope.js';
import type { ImageLayer as ViewLayer } from '../common/image-layers.js';
import type { ManifestItem } from '../common/case-model.js';
import type { IndexEntry } from '../common/tar-index-model.js';
import { problemText } from '../common/tar-problem.js';
import type { ContentSource, EvidenceAccess } from './diff-build.js';
import type { DiffSources } from './diff-sources.js';
import {
  EvidenceReadError,
  MAX_SLICE_BYTES,
  openRange,
  readEntrySlice,
  type TarContainer,
} from './evidence-file-reader.js';
import { ImageArchiveError } from './image-archive.js';
import type { IndexOutcome } from './tar-index-store.js';
import { indexEvidenceItem } from './tar-index-thread.js';

interface Layers {
  layers: ViewLayer[];
  problems: string[];
  /** Where each layer's tar sits in the image save, by layer index. */
  containers: Map<number, TarContainer>;
}

/** Runs once, on first use; a failure is not remembered (the next call tries again). */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => {
    running ??= make().catch((error: unknown) => {
      running = undefined;
      throw error;
    });
    return running;
  };
}

function readFailure(error: unknown, what: string): never {
  if (error instanceof EvidenceReadError) throw new ContractError('FAILED', `${what}: ${error.message}`);
  throw error;
}

export function openDiffEvidence(
  caseDir: string,
  sources: DiffSources,
  options: {
    signal?: AbortSignal;
    rebuild?: boolean;
    /** Bytes of one evidence item indexed so far (only when an index is built, not when it is loaded). */
    onProgress?: (itemId: string, bytes: number) => void;
    /**
     * False for a sealed case: stored indexes are used, new ones are kept in memory only. (Sealing makes the
     * folder read-only, but a root process could still write: the case's promise must not rest on permissions.)
     */
    store?: boolean;
  } = {},
): EvidenceAccess {
  const exportFile = path.join(caseDir, sources.exported.path);
  const imageFile = path.join(caseDir, sources.imageSave.path);
  const signal = options.signal ? { signal: options.signal } : {};

  const store = options.store !== false;
  /**
   * The store's own load-or-build-and-save, or for a sealed case load-or-build without saving; on a worker thread
   * of its own when the build has one, so the export and the image archive are indexed at the same time.
   */
  const indexOf = (item: ManifestItem, extra: { onProgress?: (bytes: number) => void }): Promise<IndexOutcome> =>
    indexEvidenceItem(caseDir, item, { ...signal, ...extra, rebuild: options.rebuild === true, store });
  const onProgress = options.onProgress;
  const progressOf = (itemId: string) =>
    onProgress === undefined ? {} : { onProgress: (bytes: number) => onProgress(itemId, bytes) };

  const containerIndex = once(async () => {
    const where = `container export ${sources.exported.id}`;
    const outcome = await indexOf(sources.exported, progressOf(sources.exported.id));
    if (outcome.index.kind !== 'tar') throw new ContractError('FAILED', `${where} was not indexed as a tar`);
    return {
      entries: outcome.index.index.entries,
      problems: [
        ...outcome.index.index.problems.map((problem) => problemText(problem, where)),
        ...(outcome.saveProblem === undefined ? [] : [`${where}: ${outcome.saveProblem}`]),
      ],
    };
  });

  const imageLayers = once(async (): Promise<Layers> => {
    const where = `image save ${sources.imageSave.id}`;
    let outcome: IndexOutcome;
    try {
      outcome = await indexOf(sources.imageSave, progressOf(sources.imageSave.id));
    } catch (error) {
      if (error instanceof ImageArchiveError)
        throw new ContractError('FAILED', `${where} cannot be read: ${error.message}`);
      throw error;
    }
    if (outcome.index.kind !== 'image') throw new ContractError('FAILED', `${where} was not indexed as an image`);
    const { archive, layers: indexes } = outcome.index;
    const problems = archive.problems.map((problem) => problemText(problem, where));
    if (outcome.saveProblem !== undefined) problems.push(`${where}: ${outcome.saveProblem}`);
    const layers: ViewLayer[] = [];
    const containers = new Map<number, TarContainer>();
    for (const { layer, index } of indexes) {
      problems.push(...index.problems.map((problem) => problemText(problem, `${where} layer ${layer.index}`)));
      layers.push({
        ref: {
          index: layer.index,
          digest: layer.digest,
          ...(layer.createdBy === undefined ? {} : { createdBy: layer.createdBy }),
        },
        entries: index.entries,
      });
      containers.set(layer.index, { range: layer.range, compression: layer.compression });
    }
    return { layers, problems, containers };
  });

  const locate = async (source: ContentSource): Promise<{ file: string; container?: TarContainer }> => {
    if (source.side === 'container') return { file: exportFile };
    const container = (await imageLayers()).containers.get(source.layer);
    if (container === undefined)
      throw new ContractError('FAILED', `layer ${source.layer} of the image was not indexed`);
    return { file: imageFile, container };
  };

  const read = async (source: ContentSource, entry: IndexEntry, offset: number, length: number) => {
    const { file, container } = await locate(source);
    const parts: Buffer[] = [];
    let at = offset;
    const end = Math.min(entry.size, offset + length);
    try {
      // Slices are capped (previews); longer reads (package databases, passwd) are taken slice by slice.
      while (at < end) {
        const slice = await readEntrySlice(file, entry, at, Math.min(MAX_SLICE_BYTES, end - at), {
          ...(container === undefined ? {} : { container }),
          ...signal,
        });
        if (slice.bytes.length === 0) break;
        parts.push(slice.bytes);
        at += slice.bytes.length;
      }
    } catch (error) {
      readFailure(error, `reading ${source.side === 'image' ? `image layer ${source.layer}` : 'the container export'}`);
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  };

  const digest = async (source: ContentSource, entry: IndexEntry, algorithm: 'md5' | 'sha1') => {
    const { file, container } = await locate(source);
    const hash = createHash(algorithm);
    if (container === undefined || container.compression === 'none') {
      if (entry.type !== 'file' || (entry.sha256 === undefined && entry.size > 0)) {
        readFailure(new EvidenceReadError('this entry was indexed without its content'), 'hashing');
      }
      const start = (container?.range.start ?? 0) + entry.dataOffset;
      if (entry.size > 0) {
        for await (const chunk of await openRange(file, { start, end: start + entry.size }))
          hash.update(chunk as Buffer);
      }
    } else {
      hash.update(await read(source, entry, 0, entry.size));
    }
    return hash.digest('hex');
  };

  return {
    containerIndex,
    imageLayers: async () => {
      const { layers, problems } = await imageLayers();
      return { layers, problems };
    },
    read,
    digest,
  };
}
