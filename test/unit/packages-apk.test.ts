// Package attribution from an apk installed database (hand-written fixture in apk-tools 2's documented format).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apkChecksumToSha1 } from '../../src/forensics/common/packages-apk.js';
import { buildPackageDb, type PackageDb } from '../../src/forensics/common/packages.js';

const read = (name: string) => readFileSync(new URL(`../fixtures/apk/${name}`, import.meta.url));
const sha1 = (bytes: Buffer | string) => createHash('sha1').update(bytes).digest('hex');

function alpine(installed: Buffer = read('installed')): PackageDb {
  const db = buildPackageDb([{ path: 'lib/apk/db/installed', bytes: installed }]);
  if (db === undefined) throw new Error('no apk database');
  return db;
}

describe('apk attribution', () => {
  it('given /etc/alpine-release, then it belongs to alpine-release 3.19.1-r0 with its SHA-1 from the Z: line', () => {
    const db = alpine();
    expect(db.managers).toEqual(['apk']);
    expect(db.problems).toEqual([]);
    expect(db.attribute('/etc/alpine-release')).toEqual({
      manager: 'apk',
      name: 'alpine-release',
      version: '3.19.1-r0',
      expectedChecksum: sha1(read('alpine-release')),
    });
    expect(db.digestNeeded('etc/alpine-release')).toBe('sha1');
  });

  it('given busybox, its /bin/sh link and musl’s libc link, then each has its package', () => {
    const db = alpine();
    expect(db.attribute('bin/busybox')).toMatchObject({ name: 'busybox', version: '1.36.1-r15' });
    expect(db.attribute('bin/sh')).toMatchObject({ name: 'busybox' });
    // apk checksums a symlink by its target text: that is what the Z: of musl's libc link carries.
    expect(db.attribute('lib/libc.musl-x86_64.so.1')).toMatchObject({
      name: 'musl',
      expectedChecksum: sha1('ld-musl-x86_64.so.1'),
    });
  });

  it('given folders, then one owner’s folder is attributed and a shared one (etc) is not', () => {
    const db = alpine();
    expect(db.attribute('usr/share/udhcpc')).toEqual({ manager: 'apk', name: 'busybox', version: '1.36.1-r15' });
    expect(db.attribute('etc')).toBeUndefined();
    expect(db.attribute('etc/passwd')).toBeUndefined();
  });

  it('given /etc/issue unchanged and then rewritten with a fake banner, then the tamper verdict follows the content', () => {
    const db = alpine();
    expect(db.checkTamper('etc/issue', sha1(read('issue')))).toMatchObject({ name: 'alpine-release', tampered: false });
    expect(db.checkTamper('etc/issue', sha1('Authorised use only\n'))).toMatchObject({ tampered: true });
  });

  it('given checksums in an unknown form and a block without a name, then they are problems, not guesses', () => {
    const text = `${read('installed').toString('latin1')}\nP:odd\nV:1\nF:opt\nR:a\nZ:Q2aGVsbG8=\n\nF:orphan\nR:b\n`;
    const db = alpine(Buffer.from(text, 'latin1'));
    expect(db.problems).toEqual([
      'apk: a package entry without a name (P:) lists files; they are not attributed',
      'apk: 1 file checksums are not "Q1" SHA-1 and cannot be checked',
    ]);
    expect(db.attribute('opt/a')).toEqual({ manager: 'apk', name: 'odd', version: '1' });
    expect(db.digestNeeded('opt/a')).toBeUndefined();
    expect(db.attribute('orphan/b')).toBeUndefined();
  });

  it('given a Q1 value, then it decodes to the same SHA-1 hex Node computes', () => {
    expect(apkChecksumToSha1('Q17yJ3JFNypA4mxhJJr0ou6CzsJVI=')).toBe(sha1('ld-musl-x86_64.so.1'));
    expect(apkChecksumToSha1('Q1short=')).toBeUndefined();
  });
});
