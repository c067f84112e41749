// apk's database as data: /lib/apk/db/installed (P: name, V: version, F: folder, R: file, Z: Q1 + base64 SHA-1).
import { base64ToBytes, displayByteString } from './byte-text.js';
import type { PackageFileRecord, ParsedRecords } from './packages.js';
import type { BytePath } from './tar-index-model.js';

/** apk-tools 2 writes file checksums as "Q1" + base64 of the 20-byte SHA-1 (28 characters with padding). */
const Q1_SHA1 = /^Q1([A-Za-z0-9+/]{27}=)$/;

/** The SHA-1 (lowercase hex) of an apk "Z:" value, or undefined for any other checksum form. */
export function apkChecksumToSha1(value: string): string | undefined {
  const match = Q1_SHA1.exec(value);
  const bytes = match?.[1] === undefined ? undefined : base64ToBytes(match[1]);
  return bytes === undefined ? undefined : [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

interface ApkPackage {
  name?: string;
  version?: string;
  folders: BytePath[];
  files: { path: BytePath; sha1?: string }[];
}

function joinPath(folder: BytePath, file: string): BytePath {
  return folder === '' ? file : `${folder}/${file}`;
}

/**
 * Every path the apk database lists. Packages are separated by blank lines; "F:" opens a folder (relative to /),
 * each "R:" is a file in the latest folder and the "Z:" after it is that file's checksum.
 */
export function apkRecords(text: string): ParsedRecords {
  const problems: string[] = [];
  const packages: ApkPackage[] = [];
  let current: ApkPackage = { folders: [], files: [] };
  let folder: BytePath = '';
  let unknownChecksums = 0;
  const finish = (): void => {
    if (current.name !== undefined) packages.push(current);
    else if (current.files.length > 0 || current.folders.length > 0)
      problems.push('apk: a package entry without a name (P:) lists files; they are not attributed');
    current = { folders: [], files: [] };
    folder = '';
  };
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') {
      finish();
      continue;
    }
    const key = line.slice(0, 2);
    const value = line.slice(2);
    if (key === 'P:') current.name = value;
    else if (key === 'V:') current.version = value;
    else if (key === 'F:') {
      folder = value.replace(/^\/+|\/+$/g, '');
      if (folder !== '') current.folders.push(folder);
    } else if (key === 'R:') current.files.push({ path: joinPath(folder, value) });
    else if (key === 'Z:') {
      const last = current.files[current.files.length - 1];
      const sha1 = apkChecksumToSha1(value);
      if (sha1 === undefined) unknownChecksums += 1;
      else if (last !== undefined && last.sha1 === undefined) last.sha1 = sha1;
    }
  }
  finish();
  if (unknownChecksums > 0)
    problems.push(`apk: ${unknownChecksums} file checksums are not "Q1" SHA-1 and cannot be checked`);

  const records: PackageFileRecord[] = [];
  for (const pkg of packages) {
    const name = displayByteString(pkg.name ?? '');
    const version = pkg.version === undefined ? {} : { version: displayByteString(pkg.version) };
    for (const path of pkg.folders) records.push({ path, manager: 'apk', name, ...version });
    for (const file of pkg.files) {
      records.push({
        path: file.path,
        manager: 'apk',
        name,
        ...version,
        ...(file.sha1 === undefined ? {} : { checksum: file.sha1 }),
      });
    }
  }
  return { records, problems };
}
