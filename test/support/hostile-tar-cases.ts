// The hostile-archive corpus: every case generated here (no binary fixture), with what the product must make of it.
//
// Each case names the path the product runs it through — the tar index on a case evidence file, a stream straight
// into the indexer (the million-entry and ten-thousand-level cases, which never touch the disk), the docker-save
// reader, or a whole diff over a case — and what must come out: indexed (with the facts and problems that say what
// was wrong) or refused with a specific reason. Traversal names aim at a canary tree next to the cases, relative to
// the child's working directory inside it, so "nothing written outside the case folder" is checked where an
// extractor would have written. No vitest import: the child process bundles this file.
import {
  base256,
  device,
  dir,
  dockerSave,
  emptyFiles,
  END,
  fifo,
  file,
  generated,
  gnuLong,
  hardlink,
  header,
  pax,
  sha256Hex,
  symlink,
  tar,
  utf8Bytes,
  type Bytes,
} from './hostile-tar.js';

export interface CorpusPlaces {
  /** The canary tree: a folder next to the case folders, hashed before and after the corpus runs. */
  canary: string;
  /** The child's working directory, `depth` folders below the canary. */
  cwd: string;
  depth: number;
}

/** Files the canary tree starts with (relative to it): the targets traversal names aim at, so a write would show. */
export const CANARY_FILES: Readonly<Record<string, string>> = {
  'escaped.txt': 'canary: nothing may replace this\n',
  'etc/passwd': 'root:x:0:0:canary:/root:/bin/sh\n',
  'etc/shadow': 'root:canary-hash:19000::::::\n',
  'etc/cron.d/job': '# canary cron\n',
  victim: 'canary victim\n',
  'cwd/a/b/.keep': '',
};

/** An index entry as the child reports it (byte-string paths, JSON-safe). */
export interface EntryFacts {
  path: string;
  type: string;
  mode: number;
  uid: number;
  size: number;
  mtime: string;
  linkTarget?: string;
  devMajor?: number;
  devMinor?: number;
  xattrs?: string[];
  sha256?: string;
}

/** What the child reports for one case (one JSON value per case, in its single output line). */
export interface CaseResult {
  id: string;
  /** crashed: anything but a documented error escaped (a failure whatever the case expects). */
  outcome: 'indexed' | 'rejected' | 'crashed';
  /** The rejection's message, or the crash's stack. */
  reason?: string;
  /** Problem lines as the product shows them (problemText), or a diff's summary problems. */
  problems: string[];
  complete?: boolean;
  entries: number;
  /** The entries the expectation names, and the first few. */
  facts: EntryFacts[];
  /** Diff cases: the finding rules that fired, and what browsing the hostile path answered. */
  rules?: string[];
  browse?: string[];
  ms: number;
  /** Highest RSS sampled while the case ran. */
  peakRss: number;
}

export interface Expectation {
  /** indexed: the product answered with an index (or a diff); rejected: a documented error with its reason. */
  outcome: 'indexed' | 'rejected';
  /** Matches the rejection message, or at least one problem line ("<kind> at byte N (<path>): <detail>"). */
  reason?: RegExp;
  complete?: boolean;
  entries?: number;
  /** Entries that must be in the index, with these facts. */
  has?: Record<string, Partial<EntryFacts>>;
  /** Diff cases: finding rules that must have fired. */
  rules?: string[];
}

export type CaseInput =
  /** Written into a case as a filesystem export, then indexed as the host indexes evidence. */
  | { via: 'index'; bytes: () => Buffer }
  /** Generated on the fly straight into the indexer: never one buffer, never on disk. */
  | { via: 'stream'; stream: () => AsyncIterable<Uint8Array> }
  /** Written into a case as an image save: the docker-save reader, then every layer. */
  | { via: 'image'; bytes: () => Buffer }
  /** A case with this export and this image save (and an inspect): the whole diff, plus browsing a hostile path. */
  | { via: 'diff'; exported: () => Buffer; save: () => ReturnType<typeof dockerSave>; browse?: Bytes };

export interface HostileCase {
  id: string;
  group: string;
  /** What the case is, in a responder's words. */
  about: string;
  input: CaseInput;
  expect: Expectation;
}

const up = (levels: number): string => '../'.repeat(levels);
const index = (bytes: () => Buffer): CaseInput => ({ via: 'index', bytes });
const image = (layers: () => Buffer[], options: Parameters<typeof dockerSave>[1] = {}): CaseInput => ({
  via: 'image',
  bytes: () =>
    dockerSave(
      layers().map((layer) => ({ tar: layer })),
      options,
    ).bytes,
});
const CLIMBS = /^path-climbs .*the name has a "\.\." component/;

/** A valid capability xattr (VFS_CAP_REVISION_2, cap_sys_admin + cap_net_raw permitted and effective). */
const CAPABILITY = Buffer.from([0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x20, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

/** A file nested `levels` folders deep, named by PAX (a path of 2 × levels bytes). */
const deepPath = (levels: number, leaf: string): string => `${'d/'.repeat(levels)}${leaf}`;

export function hostileCases(places: CorpusPlaces): HostileCase[] {
  const { canary, depth } = places;
  const toCanary = (name: string): string => `${up(depth)}${name}`;
  const cases: HostileCase[] = [];
  const add = (group: string, id: string, about: string, input: CaseInput, expect: Expectation): void => {
    cases.push({ id: `${group}-${id}`, group, about, input, expect });
  };

  // --- path traversal and absolute paths ------------------------------------------------------------------
  const traversal = (id: string, about: string, name: Bytes, extra: Partial<Expectation> = {}) =>
    add(
      'traversal',
      id,
      about,
      index(() => tar([file(name, 'escaped\n')])),
      {
        outcome: 'indexed',
        reason: CLIMBS,
        complete: true,
        entries: 1,
        ...extra,
      },
    );
  traversal('dotdot', 'a file named ../escaped.txt', '../escaped.txt');
  traversal('to-canary', 'a name climbing exactly to the canary from the working directory', toCanary('escaped.txt'));
  traversal('many-levels', '64 levels of ../ then etc/passwd', `${up(64)}etc/passwd`);
  traversal('middle', 'a/b/../../../escaped.txt (climbs after descending)', 'a/b/../../../escaped.txt');
  traversal('dot-segments', './.././escaped.txt', './.././escaped.txt');
  traversal('trailing', 'a name ending in /..', 'a/..', { reason: /^path-climbs .*\(a\/\.\.\)/ });
  add(
    'traversal',
    'absolute',
    'an absolute path into the canary tree',
    index(() => tar([pax([['path', `${canary}/escaped.txt`]]), file('x', 'overwritten\n')])),
    {
      outcome: 'indexed',
      complete: true,
      has: { [`${canary.slice(1)}/escaped.txt`]: { type: 'file', size: 12 } },
    },
  );
  add(
    'traversal',
    'absolute-etc',
    '/etc/passwd and //etc//cron.d/evil: absolute names are indexed under the root, nothing is written',
    index(() =>
      tar([file('/etc/passwd', 'root::0:0::/:/bin/sh\n'), file('//etc//cron.d/evil', '* * * * * root sh\n')]),
    ),
    {
      outcome: 'indexed',
      complete: true,
      has: { 'etc/passwd': { type: 'file' }, 'etc/cron.d/evil': { type: 'file' } },
    },
  );
  add(
    'traversal',
    'pax-path',
    'an innocent ustar name overridden by a PAX path that climbs',
    index(() => tar([pax([['path', toCanary('escaped.txt')]]), file('innocent.txt', 'pax wins\n')])),
    { outcome: 'indexed', reason: CLIMBS, has: { [toCanary('escaped.txt')]: { type: 'file' } } },
  );
  add(
    'traversal',
    'gnu-longname',
    'a GNU long name of 100 × ../ then escaped.txt',
    index(() => tar([gnuLong('L', `${up(100)}escaped.txt`), file('short', 'x')])),
    { outcome: 'indexed', reason: CLIMBS, entries: 1 },
  );
  add(
    'traversal',
    'ustar-prefix',
    'the ustar prefix field climbs (prefix ../../.. + name escaped.txt)',
    index(() => tar([file('escaped.txt', 'x', { prefix: '../../..' })])),
    { outcome: 'indexed', reason: /^path-climbs .*\(\.\.\/\.\.\/\.\.\/escaped\.txt\)/ },
  );
  add(
    'traversal',
    'backslashes',
    'Windows separators (..\\..\\escaped.txt) are kept as one name, not a climb',
    index(() => tar([file('..\\..\\escaped.txt', 'x')])),
    { outcome: 'indexed', complete: true, has: { '..\\..\\escaped.txt': { type: 'file' } } },
  );
  add(
    'traversal',
    'directory',
    'a directory entry that climbs',
    index(() => tar([dir('../escaped-dir/'), file('../escaped-dir/x', 'x')])),
    { outcome: 'indexed', reason: CLIMBS, entries: 2 },
  );

  // --- symlink and hardlink escapes ---------------------------------------------------------------------
  const links = (id: string, about: string, parts: () => Buffer[], expect: Partial<Expectation>) =>
    add(
      'links',
      id,
      about,
      index(() => tar(parts())),
      { outcome: 'indexed', complete: true, ...expect },
    );
  links(
    'symlink-root-then-write',
    'root → /, then root/etc/passwd (a write through the link)',
    () => [symlink('root', '/'), file('root/etc/passwd', 'owned\n')],
    { has: { root: { type: 'symlink', linkTarget: '/' }, 'root/etc/passwd': { type: 'file' } } },
  );
  links(
    'symlink-climb-then-write',
    'up → ../../../, then up/escaped.txt',
    () => [symlink('up', up(depth)), file('up/escaped.txt', 'owned\n')],
    { has: { up: { type: 'symlink', linkTarget: up(depth) } } },
  );
  links(
    'symlink-chain',
    'a → b → c → ../../.., then a/escaped.txt',
    () => [symlink('a', 'b'), symlink('b', 'c'), symlink('c', up(depth)), file('a/escaped.txt', 'owned\n')],
    { entries: 4, has: { c: { linkTarget: up(depth) } } },
  );
  links('symlink-loop', 'x → y → x, then x/f', () => [symlink('x', 'y'), symlink('y', 'x'), file('x/f', 'f')], {
    entries: 3,
  });
  links('symlink-self', 's → s', () => [symlink('s', 's')], { has: { s: { type: 'symlink', linkTarget: 's' } } });
  links(
    'symlink-into-canary',
    'a link to the canary passwd by absolute path, then a file of the same name',
    () => [symlink('link', `${canary}/etc/passwd`), file('link', 'replaced through the link\n')],
    { reason: /^duplicate-path .*\(link\): occurrence 2/ },
  );
  links(
    'symlink-dir-swap',
    'd → canary, then a directory d/ and d/x',
    () => [symlink('d', canary), dir('d/'), file('d/x', 'x')],
    { reason: /^duplicate-path .*\(d\)/ },
  );
  links('hardlink-absolute', 'h ⇒ /etc/shadow', () => [hardlink('h', '/etc/shadow')], {
    has: { h: { type: 'hardlink', linkTarget: 'etc/shadow' } },
  });
  links('hardlink-climb', `h ⇒ ${up(depth)}etc/passwd`, () => [hardlink('h', toCanary('etc/passwd'))], {
    has: { h: { type: 'hardlink', linkTarget: toCanary('etc/passwd') } },
  });
  links(
    'hardlink-chain',
    'h1 ⇒ h2 ⇒ h3 ⇒ /etc/shadow',
    () => [hardlink('h3', '/etc/shadow'), hardlink('h2', 'h3'), hardlink('h1', 'h2')],
    { entries: 3 },
  );
  links('hardlink-self', 'h ⇒ h', () => [hardlink('h', 'h')], { has: { h: { type: 'hardlink', linkTarget: 'h' } } });
  links(
    'linkpath-64k',
    'a symlink whose PAX linkpath is 64 KiB of ../',
    () => [pax([['linkpath', up(21_846)]]), symlink('long-link', 'x')],
    { has: { 'long-link': { type: 'symlink' } } },
  );

  // --- moby (Docker) breakout shapes ----------------------------------------------------------------------
  add(
    'moby',
    'cve-2014-6407-load-symlink',
    'docker load: a layer with etc → /etc, then etc/passwd (CVE-2014-6407)',
    image(() => [tar([symlink('etc', '/etc'), file('etc/passwd', 'root::0:0::/:/bin/sh\n')])]),
    { outcome: 'indexed', has: { etc: { type: 'symlink', linkTarget: '/etc' }, 'etc/passwd': { type: 'file' } } },
  );
  add(
    'moby',
    'cve-2014-9356-climb',
    'docker load: a → ../../../../, then a/b/escaped (CVE-2014-9356)',
    image(() => [tar([symlink('a', up(4)), file('a/b/escaped', 'x')])]),
    { outcome: 'indexed', has: { a: { linkTarget: up(4) } } },
  );
  add(
    'moby',
    'cve-2018-15664-cp-swap',
    'docker cp symlink-exchange shape: x → /, x/etc/cron.d/job',
    index(() => tar([symlink('x', '/'), file('x/etc/cron.d/job', '* * * * * root sh\n')])),
    { outcome: 'indexed', complete: true, has: { x: { linkTarget: '/' } } },
  );
  add(
    'moby',
    'cve-2019-14271-libnss',
    'docker cp libnss shape: a hostile libnss_files.so.2 is hashed, never loaded',
    index(() => tar([file('lib/x86_64-linux-gnu/libnss_files.so.2', '\x7fELF hostile constructor')])),
    {
      outcome: 'indexed',
      has: {
        'lib/x86_64-linux-gnu/libnss_files.so.2': { type: 'file', sha256: sha256Hex('\x7fELF hostile constructor') },
      },
    },
  );
  add(
    'moby',
    'layer-member-host-link',
    'a legacy save whose layer.tar member is a symlink to /etc/passwd on the host',
    {
      via: 'image',
      bytes: () => {
        const save = dockerSave([{ tar: tar([file('a', 'a')]), member: 'real/layer.tar' }], {
          manifest: [{ Config: 'CONFIG', RepoTags: [], Layers: ['hostile/layer.tar'] }],
        });
        return relinkManifest(save, [symlink('hostile/layer.tar', '/etc/passwd')]);
      },
    },
    { outcome: 'indexed', reason: /^archive-layout: layer 0 \(hostile\/layer\.tar\) is not in the archive/ },
  );
  add(
    'moby',
    'manifest-layer-climbs',
    'manifest.json names a layer ../../../../etc/passwd',
    {
      via: 'image',
      bytes: () =>
        relinkManifest(
          dockerSave([{ tar: tar([file('a', 'a')]) }], {
            manifest: [{ Config: 'CONFIG', Layers: [`${up(4)}etc/passwd`] }],
          }),
          [],
        ),
    },
    {
      outcome: 'indexed',
      reason: /^archive-layout: layer 0 \(\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd\) is not in the archive/,
    },
  );
  add(
    'moby',
    'manifest-config-absolute',
    'manifest.json names /etc/passwd as the image config',
    image(() => [tar([file('a', 'a')])], { manifest: [{ Config: '/etc/passwd', Layers: [] }] }),
    { outcome: 'rejected', reason: /^the image config etc\/passwd is missing or unreadable in the archive$/ },
  );
  add(
    'moby',
    'oci-digest-traversal',
    'an OCI index whose manifest digest is sha256:../../etc/passwd',
    {
      via: 'image',
      bytes: () =>
        tar([
          file('oci-layout', '{"imageLayoutVersion":"1.0.0"}'),
          file('index.json', JSON.stringify({ schemaVersion: 2, manifests: [{ digest: 'sha256:../../etc/passwd' }] })),
        ]),
    },
    { outcome: 'rejected', reason: /^"sha256:\.\.\/\.\.\/etc\/passwd" is not a content digest$/ },
  );
  add(
    'moby',
    'oci-index-loop',
    'an OCI index whose only manifest is the index itself, forever',
    {
      via: 'image',
      bytes: () => {
        const body = JSON.stringify({ schemaVersion: 2, manifests: [{ digest: `sha256:${'a'.repeat(64)}` }] });
        return tar([file('index.json', body), file(`blobs/sha256/${'a'.repeat(64)}`, body)]);
      },
    },
    { outcome: 'rejected', reason: /^OCI indexes nest deeper than 4 levels$/ },
  );
  add(
    'moby',
    'member-link-loop',
    'the layer member is a symlink to itself through a chain',
    {
      via: 'image',
      bytes: () =>
        relinkManifest(
          dockerSave([{ tar: tar([file('a', 'a')]) }], { manifest: [{ Config: 'CONFIG', Layers: ['l1'] }] }),
          [symlink('l1', 'l2'), symlink('l2', 'l1')],
        ),
    },
    { outcome: 'indexed', reason: /^archive-layout: l1 is a chain of more than 8 links between members/ },
  );

  // --- kubectl cp breakout shapes -------------------------------------------------------------------------
  add(
    'kubectl',
    'cve-2018-1002100',
    'kubectl cp: tmp/../../../escaped.txt',
    index(() => tar([file('tmp/../../../escaped.txt', 'x')])),
    {
      outcome: 'indexed',
      reason: CLIMBS,
    },
  );
  add(
    'kubectl',
    'cve-2019-1002101',
    'kubectl cp: foo → /, then foo/etc/cron.d/x',
    index(() => tar([symlink('foo', '/'), file('foo/etc/cron.d/x', '* * * * * root sh\n')])),
    { outcome: 'indexed', complete: true, has: { foo: { linkTarget: '/' } } },
  );
  add(
    'kubectl',
    'cve-2019-11246',
    'kubectl cp: ln → ../, ln/ln2 → ../, then ln/ln2/escaped',
    index(() => tar([symlink('ln', '../'), symlink('ln/ln2', '../'), file('ln/ln2/escaped', 'x')])),
    { outcome: 'indexed', complete: true, entries: 3 },
  );
  add(
    'kubectl',
    'cve-2019-11249',
    'kubectl cp: a/, a/b → ../../.., then a/b/c',
    index(() => tar([dir('a/'), symlink('a/b', up(3)), file('a/b/c', 'x')])),
    { outcome: 'indexed', has: { 'a/b': { linkTarget: up(3) } } },
  );
  add(
    'kubectl',
    'cve-2019-11251',
    'kubectl cp: link → ../../escaped, then a file named link',
    index(() => tar([symlink('link', '../../escaped'), file('link', 'through\n')])),
    { outcome: 'indexed', reason: /^duplicate-path .*\(link\)/ },
  );

  // --- tar-fs advisory shapes -----------------------------------------------------------------------------
  add(
    'tar-fs',
    'cve-2018-20834',
    'tar-fs: hardlink a ⇒ ../victim, then a file a overwriting it',
    index(() => tar([hardlink('a', toCanary('victim')), file('a', 'overwritten\n')])),
    { outcome: 'indexed', reason: /^duplicate-path .*\(a\): occurrence 2/ },
  );
  add(
    'tar-fs',
    'cve-2024-12905',
    'tar-fs: x → .., a directory x/ and x/escaped.txt',
    index(() => tar([symlink('x', '..'), dir('x/'), file('x/escaped.txt', 'x')])),
    { outcome: 'indexed', reason: /^duplicate-path .*\(x\)/ },
  );
  add(
    'tar-fs',
    'cve-2025-48387',
    'tar-fs: x/../../escaped.txt and y ⇒ x/../../../etc/passwd',
    index(() => tar([file('x/../../escaped.txt', 'x'), hardlink('y', 'x/../../../etc/passwd')])),
    { outcome: 'indexed', reason: CLIMBS, has: { y: { type: 'hardlink', linkTarget: 'x/../../../etc/passwd' } } },
  );
  add(
    'tar-fs',
    'cve-2025-59343',
    'tar-fs: a/b/c → ../../../ under a predictable folder, then a/b/c/escaped',
    index(() => tar([dir('a/b/'), symlink('a/b/c', up(3)), file('a/b/c/escaped', 'x')])),
    { outcome: 'indexed', complete: true, entries: 3 },
  );

  // --- device, fifo and socket entries --------------------------------------------------------------------
  add(
    'special',
    'char-device',
    '/dev/mem as a character device 1:1',
    index(() => tar([device('dev/mem', 'char', 1, 1)])),
    {
      outcome: 'indexed',
      has: { 'dev/mem': { type: 'char', devMajor: 1, devMinor: 1 } },
    },
  );
  add(
    'special',
    'block-device',
    '/dev/sda as a block device 8:0',
    index(() => tar([device('dev/sda', 'block', 8, 0)])),
    {
      outcome: 'indexed',
      has: { 'dev/sda': { type: 'block', devMajor: 8, devMinor: 0 } },
    },
  );
  add(
    'special',
    'fifo',
    'a fifo in /run',
    index(() => tar([fifo('run/fifo')])),
    {
      outcome: 'indexed',
      has: { 'run/fifo': { type: 'fifo', size: 0 } },
    },
  );
  add(
    'special',
    'socket-mode',
    'a regular entry whose mode says S_IFSOCK (tar has no socket type)',
    index(() => tar([file('run/docker.sock', '', { mode: 0o140777 })])),
    { outcome: 'indexed', has: { 'run/docker.sock': { type: 'file', mode: 0o777 } } },
  );
  add(
    'special',
    'unknown-typeflags',
    "typeflags 's', 'V', 'M', 'N' and 'A': kept as other, each flagged",
    index(() => tar(['s', 'V', 'M', 'A'].map((flag) => header({ name: `odd-${flag}`, typeflag: flag })))),
    {
      outcome: 'indexed',
      reason: /^unusual-entry .*typeflag "s" is not a file, link, device, fifo or directory/,
      entries: 4,
    },
  );
  add(
    'special',
    'device-huge-numbers',
    'a device whose major and minor fields are all 7s',
    index(() => tar([header({ name: 'dev/odd', typeflag: '3', devmajor: 0o7777777, devminor: 0o7777777 })])),
    { outcome: 'indexed', has: { 'dev/odd': { type: 'char', devMajor: 0o7777777, devMinor: 0o7777777 } } },
  );

  // --- setuid and capabilities ----------------------------------------------------------------------------
  add(
    'privilege',
    'setuid-root',
    'usr/bin/su, setuid root',
    index(() => tar([file('usr/bin/su', '\x7fELF', { mode: 0o4755 })])),
    {
      outcome: 'indexed',
      has: { 'usr/bin/su': { mode: 0o4755, uid: 0 } },
    },
  );
  add(
    'privilege',
    'all-special-bits',
    'mode 07777 on a file',
    index(() => tar([file('x', 'x', { mode: 0o7777 })])),
    {
      outcome: 'indexed',
      has: { x: { mode: 0o7777 } },
    },
  );
  add(
    'privilege',
    'schily-capability',
    'SCHILY.xattr.security.capability with cap_sys_admin',
    index(() =>
      tar([pax([['SCHILY.xattr.security.capability', CAPABILITY]]), file('usr/bin/tool', 'x', { mode: 0o755 })]),
    ),
    { outcome: 'indexed', has: { 'usr/bin/tool': { xattrs: ['security.capability'] } } },
  );
  add(
    'privilege',
    'libarchive-capability',
    'LIBARCHIVE.xattr.security.capability (base64) on a file',
    index(() =>
      tar([pax([['LIBARCHIVE.xattr.security.capability', CAPABILITY.toString('base64')]]), file('usr/bin/tool2', 'x')]),
    ),
    { outcome: 'indexed', has: { 'usr/bin/tool2': { xattrs: ['security.capability'] } } },
  );
  add(
    'privilege',
    'thousand-xattrs',
    '1,000 user.* xattrs and a 60 KiB security.selinux value on one file',
    index(() =>
      tar([
        pax([
          ...Array.from({ length: 1000 }, (_, n): [string, string] => [`SCHILY.xattr.user.k${n}`, `v${n}`]),
          ['SCHILY.xattr.security.selinux', 'x'.repeat(60 * 1024)],
          ['SCHILY.xattr.trusted.overlay.opaque', 'y'],
        ]),
        file('many-xattrs', 'x'),
      ]),
    ),
    { outcome: 'indexed', complete: true, entries: 1 },
  );

  // --- sparse entries declaring huge sizes ----------------------------------------------------------------
  const sparse = /^sparse .*sparse entry of \d+ bytes: indexed without materialising/;
  add(
    'sparse',
    'gnu-0.0',
    'GNU sparse 0.0: PAX GNU.sparse.size of 10^15 bytes',
    index(() =>
      tar([
        pax([
          ['GNU.sparse.size', '1000000000000000'],
          ['GNU.sparse.numblocks', '1'],
          ['GNU.sparse.offset', '999999999999488'],
          ['GNU.sparse.numbytes', '512'],
        ]),
        file('sparse-0.0', 'x'.repeat(512)),
      ]),
    ),
    { outcome: 'indexed', reason: sparse, has: { 'sparse-0.0': { size: 1_000_000_000_000_000 } } },
  );
  add(
    'sparse',
    'gnu-0.1',
    'GNU sparse 0.1: a map and a size of 2^53 − 1',
    index(() =>
      tar([
        pax([
          ['GNU.sparse.size', String(Number.MAX_SAFE_INTEGER)],
          ['GNU.sparse.numblocks', '2'],
          ['GNU.sparse.map', '0,512,9007199254740479,0'],
        ]),
        file('sparse-0.1', 'x'.repeat(512)),
      ]),
    ),
    { outcome: 'indexed', reason: sparse, has: { 'sparse-0.1': { size: Number.MAX_SAFE_INTEGER } } },
  );
  add(
    'sparse',
    'gnu-1.0',
    'GNU sparse 1.0: realsize 1 PiB, the map in the data',
    index(() =>
      tar([
        pax([
          ['GNU.sparse.major', '1'],
          ['GNU.sparse.minor', '0'],
          ['GNU.sparse.name', 'sparse-1.0'],
          ['GNU.sparse.realsize', String(2 ** 50)],
        ]),
        file('GNUSparseFile.0/sparse-1.0', '1\n0\n512\n'.padEnd(1024, '\0')),
      ]),
    ),
    { outcome: 'indexed', reason: sparse, has: { 'sparse-1.0': { size: 2 ** 50 } } },
  );
  add(
    'sparse',
    'gnu-1.0-unsafe-size',
    'GNU sparse 1.0 claiming 2^70 bytes: not an exact count, so the stored size stands',
    index(() =>
      tar([
        pax([
          ['GNU.sparse.major', '1'],
          ['GNU.sparse.minor', '0'],
          ['GNU.sparse.realsize', (2n ** 70n).toString()],
        ]),
        file('sparse-huge', '1\n0\n0\n'.padEnd(512, '\0')),
      ]),
    ),
    { outcome: 'indexed', reason: sparse, has: { 'sparse-huge': { size: 512 } } },
  );
  add(
    'sparse',
    'old-gnu',
    "old GNU 'S' with a base-256 real size of 1 TiB",
    index(() =>
      tar([
        header({
          name: 'old-sparse',
          typeflag: 'S',
          magic: 'gnu',
          size: 0,
          edit: (block) => base256(block, 483, 12, 2n ** 40n),
        }),
        file('after', 'intact\n'),
      ]),
    ),
    { outcome: 'indexed', reason: sparse, has: { 'old-sparse': { size: 2 ** 40 }, after: { size: 7 } } },
  );
  add(
    'sparse',
    'old-gnu-extended',
    "old GNU 'S' with the extension flag set and a 2^62 real size",
    index(() =>
      tar([
        header({
          name: 'old-sparse-ext',
          typeflag: 'S',
          magic: 'gnu',
          size: 0,
          edit: (block) => {
            base256(block, 483, 12, 2n ** 62n);
            block[482] = 1;
          },
        }),
      ]),
    ),
    { outcome: 'indexed', reason: /^sparse .*old GNU sparse entry with extension blocks: tar-stream cannot frame it/ },
  );

  // --- scale: nesting, a million entries, long PAX values, duplicates -------------------------------------
  add(
    'scale',
    'nesting-10000',
    '10,000 folders, each inside the last (PAX paths up to 20 KB), and a file at the bottom: streamed',
    {
      via: 'stream',
      stream: () =>
        generated(10_001, (level) =>
          level < 10_000
            ? Buffer.concat([pax([['path', `${'d/'.repeat(level + 1)}`]]), dir(`level-${level}/`)])
            : Buffer.concat([pax([['path', deepPath(10_000, 'bottom')]]), file('bottom', 'the bottom\n')]),
        ),
    },
    { outcome: 'indexed', complete: true, entries: 10_001, has: { [deepPath(10_000, 'bottom')]: { type: 'file' } } },
  );
  add(
    'scale',
    'million-entries',
    '1,000,000 empty files streamed into the indexer (512 MB of headers, never on disk)',
    {
      via: 'stream',
      stream: () => emptyFiles(1_000_000, (n) => `m/${String(n).padStart(7, '0')}`),
    },
    { outcome: 'indexed', complete: true, entries: 1_000_000 },
  );
  add(
    'scale',
    'pax-path-64k',
    'a PAX path of 64 KiB',
    index(() => tar([pax([['path', `${'p'.repeat(65_535)}/x`]]), file('short-name', 'x')])),
    { outcome: 'indexed', complete: true, has: { [`${'p'.repeat(65_535)}/x`]: { type: 'file' } } },
  );
  add(
    'scale',
    'pax-header-5m',
    'a PAX header of 5 MiB (over tar-stream’s 4 MiB limit): refused, not buffered',
    index(() => tar([file('before', 'kept'), pax([['comment', 'c'.repeat(5 * 1024 * 1024)]]), file('after', 'x')])),
    { outcome: 'indexed', reason: /^bad-header at byte 1024: Header exceeds max size/, entries: 1 },
  );
  add(
    'scale',
    'duplicates-10000',
    'the same path 10,000 times: every occurrence kept, 50 listed, the rest counted',
    index(() => tar(Array.from({ length: 10_000 }, (_, n) => file('same', String(n))))),
    {
      outcome: 'indexed',
      complete: true,
      entries: 10_000,
      reason: /^duplicate-path: 9949 more duplicate-path problems like the ones above$/,
    },
  );
  add(
    'scale',
    'duplicate-types',
    'x as a file, then a directory, then a symlink to /',
    index(() => tar([file('x', 'file'), dir('x/'), symlink('x', '/')])),
    { outcome: 'indexed', reason: /^duplicate-path .*\(x\): occurrence 3/, entries: 3 },
  );

  // --- structure: truncation, end blocks, checksums, numbers ---------------------------------------------
  const three = () => [file('a', 'a'.repeat(1000)), file('b', 'b'.repeat(3000)), file('c', '0123456789')];
  const cut = (
    id: string,
    about: string,
    bytes: () => Buffer,
    reason: RegExp | undefined,
    extra: Partial<Expectation> = {},
  ) => add('structure', id, about, index(bytes), { outcome: 'indexed', ...(reason ? { reason } : {}), ...extra });
  cut(
    'cut-in-header',
    'cut 300 bytes into the second header',
    () => tar(three()).subarray(0, 1536 + 300),
    /^truncated at byte 1836: the tar ends inside a header \(300 bytes of a header region\); 1 entries indexed before it/,
    { complete: false, entries: 1 },
  );
  cut(
    'cut-in-data',
    'cut inside the second file’s data',
    () => tar(three()).subarray(0, 2048 + 1000),
    /^truncated at byte 3048 \(b\): the tar ends inside this entry's content after 1000 of 3000 bytes/,
    { complete: false, entries: 2 },
  );
  cut(
    'no-end-blocks',
    'every entry, no end-of-archive blocks',
    () => tar(three(), { end: false }),
    /^truncated .*the tar ends without end-of-archive blocks after 3 entries: it may have been cut/,
    { complete: false, entries: 3 },
  );
  cut(
    'one-end-block',
    'only one of the two end blocks',
    () => Buffer.concat([...three(), Buffer.alloc(512)]),
    /^truncated .*without end-of-archive blocks/,
    { complete: false },
  );
  cut(
    'extra-end-blocks',
    '100 zero blocks after the end',
    () => Buffer.concat([tar(three()), Buffer.alloc(100 * 512)]),
    undefined,
    { complete: true, entries: 3 },
  );
  cut(
    'junk-after-end',
    'junk after the end blocks',
    () => Buffer.concat([tar(three()), Buffer.from('junk after the end')]),
    /^trailing-data at byte \d+: non-zero bytes \(another header, or junk\) after the end-of-archive blocks/,
    { complete: true },
  );
  cut(
    'lone-zero-block',
    'a lone zero block between two entries',
    () => tar([file('a', 'a'), Buffer.alloc(512), file('b', 'b')]),
    /^trailing-data at byte 1024: a lone zero block inside the archive/,
    { entries: 2 },
  );
  cut(
    'empty',
    'zero bytes',
    () => Buffer.alloc(0),
    /^truncated at byte 0: the tar ends without end-of-archive blocks after 0 entries/,
    { complete: false, entries: 0 },
  );
  cut('zeros-only', 'only zero blocks (an empty archive)', () => Buffer.alloc(10 * 512), undefined, {
    complete: true,
    entries: 0,
  });
  cut(
    'bad-checksum-first',
    'a wrong checksum in the first header',
    () => tar([file('a', 'a', { checksum: 'bad' }), file('b', 'b')]),
    /^bad-header at byte 0: Invalid tar header\. Maybe the tar is corrupted or it needs to be gunzipped\?; indexing stopped here, 0 entries indexed before it/,
    { entries: 0, complete: false },
  );
  cut(
    'bad-checksum-middle',
    'a wrong checksum in the second header',
    () => tar([file('a', 'a'), file('b', 'b', { checksum: 'bad' }), file('c', 'c')]),
    /^bad-header at byte 1024: Invalid tar header.*1 entries indexed before it/,
    { entries: 1 },
  );
  cut(
    'checksum-spaces',
    'a checksum field of spaces',
    () => tar([file('a', 'a', { checksum: 'missing' })]),
    /^bad-header at byte 0: Invalid tar header/,
    { entries: 0 },
  );
  cut(
    'base256-owners',
    'uid 2^60 and gid −2 in base-256: neither an exact owner, both flagged and indexed as 0',
    () => tar([file('owned', 'x', { uid: 2n ** 60n, gid: -2n })]),
    /^unusual-entry .*\(owned\): gid -2 is not a non-negative integer; indexed as 0/,
    { has: { owned: { uid: 0 } } },
  );
  cut(
    'base256-negative-size',
    'a regular file with size −1000 in base-256',
    () => tar([file('before', 'x'), file('neg', '', { size: -1000n })]),
    /^bad-header at byte 1024: Invalid header; indexing stopped here, 1 entries indexed before it/,
    { entries: 1 },
  );
  cut(
    'size-0x81',
    'a size field led by 0x81 (null to tar-stream; it once waited forever)',
    () =>
      tar([
        file('before', 'x'),
        header({ name: 'null-size', edit: (block) => (block[124] = 0x81) }),
        file('after', 'y'),
      ]),
    /^bad-header at byte 1024: the size field does not hold a byte count \(null\)/,
    { entries: 1 },
  );
  cut(
    'mtime-far-future',
    'an mtime 400 million years ahead (base-256)',
    () => tar([file('future', 'x', { mtime: 146_097n * 86_400n * 1_000_000n })]),
    undefined,
    { has: { future: { mtime: '+400001970-01-01T00:00:00Z' } } },
  );
  cut(
    'mtime-far-past',
    'an mtime 400 million years back (base-256)',
    () => tar([file('past', 'x', { mtime: -146_097n * 86_400n * 1_000_000n })]),
    undefined,
    { has: { past: { mtime: '-399998030-01-01T00:00:00Z' } } },
  );
  cut(
    'mtime-octal-max',
    'the largest octal mtime (077777777777, year 2242)',
    () => tar([file('max', 'x', { mtime: 0o77777777777 })]),
    undefined,
    { has: { max: { mtime: '2242-03-16T12:56:31Z' } } },
  );
  cut(
    'mtime-not-octal',
    'an mtime field of 9s (it once crashed the process)',
    () => tar([file('nines', 'x', { edit: (block) => block.write('99999999999\0', 136, 'latin1') })]),
    /^unusual-entry at byte 0 \(nines\): the mtime field is not an octal number; its leading octal digits are used/,
    { has: { nines: { mtime: '1970-01-01T00:00:00Z' } } },
  );
  cut(
    'pax-mtime-garbage',
    'PAX mtimes of 1e999 and -99999999999999999999.5',
    () => tar([pax([['mtime', '1e999']]), file('e', 'x'), pax([['mtime', '-99999999999999999999.5']]), file('n', 'y')]),
    /^unusual-entry .*\(e\): PAX mtime is not a number; the header mtime is used/,
    { entries: 2 },
  );
  cut(
    'pax-negative-size',
    'a PAX header with a size of −1000 (the block walk once looped forever)',
    () => tar([file('before', 'x'), header({ name: 'PaxHeaders/x', typeflag: 'x', size: -1000n }), file('x', '')]),
    /^bad-header at byte 1024: an extension header \(PAX or GNU long name\) declares a size of -1000 bytes/,
    { entries: 1 },
  );
  cut(
    'pax-length-lies',
    'a PAX record whose length runs past the header (tar-stream still takes its path: "short\\n")',
    () => tar([pax(Buffer.from('999 path=short\n')), file('liar', 'x')]),
    /^unusual-entry at byte 0: malformed PAX record at \+0 of the extended header; its later records are ignored/,
    { has: { 'short\n': { type: 'file' } } },
  );
  cut(
    'pax-length-zero',
    'a PAX record of length 0 then one of length x',
    () => tar([pax(Buffer.from('0 path=a\nx path=b\n')), file('zero', 'x')]),
    /^unusual-entry at byte 0: malformed PAX record at \+0/,
    { has: { zero: {} } },
  );
  cut(
    'v7',
    'a v7 archive (no ustar magic)',
    () => tar([file('old', 'v7', { magic: 'v7' }), file('older', 'v7', { magic: 'v7' })]),
    undefined,
    { complete: true, entries: 2 },
  );
  cut(
    'gnu-magic-prefix',
    'GNU magic with text in the ustar prefix field (GNU uses it for atime)',
    () => tar([file('gnu-name', 'x', { magic: 'gnu', prefix: 'not/a/prefix' })]),
    undefined,
    { complete: true, entries: 1 },
  );

  // --- names: bytes, controls, escapes --------------------------------------------------------------------
  const named = (id: string, about: string, name: Bytes) =>
    add(
      'names',
      id,
      about,
      index(() => tar([file(name, 'named\n')])),
      {
        outcome: 'indexed',
        complete: true,
        has: { [typeof name === 'string' ? name : name.toString('latin1')]: { type: 'file' } },
      },
    );
  named('invalid-utf8', 'bytes FF FE in a name', Buffer.from([0x6e, 0xff, 0xfe, 0x2e, 0x74, 0x78, 0x74]));
  named('overlong-utf8', 'an overlong UTF-8 slash (C0 AF)', Buffer.from([0x61, 0xc0, 0xaf, 0x62]));
  named('newline', 'a name with \\n', 'new\nline.txt');
  named('carriage-return', 'a name with \\r', 'carriage\rreturn.txt');
  named('escape-osc52', 'a name carrying an OSC 52 clipboard write', 'esc\x1b]52;c;SGVsbG8=\x07.txt');
  named('escape-csi', 'a name that clears the screen and moves the cursor', '\x1b[2J\x1b[H\x1b[31mred');
  named('bidi', 'a right-to-left override and zero-width space', utf8Bytes('invoice\u202etxt.exe\u200b'));
  named('c1-controls', 'C1 controls 0x85 and 0x9b as raw bytes', Buffer.from([0x63, 0x85, 0x9b, 0x31]));
  named('html', 'an HTML payload as a name', '<img src=x onerror=alert(1)>');
  named('full-100', 'a 100-byte name with no NUL terminator', 'n'.repeat(100));
  add(
    'names',
    'nul-in-pax',
    'a PAX path with a NUL byte inside',
    index(() => tar([pax([['path', 'before\0after']]), file('x', 'x')])),
    { outcome: 'indexed', has: { 'before\0after': { type: 'file' } } },
  );
  add(
    'names',
    'empty-and-dots',
    'names "", ".", "./" and "/"',
    index(() => tar([dir('./'), dir('/'), file('.', ''), header({ name: '', typeflag: '5' })])),
    { outcome: 'indexed', entries: 4, reason: /^duplicate-path/ },
  );

  // --- whole diffs over hostile evidence ------------------------------------------------------------------
  const baseParts = () => [
    dir('etc/'),
    file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n'),
    dir('usr/'),
    dir('usr/bin/'),
    file('usr/bin/tool', 'v1\n', { mode: 0o755 }),
  ];
  const base = () => tar(baseParts());
  const diff = (
    id: string,
    about: string,
    exported: () => Buffer[],
    expect: Partial<Expectation>,
    layers?: () => Buffer[],
    browse?: Bytes,
  ) =>
    add(
      'diff',
      id,
      about,
      {
        via: 'diff',
        exported: () => tar(exported()),
        save: () => dockerSave((layers?.() ?? [base()]).map((layer) => ({ tar: layer }))),
        ...(browse !== undefined ? { browse } : {}),
      },
      { outcome: 'indexed', ...expect },
    );
  diff(
    'traversal-and-links',
    'an export with climbing names and links out of the root, browsed through the link',
    () => [
      ...baseParts(),
      file('../escaped.txt', 'x'),
      symlink('tmp', '/etc'),
      file('tmp/shadow', 'through the link\n'),
      hardlink('hl', '/etc/shadow'),
    ],
    { reason: /path-climbs/ },
    undefined,
    'tmp',
  );
  diff(
    'setuid-and-capability',
    'an export that adds a setuid root shell and a capable binary',
    () => [
      ...baseParts(),
      file('usr/bin/rootsh', '\x7fELF', { mode: 0o4755 }),
      pax([['SCHILY.xattr.security.capability', CAPABILITY]]),
      file('usr/bin/capable', '\x7fELF', { mode: 0o755 }),
    ],
    { rules: ['setuid-setgid-added', 'file-capability-added'] },
  );
  diff(
    'whiteout-abuse',
    'image layers whose whiteouts climb, hide the root and repeat',
    () => baseParts(),
    { reason: /path-climbs/ },
    () => [
      base(),
      tar([
        file('.wh..wh..opq', ''),
        file('etc/.wh.passwd', ''),
        file('.wh.../../etc', ''),
        file('../.wh.escaped', ''),
        file('usr/.wh..wh..opq', ''),
      ]),
    ],
  );
  diff(
    'deep-nesting',
    'a file 10,000 folders deep in the export and the image',
    () => [...baseParts(), pax([['path', deepPath(10_000, 'container-bottom')]]), file('x', 'deep\n')],
    {},
    () => [tar([...baseParts(), pax([['path', deepPath(10_000, 'image-bottom')]]), file('y', 'deep\n')])],
  );
  diff(
    'hardlink-loop',
    'hardlinks that name each other in a loop, and one naming itself',
    () => [...baseParts(), hardlink('h1', 'h2'), hardlink('h2', 'h1'), hardlink('h3', 'h3')],
    { reason: /^exported hardlinks whose target is not an exported file \(3\): \/h1, \/h2, \/h3$/ },
  );
  diff(
    'devices-and-fifo',
    'an export that adds device nodes and a fifo',
    () => [...baseParts(), device('dev/mem', 'char', 1, 1), device('dev/sda', 'block', 8, 0), fifo('tmp/fifo')],
    {},
  );
  diff(
    'type-flips',
    'paths whose type changes: a file becomes a folder, a folder a symlink to /',
    () => [dir('etc/'), dir('etc/passwd/'), file('etc/passwd/x', 'x'), symlink('usr', '/')],
    {},
  );
  diff(
    'hostile-dpkg',
    'a dpkg status database full of control characters and broken stanzas',
    () => [
      ...baseParts(),
      dir('var/lib/dpkg/'),
      file(
        'var/lib/dpkg/status',
        'Package: \x1b]52;c;SGk=\x07\nStatus: install ok installed\nVersion: 1\n\nPackage\nFiles:\n /etc/../../../x 0\n\n'.repeat(
          50,
        ),
      ),
    ],
    {},
  );
  return cases;
}

/** Rewrites a docker save so its manifest names the real config, and adds link members (hostile layouts). */
function relinkManifest(save: ReturnType<typeof dockerSave>, extra: Buffer[]): Buffer {
  const text = save.bytes.toString('latin1');
  const configName = /([0-9a-f]{64})\.json/.exec(text)?.[0] ?? '';
  const manifestAt = text.lastIndexOf('manifest.json');
  const headerAt = manifestAt - (manifestAt % 512);
  const size = parseInt(text.slice(headerAt + 124, headerAt + 135), 8);
  const manifest = JSON.parse(text.slice(headerAt + 512, headerAt + 512 + size)) as { Config: string }[];
  for (const image of manifest) image.Config = configName;
  return Buffer.concat([
    save.bytes.subarray(0, headerAt),
    ...extra,
    file('manifest.json', JSON.stringify(manifest)),
    END,
  ]);
}
