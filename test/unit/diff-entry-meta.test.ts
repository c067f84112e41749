// The diff's metadata rows: an xattr name from a hostile archive is shown escaped, like every other evidence string.
import { describe, expect, it } from 'vitest';
import { metaRows } from '../../renderer/src/features/diff/entry-meta.js';
import type { FileMeta } from '../../src/forensics/common/diff-model.js';

const meta = (xattrs: Record<string, string>): FileMeta =>
  ({ type: 'file', mode: 0o644, uid: 0, gid: 0, size: 1, mtime: '2026-01-01T00:00:00Z', xattrs }) as FileMeta;

describe('metadata rows of a diff entry', () => {
  it('given xattr names with ESC, bidi bytes and invalid UTF-8 (a raw PAX key: one char per byte), then the label is their display form', () => {
    // U+202E as UTF-8 bytes, as the tar index hands them over: a byte string, not decoded text.
    const rlo = Buffer.from('user.\u202eexe', 'utf8').toString('latin1');
    const rows = metaRows(meta({ 'user.\u001b]52;c;ZXZpbA==\u0007': 'eA==', [rlo]: 'eA==', 'user.\u00ff': 'eA==' }));
    const labels = rows.map(([label]) => label).filter((label) => label.startsWith('xattr '));
    expect(labels).toEqual(['xattr user.\\x1b]52;c;ZXZpbA==\\x07', 'xattr user.\\u{202e}exe', 'xattr user.\\xff']);
  });

  it('given a plain xattr name, then it is shown as it is', () => {
    expect(metaRows(meta({ 'security.capability': 'AQAAAg==' })).at(-1)).toEqual([
      'xattr security.capability',
      'AQAAAg==',
    ]);
  });
});
