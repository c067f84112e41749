// The case folder's documents as schemas: case.json, manifest.json items and custody.jsonl records.
import { z } from 'zod';

export const CASE_FORMAT = 'holdcell-case/1';
export const MANIFEST_FORMAT = 'holdcell-manifest/1';
/** prevHash of the first custody record. */
export const GENESIS_HASH = '0'.repeat(64);

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
/** UTC, ISO 8601 with a Z. */
const UtcTime = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);

export const CaseJson = z.object({
  format: z.literal(CASE_FORMAT),
  caseId: z.string().min(1),
  title: z.string(),
  createdAt: UtcTime,
  operator: z.string(),
  toolVersion: z.string(),
  /** Present once sealed: the custody head at sealing, so a later truncation of the log is caught. */
  sealed: z
    .object({
      at: UtcTime,
      custodyRecords: z.number().int().nonnegative(),
      custodyHead: Sha256,
      manifestSha256: Sha256,
    })
    .optional(),
});
export type CaseJson = z.infer<typeof CaseJson>;

export const EVIDENCE_KINDS = [
  'engine-info',
  'container-inspect',
  'process-list',
  'host-proc',
  'container-logs',
  'network-state',
  'filesystem-export',
  'image-save',
  'image-inspect',
  'mount-archive',
  'syscall-trace',
  'kubernetes-object',
  'other',
] as const;
export const EvidenceKind = z.enum(EVIDENCE_KINDS);
export type EvidenceKind = z.infer<typeof EvidenceKind>;

/** One engine API call made to acquire an item, as it would be replayed. */
export const ApiCall = z.object({
  method: z.string(),
  path: z.string(),
  at: UtcTime,
  status: z.union([z.number().int(), z.literal('error')]),
});
export type ApiCall = z.infer<typeof ApiCall>;

export const EvidenceSource = z.object({
  engineId: z.string(),
  endpoint: z.string(),
  engineVersion: z.string().optional(),
  containerId: z.string().optional(),
  containerName: z.string().optional(),
  imageId: z.string().optional(),
  imageDigest: z.string().optional(),
  /** For mounts and archive-API items: the path inside the container. */
  path: z.string().optional(),
});
export type EvidenceSource = z.infer<typeof EvidenceSource>;

export const ManifestItem = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  kind: EvidenceKind,
  /** Relative to the case folder, POSIX separators, always under evidence/. */
  path: z.string().regex(/^evidence\/[^\\]+$/),
  format: z.enum(['tar', 'json', 'jsonl', 'text', 'binary']),
  sha256: Sha256,
  bytes: z.number().int().nonnegative(),
  acquiredAt: UtcTime,
  completedAt: UtcTime,
  /** Complete only when the stream ended cleanly, byte counts match and (tar) end-of-archive blocks are present. */
  complete: z.boolean(),
  incompleteReason: z.string().optional(),
  /** Free-form caveats a reader of the report must see, e.g. "not-in-export", "acquired-via-archive-api". */
  flags: z.array(z.string()),
  source: EvidenceSource,
  apiCalls: z.array(ApiCall),
  toolVersion: z.string(),
  operator: z.string(),
  note: z.string().optional(),
});
export type ManifestItem = z.infer<typeof ManifestItem>;

export const Manifest = z.object({
  format: z.literal(MANIFEST_FORMAT),
  caseId: z.string(),
  items: z.array(ManifestItem),
});
export type Manifest = z.infer<typeof Manifest>;

export const CustodyRecord = z.object({
  seq: z.number().int().nonnegative(),
  at: UtcTime,
  operator: z.string(),
  /** Dotted verb, e.g. "case.create", "engine.pause", "evidence.add", "manifest.write", "case.seal". */
  action: z.string(),
  target: z
    .object({ engineId: z.string().optional(), containerId: z.string().optional(), itemId: z.string().optional() })
    .default({}),
  /** The call's parameters as sent (JSON-safe). */
  params: z.record(z.string(), z.unknown()).default({}),
  outcome: z.enum(['ok', 'error', 'skipped', 'planned']),
  detail: z.string().default(''),
  /** SHA-256 of an item or document this record vouches for (evidence.add, manifest.write). */
  sha256: Sha256.optional(),
  /** SHA-256 of the previous record's exact line bytes (without its newline); GENESIS_HASH for the first. */
  prevHash: Sha256,
});
export type CustodyRecord = z.infer<typeof CustodyRecord>;
