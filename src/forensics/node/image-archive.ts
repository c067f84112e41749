// Reads a `docker save` archive in place: its manifest and config, and each layer tar as a byte range to index.
//
// Two layouts: Docker's legacy one (manifest.json, <config-hex>.json, <id>/layer.tar, identical layers linked to
// each other) and OCI (index.json → manifest blob → config and layer blobs under blobs/sha256/, layers possibly
// gzip-compressed). Docker 25+ writes both at once; manifest.json is preferred when present because it is what
// `docker load` reads. Nothing is extracted: the save tar is walked headers-only, the small JSON members are read
// by positioned reads, and each layer is indexed as a stream over its byte range (decompressed on the fly).
import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import { visibleText } from '../../contract/visible-text.js';
import { displayByteString } from '../common/byte-text.js';
import type { BytePath, IndexEntry } from '../common/tar-index-model.js';
import { lastWins } from '../common/tar-index-view.js';
import { normaliseTarPath, resolveArchiveLink } from '../common/tar-path.js';
import type { TarProblem } from '../common/tar-problem.js';
import { openRange, readPlain } from './evidence-file-reader.js';
import { indexTar, type TarIndex } from './tar-index.js';

/** manifest.json and index.json list a handful of images; a bigger one is not what Docker wrote. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** An image config holds the history of every layer; generous, but bounded. */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;
/** In-archive symlinks (legacy layout dedups layers with them) are resolved at most this many hops. */
const MAX_LINK_HOPS = 8;
/** Nested OCI indexes are followed this deep. */
const MAX_INDEX_DEPTH = 4;

export type LayerCompression = 'none' | 'gzip';

export interface ImageLayer {
  /** Position in the image (0 = base). */
  index: number;
  /** The config's rootfs.diff_ids entry: sha256 of the uncompressed layer tar ("" when the config has none). */
  digest: string;
  /** created_by of the history entry for this layer (empty_layer entries skipped), when the config has one. */
  createdBy?: string;
  /** The save tar member holding the layer, after resolving links between members. */
  member: BytePath;
  /** [start, end) of the member's bytes in the save tar: the layer tar, or its compressed blob. */
  range: { start: number; end: number };
  compression: LayerCompression;
  mediaType?: string;
}

export interface ImageArchive {
  layout: 'docker' | 'oci';
  /** "sha256:" + SHA-256 of the config bytes: the image id Docker shows. */
  imageId: string;
  repoTags: string[];
  /** The image config as stored (parsed JSON): rootfs, history, config.Env/Cmd/User…. */
  config: Record<string, unknown>;
  layers: ImageLayer[];
  /** Problems of the save tar itself and of its layout (layer problems are in each layer's index). */
  problems: TarProblem[];
}

export interface LayerIndex {
  layer: ImageLayer;
  /** Offsets are relative to the layer tar (for gzip layers: to the decompressed stream). */
  index: TarIndex;
}

/** The save tar cannot be read as an image at all (no manifest, no config): nothing to index. */
export class ImageArchiveError extends Error {
  override readonly name = 'ImageArchiveError';
}

interface ArchiveOptions {
  /** The image to take when the save holds several ("sha256:<hex>" or bare hex); default the first. */
  imageId?: string;
  signal?: AbortSignal;
}

/** Reads layout, config and layer ranges of a docker save archive (headers-only walk plus small JSON reads). */
export async function readImageArchive(file: string, options: ArchiveOptions = {}): Promise<ImageArchive> {
  const outer = await indexTar({ file }, { headersOnly: true, hashContent: false, ...signalOf(options) });
  const reader = new ArchiveReader(file, outer.entries, [...outer.problems], outer.bytes);
  return reader.read(options.imageId);
}

/**
 * Indexes every layer of the archive in order, verifying each diff_id (SHA-256 of the uncompressed stream).
 * A layer that cannot be read completely is indexed as far as it goes, with its problems.
 */
export async function indexImageLayers(
  file: string,
  archive: ImageArchive,
  options: {
    signal?: AbortSignal;
    onProgress?: (layer: number, bytes: number) => void;
    /** Passed to indexTar (hashing on the shared worker or here). */
    parallelHashing?: boolean;
  } = {},
): Promise<LayerIndex[]> {
  const results: LayerIndex[] = [];
  for (const layer of archive.layers) {
    const onProgress = options.onProgress;
    const common = {
      streamSha256: true,
      ...signalOf(options),
      ...(options.parallelHashing !== undefined ? { parallelHashing: options.parallelHashing } : {}),
      ...(onProgress ? { onProgress: (bytes: number) => onProgress(layer.index, bytes) } : {}),
    };
    let index: TarIndex;
    if (layer.compression === 'none') {
      index = await indexTar({ file, start: layer.range.start, end: layer.range.end }, common);
    } else {
      const raw = await openRange(file, layer.range);
      const gunzip = createGunzip({ chunkSize: 256 * 1024 });
      raw.on('error', (error) => gunzip.destroy(error));
      raw.pipe(gunzip);
      try {
        index = await indexTar(
          { stream: gunzip, close: () => gunzip.destroy(), sizeHint: layer.range.end - layer.range.start },
          common,
        );
      } finally {
        raw.destroy();
        gunzip.destroy();
      }
    }
    const expected = layer.digest.replace(/^sha256:/, '');
    if (index.sha256 !== undefined && expected !== '' && index.sha256 !== expected) {
      index.problems.push({
        kind: 'digest-mismatch',
        detail: `layer ${layer.index} hashes to sha256:${index.sha256}, but the image config names it ${layer.digest}: the layer is not the one the image was built from`,
      });
    }
    results.push({ layer, index });
  }
  return results;
}

function signalOf(options: { signal?: AbortSignal }): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}

/** The chosen image's references as the archive's manifest names them. */
interface ImageReferences {
  layout: 'docker' | 'oci';
  configPath: BytePath;
  /** The digest the archive names the config by (hex), to check against its bytes. */
  configDigest?: string;
  layers: { path: BytePath; mediaType?: string }[];
  repoTags: string[];
}

class ArchiveReader {
  private readonly members: Map<BytePath, IndexEntry>;

  constructor(
    private readonly file: string,
    entries: IndexEntry[],
    private readonly problems: TarProblem[],
    /** Bytes of the save tar (where a cut archive ends). */
    private readonly archiveBytes: number,
  ) {
    this.members = lastWins(entries).byPath;
  }

  async read(wantedImage: string | undefined): Promise<ImageArchive> {
    const references = this.members.has('manifest.json')
      ? await this.fromDockerManifest(wantedImage)
      : this.members.has('index.json')
        ? await this.fromOciIndex(wantedImage)
        : undefined;
    if (references === undefined) {
      throw new ImageArchiveError(
        'the image archive has neither manifest.json nor index.json at its top: it is not a docker save (or it was cut before them)',
      );
    }
    const configBytes = await this.readMember(references.configPath, MAX_CONFIG_BYTES, 'image config');
    if (configBytes === undefined) {
      throw new ImageArchiveError(
        `the image config ${shown(references.configPath)} is missing or unreadable in the archive`,
      );
    }
    const configHex = createHash('sha256').update(configBytes).digest('hex');
    if (references.configDigest !== undefined && references.configDigest !== configHex) {
      this.problem('digest-mismatch', `the config is named ${references.configDigest} but hashes to ${configHex}`);
    }
    const config = parseObject(configBytes);
    if (config === undefined)
      throw new ImageArchiveError(`the image config ${shown(references.configPath)} is not a JSON object`);
    const layers = await this.layers(references, config);
    return {
      layout: references.layout,
      imageId: `sha256:${configHex}`,
      repoTags: references.repoTags,
      config,
      layers,
      problems: this.problems,
    };
  }

  // --- layouts -----------------------------------------------------------------------------------------

  private async fromDockerManifest(wantedImage: string | undefined): Promise<ImageReferences | undefined> {
    const manifest = await this.readJson('manifest.json', MAX_MANIFEST_BYTES);
    if (!Array.isArray(manifest) || manifest.length === 0) {
      throw new ImageArchiveError('manifest.json is not a list of images');
    }
    const wanted = wantedImage?.replace(/^sha256:/, '');
    const images = manifest.filter(isRecord);
    const chosen =
      (wanted !== undefined
        ? images.find((image) => typeof image['Config'] === 'string' && image['Config'].includes(wanted))
        : undefined) ?? images[0];
    if (chosen === undefined) throw new ImageArchiveError('manifest.json lists no image');
    if (images.length > 1) {
      this.problem(
        'archive-layout',
        `the archive holds ${images.length} images; the one with config ${visibleText(String(chosen['Config']))} is used`,
      );
    }
    const config = chosen['Config'];
    const layers = chosen['Layers'];
    if (typeof config !== 'string' || !Array.isArray(layers) || !layers.every((layer) => typeof layer === 'string')) {
      throw new ImageArchiveError('manifest.json does not name a config and a list of layers');
    }
    const digest = /([0-9a-f]{64})(?:\.json)?$/.exec(config)?.[1];
    const tags = chosen['RepoTags'];
    return {
      layout: 'docker',
      configPath: memberPath(config),
      ...(digest !== undefined ? { configDigest: digest } : {}),
      layers: (layers as string[]).map((layer) => ({ path: memberPath(layer) })),
      repoTags: Array.isArray(tags) ? tags.filter((tag): tag is string => typeof tag === 'string') : [],
    };
  }

  private async fromOciIndex(wantedImage: string | undefined): Promise<ImageReferences | undefined> {
    let document = await this.readJson('index.json', MAX_MANIFEST_BYTES);
    const repoTags: string[] = [];
    for (let depth = 0; depth < MAX_INDEX_DEPTH; depth += 1) {
      if (!isRecord(document)) throw new ImageArchiveError('an OCI index or manifest is not a JSON object');
      const manifests = document['manifests'];
      if (Array.isArray(manifests)) {
        const descriptors = manifests.filter(isRecord);
        const descriptor = descriptors[0];
        if (descriptor === undefined) throw new ImageArchiveError('the OCI index lists no manifest');
        if (descriptors.length > 1) {
          this.problem('archive-layout', `the OCI index lists ${descriptors.length} manifests; the first is used`);
        }
        const name = (descriptor['annotations'] as Record<string, unknown> | undefined)?.[
          'org.opencontainers.image.ref.name'
        ];
        if (typeof name === 'string') repoTags.push(name);
        document = await this.readJson(blobPath(descriptor['digest']), MAX_MANIFEST_BYTES);
        continue;
      }
      const config = document['config'];
      const layers = document['layers'];
      if (!isRecord(config) || !Array.isArray(layers)) {
        throw new ImageArchiveError('the OCI image manifest does not name a config and layers');
      }
      if (
        wantedImage !== undefined &&
        config['digest'] !== wantedImage &&
        `sha256:${wantedImage}` !== config['digest']
      ) {
        this.problem(
          'archive-layout',
          `the archive's image is ${visibleText(String(config['digest']))}, not the expected ${visibleText(wantedImage)}`,
        );
      }
      return {
        layout: 'oci',
        configPath: blobPath(config['digest']),
        configDigest: String(config['digest']).replace(/^sha256:/, ''),
        layers: layers.filter(isRecord).map((layer) => ({
          path: blobPath(layer['digest']),
          ...(typeof layer['mediaType'] === 'string' ? { mediaType: layer['mediaType'] } : {}),
        })),
        repoTags,
      };
    }
    throw new ImageArchiveError(`OCI indexes nest deeper than ${MAX_INDEX_DEPTH} levels`);
  }

  // --- layers ------------------------------------------------------------------------------------------

  private async layers(references: ImageReferences, config: Record<string, unknown>): Promise<ImageLayer[]> {
    const rootfs = config['rootfs'];
    const diffIds = isRecord(rootfs) && Array.isArray(rootfs['diff_ids']) ? rootfs['diff_ids'] : [];
    if (diffIds.length !== references.layers.length) {
      this.problem(
        'archive-layout',
        `the config lists ${diffIds.length} layer digests (diff_ids) but the manifest ${references.layers.length} layers`,
      );
    }
    const history = Array.isArray(config['history']) ? config['history'].filter(isRecord) : [];
    // Docker records ENV, LABEL, CMD… as history entries with empty_layer: true; only the others made a layer.
    const layerHistory = history.filter((entry) => entry['empty_layer'] !== true);
    if (history.length > 0 && layerHistory.length !== references.layers.length) {
      this.problem(
        'archive-layout',
        `the history has ${layerHistory.length} entries that made a layer, the image ${references.layers.length} layers: instructions are matched in order`,
      );
    }
    const layers: ImageLayer[] = [];
    for (const [index, reference] of references.layers.entries()) {
      const member = this.resolve(reference.path);
      if (member === undefined) {
        this.problem(
          'archive-layout',
          `layer ${index} (${shown(reference.path)}) is not in the archive: the image cannot be rebuilt completely`,
        );
        continue;
      }
      const range = { start: member.dataOffset, end: member.dataOffset + member.size };
      const compression = await this.compressionOf(range, reference.mediaType, index);
      if (compression === undefined) continue;
      const digest = diffIds[index];
      const createdBy = layerHistory[index]?.['created_by'];
      layers.push({
        index,
        digest: typeof digest === 'string' ? digest : '',
        ...(typeof createdBy === 'string' && createdBy !== '' ? { createdBy } : {}),
        member: member.path,
        range,
        compression,
        ...(reference.mediaType !== undefined ? { mediaType: reference.mediaType } : {}),
      });
    }
    return layers;
  }

  /** From the first bytes (the media type can be absent or wrong); undefined for formats we do not decompress. */
  private async compressionOf(
    range: { start: number; end: number },
    mediaType: string | undefined,
    index: number,
  ): Promise<LayerCompression | undefined> {
    const head = range.end - range.start >= 4 ? await readPlain(this.file, range.start, 4) : Buffer.alloc(0);
    if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) {
      this.problem(
        'compression',
        `layer ${index} is zstd-compressed, which HoldCell does not decompress: it is not indexed`,
      );
      return undefined;
    }
    const sniffed: LayerCompression = head[0] === 0x1f && head[1] === 0x8b ? 'gzip' : 'none';
    const declared =
      mediaType === undefined ? undefined : /gzip/.test(mediaType) ? 'gzip' : /zstd/.test(mediaType) ? 'zstd' : 'none';
    if (declared !== undefined && declared !== sniffed) {
      this.problem(
        'compression',
        `layer ${index} is declared ${mediaType} but its bytes are ${sniffed === 'gzip' ? 'gzip' : 'an uncompressed tar'}; read as the bytes say`,
      );
    }
    return sniffed;
  }

  // --- members -----------------------------------------------------------------------------------------

  /** The regular-file member a name leads to, through links between members (never anything on the host). */
  private resolve(path: BytePath): IndexEntry | undefined {
    let current = path;
    for (let hop = 0; hop <= MAX_LINK_HOPS; hop += 1) {
      const entry = this.members.get(current);
      if (entry === undefined) return undefined;
      if (entry.type === 'file') return entry;
      if (entry.type === 'symlink' && entry.linkTarget !== undefined) {
        const next = resolveArchiveLink(current, entry.linkTarget);
        if (next === undefined) return undefined;
        current = next;
      } else if (entry.type === 'hardlink' && entry.linkTarget !== undefined) {
        current = entry.linkTarget;
      } else return undefined;
    }
    this.problem('archive-layout', `${shown(path)} is a chain of more than ${MAX_LINK_HOPS} links between members`);
    return undefined;
  }

  private async readMember(path: BytePath, cap: number, what: string): Promise<Buffer | undefined> {
    const entry = this.resolve(path);
    if (entry === undefined) return undefined;
    if (entry.size > cap) {
      this.problem(
        'archive-layout',
        `the ${what} ${shown(path)} is ${entry.size} bytes, over the ${cap}-byte limit: not read`,
      );
      return undefined;
    }
    if (entry.dataOffset + entry.size > this.archiveBytes) {
      // Found by fuzzing: a save cut inside manifest.json escaped as the reader's "index is stale" error.
      throw new ImageArchiveError(
        `the ${what} ${shown(path)} is cut short: the archive ends at byte ${this.archiveBytes}, inside its ${entry.size} bytes (an incomplete save)`,
      );
    }
    return readPlain(this.file, entry.dataOffset, entry.size);
  }

  private async readJson(path: BytePath, cap: number): Promise<unknown> {
    const bytes = await this.readMember(path, cap, 'document');
    if (bytes === undefined)
      throw new ImageArchiveError(`${shown(path)} is missing from the archive or too big to be Docker's`);
    try {
      return JSON.parse(bytes.toString('utf8')) as unknown;
    } catch (error) {
      throw new ImageArchiveError(`${shown(path)} is not JSON: ${(error as Error).message}`);
    }
  }

  private problem(kind: TarProblem['kind'], detail: string): void {
    this.problems.push({ kind, detail });
  }
}

/** Member names and manifest strings in messages: escaped, never raw. */
function shown(path: string): string {
  return displayByteString(path);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseObject(bytes: Buffer): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(bytes.toString('utf8')) as unknown;
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A manifest's member name ("abc/layer.tar", "blobs/sha256/…") as the index spells member paths (UTF-8 bytes). */
function memberPath(name: string): BytePath {
  return normaliseTarPath(Buffer.from(name, 'utf8').toString('latin1'));
}

/** "sha256:<hex>" → "blobs/sha256/<hex>"; anything that is not a plain digest cannot name a member. */
function blobPath(digest: unknown): BytePath {
  const match = typeof digest === 'string' ? /^([a-z0-9]+):([0-9a-f]{32,128})$/.exec(digest) : null;
  if (match === null) throw new ImageArchiveError(`${JSON.stringify(digest)} is not a content digest`);
  return `blobs/${match[1]}/${match[2]}`;
}
