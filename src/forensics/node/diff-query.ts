// Filtering and paging the stored diff entries (diffEntries): change kinds, display-path search, severity, subtree.
import { ContractError } from '../../contract/envelope.js';
import type { DiffChange, DiffEntry, Severity } from '../common/diff-model.js';
import { base64ToByteString } from '../common/display-path.js';
import type { BytePath } from '../common/tar-index-model.js';

export interface EntryFilter {
  changes?: readonly DiffChange[];
  /** Case-insensitive substring of the display path. */
  query?: string;
  minSeverity?: Severity;
  /** Only entries strictly under this directory (raw bytes, as a byte string; "" = everything). */
  under?: BytePath;
  offset: number;
  limit: number;
}

export interface EntryPage {
  entries: DiffEntry[];
  total: number;
  nextOffset?: number;
}

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** The raw bytes of an entry's path: its base64 when it has one, else its display form (then exactly the UTF-8 name). */
export function rawPathOf(entry: Pick<DiffEntry, 'path' | 'pathBase64'>): BytePath {
  return entry.pathBase64 === undefined
    ? Buffer.from(entry.path, 'utf8').toString('latin1')
    : Buffer.from(entry.pathBase64, 'base64').toString('latin1');
}

/** Base64 from the contract → a normalised byte path (no leading or trailing "/"); BAD_INPUT when it is not base64. */
export function bytePathFromBase64(base64: string, field: string): BytePath {
  const bytes = base64ToByteString(base64);
  if (bytes === undefined)
    throw new ContractError('BAD_INPUT', `${field} is not standard base64 (with padding)`, field);
  return bytes.replace(/^\/+/, '').replace(/\/+$/, '');
}

/** Entries with their raw paths computed once, for repeated queries against one stored diff. */
export class EntryIndex {
  private readonly rawPaths: BytePath[];
  private readonly lowerPaths: string[];
  private readonly byRawPath = new Map<BytePath, DiffEntry>();

  constructor(readonly entries: readonly DiffEntry[]) {
    this.rawPaths = entries.map(rawPathOf);
    this.lowerPaths = entries.map((entry) => entry.path.toLowerCase());
    entries.forEach((entry, index) => this.byRawPath.set(this.rawPaths[index] ?? '', entry));
  }

  /** The entry of a raw path, if that path changed. */
  get(path: BytePath): DiffEntry | undefined {
    return this.byRawPath.get(path);
  }

  query(filter: EntryFilter): EntryPage {
    const changes = filter.changes === undefined || filter.changes.length === 0 ? undefined : new Set(filter.changes);
    const needle = filter.query === undefined || filter.query === '' ? undefined : filter.query.toLowerCase();
    const minRank = filter.minSeverity === undefined ? undefined : SEVERITY_RANK[filter.minSeverity];
    const prefix = filter.under === undefined || filter.under === '' ? undefined : `${filter.under}/`;
    const matching: DiffEntry[] = [];
    this.entries.forEach((entry, index) => {
      if (changes !== undefined && !changes.has(entry.change)) return;
      if (needle !== undefined && !(this.lowerPaths[index] ?? '').includes(needle)) return;
      if (prefix !== undefined && !(this.rawPaths[index] ?? '').startsWith(prefix)) return;
      if (minRank !== undefined && !entry.findings.some((finding) => SEVERITY_RANK[finding.severity] >= minRank))
        return;
      matching.push(entry);
    });
    const entries = matching.slice(filter.offset, filter.offset + filter.limit);
    const next = filter.offset + filter.limit;
    return next < matching.length
      ? { entries, total: matching.length, nextOffset: next }
      : { entries, total: matching.length };
  }
}
