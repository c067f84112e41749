// Diff entries as the model carries them: display paths escaped, raw bytes in base64 when needed, both sides' metadata.
import { describe, expect, it } from 'vitest';
import { fileMeta, toDiffEntry } from '../../src/forensics/common/fs-diff.js';
import type { IndexEntry } from '../../src/forensics/common/tar-index-model.js';

function entry(path: string, fields: Partial<IndexEntry> = {}): IndexEntry {
  return {
    path,
    type: 'file',
    mode: 0o100644,
    uid: 0,
    gid: 0,
    size: 4,
    mtime: '2024-01-01T00:00:00.000Z',
    sha256: 'a'.repeat(64),
    headerOffset: 0,
    dataOffset: 512,
    ...fields,
  };
}

describe('diff entries for people and machines', () => {
  const pathOf = (raw: string) => {
    const result = toDiffEntry({ path: raw, change: 'added', after: { entry: entry(raw) } }, []);
    return result.pathBase64 === undefined
      ? { path: result.path }
      : { path: result.path, pathBase64: result.pathBase64 };
  };

  it('given a printable UTF-8 name, then the entry path is the name and no raw bytes travel along', () => {
    const cafe = Buffer.from('srv/café/menü.txt', 'utf8').toString('latin1');
    expect(pathOf(cafe)).toEqual({ path: 'srv/café/menü.txt' });
  });

  it('given escape sequences, newlines, bidi overrides, backslashes or invalid UTF-8, then the path is escaped and the raw bytes are in base64', () => {
    const cases: [string, string][] = [
      ['tmp/a\x1b[31mred', 'tmp/a\\x1b[31mred'],
      ['tmp/new\nline', 'tmp/new\\nline'],
      [Buffer.from('tmp/\u202egpj.exe', 'utf8').toString('latin1'), 'tmp/\\u{202e}gpj.exe'],
      ['tmp/back\\slash', 'tmp/back\\\\slash'],
      ['tmp/bad\xffname', 'tmp/bad\\xffname'],
    ];
    for (const [raw, display] of cases) {
      expect(pathOf(raw)).toEqual({ path: display, pathBase64: Buffer.from(raw, 'latin1').toString('base64') });
    }
  });

  it('given a tar mode with file-type bits (Go writers), then FileMeta carries only permission bits, setuid included', () => {
    expect(fileMeta({ entry: entry('bin/x', { mode: 0o104755 }) }).mode).toBe(0o4755);
  });

  it('given a hardlink, then its FileMeta shows the size and hash of the content it shares and its target', () => {
    const target = entry('usr/bin/perl', { size: 9, sha256: 'b'.repeat(64) });
    const meta = fileMeta({
      entry: entry('usr/bin/perl5', { type: 'hardlink', linkTarget: 'usr/bin/perl', size: 0, sha256: undefined }),
      linked: { size: 9, sha256: 'b'.repeat(64), entry: target },
    });
    expect(meta).toEqual({
      type: 'hardlink',
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: 9,
      mtime: '2024-01-01T00:00:00.000Z',
      linkTarget: 'usr/bin/perl',
      sha256: 'b'.repeat(64),
    });
  });

  it('given a symlink to a hostile target and a device, then the target is escaped with its bytes, the device keeps its numbers', () => {
    const link = fileMeta({
      entry: entry('x', { type: 'symlink', linkTarget: '/etc/\x1b]0;pwn\x07', size: 0, sha256: undefined }),
    });
    expect(link.linkTarget).toBe('/etc/\\x1b]0;pwn\\x07');
    expect(link.linkTargetBase64).toBe(Buffer.from('/etc/\x1b]0;pwn\x07', 'latin1').toString('base64'));
    expect(link.sha256).toBeUndefined();
    const device = fileMeta({
      entry: entry('dev/kmem', { type: 'char', devMajor: 1, devMinor: 2, size: 0, sha256: undefined }),
    });
    expect(device).toMatchObject({ type: 'char', devMajor: 1, devMinor: 2 });
  });

  it('given a change, then the entry names the layer that wrote the original, carries both sides and the caller’s package and findings', () => {
    const layers = [
      { index: 0, digest: 'sha256:base' },
      { index: 1, digest: 'sha256:app', createdBy: 'RUN make install' },
    ];
    const result = toDiffEntry(
      {
        path: 'opt/app/\xff',
        change: 'modified',
        before: { entry: entry('opt/app/\xff') },
        after: {
          entry: entry('opt/app/\xff', {
            sha256: 'c'.repeat(64),
            xattrs: { 'user.b': 'Mg==', 'security.capability': 'AQ==' },
          }),
        },
        layer: 1,
      },
      layers,
      { findings: [{ rule: 'r', severity: 'high', attack: 'T1', detail: 'd' }] },
    );
    expect(result).toMatchObject({
      path: 'opt/app/\\xff',
      pathBase64: Buffer.from('opt/app/\xff', 'latin1').toString('base64'),
      change: 'modified',
      layer: { index: 1, digest: 'sha256:app', createdBy: 'RUN make install' },
      before: { sha256: 'a'.repeat(64) },
      after: { sha256: 'c'.repeat(64) },
      findings: [{ rule: 'r' }],
    });
    expect(Object.keys(result.after?.xattrs ?? {})).toEqual(['security.capability', 'user.b']);
    expect(result.package).toBeUndefined();
  });
});
