// Shared scene for the tar index tests: a temp tree with every kind of entry, GNU tar to archive and list it.
//
// The checks lean on GNU tar, not on HoldCell: archives are written by `tar -c`, the expected listing comes from
// `tar -tv` (listing only, never extraction), expected hashes from node's crypto over the original files.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmod,
  lchown,
  lutimes,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  symlink,
  link,
  writeFile,
  utimes,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { normaliseTarPath } from '../../src/forensics/common/tar-path.js';

export interface RunResult {
  stdout: Buffer;
  stderr: string;
}

/** Runs a command with LC_ALL=C and TZ=UTC (GNU tar's listing and quoting then depend on nothing local). */
export function run(command: string, args: string[], options: { cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        encoding: 'buffer',
        maxBuffer: 256 * 1024 * 1024,
        timeout: 120_000,
        env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' },
        ...(options.cwd ? { cwd: options.cwd } : {}),
      },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`${command} ${args.join(' ')} failed: ${stderr.toString('utf8') || error.message}`));
        else resolve({ stdout, stderr: stderr.toString('utf8') });
      },
    );
  });
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `hc-tarindex-${prefix}-`));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** A name as raw bytes inside `dir`, as a Buffer path (so non-UTF-8 names reach the filesystem as they are). */
export function bytesPath(dir: string, name: Buffer | string): Buffer {
  return Buffer.concat([Buffer.from(`${dir}/`), typeof name === 'string' ? Buffer.from(name, 'utf8') : name]);
}

/** A byte string (the index's path form) from raw bytes. */
export const byteString = (bytes: Buffer | string): string =>
  (typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes).toString('latin1');

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export interface HostileNames {
  newline: string;
  escape: string;
  html: string;
  bidi: string;
  invalidUtf8: Buffer;
  longComponent: string;
  longPath: string;
}

export const NAMES: HostileNames = {
  newline: 'new\nline.txt',
  escape: 'esc\u001b]52;c;SGVsbG8=\u0007.txt',
  html: '<img src=x onerror=alert(1)>',
  bidi: 'invoice\u202Etxt.exe',
  invalidUtf8: Buffer.from([0x6e, 0x6f, 0x74, 0xff, 0xfe, 0x2d, 0x75, 0x74, 0x66, 0x38]),
  longComponent: 'n'.repeat(250),
  longPath: `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(120)}.txt`,
};

/** Content of every regular file in the tree, by byte-string path relative to the tree. */
export type TreeFiles = Map<string, Buffer>;

export interface TreeOptions {
  /** Device nodes (mknod needs root). */
  devices: boolean;
  /** A file with security.capability (setcap), for the PAX xattr archive. */
  capability: boolean;
  /** Entries whose numbers do not fit ustar octal fields (uid 4e9, mtimes before 1970 and after 2242). */
  outOfRange: boolean;
}

/**
 * Builds the scene: regular, empty, large (> the 256 KiB read cap and > the 1 MiB entropy threshold) files,
 * directories, setuid/setgid/sticky modes, absolute and relative symlinks to host paths, a hardlink, a fifo,
 * devices, long names, non-UTF-8 names, names with newline/ESC/HTML/bidi characters, fractional mtimes.
 */
export async function buildTree(root: string, options: TreeOptions): Promise<TreeFiles> {
  const files: TreeFiles = new Map();
  const file = async (name: string | Buffer, content: Buffer, mode = 0o644): Promise<void> => {
    const full = bytesPath(root, name);
    await writeFile(full, content, { mode });
    await chmod(full, mode);
    files.set(byteString(name), content);
  };
  await mkdir(bytesPath(root, 'etc/cron.d'), { recursive: true });
  await file('etc/cron.d/job', Buffer.from('* * * * * root /tmp/x\n'));
  await file('empty', Buffer.alloc(0));
  await file('random-700k.bin', randomBytes(700 * 1024));
  await file('random-1536k.bin', randomBytes(1536 * 1024));
  await file('zeros-1200k.bin', Buffer.alloc(1200 * 1024));
  await file('setuid-tool', Buffer.from('#!/bin/sh\necho root\n'), 0o4755);
  await mkdir(bytesPath(root, 'setgid-dir'));
  await chmod(bytesPath(root, 'setgid-dir'), 0o2755);
  await mkdir(bytesPath(root, 'sticky-dir'));
  await chmod(bytesPath(root, 'sticky-dir'), 0o1777);
  await symlink('/etc/passwd', bytesPath(root, 'abs-link'));
  await symlink('../../../../etc/shadow', bytesPath(root, 'etc/rel-link'));
  await link(bytesPath(root, 'etc/cron.d/job'), bytesPath(root, 'hardlinked-job'));
  await run('mkfifo', [path.join(root, 'fifo')]);
  if (options.devices) {
    await run('mknod', [path.join(root, 'null-like'), 'c', '1', '3']);
    await run('mknod', [path.join(root, 'loop-like'), 'b', '7', '0']);
  }
  await mkdir(bytesPath(root, path.dirname(NAMES.longPath)), { recursive: true });
  await file(NAMES.longPath, Buffer.from('deep\n'));
  await file(NAMES.longComponent, Buffer.from('long component\n'));
  await file(NAMES.invalidUtf8, Buffer.from('latin bytes\n'));
  await file(NAMES.newline, Buffer.from('newline\n'));
  await file(NAMES.escape, Buffer.from('escape\n'));
  await file(NAMES.html, Buffer.from('<script>alert(1)</script>\n'));
  await file(NAMES.bidi, Buffer.from('MZ not really\n'));
  await file('fractional-mtime', Buffer.from('time\n'));
  await utimes(bytesPath(root, 'fractional-mtime'), 1_700_000_000.25, 1_700_000_000.25);
  if (options.capability) {
    await file('capable', Buffer.from('#!/bin/sh\nping\n'), 0o755);
    await run('setcap', ['cap_net_raw+ep', path.join(root, 'capable')]);
  }
  if (options.outOfRange) {
    await file('huge-uid', Buffer.from('owner\n'));
    await lchown(bytesPath(root, 'huge-uid'), 4_000_000_000, 4_000_000_001);
    await file('before-1970', Buffer.from('old\n'));
    // Dates, not numbers: node turns a negative number of seconds into "now".
    const before1970 = new Date(Date.UTC(1960, 0, 1));
    await lutimes(bytesPath(root, 'before-1970'), before1970, before1970);
    await file('after-2242', Buffer.from('future\n'));
    // 2400-01-01: past the 11 octal digits of a ustar mtime, so GNU tar writes base-256 (gnu) or PAX (pax).
    const after2242 = new Date(Date.UTC(2400, 0, 1));
    await lutimes(bytesPath(root, 'after-2242'), after2242, after2242);
  }
  return files;
}

/** One line of `tar -tv --numeric-owner --full-time --quoting-style=escape`, names decoded back to bytes. */
export interface ListedEntry {
  typeChar: string;
  permissions: string;
  uid: number;
  gid: number;
  size?: number;
  device?: { major: number; minor: number };
  /** "YYYY-MM-DD HH:MM:SS[.fraction]" as GNU tar prints it (UTC here). */
  time: string;
  path: string;
  linkTarget?: string;
}

const LINE =
  /^(\S)(\S{9})\s+(\d+)\/(\d+)\s+(?:(\d+),\s*(\d+)|(\d+))\s+(\d{4,}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)\s+(.*)$/;

export const GNU_LIST_FLAGS = ['--numeric-owner', '--full-time', '--quoting-style=escape', '-tv'];

export async function gnuListing(tarFile: string): Promise<ListedEntry[]> {
  const { stdout } = await run('tar', [...GNU_LIST_FLAGS, '-f', tarFile]);
  return parseGnuListing(stdout);
}

export function parseGnuListing(stdout: Buffer): ListedEntry[] {
  const lines = stdout
    .toString('latin1')
    .split('\n')
    .filter((line) => line !== '');
  return lines.map((line) => {
    const match = LINE.exec(line);
    if (match === null) throw new Error(`unparsed GNU tar listing line: ${JSON.stringify(line)}`);
    const [, typeChar = '', permissions = '', uid, gid, major, minor, size, time = '', rest = ''] = match;
    let name = rest;
    let linkTarget: string | undefined;
    if (typeChar === 'l') [name, linkTarget] = splitOnce(rest, ' -> ');
    if (typeChar === 'h') [name, linkTarget] = splitOnce(rest, ' link to ');
    return {
      typeChar,
      permissions,
      uid: Number(uid),
      gid: Number(gid),
      ...(size !== undefined ? { size: Number(size) } : {}),
      ...(major !== undefined ? { device: { major: Number(major), minor: Number(minor) } } : {}),
      time,
      path: normaliseTarPath(unescapeGnu(name)),
      ...(linkTarget !== undefined ? { linkTarget: unescapeGnu(linkTarget) } : {}),
    };
  });
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  if (at < 0) throw new Error(`expected ${JSON.stringify(separator)} in ${JSON.stringify(text)}`);
  return [text.slice(0, at), text.slice(at + separator.length)];
}

const C_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  ' ': ' ',
  '?': '?',
};

/** GNU tar's "escape" quoting style back to bytes: C escapes and \ooo octal. */
export function unescapeGnu(text: string): string {
  return text.replace(/\\([0-7]{1,3}|.)/g, (_match, code: string) =>
    /^[0-7]+$/.test(code) ? String.fromCharCode(parseInt(code, 8)) : (C_ESCAPES[code] ?? code),
  );
}

/** GNU tar's "YYYY-MM-DD HH:MM:SS[.ns]" → our ISO form (fraction without trailing zeros). */
export function gnuTimeToIso(time: string): string {
  const [date, clock = ''] = time.split(' ');
  const [whole, fraction = ''] = clock.split('.');
  const trimmed = fraction.replace(/0+$/, '');
  return `${date}T${whole}${trimmed === '' ? '' : `.${trimmed}`}Z`;
}

export const TYPE_BY_CHAR: Readonly<Record<string, string>> = {
  '-': 'file',
  d: 'dir',
  l: 'symlink',
  h: 'hardlink',
  c: 'char',
  b: 'block',
  p: 'fifo',
};

/** Reads a whole file of the tree with a Buffer path (non-UTF-8 names included). */
export async function readTreeFile(root: string, name: string): Promise<Buffer> {
  return readFile(bytesPath(root, Buffer.from(name, 'latin1')));
}

/** Rewrites a header block's checksum after a test edited it (sum of bytes with the field as spaces). */
export function fixChecksum(block: Buffer): void {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block.subarray(0, 512)) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
}

/** A ustar header block made by hand, for what GNU tar refuses to write (oversized PAX headers, odd typeflags). */
export function ustarHeader(fields: { name: string; size: number; typeflag: string; mode?: number }): Buffer {
  const block = Buffer.alloc(512);
  block.write(fields.name, 0, 'latin1');
  block.write(`${(fields.mode ?? 0o644).toString(8).padStart(7, '0')}\0`, 100, 'latin1');
  block.write('0000000\0', 108, 'latin1');
  block.write('0000000\0', 116, 'latin1');
  block.write(`${fields.size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  block.write('14400000000\0', 136, 'latin1');
  block.write(fields.typeflag, 156, 'latin1');
  block.write('ustar\x0000', 257, 'latin1');
  fixChecksum(block);
  return block;
}

/** Content padded to whole 512-byte blocks. */
export function padded(content: Buffer): Buffer {
  return Buffer.concat([content, Buffer.alloc((512 - (content.length % 512)) % 512)]);
}

/** Splits bytes into chunks of `size` (a stream source cut at awkward places). */
export async function* chunked(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

export interface LayerSpec {
  /** Files of the layer by path (directories are created as needed). */
  files: Record<string, string | Buffer>;
  /** The Dockerfile instruction that made it. */
  createdBy: string;
}

export interface SavedImage {
  file: string;
  configSha256: string;
  diffIds: string[];
  /** Each layer's tar bytes as GNU tar wrote them. */
  layerTars: Buffer[];
}

export type SaveLayout = 'docker' | 'oci-gzip' | 'docker-and-oci';

/**
 * A `docker save`-shaped archive built with GNU tar and gzip (no engine): layers as tars, the config with
 * rootfs.diff_ids and a history where ENV-like instructions are empty_layer entries, then the chosen layout.
 * `linkSecondToFirst` makes layer 1's member a symlink to layer 0's, the way Docker dedups identical layers.
 */
export async function buildSaveArchive(
  work: string,
  name: string,
  layers: LayerSpec[],
  options: { layout: SaveLayout; linkSecondToFirst?: boolean },
): Promise<SavedImage> {
  const root = `${work}/${name}`;
  const save = `${root}/save`;
  await mkdir(save, { recursive: true });
  const layerTars: Buffer[] = [];
  for (const [index, layer] of layers.entries()) {
    const tree = `${root}/layer${index}`;
    await mkdir(tree, { recursive: true });
    for (const [file, content] of Object.entries(layer.files)) {
      await mkdir(path.dirname(`${tree}/${file}`), { recursive: true });
      await writeFile(`${tree}/${file}`, content);
    }
    await run('tar', [
      '--format=pax',
      '--sort=name',
      '--mtime=2024-01-01',
      '-C',
      tree,
      '-cf',
      `${root}/layer${index}.tar`,
      '.',
    ]);
    layerTars.push(await readFile(`${root}/layer${index}.tar`));
  }
  // Docker links a layer to another only when their tars are identical: the twin's bytes are the first's.
  if (options.linkSecondToFirst && layerTars[0] !== undefined) layerTars[1] = layerTars[0];
  const diffIds = layerTars.map((tar) => `sha256:${sha256(tar)}`);
  const history = layers.flatMap((layer, index) => [
    { created: '2024-01-01T00:00:00Z', created_by: `/bin/sh -c #(nop)  ENV STEP=${index}`, empty_layer: true },
    { created: '2024-01-01T00:00:00Z', created_by: layer.createdBy },
  ]);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['PATH=/bin'] },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history,
    }),
  );
  const configSha256 = sha256(config);
  const layerPaths: string[] = [];
  if (options.layout === 'docker') {
    for (const [index, tar] of layerTars.entries()) {
      const id = sha256(Buffer.from(`layer-id-${index}`));
      await mkdir(`${save}/${id}`);
      await writeFile(`${save}/${id}/VERSION`, '1.0');
      if (index === 1 && options.linkSecondToFirst) {
        await symlink(`../${layerPaths[0]}`, `${save}/${id}/layer.tar`);
      } else {
        await writeFile(`${save}/${id}/layer.tar`, tar);
      }
      layerPaths.push(`${id}/layer.tar`);
    }
    await writeFile(`${save}/${configSha256}.json`, config);
    await writeFile(
      `${save}/manifest.json`,
      JSON.stringify([{ Config: `${configSha256}.json`, RepoTags: [`test/${name}:1`], Layers: layerPaths }]),
    );
  } else {
    await mkdir(`${save}/blobs/sha256`, { recursive: true });
    const blob = async (bytes: Buffer): Promise<string> => {
      const digest = sha256(bytes);
      await writeFile(`${save}/blobs/sha256/${digest}`, bytes);
      return digest;
    };
    const descriptors = [];
    for (const [index, tar] of layerTars.entries()) {
      const gzipped = (await run('gzip', ['-n', '-c', `${root}/layer${index}.tar`])).stdout;
      const digest = await blob(options.layout === 'oci-gzip' ? gzipped : tar);
      layerPaths.push(`blobs/sha256/${digest}`);
      descriptors.push({
        mediaType:
          options.layout === 'oci-gzip'
            ? 'application/vnd.oci.image.layer.v1.tar+gzip'
            : 'application/vnd.oci.image.layer.v1.tar',
        digest: `sha256:${digest}`,
        size: (options.layout === 'oci-gzip' ? gzipped : tar).length,
      });
    }
    await blob(config);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: `sha256:${configSha256}`,
          size: config.length,
        },
        layers: descriptors,
      }),
    );
    const manifestDigest = await blob(manifest);
    await writeFile(`${save}/oci-layout`, '{"imageLayoutVersion":"1.0.0"}');
    await writeFile(
      `${save}/index.json`,
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: `sha256:${manifestDigest}`,
            size: manifest.length,
            annotations: { 'org.opencontainers.image.ref.name': `test/${name}:1` },
          },
        ],
      }),
    );
    if (options.layout === 'docker-and-oci') {
      // Docker 25+ writes both: manifest.json naming the blobs, next to the OCI index.
      await writeFile(
        `${save}/manifest.json`,
        JSON.stringify([{ Config: `blobs/sha256/${configSha256}`, RepoTags: [`test/${name}:1`], Layers: layerPaths }]),
      );
    }
  }
  const file = `${root}.tar`;
  await run('tar', ['--format=pax', '--sort=name', '-C', save, '-cf', file, '.']);
  return { file, configSha256, diffIds, layerTars };
}
