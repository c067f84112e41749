// Indexes of evidence tars under <case>/analysis/: built once, written atomically and deterministically, reloaded.
//
// Format (analysis/index-<itemId>.jsonl), one JSON value per line, UTF-8:
//   line 1  header: {"format","itemId","sha256","kind":"tar"|"image","fields":[…],"image"?:{…},"sections":[…]}
//           `sha256` is the evidence item's manifest hash: an index whose header names another hash is stale and
//           rebuilt. `sections` has one element per tar (the export: one; an image: one per layer, in layer order)
//           with its entry count, bytes, completeness, stream sha256 and problems.
//   then    every entry of section 0, then of section 1, … one line each, as a JSON array in `fields` order:
//           [path, type, mode, uid, gid, size, mtime, headerOffset, dataOffset, linkTarget, devMajor, devMinor,
//            sha256, entropy, xattrs] with absent values as null and trailing nulls dropped.
// Paths are byte strings (one char per byte), so JSON keeps any name exactly. Entries stay in tar order, keys in a
// fixed order, no timestamps of our own: the same evidence gives a byte-identical file.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { ManifestItem } from '../common/case-model.js';
import type { EntryType } from '../common/diff-model.js';
import type { IndexEntry } from '../common/tar-index-model.js';
import type { TarProblem } from '../common/tar-problem.js';
import { ANALYSIS_DIR } from './case-paths.js';
import { fsyncDir } from './durable-fs.js';
import { indexImageLayers, readImageArchive, type ImageArchive, type LayerIndex } from './image-archive.js';
import { indexTar, type TarIndex } from './tar-index.js';

export const INDEX_FORMAT = 'holdcell-tar-index/1' as const;
export const ENTRY_FIELDS = [
  'path',
  'type',
  'mode',
  'uid',
  'gid',
  'size',
  'mtime',
  'headerOffset',
  'dataOffset',
  'linkTarget',
  'devMajor',
  'devMinor',
  'sha256',
  'entropy',
  'xattrs',
] as const;

const ENTRY_TYPES: ReadonlySet<string> = new Set<EntryType>([
  'file',
  'dir',
  'symlink',
  'hardlink',
  'char',
  'block',
  'fifo',
  'other',
]);
/** Lines are written in batches of about this many characters. */
const WRITE_BATCH = 1024 * 1024;

/** The index of one evidence item: a filesystem export (one tar) or an image save (its layers). */
export type EvidenceIndex =
  | { kind: 'tar'; itemId: string; sha256: string; index: TarIndex }
  | { kind: 'image'; itemId: string; sha256: string; archive: ImageArchive; layers: LayerIndex[] };

export interface IndexOutcome {
  index: EvidenceIndex;
  /** "loaded": read back from analysis/; "built": indexed from the evidence now. */
  source: 'loaded' | 'built';
  /** Why a built index could not be saved (e.g. a sealed, read-only case); the index itself is still good. */
  saveProblem?: string;
}

export const indexFileName = (itemId: string): string => `index-${itemId}.jsonl`;

/**
 * The index of a tar evidence item (kind filesystem-export, image-save, or any tar): loaded from analysis/ when a
 * current one is there, otherwise built from the evidence file and saved. `rebuild` forces building.
 */
export async function evidenceIndex(
  caseDir: string,
  item: ManifestItem,
  options: BuildOptions & { rebuild?: boolean } = {},
): Promise<IndexOutcome> {
  if (!options.rebuild) {
    const loaded = await loadEvidenceIndex(caseDir, item);
    if (loaded !== undefined) return { index: loaded, source: 'loaded' };
  }
  const index = await buildEvidenceIndex(caseDir, item, options);
  try {
    await saveEvidenceIndex(caseDir, index);
    return { index, source: 'built' };
  } catch (error) {
    return { index, source: 'built', saveProblem: `the index could not be saved: ${(error as Error).message}` };
  }
}

export interface BuildOptions {
  signal?: AbortSignal;
  onProgress?: (bytes: number) => void;
  /** Hash on the shared hashing worker (default: by tar size); off when indexing already runs on its own thread. */
  parallelHashing?: boolean;
}

export async function buildEvidenceIndex(
  caseDir: string,
  item: ManifestItem,
  options: BuildOptions = {},
): Promise<EvidenceIndex> {
  const file = path.join(caseDir, item.path);
  const signal = options.signal ? { signal: options.signal } : {};
  const hashing = options.parallelHashing !== undefined ? { parallelHashing: options.parallelHashing } : {};
  if (item.kind === 'image-save') {
    const archive = await readImageArchive(file, {
      ...signal,
      ...(item.source.imageId ? { imageId: item.source.imageId } : {}),
    });
    const onProgress = options.onProgress;
    // Progress over the whole archive: bytes of the layers already done plus the current layer's.
    let done = 0;
    let current = -1;
    let currentBytes = 0;
    const layers = await indexImageLayers(file, archive, {
      ...signal,
      ...hashing,
      ...(onProgress
        ? {
            onProgress: (layer: number, bytes: number) => {
              if (layer !== current) {
                done += currentBytes;
                current = layer;
              }
              currentBytes = bytes;
              onProgress(done + bytes);
            },
          }
        : {}),
    });
    return { kind: 'image', itemId: item.id, sha256: item.sha256, archive, layers };
  }
  const index = await indexTar(
    { file },
    { ...signal, ...hashing, ...(options.onProgress ? { onProgress: options.onProgress } : {}) },
  );
  return { kind: 'tar', itemId: item.id, sha256: item.sha256, index };
}

// --- writing -----------------------------------------------------------------------------------------------

/** Writes analysis/index-<itemId>.jsonl atomically (temporary sibling, fsync, rename, fsync the folder). */
export async function saveEvidenceIndex(caseDir: string, index: EvidenceIndex): Promise<void> {
  const dir = path.join(caseDir, ANALYSIS_DIR);
  await mkdir(dir, { recursive: true });
  await requireRealFolder(dir);
  const name = indexFileName(index.itemId);
  const temporary = path.join(dir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(
    temporary,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o644,
  );
  try {
    let batch = `${JSON.stringify(headerOf(index))}\n`;
    for (const tar of tarsOf(index)) {
      for (const entry of tar.entries) {
        batch += `${encodeEntry(entry)}\n`;
        if (batch.length >= WRITE_BATCH) {
          await handle.write(batch, null, 'utf8');
          batch = '';
        }
      }
    }
    await handle.write(batch, null, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await handle.close();
  await rename(temporary, path.join(dir, name));
  await fsyncDir(dir);
}

/** analysis/ must be the case's own folder: a planted link would send our writes (or forged indexes) elsewhere. */
async function requireRealFolder(dir: string): Promise<void> {
  const stats = await lstat(dir);
  if (!stats.isDirectory()) {
    throw new Error(
      `${dir} is not a folder (${stats.isSymbolicLink() ? 'a symbolic link' : 'another kind of file'}); nothing is written through it`,
    );
  }
}

function tarsOf(index: EvidenceIndex): TarIndex[] {
  return index.kind === 'tar' ? [index.index] : index.layers.map((layer) => layer.index);
}

interface SectionHeader {
  entries: number;
  bytes: number;
  complete: boolean;
  sha256?: string;
  problems: TarProblem[];
  /** Image layers: which layer of the archive this section is. */
  layer?: number;
}

interface IndexHeader {
  format: typeof INDEX_FORMAT;
  itemId: string;
  sha256: string;
  kind: EvidenceIndex['kind'];
  fields: readonly string[];
  image?: ImageArchive;
  sections: SectionHeader[];
}

function sectionOf(tar: TarIndex, layer?: number): SectionHeader {
  return {
    entries: tar.entries.length,
    bytes: tar.bytes,
    complete: tar.complete,
    ...(tar.sha256 !== undefined ? { sha256: tar.sha256 } : {}),
    problems: tar.problems.map(problemOf),
    ...(layer !== undefined ? { layer } : {}),
  };
}

function headerOf(index: EvidenceIndex): IndexHeader {
  const base = {
    format: INDEX_FORMAT,
    itemId: index.itemId,
    sha256: index.sha256,
    kind: index.kind,
    fields: ENTRY_FIELDS,
  };
  if (index.kind === 'tar') return { ...base, sections: [sectionOf(index.index)] };
  return {
    ...base,
    image: archiveOf(index.archive),
    sections: index.layers.map((layer) => sectionOf(layer.index, layer.layer.index)),
  };
}

/** Fixed key order, whatever order the objects were built in. */
function archiveOf(archive: ImageArchive): ImageArchive {
  return {
    layout: archive.layout,
    imageId: archive.imageId,
    repoTags: archive.repoTags,
    config: archive.config,
    layers: archive.layers.map((layer) => ({
      index: layer.index,
      digest: layer.digest,
      ...(layer.createdBy !== undefined ? { createdBy: layer.createdBy } : {}),
      member: layer.member,
      range: { start: layer.range.start, end: layer.range.end },
      compression: layer.compression,
      ...(layer.mediaType !== undefined ? { mediaType: layer.mediaType } : {}),
    })),
    problems: archive.problems.map(problemOf),
  };
}

function problemOf(problem: TarProblem): TarProblem {
  return {
    kind: problem.kind,
    ...(problem.offset !== undefined ? { offset: problem.offset } : {}),
    ...(problem.path !== undefined ? { path: problem.path } : {}),
    detail: problem.detail,
  };
}

function encodeEntry(entry: IndexEntry): string {
  const row: unknown[] = [
    entry.path,
    entry.type,
    entry.mode,
    entry.uid,
    entry.gid,
    entry.size,
    entry.mtime,
    entry.headerOffset,
    entry.dataOffset,
    entry.linkTarget ?? null,
    entry.devMajor ?? null,
    entry.devMinor ?? null,
    entry.sha256 ?? null,
    entry.entropy ?? null,
    entry.xattrs === undefined ? null : sortedRecord(entry.xattrs),
  ];
  while (row.length > 9 && row[row.length - 1] === null) row.pop();
  return JSON.stringify(row);
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key] as string;
  return out;
}

// --- reading -----------------------------------------------------------------------------------------------

/**
 * The stored index of `item`, or undefined when there is none, it names other evidence (stale), or it does not
 * parse (half-written by a crash, edited): each of those simply means "build it again".
 */
export async function loadEvidenceIndex(
  caseDir: string,
  item: Pick<ManifestItem, 'id' | 'sha256'>,
): Promise<EvidenceIndex | undefined> {
  let text: string;
  try {
    await requireRealFolder(path.join(caseDir, ANALYSIS_DIR));
    const handle = await open(
      path.join(caseDir, ANALYSIS_DIR, indexFileName(item.id)),
      constants.O_RDONLY | constants.O_NOFOLLOW,
    );
    try {
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
  try {
    return decodeIndex(text, item);
  } catch {
    return undefined;
  }
}

class StaleIndex extends Error {}

function decodeIndex(text: string, item: Pick<ManifestItem, 'id' | 'sha256'>): EvidenceIndex {
  if (!text.endsWith('\n')) throw new StaleIndex('no final newline: cut short');
  const lines = text.slice(0, -1).split('\n');
  const header = JSON.parse(lines[0] ?? '') as IndexHeader;
  if (
    header.format !== INDEX_FORMAT ||
    header.itemId !== item.id ||
    header.sha256 !== item.sha256 ||
    JSON.stringify(header.fields) !== JSON.stringify(ENTRY_FIELDS) ||
    !Array.isArray(header.sections)
  ) {
    throw new StaleIndex('header names other evidence or another format');
  }
  const total = header.sections.reduce((sum, section) => sum + section.entries, 0);
  if (lines.length !== total + 1) throw new StaleIndex('entry count does not match the header');
  let next = 1;
  const tars = header.sections.map((section): TarIndex => {
    const entries: IndexEntry[] = new Array<IndexEntry>(section.entries);
    for (let index = 0; index < section.entries; index += 1) {
      entries[index] = decodeEntry(lines[next] ?? '');
      next += 1;
    }
    return {
      entries,
      problems: section.problems,
      bytes: section.bytes,
      complete: section.complete,
      ...(section.sha256 !== undefined ? { sha256: section.sha256 } : {}),
    };
  });
  if (header.kind === 'tar') {
    const [index] = tars;
    if (index === undefined || tars.length !== 1) throw new StaleIndex('a tar index has one section');
    return { kind: 'tar', itemId: header.itemId, sha256: header.sha256, index };
  }
  const archive = header.image;
  if (archive === undefined || !Array.isArray(archive.layers)) throw new StaleIndex('an image index without its image');
  const layers = header.sections.map((section, position): LayerIndex => {
    const layer = archive.layers.find((candidate) => candidate.index === section.layer);
    if (layer === undefined) throw new StaleIndex(`section ${position} names no layer of the image`);
    return { layer, index: tars[position] as TarIndex };
  });
  return { kind: 'image', itemId: header.itemId, sha256: header.sha256, archive, layers };
}

function decodeEntry(line: string): IndexEntry {
  const row = JSON.parse(line) as unknown[];
  const [path, type, mode, uid, gid, size, mtime, headerOffset, dataOffset] = row;
  if (
    typeof path !== 'string' ||
    typeof type !== 'string' ||
    !ENTRY_TYPES.has(type) ||
    typeof mode !== 'number' ||
    typeof uid !== 'number' ||
    typeof gid !== 'number' ||
    typeof size !== 'number' ||
    typeof mtime !== 'string' ||
    typeof headerOffset !== 'number' ||
    typeof dataOffset !== 'number'
  ) {
    throw new StaleIndex('an entry line does not have the index fields');
  }
  const entry: IndexEntry = { path, type: type as EntryType, mode, uid, gid, size, mtime, headerOffset, dataOffset };
  const [linkTarget, devMajor, devMinor, sha256, entropy, xattrs] = row.slice(9);
  if (typeof linkTarget === 'string') entry.linkTarget = linkTarget;
  if (typeof devMajor === 'number') entry.devMajor = devMajor;
  if (typeof devMinor === 'number') entry.devMinor = devMinor;
  if (typeof sha256 === 'string') entry.sha256 = sha256;
  if (typeof entropy === 'number') entry.entropy = entropy;
  if (typeof xattrs === 'object' && xattrs !== null) entry.xattrs = xattrs as Record<string, string>;
  return entry;
}
