// dpkg's database as data: status (packages, states, conffiles), info/*.list and *.md5sums, and diversions.
import { displayByteString } from './byte-text.js';
import type { PackageFileRecord, ParsedRecords } from './packages.js';
import type { BytePath } from './tar-index-model.js';

/** The dpkg database files of one image, as byte strings (status first, then status.d parts, in path order). */
export interface DpkgSources {
  status: string[];
  /** File stem ("dpkg", "libc6:amd64") → contents of info/<stem>.list. */
  lists: Map<string, string>;
  /** File stem → contents of info/<stem>.md5sums (or status.d/<stem>.md5sums). */
  md5sums: Map<string, string>;
  diversions?: string;
}

export interface DpkgConffile {
  path: BytePath;
  /** Lowercase hex; absent for dpkg's "newconffile" placeholder. */
  md5?: string;
}

export interface DpkgPackage {
  name: string;
  architecture?: string;
  /** "Multi-Arch: same": several architectures may be installed, so dpkg names the package "name:arch". */
  multiArchSame: boolean;
  version?: string;
  /** Last word of Status ("installed", "config-files", "unpacked", …). */
  state: string;
  conffiles: DpkgConffile[];
}

export interface DpkgDiversion {
  to: BytePath;
  /** The diverting package, or ":" for a local (administrator's) diversion. */
  by: string;
}

/** States in which the package's files are on disk (dpkg's own meaning of "installed enough to own files"). */
const FILES_ON_DISK = new Set([
  'installed',
  'half-configured',
  'unpacked',
  'half-installed',
  'triggers-awaited',
  'triggers-pending',
]);
const MD5_LINE = /^([0-9a-fA-F]{32}) [ *](.+)$/;
const MD5 = /^[0-9a-fA-F]{32}$/;
/** Flags dpkg may append after a conffile's hash. */
const CONFFILE_FLAGS = new Set(['obsolete', 'remove-on-upgrade']);

function normalize(path: string): BytePath {
  let out = path;
  while (out.startsWith('/') || out.startsWith('./')) out = out.startsWith('/') ? out.slice(1) : out.slice(2);
  while (out.endsWith('/')) out = out.slice(0, -1);
  return out === '.' ? '' : out;
}

function lines(text: string): string[] {
  return text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

/** RFC 822-style stanzas (deb822): "Field: value", continuation lines start with a space or tab, blank lines separate. */
export function parseControlStanzas(text: string): Map<string, string>[] {
  const stanzas: Map<string, string>[] = [];
  let current = new Map<string, string>();
  let field: string | undefined;
  for (const line of lines(text)) {
    if (line.trim() === '') {
      if (current.size > 0) stanzas.push(current);
      current = new Map();
      field = undefined;
    } else if ((line.startsWith(' ') || line.startsWith('\t')) && field !== undefined) {
      current.set(field, `${current.get(field) ?? ''}\n${line}`);
    } else {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      field = line.slice(0, colon).toLowerCase();
      current.set(field, line.slice(colon + 1).trim());
    }
  }
  if (current.size > 0) stanzas.push(current);
  return stanzas;
}

function parseConffiles(value: string | undefined): DpkgConffile[] {
  const out: DpkgConffile[] = [];
  for (const line of (value ?? '').split('\n')) {
    const words = line.trim().split(/[ \t]+/);
    while (words.length > 2 && CONFFILE_FLAGS.has(words[words.length - 1] ?? '')) words.pop();
    if (words.length < 2) continue;
    const hash = words.pop() ?? '';
    // The path is what precedes the hash: split on whitespace and rejoined, since dpkg itself splits from the end.
    const path = normalize(words.join(' '));
    if (path === '') continue;
    out.push(MD5.test(hash) ? { path, md5: hash.toLowerCase() } : { path });
  }
  return out;
}

/** Packages of a status file (or a status.d part). Stanzas without a Package field are skipped. */
export function parseDpkgStatus(text: string): DpkgPackage[] {
  const packages: DpkgPackage[] = [];
  for (const stanza of parseControlStanzas(text)) {
    const name = stanza.get('package');
    if (name === undefined || name === '') continue;
    const architecture = stanza.get('architecture');
    const version = stanza.get('version');
    // Distroless status.d parts carry no Status field: a stanza there is an installed package.
    const state = (stanza.get('status') ?? 'install ok installed').split(/\s+/).pop() ?? '';
    packages.push({
      name,
      ...(architecture === undefined ? {} : { architecture }),
      multiArchSame: stanza.get('multi-arch') === 'same',
      ...(version === undefined ? {} : { version }),
      state,
      conffiles: parseConffiles(stanza.get('conffiles')),
    });
  }
  return packages;
}

/** Paths of an info/*.list file, normalised; "/." (the root every package lists) is dropped. */
export function parseDpkgList(text: string): BytePath[] {
  return lines(text)
    .filter((line) => line !== '')
    .map(normalize)
    .filter((path) => path !== '');
}

/** Path → lowercase md5 from an *.md5sums file ("<md5>  <path without leading />"), and how many lines were not that. */
export function parseDpkgMd5sums(text: string): { sums: Map<BytePath, string>; badLines: number } {
  const sums = new Map<BytePath, string>();
  let badLines = 0;
  for (const line of lines(text)) {
    if (line === '') continue;
    const match = MD5_LINE.exec(line);
    const hash = match?.[1];
    const path = match?.[2] === undefined ? '' : normalize(match[2]);
    if (hash === undefined || path === '') badLines += 1;
    else sums.set(path, hash.toLowerCase());
  }
  return { sums, badLines };
}

/** The diversions file: triples of lines (diverted path, where the package's file goes instead, diverting package). */
export function parseDpkgDiversions(text: string): { diversions: Map<BytePath, DpkgDiversion>; complete: boolean } {
  const all = lines(text);
  while (all.length > 0 && all[all.length - 1] === '') all.pop();
  const diversions = new Map<BytePath, DpkgDiversion>();
  for (let at = 0; at + 2 < all.length; at += 3) {
    const from = normalize(all[at] ?? '');
    const to = normalize(all[at + 1] ?? '');
    if (from !== '' && to !== '') diversions.set(from, { to, by: all[at + 2] ?? '' });
  }
  return { diversions, complete: all.length % 3 === 0 };
}

/** Resolves an info/ file stem to its status entry: "libc6:amd64" exactly, "dpkg" by name. */
function packageIndex(packages: readonly DpkgPackage[]): (stem: string) => DpkgPackage | undefined {
  const byKey = new Map<string, DpkgPackage>();
  const byName = new Map<string, DpkgPackage[]>();
  for (const pkg of packages) {
    if (pkg.architecture !== undefined) byKey.set(`${pkg.name}:${pkg.architecture}`, pkg);
    byName.set(pkg.name, [...(byName.get(pkg.name) ?? []), pkg]);
  }
  return (stem) => {
    if (stem.includes(':')) return byKey.get(stem);
    const named = byName.get(stem) ?? [];
    // dpkg names the files of a "Multi-Arch: same" package with its arch; a bare stem is the other kind, unless
    // the name is unambiguous (distroless status.d names its parts by package name alone).
    return named.find((pkg) => !pkg.multiArchSame) ?? (named.length === 1 ? named[0] : undefined);
  };
}

/** Every path the dpkg database attributes, with checksum and conffile flag; diversions applied. */
export function dpkgRecords(sources: DpkgSources): ParsedRecords {
  const problems: string[] = [];
  const packages: DpkgPackage[] = [];
  const seen = new Set<string>();
  for (const text of sources.status) {
    for (const pkg of parseDpkgStatus(text)) {
      const key = `${pkg.name}:${pkg.architecture ?? ''}`;
      if (seen.has(key)) {
        problems.push(`dpkg: package ${displayByteString(pkg.name)} is listed twice; the first entry counts`);
        continue;
      }
      seen.add(key);
      packages.push(pkg);
    }
  }
  const resolve = packageIndex(packages);
  const lists = new Map<DpkgPackage, BytePath[]>();
  const sums = new Map<DpkgPackage, Map<BytePath, string>>();
  for (const [stem, text] of sources.lists) {
    const pkg = resolve(stem);
    if (pkg === undefined)
      problems.push(`dpkg: ${displayByteString(stem)}.list names no package in the status database`);
    else lists.set(pkg, parseDpkgList(text));
  }
  for (const [stem, text] of sources.md5sums) {
    const pkg = resolve(stem);
    const parsed = parseDpkgMd5sums(text);
    if (parsed.badLines > 0)
      problems.push(`dpkg: ${displayByteString(stem)}.md5sums has ${parsed.badLines} unreadable lines`);
    if (pkg === undefined)
      problems.push(`dpkg: ${displayByteString(stem)}.md5sums names no package in the status database`);
    else sums.set(pkg, parsed.sums);
  }
  const diverted = sources.diversions === undefined ? undefined : parseDpkgDiversions(sources.diversions);
  if (diverted?.complete === false) problems.push('dpkg: the diversions file ends in an incomplete entry');

  const records: PackageFileRecord[] = [];
  for (const pkg of packages) {
    const onDisk = FILES_ON_DISK.has(pkg.state);
    // A removed package whose configuration was kept ("config-files") still owns its conffiles, nothing else.
    if (!onDisk && pkg.state !== 'config-files') continue;
    const md5s = sums.get(pkg) ?? new Map<BytePath, string>();
    const conffiles = new Map(pkg.conffiles.map((conffile) => [conffile.path, conffile.md5]));
    const paths = new Set<BytePath>(onDisk ? [...(lists.get(pkg) ?? []), ...md5s.keys(), ...conffiles.keys()] : []);
    if (!onDisk) for (const path of conffiles.keys()) paths.add(path);
    const name = displayByteString(
      pkg.multiArchSame && pkg.architecture !== undefined ? `${pkg.name}:${pkg.architecture}` : pkg.name,
    );
    const version = pkg.version === undefined ? undefined : displayByteString(pkg.version);
    for (const listed of paths) {
      // A diversion moves this package's file elsewhere, unless this package is the one diverting it.
      const diversion = diverted?.diversions.get(listed);
      const path = diversion !== undefined && diversion.by !== pkg.name ? diversion.to : listed;
      const isConffile = conffiles.has(listed);
      const checksum = md5s.get(listed) ?? conffiles.get(listed);
      records.push({
        path,
        manager: 'dpkg',
        name,
        ...(version === undefined ? {} : { version }),
        ...(checksum === undefined ? {} : { checksum }),
        ...(isConffile ? { conffile: true } : {}),
      });
    }
  }
  return { records, problems };
}
