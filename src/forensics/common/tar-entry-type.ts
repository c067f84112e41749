// Tar entry kinds and mode bits in the index's terms (EntryType), from tar-stream's type names or raw typeflags.
import type { EntryType } from './diff-model.js';

/** Permission bits with setuid (0o4000), setgid (0o2000) and sticky (0o1000); Docker also stores S_IFMT bits. */
export const MODE_MASK = 0o7777;

const BY_TAR_STREAM_NAME: Readonly<Record<string, EntryType>> = {
  file: 'file',
  // Typeflag '7' is "contiguous file": a regular file everywhere that matters.
  'contiguous-file': 'file',
  directory: 'dir',
  symlink: 'symlink',
  link: 'hardlink',
  'character-device': 'char',
  'block-device': 'block',
  fifo: 'fifo',
};

/** tar-stream's header.type ("file", "link", "character-device", … or null for flags it does not know). */
export function entryTypeFromTarStream(name: string | null | undefined): EntryType {
  return (name != null ? BY_TAR_STREAM_NAME[name] : undefined) ?? 'other';
}

/**
 * Typeflags tar-stream reports as null that still name something an investigator knows: GNU sparse files ('S')
 * are regular files; GNU dump directories ('D') are directories. Everything else ('V' labels, 'M' multi-volume
 * continuations, vendor letters) stays "other".
 */
export function entryTypeFromTypeflag(flag: number): EntryType {
  switch (String.fromCharCode(flag)) {
    case 'S':
      return 'file';
    case 'D':
      return 'dir';
    default:
      return 'other';
  }
}

/** "rwsr-xr-x"-style rendering of permission bits (for listings and problem texts). */
export function permissionString(mode: number): string {
  const bit = (mask: number, char: string): string => ((mode & mask) !== 0 ? char : '-');
  const exec = (mask: number, special: number, set: string, unset: string): string =>
    (mode & special) !== 0 ? ((mode & mask) !== 0 ? set : unset) : bit(mask, 'x');
  return (
    bit(0o400, 'r') +
    bit(0o200, 'w') +
    exec(0o100, 0o4000, 's', 'S') +
    bit(0o040, 'r') +
    bit(0o020, 'w') +
    exec(0o010, 0o2000, 's', 'S') +
    bit(0o004, 'r') +
    bit(0o002, 'w') +
    exec(0o001, 0o1000, 't', 'T')
  );
}
