// Package attribution: which OS package (dpkg or apk) owns an image path, and whether its content still matches.
/*
 * API for the diff engine (pure; the caller reads the bytes out of the IMAGE index, never the container's):
 *
 *   1. For every regular file of the reconstructed image, `packageDbFileKind(path)` says whether it belongs to a
 *      package database (dpkg status, status.d/*, info/*.list, info/*.md5sums, diversions; apk installed). Read
 *      those files' bytes from the image tars and pass them, with their paths, to
 *        const db = buildPackageDb(files, { mergedUsrDirs: mergedUsrDirs(imageRootEntries) });
 *      `imageRootEntries` are the image's top-level entries ("bin", "lib64", …): where "bin" is a symlink to
 *      "usr/bin" (usrmerge), the database's "/bin/ls" is the file the tar holds as "usr/bin/ls". `db` is undefined
 *      when the image has no package database. `db.managers` → DiffSummary.packageManagers; `db.problems` →
 *      DiffSummary.problems (already display-safe, capped).
 *   2. For every diff entry, added ones included (findings use "no package lists this path"):
 *        let owner = db.attribute(path);                       // PackageAttribution | undefined
 *      For a `modified` entry whose container side is a regular file, when `db.digestNeeded(path)` names an
 *      algorithm ('md5' for dpkg, 'sha1' for apk), hash the container's content with it (lowercase hex) and
 *        owner = db.checkTamper(path, hexDigest);              // same attribution, `tampered` set
 *   3. Put the attribution into DiffEntry.package and into findings' EntryFacts.package (see findings.ts): its
 *      `conffile` flag separates an administrator's configuration edit from a tampered package file.
 *
 * Paths are byte strings (one char per byte), accepted with or without a leading "/" or "./".
 */
import { bytesToByteString } from './byte-text.js';
import type { EntryType, PackageRef } from './diff-model.js';
import { apkRecords } from './packages-apk.js';
import { dpkgRecords, type DpkgSources } from './packages-dpkg.js';
import type { BytePath } from './tar-index-model.js';

export type PackageManager = PackageRef['manager'];
export type ChecksumAlgorithm = 'md5' | 'sha1';

/** A PackageRef plus whether the path is one of the package's configuration files (dpkg conffiles). */
export interface PackageAttribution extends PackageRef {
  /** dpkg conffile: the admin is expected to edit it, so a changed checksum is not by itself tampering. */
  conffile?: boolean;
}

/** One path a package database lists (normalised: no leading "/"), with what it says about it. */
export interface PackageFileRecord {
  path: BytePath;
  manager: PackageManager;
  /** Display-safe package name; dpkg "Multi-Arch: same" packages carry their architecture ("libc6:amd64"). */
  name: string;
  version?: string;
  /** Lowercase hex: md5 (dpkg) or sha1 (apk). Absent for directories, symlinks and unlisted files. */
  checksum?: string;
  conffile?: boolean;
}

/** The records a parser found, and what it could not read (display-safe sentences). */
export interface ParsedRecords {
  records: PackageFileRecord[];
  problems: string[];
}

export interface PackageDb {
  readonly managers: readonly PackageManager[];
  /** Oddities in the databases (unreadable lines, file lists without a package), display-safe, capped. */
  readonly problems: readonly string[];
  /** The package owning the path; undefined when none does, or when several share it without a checksum (a directory). */
  attribute(path: BytePath): PackageAttribution | undefined;
  /** Which digest checkTamper needs for this path; undefined when no package lists a checksum for it. */
  digestNeeded(path: BytePath): ChecksumAlgorithm | undefined;
  /** The attribution with `tampered` set from the content's hex digest (in the algorithm digestNeeded named). */
  checkTamper(path: BytePath, contentDigest: string): PackageAttribution | undefined;
}

export type PackageDbFileKind =
  'dpkg-status' | 'dpkg-status-part' | 'dpkg-list' | 'dpkg-md5sums' | 'dpkg-diversions' | 'apk-installed';

export interface PackageDbFile {
  path: BytePath;
  bytes: Uint8Array;
}

const DPKG = 'var/lib/dpkg/';
/** Top-level directories that usrmerge turns into symlinks to their /usr counterparts. */
const MERGEABLE_DIRS = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32', 'libo32'];
/** A hostile database could yield a problem per line; the summary lists this many, then a count. */
const MAX_PROBLEMS = 20;

/** Strips "./" and "/" prefixes and trailing "/": the tar index's path form. */
export function normalizePackagePath(path: BytePath): BytePath {
  let out = path;
  for (;;) {
    if (out.startsWith('./')) out = out.slice(2);
    else if (out.startsWith('/')) out = out.slice(1);
    else break;
  }
  while (out.endsWith('/')) out = out.slice(0, -1);
  return out === '.' ? '' : out;
}

/** Which package database file this image path is, if any (the caller reads exactly these files). */
export function packageDbFileKind(path: BytePath): PackageDbFileKind | undefined {
  const normal = normalizePackagePath(path);
  if (normal === 'lib/apk/db/installed' || normal === 'usr/lib/apk/db/installed') return 'apk-installed';
  if (!normal.startsWith(DPKG)) return undefined;
  const rest = normal.slice(DPKG.length);
  if (rest === 'status') return 'dpkg-status';
  if (rest === 'diversions') return 'dpkg-diversions';
  const [folder, file, extra] = rest.split('/');
  if (extra !== undefined || file === undefined || file === '' || file.startsWith('.')) return undefined;
  // Distroless images have no info/: one status stanza per file in status.d/, with "<package>.md5sums" beside it.
  if (folder === 'status.d') return file.endsWith('.md5sums') ? 'dpkg-md5sums' : 'dpkg-status-part';
  if (folder !== 'info') return undefined;
  if (file.endsWith('.list')) return 'dpkg-list';
  if (file.endsWith('.md5sums')) return 'dpkg-md5sums';
  return undefined;
}

/** The usrmerge symlinks among the image's top-level entries: "bin" → "usr/bin" and the like. */
export function mergedUsrDirs(
  rootEntries: Iterable<{ path: BytePath; type: EntryType; linkTarget?: BytePath }>,
): string[] {
  const merged: string[] = [];
  for (const entry of rootEntries) {
    const name = normalizePackagePath(entry.path);
    if (entry.type !== 'symlink' || !MERGEABLE_DIRS.includes(name) || entry.linkTarget === undefined) continue;
    if (normalizePackagePath(entry.linkTarget) === `usr/${name}`) merged.push(name);
  }
  return [...new Set(merged)].sort();
}

function fileStem(path: BytePath, suffix: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return suffix === '' ? name : name.slice(0, -suffix.length);
}

/** Collects the database files by kind, in path order so the result does not depend on the caller's order. */
function gatherSources(files: Iterable<PackageDbFile>): { dpkg?: DpkgSources; apk?: string } {
  const sorted = [...files]
    .map((file) => ({ path: normalizePackagePath(file.path), bytes: file.bytes }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const dpkg: DpkgSources = { status: [], lists: new Map(), md5sums: new Map() };
  let sawDpkg = false;
  let apk: string | undefined;
  for (const file of sorted) {
    const kind = packageDbFileKind(file.path);
    if (kind === undefined) continue;
    const text = bytesToByteString(file.bytes);
    if (kind === 'apk-installed') {
      apk = apk === undefined ? text : `${apk}\n\n${text}`;
      continue;
    }
    sawDpkg = true;
    if (kind === 'dpkg-status' || kind === 'dpkg-status-part') dpkg.status.push(text);
    else if (kind === 'dpkg-list') dpkg.lists.set(fileStem(file.path, '.list'), text);
    else if (kind === 'dpkg-md5sums') dpkg.md5sums.set(fileStem(file.path, '.md5sums'), text);
    else dpkg.diversions = text;
  }
  return { ...(sawDpkg ? { dpkg } : {}), ...(apk === undefined ? {} : { apk }) };
}

function compareRecords(a: PackageFileRecord, b: PackageFileRecord): number {
  if (a.manager !== b.manager) return a.manager < b.manager ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function toAttribution(record: PackageFileRecord): PackageAttribution {
  return {
    manager: record.manager,
    name: record.name,
    ...(record.version === undefined ? {} : { version: record.version }),
    ...(record.checksum === undefined ? {} : { expectedChecksum: record.checksum }),
    ...(record.conffile === true ? { conffile: true } : {}),
  };
}

function capProblems(problems: string[]): string[] {
  if (problems.length <= MAX_PROBLEMS) return problems;
  return [...problems.slice(0, MAX_PROBLEMS), `package databases: ${problems.length - MAX_PROBLEMS} more problems`];
}

class IndexedPackageDb implements PackageDb {
  private readonly owners = new Map<BytePath, PackageFileRecord[]>();
  private readonly merged: ReadonlySet<string>;

  constructor(
    readonly managers: readonly PackageManager[],
    records: readonly PackageFileRecord[],
    readonly problems: readonly string[],
    mergedDirs: readonly string[],
  ) {
    this.merged = new Set(mergedDirs);
    for (const record of records) {
      const key = this.canonical(record.path);
      if (key === '') continue;
      const list = this.owners.get(key);
      if (list === undefined) this.owners.set(key, [record]);
      else list.push(record);
    }
    for (const list of this.owners.values()) list.sort(compareRecords);
  }

  /** One spelling per file: under usrmerge "bin/ls" and "usr/bin/ls" are the same file, keyed as "usr/bin/ls". */
  private canonical(path: BytePath): BytePath {
    const normal = normalizePackagePath(path);
    const slash = normal.indexOf('/');
    return slash > 0 && this.merged.has(normal.slice(0, slash)) ? `usr/${normal}` : normal;
  }

  private withChecksum(path: BytePath): PackageFileRecord[] {
    return (this.owners.get(this.canonical(path)) ?? []).filter((record) => record.checksum !== undefined);
  }

  private owner(path: BytePath): PackageFileRecord | undefined {
    const records = this.owners.get(this.canonical(path));
    if (records === undefined) return undefined;
    // A file listed by several packages (Multi-Arch: same siblings) goes to the first in name order that has a
    // checksum; a directory every package lists is nobody's in particular.
    const checked = records.find((record) => record.checksum !== undefined);
    if (checked !== undefined) return checked;
    const first = records[0];
    return first !== undefined && records.every((record) => record.name === first.name) ? first : undefined;
  }

  attribute = (path: BytePath): PackageAttribution | undefined => {
    const record = this.owner(path);
    return record === undefined ? undefined : toAttribution(record);
  };

  digestNeeded = (path: BytePath): ChecksumAlgorithm | undefined => {
    const record = this.withChecksum(path)[0];
    if (record === undefined) return undefined;
    return record.manager === 'dpkg' ? 'md5' : 'sha1';
  };

  checkTamper = (path: BytePath, contentDigest: string): PackageAttribution | undefined => {
    const candidates = this.withChecksum(path);
    if (candidates.length === 0) return this.attribute(path);
    const digest = contentDigest.toLowerCase();
    const matching = candidates.find((record) => record.checksum === digest);
    const chosen = matching ?? candidates[0];
    return chosen === undefined ? undefined : { ...toAttribution(chosen), tampered: matching === undefined };
  };
}

/**
 * Builds the attribution index from the image's package database files. Undefined when none of the files is a
 * package database. Never throws on bad content: what it cannot read becomes a problem.
 */
export function buildPackageDb(
  files: Iterable<PackageDbFile>,
  options: { mergedUsrDirs?: readonly string[] } = {},
): PackageDb | undefined {
  const sources = gatherSources(files);
  const managers: PackageManager[] = [];
  const records: PackageFileRecord[] = [];
  const problems: string[] = [];
  for (const [manager, parsed] of [
    ['dpkg', sources.dpkg === undefined ? undefined : dpkgRecords(sources.dpkg)],
    ['apk', sources.apk === undefined ? undefined : apkRecords(sources.apk)],
  ] as const) {
    if (parsed === undefined) continue;
    managers.push(manager);
    records.push(...parsed.records);
    problems.push(...parsed.problems);
  }
  if (managers.length === 0) return undefined;
  return new IndexedPackageDb(managers, records, capProblems(problems), options.mergedUsrDirs ?? []);
}
