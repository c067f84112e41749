// The archives the header-reader differential tests read: GNU tar-made, the hostile corpus, and every entry type.
//
// Real archives come from GNU tar (realTar, and the tar-index scene in every format GNU tar writes); hostile ones
// from the hostile-corpus generators (its streamed million-entry cases are left out: they never exist as bytes);
// the rest from the raw writer, for shapes no tar program makes (base-256 everywhere, odd typeflags, old GNU
// sparse). tar-stream's own decoder is loaded from its package folder: its exports map hides headers.js.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { hostileCases } from '../support/hostile-tar-cases.js';
import {
  base256,
  device,
  dir,
  fifo,
  file,
  gnuLong,
  hardlink,
  header,
  pax,
  symlink,
  tar,
} from '../support/hostile-tar.js';
import { realTar } from './case-fixtures.js';
import { buildTree, removeDir, run, tempDir } from './tar-index-support.js';

/** tar-stream 3's header decoder (headers.js), typed as far as these tests use it. */
export interface StreamHeaders {
  decode(
    block: Buffer,
    filenameEncoding: BufferEncoding,
    allowUnknownFormat: boolean,
  ): {
    name: string;
    linkname: string | null;
    type: string | null;
    size: number | null;
    mode: number | null;
    uid: number | null;
    gid: number | null;
    mtime: Date;
    devmajor: number | null;
    devminor: number | null;
  } | null;
  decodePax(data: Buffer): Record<string, string>;
}

const require = createRequire(import.meta.url);
export const streamHeaders = require(
  path.join(path.dirname(require.resolve('tar-stream')), 'headers.js'),
) as StreamHeaders;

export interface CorpusArchive {
  name: string;
  bytes: Buffer;
}

/** Every entry type by typeflag, numbers in base-256, GNU long names and PAX: shapes GNU tar makes rarely or never. */
export function handMadeArchives(): CorpusArchive[] {
  const typeflags = '01234567'
    .split('')
    .map((flag) =>
      header({ name: `type-${flag}`, typeflag: flag, linkname: flag === '1' || flag === '2' ? 'target' : undefined }),
    );
  return [
    { name: 'hand: typeflags 0-7', bytes: tar(typeflags) },
    {
      name: 'hand: NUL typeflag, odd flags (D M V N A Z S), a name ending in /',
      bytes: tar([
        header({ name: 'nul-flag', typeflag: 0 }),
        header({ name: 'old-dir/', typeflag: 0 }),
        ...'DMVNAZ'.split('').map((flag) => header({ name: `flag-${flag}`, typeflag: flag })),
        header({ name: 'old-sparse', typeflag: 'S', magic: 'gnu', edit: (block) => base256(block, 483, 12, 4096n) }),
      ]),
    },
    {
      name: 'hand: base-256 numbers, positive and negative',
      bytes: tar([
        file('b256', 'x', { uid: 4_000_000_000, gid: 4_000_000_001, base256: ['uid', 'gid', 'size', 'mtime'] }),
        file('before-1970', 'old', { mtime: -315_619_200 }),
        file('negative-owner', 'n', { uid: -1, gid: -1000, base256: ['uid', 'gid'] }),
        file('far-future', 'f', { mtime: 2n ** 40n }),
      ]),
    },
    {
      name: 'hand: every kind of entry with PAX and GNU long names',
      bytes: tar([
        dir('d/'),
        file('d/f', 'content'),
        symlink('d/s', '/etc/passwd'),
        hardlink('d/h', 'd/f'),
        device('d/c', 'char', 1, 3),
        device('d/b', 'block', 7, 0),
        fifo('d/p'),
        gnuLong('L', `${'long/'.repeat(40)}name`),
        file('short', 'gnu long'),
        gnuLong('K', `${'target/'.repeat(30)}t`),
        symlink('short-link', 'x'),
        pax([['comment', 'global']], { global: true }),
        pax([
          ['path', `${'p/'.repeat(80)}pax`],
          ['linkpath', 'l'.repeat(200)],
          ['mtime', '1700000000.5'],
        ]),
        symlink('pax-link', 'x'),
        pax([['size', '3']]),
        file('pax-size', 'abc'),
        file('v7', 'v7 header', { magic: 'v7' }),
        file('gnu-magic', 'old gnu', { magic: 'gnu' }),
        file('name', 'prefixed', { prefix: 'the/ustar/prefix' }),
      ]),
    },
  ];
}

/** GNU tar's archives of the tar-index scene (every entry type, hostile names, out-of-range numbers). */
async function gnuSceneArchives(): Promise<CorpusArchive[]> {
  const work = await tempDir('corpus');
  try {
    const tree = `${work}/tree`;
    await run('mkdir', [tree]);
    const root = process.getuid?.() === 0;
    await buildTree(tree, { devices: root, capability: root, outOfRange: root });
    const formats: Record<string, string[]> = {
      pax: ['--format=pax', '--xattrs', '--xattrs-include=*'],
      gnu: ['--format=gnu'],
      oldgnu: ['--format=oldgnu'],
      // Plain ustar cannot hold the long and out-of-range entries: GNU tar is told to leave them out.
      ustar: [
        '--format=ustar',
        ...['huge-uid', 'before-1970', 'after-2242', 'n'.repeat(250), 'd'.repeat(60)].map((n) => `--exclude=./${n}`),
      ],
    };
    const archives: CorpusArchive[] = [];
    for (const [format, flags] of Object.entries(formats)) {
      const target = `${work}/${format}.tar`;
      await run('tar', [...flags, '-C', tree, '-cf', target, '.']);
      archives.push({ name: `GNU tar --format=${format} of the scene`, bytes: await readFile(target) });
    }
    return archives;
  } finally {
    await removeDir(work);
  }
}

/** The hostile corpus's archives that exist as bytes (index, image and diff cases). */
export function hostileArchives(): CorpusArchive[] {
  const cases = hostileCases({ canary: '/nonexistent/canary', cwd: '/nonexistent/canary/cwd/a/b', depth: 3 });
  const archives: CorpusArchive[] = [];
  for (const hostile of cases) {
    const input = hostile.input;
    if (input.via === 'index' || input.via === 'image') archives.push({ name: hostile.id, bytes: input.bytes() });
    else if (input.via === 'diff') {
      archives.push({ name: `${hostile.id} (export)`, bytes: input.exported() });
      archives.push({ name: `${hostile.id} (save)`, bytes: input.save().bytes });
    }
  }
  return archives;
}

/** Everything: GNU tar's archives, the hand-made shapes and the hostile corpus. */
export async function corpus(): Promise<CorpusArchive[]> {
  const real = await realTar({
    'etc/passwd': 'root:x:0:0::/root:/bin/sh\n',
    [`${'long-directory-name/'.repeat(6)}file.txt`]: 'a GNU long name\n',
    'bin/tool': Buffer.alloc(3000, 7),
    empty: '',
  });
  return [
    { name: 'realTar (GNU tar, default format)', bytes: real },
    ...(await gnuSceneArchives()),
    ...handMadeArchives(),
    ...hostileArchives(),
  ];
}
