// One indexed tar entry: what HoldCell knows of a path without ever extracting it, and where its bytes are.
import type { EntryType } from './diff-model.js';

/**
 * Paths are "byte strings": JavaScript strings with one char per byte (latin1), so any name — invalid UTF-8,
 * newlines, escapes — is kept exactly, compares bytewise and never passes through a decoder by accident.
 * They are normalised: no leading "./" or "/", no trailing "/"; the root directory is "".
 */
export type BytePath = string;

export interface IndexEntry {
  path: BytePath;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** UTC ISO; PAX mtime keeps its fractional seconds. */
  mtime: string;
  /** Symlink or hardlink target, as a byte string (hardlink targets normalised like paths). */
  linkTarget?: BytePath;
  devMajor?: number;
  devMinor?: number;
  /** PAX SCHILY.xattr.<name> → value bytes as base64. */
  xattrs?: Record<string, string>;
  /** SHA-256 of a regular file's content. */
  sha256?: string;
  /** Shannon entropy (bits per byte, 0–8) of a regular file's content, for files ≥ ENTROPY_MIN_BYTES. */
  entropy?: number;
  /** Offset of the entry's first header block in the tar (PAX/GNU long-name headers included). */
  headerOffset: number;
  /** Offset of the content's first byte in the tar. */
  dataOffset: number;
}

/** Files at least this big get an entropy figure at index time (the "large high-entropy file" finding). */
export const ENTROPY_MIN_BYTES = 1024 * 1024;
