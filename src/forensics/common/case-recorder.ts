// What acquisition code needs from an open case: record custody and add evidence. Implemented by the case store.
import type { CustodyRecord, EvidenceKind, EvidenceSource, ApiCall, ManifestItem } from './case-model.js';

export interface CustodyEntry {
  action: string;
  target?: CustodyRecord['target'];
  params?: Record<string, unknown>;
  outcome: CustodyRecord['outcome'];
  detail?: string;
  sha256?: string;
}

export interface EvidenceSpec {
  /** Stable, readable id unique in the case, e.g. "fs-export-3f2a1b9c0d11". The store refuses duplicates. */
  id: string;
  kind: EvidenceKind;
  /** File name under evidence/ (no slashes). */
  fileName: string;
  format: ManifestItem['format'];
  source: EvidenceSource;
  apiCalls?: ApiCall[];
  flags?: string[];
  note?: string;
}

export interface StreamOptions {
  /** The engine's declared size, when it declares one: a mismatch makes the item incomplete. */
  expectedBytes?: number;
  /** No byte for this long → the stream is abandoned and the item kept as incomplete. */
  idleTimeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (bytes: number) => void;
}

export interface CaseRecorder {
  readonly caseDir: string;
  readonly caseId: string;
  readonly operator: string;
  /** Appends one hash-chained record to custody.jsonl. */
  record(entry: CustodyEntry): Promise<CustodyRecord>;
  /**
   * Streams bytes into evidence/<fileName>, hashing while writing; never throws away what arrived: a broken
   * stream yields an item with complete=false and the reason. Resolves with the manifest item.
   */
  addStream(spec: EvidenceSpec, data: AsyncIterable<Uint8Array>, options?: StreamOptions): Promise<ManifestItem>;
  /** Stores a JSON document (pretty, key order as given) as a complete evidence item. */
  addJson(spec: EvidenceSpec, value: unknown): Promise<ManifestItem>;
  items(): Promise<ManifestItem[]>;
  /** The custody records that parse, in log order (verify is what judges the ones that do not). */
  custody(): Promise<CustodyRecord[]>;
}

/** Opens the case at caseDir (absolute, or relative to the cases root), creating it when it does not exist yet. */
export type CaseOpener = (caseDir: string) => Promise<CaseRecorder>;
