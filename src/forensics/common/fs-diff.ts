// Compares the reconstructed image with the container's export: what was added, deleted, modified, re-permissioned or retyped.
import type { DiffChange, DiffEntry, FileMeta, Finding, LayerRef, PackageRef } from './diff-model.js';
import { displayPath } from './display-path.js';
import { parentOf, ProblemTally, resolveLink, type LinkedContent, type ViewEntry } from './image-layers.js';
import type { BytePath, IndexEntry } from './tar-index-model.js';

/** One side of a changed path: the indexed entry and, for a hardlink, the content it shares in its own archive. */
export interface SideEntry {
  entry: IndexEntry;
  linked?: LinkedContent;
}

export interface RawChange {
  path: BytePath;
  change: DiffChange;
  /** The image's entry (absent for added paths). */
  before?: SideEntry;
  /** The container's entry (absent for deleted paths). */
  after?: SideEntry;
  /** Index of the image layer that last wrote the original path (absent for added paths). */
  layer?: number;
}

/**
 * A difference Docker itself makes when it creates or runs any container, not the suspect: kept out of the entries
 * and counts, but listed (with what it would have been) so nothing disappears unexplained.
 */
export interface RuntimeArtefact {
  path: BytePath;
  change: DiffChange;
  reason: 'docker-init' | 'mount-point';
}

export interface FsDiffOptions {
  /** Mount destinations of the container (container-inspect Mounts[].Destination), as byte paths. */
  mountPoints?: readonly BytePath[];
}

export interface FsDiffResult {
  /** In path byte order. */
  changes: RawChange[];
  runtime: RuntimeArtefact[];
}

/**
 * What Docker's init layer (daemon/initlayer) puts into every container's root filesystem before the first process
 * runs: these paths are unlinked and recreated (empty 0755 files, directories, the mtab symlink) whatever the image
 * had, so an export always differs from the image here. The runtime's bind mounts over hosts/hostname/resolv.conf
 * never reach the export; what the suspect could write through them lands on the host, not in this filesystem.
 * A path counts as Docker's only while it is exactly what Docker makes (an empty file, a directory, the
 * /proc/mounts link): content written into /.dockerenv, say, makes it an ordinary entry again.
 */
const DOCKER_INIT: ReadonlyMap<BytePath, (entry: IndexEntry) => boolean> = new Map([
  ['.dockerenv', emptyFile],
  ['etc/resolv.conf', emptyFile],
  ['etc/hosts', emptyFile],
  ['etc/hostname', emptyFile],
  ['dev/console', emptyFile],
  ['etc/mtab', (entry: IndexEntry) => entry.type === 'symlink' && entry.linkTarget === '/proc/mounts'],
  ['dev/pts', isDir],
  ['dev/shm', isDir],
  ['proc', isDir],
  ['sys', isDir],
]);
/** Parents the init layer creates (MkdirAll) when the image lacks them. */
const DOCKER_INIT_PARENTS: ReadonlySet<BytePath> = new Set(['dev', 'etc']);

function emptyFile(entry: IndexEntry): boolean {
  return entry.type === 'file' && entry.size === 0;
}

function isDir(entry: IndexEntry): boolean {
  return entry.type === 'dir';
}

/**
 * Tar mtimes are compared to the second: `docker export` and Docker-built layers truncate them, while an imported
 * image may carry sub-second PAX times; a fraction lost in transit is not a change.
 */
export function sameSecond(a: string, b: string): boolean {
  return a === b || a.replace(/\.\d+Z$/, 'Z') === b.replace(/\.\d+Z$/, 'Z');
}

function sameXattrs(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  // Nearly every entry has none on either side: no key lists to build.
  if (a === b) return true;
  const aKeys = Object.keys(a ?? {}).sort();
  const bKeys = Object.keys(b ?? {}).sort();
  return aKeys.length === bKeys.length && aKeys.every((key, i) => key === bKeys[i] && a?.[key] === b?.[key]);
}

/** Content as the type defines it: bytes for files, target for links, numbers for devices; never followed. */
function contentDiffers(before: SideEntry, after: SideEntry): boolean {
  const b = before.entry;
  const a = after.entry;
  switch (b.type) {
    case 'file':
      return b.sha256 !== a.sha256 || b.size !== a.size;
    case 'symlink':
      return b.linkTarget !== a.linkTarget;
    case 'hardlink':
      return b.linkTarget !== a.linkTarget || before.linked?.sha256 !== after.linked?.sha256;
    case 'char':
    case 'block':
      return b.devMajor !== a.devMajor || b.devMinor !== a.devMinor;
    default:
      return false;
  }
}

/**
 * The change kind of a path present on both sides, or undefined when nothing worth reporting changed. A directory
 * whose only difference is its mtime is not reported: adding or removing any child bumps it, so it would echo
 * every other entry; a directory's mode, owner or xattrs changing is reported. (Runs for every path of the image:
 * no allocation on the way to "unchanged".)
 */
export function classify(before: SideEntry, after: SideEntry): DiffChange | undefined {
  const b = before.entry;
  const a = after.entry;
  if (b.type !== a.type) return 'type';
  if (contentDiffers(before, after)) return 'modified';
  // Some tar writers (Go's, in docker export) put the file-type bits into the mode field: only permissions count.
  const permissions = (b.mode & 0o7777) !== (a.mode & 0o7777) || b.uid !== a.uid || b.gid !== a.gid;
  const xattrs = !sameXattrs(b.xattrs, a.xattrs);
  if (permissions || xattrs) return 'metadata';
  if (sameSecond(b.mtime, a.mtime) || b.type === 'dir') return undefined;
  return 'metadata';
}

/** The container's export with each path once (the last entry counts, as in extraction), hardlinks resolved. */
export interface ContainerView {
  entries: Map<BytePath, SideEntry>;
  /** Duplicates and dangling hardlinks, said once per kind. */
  problems: string[];
}

export function viewContainer(entries: readonly IndexEntry[]): ContainerView {
  const problems = new ProblemTally();
  const view = new Map<BytePath, SideEntry>();
  const hardlinks: BytePath[] = [];
  for (const entry of entries) {
    const before = view.get(entry.path);
    if (before !== undefined)
      problems.add('paths exported twice (the last entry counts)', `/${displayPath(entry.path).path}`);
    if (entry.type === 'hardlink') hardlinks.push(entry.path);
    view.set(entry.path, { entry });
  }
  // Hardlinks afterwards, against the final map: only they need a second look.
  for (const path of hardlinks) {
    const side = view.get(path);
    if (side === undefined || side.entry.type !== 'hardlink') continue;
    const linked = resolveLink(side.entry, (target) => view.get(target)?.entry);
    if (linked === undefined)
      problems.add('exported hardlinks whose target is not an exported file', `/${displayPath(path).path}`);
    else side.linked = linked;
  }
  return { entries: view, problems: problems.sentences() };
}

function ancestorsOf(path: BytePath): BytePath[] {
  const ancestors: BytePath[] = [];
  for (let parent = parentOf(path); parent !== ''; parent = parentOf(parent)) ancestors.push(parent);
  return ancestors;
}

/** Why a change is Docker's doing rather than the suspect's, or undefined. */
function runtimeReason(
  change: RawChange,
  mountPoints: ReadonlySet<BytePath>,
  mountParents: ReadonlySet<BytePath>,
): RuntimeArtefact['reason'] | undefined {
  const after = change.after?.entry;
  if (after === undefined) return undefined;
  const expected = DOCKER_INIT.get(change.path);
  if (expected?.(after) === true) return 'docker-init';
  if (change.change !== 'added') return undefined;
  if (DOCKER_INIT_PARENTS.has(change.path) && after.type === 'dir') return 'docker-init';
  // Docker creates the mount point (and missing parents) before mounting; an empty file stands for a file bind mount.
  if (mountPoints.has(change.path) && (after.type === 'dir' || emptyFile(after))) return 'mount-point';
  if (mountParents.has(change.path) && after.type === 'dir') return 'mount-point';
  return undefined;
}

const byPathBytes = (a: RawChange, b: RawChange): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/**
 * Diffs the image view against the container export. Only changed paths are sorted (paths are latin1 byte strings,
 * so string order is byte order); the root directory is never an entry (an export may omit it).
 */
export function diffFilesystems(
  image: ReadonlyMap<BytePath, ViewEntry>,
  after: ReadonlyMap<BytePath, SideEntry>,
  options: FsDiffOptions = {},
): FsDiffResult {
  const mountPoints = new Set(options.mountPoints ?? []);
  const mountParents = new Set([...mountPoints].flatMap(ancestorsOf));
  const found: RawChange[] = [];
  for (const [path, view] of image) {
    if (path === '') continue;
    // A view entry is a side entry (entry, linked) with its layer: used as is, nothing allocated per path.
    const before: SideEntry = view;
    const now = after.get(path);
    if (now === undefined) {
      found.push({ path, change: 'deleted', before, layer: view.layer });
      continue;
    }
    const change = classify(before, now);
    if (change !== undefined) found.push({ path, change, before, after: now, layer: view.layer });
  }
  for (const [path, now] of after) {
    if (path !== '' && !image.has(path)) found.push({ path, change: 'added', after: now });
  }
  const changes: RawChange[] = [];
  const runtime: RuntimeArtefact[] = [];
  for (const change of found.sort(byPathBytes)) {
    const reason = runtimeReason(change, mountPoints, mountParents);
    if (reason === undefined) changes.push(change);
    else runtime.push({ path: change.path, change: change.change, reason });
  }
  return { changes, runtime };
}

// ---- the model's entries -------------------------------------------------------------------------------------------

/** One side's FileMeta; a hardlink shows the size and hash of the content it shares. */
export function fileMeta(side: SideEntry): FileMeta {
  const entry = side.entry;
  const content = entry.type === 'hardlink' ? side.linked : { size: entry.size, sha256: entry.sha256 };
  const meta: FileMeta = {
    type: entry.type,
    // Some writers (Go's archive/tar in docker export) put the file-type bits into the tar mode; only permissions count.
    mode: entry.mode & 0o7777,
    uid: entry.uid,
    gid: entry.gid,
    size: content?.size ?? entry.size,
    mtime: entry.mtime,
  };
  if (entry.linkTarget !== undefined) {
    const target = displayPath(entry.linkTarget);
    meta.linkTarget = target.path;
    if (target.pathBase64 !== undefined) meta.linkTargetBase64 = target.pathBase64;
  }
  if (entry.type === 'char' || entry.type === 'block') {
    if (entry.devMajor !== undefined) meta.devMajor = entry.devMajor;
    if (entry.devMinor !== undefined) meta.devMinor = entry.devMinor;
  }
  if (entry.xattrs !== undefined && Object.keys(entry.xattrs).length > 0) {
    meta.xattrs = Object.fromEntries(Object.entries(entry.xattrs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  if (content?.sha256 !== undefined) meta.sha256 = content.sha256;
  const entropy = entry.type === 'hardlink' ? side.linked?.entry.entropy : entry.entropy;
  if (entropy !== undefined) meta.entropy = entropy;
  return meta;
}

/** The model's entry for one change; package and findings are the caller's (they need the package databases). */
export function toDiffEntry(
  change: RawChange,
  layers: readonly LayerRef[],
  extras: { package?: PackageRef; findings?: Finding[] } = {},
): DiffEntry {
  const layer = change.layer === undefined ? undefined : layers.find((ref) => ref.index === change.layer);
  return {
    ...displayPath(change.path),
    change: change.change,
    ...(change.before === undefined ? {} : { before: fileMeta(change.before) }),
    ...(change.after === undefined ? {} : { after: fileMeta(change.after) }),
    ...(layer === undefined ? {} : { layer }),
    ...(extras.package === undefined ? {} : { package: extras.package }),
    findings: extras.findings ?? [],
  };
}
