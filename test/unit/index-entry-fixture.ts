// Builds synthetic tar-index entries for the pure diff and layer tests: a trailing "/" makes a directory.
import type { IndexEntry } from '../../src/forensics/common/tar-index-model.js';

/** Each factory keeps its own offsets; `size` is the default size of regular files and everything else. */
export function indexEntryFactory(defaults: { size: number; step: number }) {
  let offset = 0;
  return (path: string, fields: Partial<IndexEntry> = {}): IndexEntry => {
    offset += defaults.step;
    const type = fields.type ?? (path.endsWith('/') ? 'dir' : 'file');
    return {
      path: path.replace(/\/$/, ''),
      type,
      mode: type === 'dir' ? 0o755 : 0o644,
      uid: 0,
      gid: 0,
      size: defaults.size,
      mtime: '2024-01-01T00:00:00.000Z',
      headerOffset: offset,
      dataOffset: offset + 512,
      ...(type === 'file' ? { sha256: `sha-of-${path}` } : {}),
      ...fields,
    };
  };
}
