// The container-versus-image comparison: change kinds, both sides kept, Docker's own artefacts set apart, byte order.
import { describe, expect, it } from 'vitest';
import { diffFilesystems as diffViews, sameSecond, viewContainer } from '../../src/forensics/common/fs-diff.js';
import { reconstructImage } from '../../src/forensics/common/image-layers.js';
import type { IndexEntry } from '../../src/forensics/common/tar-index-model.js';
import { indexEntryFactory } from './index-entry-fixture.js';

const entry = indexEntryFactory({ size: 3, step: 1024 });

/** The export as the diff sees it, problems (duplicates) kept beside the result. */
function diffFilesystems(image: ReturnType<typeof reconstructImage>['entries'], exported: IndexEntry[], options = {}) {
  const container = viewContainer(exported);
  return {
    ...diffViews(image, container.entries, options),
    problems: container.problems,
    containerEntries: container.entries.size,
  };
}

const image = (entries: IndexEntry[]) =>
  reconstructImage([{ ref: { index: 0, digest: 'sha256:base' }, entries }]).entries;

const IMAGE = [
  entry('', { type: 'dir' }),
  entry('bin/'),
  entry('bin/sh', { mode: 0o755 }),
  entry('bin/ls', { type: 'symlink', linkTarget: 'sh', size: 0 }),
  entry('dev/'),
  entry('dev/null', { type: 'char', devMajor: 1, devMinor: 3, size: 0 }),
  entry('etc/'),
  entry('etc/passwd'),
  entry('etc/shadow', { mode: 0o640 }),
  entry('etc/motd'),
  entry('etc/hosts', { size: 200, sha256: 'debian-hosts' }),
  entry('etc/hostname', { size: 9, sha256: 'debian-hostname' }),
  entry('tmp/', { mode: 0o1777 }),
  entry('var/'),
  entry('var/log/'),
  entry('var/log/dpkg.log'),
];

describe('diffing a container export against its image', () => {
  it('given an export identical to the image (root entry omitted), then there is no change at all', () => {
    const result = diffFilesystems(image(IMAGE), IMAGE.slice(1));
    expect(result.changes).toEqual([]);
    expect(result.runtime).toEqual([]);
    expect(result.containerEntries).toBe(IMAGE.length - 1);
  });

  it('given each kind of change, then each path gets exactly its kind, in byte order, with both sides kept', () => {
    const exported = [
      entry('bin/'),
      entry('bin/sh', { mode: 0o4755 }), // setuid added: metadata
      entry('bin/ls', { type: 'symlink', linkTarget: '/tmp/evil', size: 0 }), // link target: modified
      entry('dev/', { mtime: '2024-05-05T05:05:05.000Z' }), // directory mtime only: noise
      entry('dev/null', { type: 'char', devMajor: 1, devMinor: 5, size: 0 }), // device numbers: modified
      entry('etc/'),
      entry('etc/passwd', { sha256: 'with-uid-0-user', size: 40 }), // modified
      entry('etc/shadow', { mode: 0o640, uid: 1000 }), // owner: metadata
      entry('etc/motd', { type: 'symlink', linkTarget: '/etc/issue', size: 0 }), // type
      entry('etc/hosts', { size: 200, sha256: 'debian-hosts' }),
      entry('etc/hostname', { size: 9, sha256: 'debian-hostname' }),
      entry('tmp/', { mode: 0o1777 }),
      entry('tmp/.x/'),
      entry('tmp/.x/miner', { mode: 0o755 }), // added
      entry('var/'),
      entry('var/log/'),
      // var/log/dpkg.log deleted
    ];
    const { changes } = diffFilesystems(image(IMAGE), exported);
    expect(changes.map((c) => [c.path, c.change])).toEqual([
      ['bin/ls', 'modified'],
      ['bin/sh', 'metadata'],
      ['dev/null', 'modified'],
      ['etc/motd', 'type'],
      ['etc/passwd', 'modified'],
      ['etc/shadow', 'metadata'],
      ['tmp/.x', 'added'],
      ['tmp/.x/miner', 'added'],
      ['var/log/dpkg.log', 'deleted'],
    ]);
    const passwd = changes.find((c) => c.path === 'etc/passwd');
    expect(passwd?.before?.entry.sha256).toBe('sha-of-etc/passwd');
    expect(passwd?.after?.entry.sha256).toBe('with-uid-0-user');
    expect(passwd?.layer).toBe(0);
    const added = changes.find((c) => c.path === 'tmp/.x/miner');
    expect(added?.before).toBeUndefined();
    expect(added?.layer).toBeUndefined();
    const deleted = changes.find((c) => c.path === 'var/log/dpkg.log');
    expect(deleted?.after).toBeUndefined();
    expect(deleted?.before?.entry.path).toBe('var/log/dpkg.log');
  });

  it('given a directory whose mode or owner changed besides its mtime, then it is reported as metadata', () => {
    const exported = IMAGE.slice(1).map((e) =>
      e.path === 'tmp' ? { ...e, mode: 0o777, mtime: '2025-01-01T00:00:00.000Z' } : e,
    );
    expect(diffFilesystems(image(IMAGE), exported).changes.map((c) => [c.path, c.change])).toEqual([
      ['tmp', 'metadata'],
    ]);
  });

  it('given only a file mtime changed (a backdated or touched file), then it is metadata; the same content is never modified', () => {
    const exported = IMAGE.slice(1).map((e) =>
      e.path === 'etc/motd' ? { ...e, mtime: '2019-03-03T00:00:00.000Z' } : e,
    );
    expect(diffFilesystems(image(IMAGE), exported).changes.map((c) => [c.path, c.change])).toEqual([
      ['etc/motd', 'metadata'],
    ]);
  });

  it('given an xattr (a file capability) added, then it is metadata', () => {
    const exported = IMAGE.slice(1).map((e) =>
      e.path === 'bin/sh' ? { ...e, xattrs: { 'security.capability': 'AQAAAgAgAAAAAAAAAAAAAAAAAAA=' } } : e,
    );
    expect(diffFilesystems(image(IMAGE), exported).changes.map((c) => [c.path, c.change])).toEqual([
      ['bin/sh', 'metadata'],
    ]);
  });

  it('given mtimes that differ only below the second (an imported image with PAX times, an export truncating them), then nothing changed', () => {
    expect(sameSecond('2024-01-01T00:00:00.700Z', '2024-01-01T00:00:00.000Z')).toBe(true);
    expect(sameSecond('2024-01-01T00:00:00.700Z', '2024-01-01T00:00:01.000Z')).toBe(false);
    const exported = IMAGE.slice(1).map((e) =>
      e.path === 'etc/motd' ? { ...e, mtime: '2024-01-01T00:00:00.999Z' } : e,
    );
    expect(diffFilesystems(image(IMAGE), exported).changes).toEqual([]);
  });

  it('given what Docker’s init layer makes in every container, then those are runtime artefacts, not entries', () => {
    const exported = [
      ...IMAGE.slice(1).filter((e) => e.path !== 'etc/hosts' && e.path !== 'etc/hostname'),
      entry('.dockerenv', { size: 0, mode: 0o755, sha256: 'empty' }),
      entry('dev/console', { size: 0, mode: 0o755, sha256: 'empty' }),
      entry('dev/pts/'),
      entry('dev/shm/'),
      entry('etc/hosts', { size: 0, mode: 0o755, sha256: 'empty' }),
      entry('etc/hostname', { size: 0, mode: 0o755, sha256: 'empty' }),
      entry('etc/resolv.conf', { size: 0, mode: 0o755, sha256: 'empty' }),
      entry('etc/mtab', { type: 'symlink', linkTarget: '/proc/mounts', size: 0 }),
      entry('proc/'),
      entry('sys/'),
    ];
    const result = diffFilesystems(image(IMAGE), exported);
    expect(result.changes).toEqual([]);
    expect(result.runtime.map((r) => [r.path, r.change, r.reason])).toEqual([
      ['.dockerenv', 'added', 'docker-init'],
      ['dev/console', 'added', 'docker-init'],
      ['dev/pts', 'added', 'docker-init'],
      ['dev/shm', 'added', 'docker-init'],
      ['etc/hostname', 'modified', 'docker-init'],
      ['etc/hosts', 'modified', 'docker-init'],
      ['etc/mtab', 'added', 'docker-init'],
      ['etc/resolv.conf', 'added', 'docker-init'],
      ['proc', 'added', 'docker-init'],
      ['sys', 'added', 'docker-init'],
    ]);
  });

  it('given the suspect wrote into a runtime path (content in .dockerenv, mtab pointing elsewhere), then it is an ordinary entry again', () => {
    const exported = [
      ...IMAGE.slice(1),
      entry('.dockerenv', { size: 12, mode: 0o755, sha256: 'payload' }),
      entry('etc/mtab', { type: 'symlink', linkTarget: '/etc/shadow', size: 0 }),
    ];
    const result = diffFilesystems(image(IMAGE), exported);
    expect(result.changes.map((c) => [c.path, c.change])).toEqual([
      ['.dockerenv', 'added'],
      ['etc/mtab', 'added'],
    ]);
  });

  it('given mount points Docker created (and their missing parents), then they are runtime artefacts; a file beside them is not', () => {
    const exported = [
      ...IMAGE.slice(1),
      entry('srv/'),
      entry('srv/data/'),
      entry('srv/notes.txt'),
      entry('run.sock', { size: 0 }),
    ];
    const result = diffFilesystems(image(IMAGE), exported, { mountPoints: ['srv/data', 'run.sock'] });
    expect(result.changes.map((c) => [c.path, c.change])).toEqual([['srv/notes.txt', 'added']]);
    expect(result.runtime.map((r) => [r.path, r.reason])).toEqual([
      ['run.sock', 'mount-point'],
      ['srv', 'mount-point'],
      ['srv/data', 'mount-point'],
    ]);
  });

  it('given hardlinks, then they compare as hardlink plus target plus shared content; a link broken into a copy is a type change', () => {
    const img = [
      entry('usr/'),
      entry('usr/perl', { sha256: 'perl' }),
      entry('usr/perl5', { type: 'hardlink', linkTarget: 'usr/perl', size: 0 }),
      entry('usr/gz', { sha256: 'gz' }),
      entry('usr/gunzip', { type: 'hardlink', linkTarget: 'usr/gz', size: 0 }),
    ];
    const exported = [
      entry('usr/'),
      entry('usr/perl', { sha256: 'perl-trojan' }),
      entry('usr/perl5', { type: 'hardlink', linkTarget: 'usr/perl', size: 0 }),
      entry('usr/gunzip', { sha256: 'gz' }),
      entry('usr/gz', { type: 'hardlink', linkTarget: 'usr/gunzip', size: 0 }),
    ];
    const { changes } = diffFilesystems(image(img), exported);
    expect(changes.map((c) => [c.path, c.change])).toEqual([
      ['usr/gunzip', 'type'],
      ['usr/gz', 'type'],
      ['usr/perl', 'modified'],
      ['usr/perl5', 'modified'],
    ]);
    const perl5 = changes.find((c) => c.path === 'usr/perl5');
    expect(perl5?.before?.linked?.sha256).toBe('perl');
    expect(perl5?.after?.linked?.sha256).toBe('perl-trojan');
  });

  it('given byte-string paths with invalid UTF-8 and high bytes, then the order is the bytes’ order, not a locale’s', () => {
    const names = ['tmp/\xff', 'tmp/a', 'tmp/\x01x', 'tmp/Z', 'tmp.d', 'tmp/\xc3\xa9'];
    const exported = [...IMAGE.slice(1), ...names.map((n) => entry(n))];
    expect(diffFilesystems(image(IMAGE), exported).changes.map((c) => c.path)).toEqual([
      'tmp.d',
      'tmp/\x01x',
      'tmp/Z',
      'tmp/a',
      'tmp/\xc3\xa9',
      'tmp/\xff',
    ]);
  });

  it('given the same path twice in the export, then the last counts and the problem is said', () => {
    const exported = [...IMAGE.slice(1), entry('etc/passwd', { sha256: 'second' })];
    const result = diffFilesystems(image(IMAGE), exported);
    expect(result.changes.map((c) => [c.path, c.change])).toEqual([['etc/passwd', 'modified']]);
    expect(result.problems).toEqual(['paths exported twice (the last entry counts) (1): /etc/passwd']);
  });
});
