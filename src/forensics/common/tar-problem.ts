// What could not be indexed (or looked wrong) in an evidence tar: structured, ordered, and said in a responder's words.
import { displayByteString } from './byte-text.js';
import type { BytePath } from './tar-index-model.js';

export type TarProblemKind =
  /** The stream ended inside a header, inside an entry's data, or without end-of-archive blocks. */
  | 'truncated'
  /** A header block that does not parse (checksum, numbers, unknown format): indexing stops there. */
  | 'bad-header'
  /** The same path appears again; the index keeps both in tar order and the last one wins. */
  | 'duplicate-path'
  /** A GNU or PAX sparse entry: indexed with its real size, content not hashed nor readable. */
  | 'sparse'
  /** An entry kind or field HoldCell keeps but cannot interpret (unknown typeflag, odd PAX record). */
  | 'unusual-entry'
  /** Bytes after the end-of-archive blocks, or a lone zero block: not part of the archive as Docker reads it. */
  | 'trailing-data'
  /** A name with a ".." component: it points outside the filesystem root. */
  | 'path-climbs'
  /** docker save layout problems: missing or oversized manifest/config, layer counts, links between members. */
  | 'archive-layout'
  /** A layer's SHA-256 (or a config's) does not match the digest the image names it by. */
  | 'digest-mismatch'
  /** A layer compressed in a way HoldCell does not decompress (zstd), or a broken compressed stream. */
  | 'compression'
  /** Content hashes could not be computed (the hashing worker failed): the entries are kept without them. */
  | 'hash-failure';

export interface TarProblem {
  kind: TarProblemKind;
  /** Byte offset (in the tar stream the problem belongs to) where it was found, when it has one. */
  offset?: number;
  /** The entry concerned, as a byte string. */
  path?: BytePath;
  /** A responder-readable sentence; any evidence string in it is already in display form. */
  detail: string;
}

/** One line per problem for summaries and the CLI: "<kind> at byte N (<path>): <detail>", never raw bytes. */
export function problemText(problem: TarProblem, where?: string): string {
  const place = [
    where,
    problem.offset !== undefined ? `at byte ${problem.offset}` : undefined,
    problem.path !== undefined ? `(${displayByteString(problem.path) || '/'})` : undefined,
  ]
    .filter((part) => part !== undefined)
    .join(' ');
  return `${problem.kind}${place === '' ? '' : ` ${place}`}: ${problem.detail}`;
}
