// The evidence browser over a diff's two file trees: a directory's children, and capped slices of one file's bytes.
import { ContractError } from '../../contract/envelope.js';
import type { DiffSide, DirectoryEntry, EntryType } from '../common/diff-model.js';
import { byteStringToBase64, displayPath } from '../common/display-path.js';
import { fileMeta, type SideEntry } from '../common/fs-diff.js';
import { parentOf, baseName } from '../common/image-layers.js';
import type { BytePath } from '../common/tar-index-model.js';
import { contentOf, type ContentSource, type DiffViews, type EvidenceAccess } from './diff-build.js';
import type { EntryIndex } from './diff-query.js';

/** Children per directory of one side, built on first browse of that side and kept with its map. */
const childIndexes = new WeakMap<ReadonlyMap<BytePath, unknown>, Map<BytePath, BytePath[]>>();

function childIndex(entries: ReadonlyMap<BytePath, unknown>): Map<BytePath, BytePath[]> {
  let index = childIndexes.get(entries);
  if (index === undefined) {
    index = new Map();
    for (const path of entries.keys()) {
      if (path === '') continue;
      const parent = parentOf(path);
      const list = index.get(parent);
      if (list === undefined) index.set(parent, [path]);
      else list.push(path);
    }
    // Byte order of the names (paths are latin1 byte strings, so string order is byte order).
    for (const list of index.values()) list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    childIndexes.set(entries, index);
  }
  return index;
}

function sideEntries(views: DiffViews, side: DiffSide): ReadonlyMap<BytePath, SideEntry> {
  return side === 'image' ? views.image.entries : views.container;
}

function shown(path: BytePath): string {
  return path === '' ? '/' : `/${displayPath(path).path}`;
}

export interface DirectoryPage {
  entries: DirectoryEntry[];
  total: number;
  nextOffset?: number;
}

/**
 * One page of a directory's children on one side, in byte order of their names, with the change each path has
 * (if any). Only the page's entries are described: a 50,000-name folder costs its sort once, then each page.
 */
export function listChildren(
  views: DiffViews,
  side: DiffSide,
  dir: BytePath,
  changes: EntryIndex,
  page: { offset: number; limit: number },
): DirectoryPage {
  const entries = sideEntries(views, side);
  const self = entries.get(dir);
  if (dir !== '' && self === undefined) throw new ContractError('NOT_FOUND', `no ${shown(dir)} in the ${side}`);
  if (self !== undefined && self.entry.type !== 'dir') {
    throw new ContractError('BAD_INPUT', `${shown(dir)} is a ${self.entry.type} in the ${side}, not a directory`);
  }
  const children = childIndex(entries).get(dir) ?? [];
  const described = children.slice(page.offset, page.offset + page.limit).flatMap((path) => {
    const entry = entries.get(path);
    if (entry === undefined) return [];
    const name = displayPath(baseName(path));
    const change = changes.get(path)?.change;
    return [
      {
        name: name.path,
        ...(name.pathBase64 === undefined ? {} : { nameBase64: name.pathBase64 }),
        pathBase64: byteStringToBase64(path),
        meta: fileMeta(entry),
        ...(change === undefined ? {} : { change }),
      },
    ];
  });
  const next = page.offset + page.limit;
  return next < children.length
    ? { entries: described, total: children.length, nextOffset: next }
    : { entries: described, total: children.length };
}

const WHY_NO_CONTENT: Partial<Record<EntryType, string>> = {
  dir: 'is a directory: list it instead',
  symlink: 'is a symbolic link: HoldCell shows its target and never follows it',
  char: 'is a character device: the evidence holds its numbers, never its content',
  block: 'is a block device: the evidence holds its numbers, never its content',
  fifo: 'is a fifo: it has no content in the evidence',
  hardlink: 'is a hardlink whose target is not a file of the same archive',
  other: 'is an entry of a kind that has no readable content',
};

export interface FileSlice {
  base64: string;
  offset: number;
  totalBytes: number;
  truncated: boolean;
}

/** Up to `length` bytes of a regular file (or what a hardlink shares) from `offset`, read back from the evidence tar. */
export async function readSlice(
  views: DiffViews,
  evidence: EvidenceAccess,
  side: DiffSide,
  path: BytePath,
  offset: number,
  length: number,
): Promise<FileSlice> {
  let found: SideEntry | undefined;
  let source: ContentSource;
  if (side === 'image') {
    const entry = views.image.entries.get(path);
    found = entry;
    source = { side: 'image', layer: entry?.layer ?? 0 };
  } else {
    found = views.container.get(path);
    source = { side: 'container' };
  }
  if (found === undefined) throw new ContractError('NOT_FOUND', `no ${shown(path)} in the ${side}`);
  const content = contentOf(found, source);
  if (content === undefined) {
    const why = WHY_NO_CONTENT[found.entry.type] ?? 'has no readable content';
    const target =
      found.entry.type === 'symlink' && found.entry.linkTarget !== undefined
        ? ` (→ ${displayPath(found.entry.linkTarget).path})`
        : '';
    throw new ContractError('BAD_INPUT', `${shown(path)}${target} ${why}`);
  }
  const total = content.entry.size;
  const start = Math.min(offset, total);
  const bytes = await evidence.read(content.source, content.entry, start, Math.min(length, total - start));
  return {
    base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
    offset: start,
    totalBytes: total,
    truncated: start + bytes.byteLength < total,
  };
}
