// The filesystem diff as data: indexed entries, both sides' metadata, change kinds, layers, packages and findings.
import { z } from 'zod';

export const EntryType = z.enum(['file', 'dir', 'symlink', 'hardlink', 'char', 'block', 'fifo', 'other']);
export type EntryType = z.infer<typeof EntryType>;

/** One path's metadata on one side (image or container), as the tar recorded it. Nothing is followed or opened. */
export const FileMeta = z.object({
  type: EntryType,
  /** Permission bits incl. setuid (0o4000), setgid (0o2000), sticky (0o1000). */
  mode: z.number().int().nonnegative(),
  uid: z.number().int().nonnegative(),
  gid: z.number().int().nonnegative(),
  size: z.number().int().nonnegative(),
  /** UTC ISO time; sub-second digits kept when the tar (PAX) carried them. */
  mtime: z.string(),
  /** Symlink or hardlink target in display form (visible escapes); raw bytes in linkTargetBase64 when not printable. */
  linkTarget: z.string().optional(),
  linkTargetBase64: z.string().optional(),
  devMajor: z.number().int().optional(),
  devMinor: z.number().int().optional(),
  /** Extended attributes (PAX SCHILY.xattr.*), values base64; security.capability among them. */
  xattrs: z.record(z.string(), z.string()).optional(),
  /** SHA-256 of the content, for regular files. */
  sha256: z.string().optional(),
  /** Shannon entropy of the content in bits per byte (0–8), for regular files of at least 1 MiB. */
  entropy: z.number().min(0).max(8).optional(),
});
export type FileMeta = z.infer<typeof FileMeta>;

export const DiffChange = z.enum(['added', 'deleted', 'modified', 'metadata', 'type']);
export type DiffChange = z.infer<typeof DiffChange>;

export const Severity = z.enum(['info', 'low', 'medium', 'high', 'critical']);
export type Severity = z.infer<typeof Severity>;

export const Finding = z.object({
  /** Rule id from the rules table, e.g. "setuid-added". */
  rule: z.string(),
  severity: Severity,
  /** MITRE ATT&CK technique id, e.g. "T1548.001". */
  attack: z.string(),
  /** Why this entry matched, in a responder's words. */
  detail: z.string(),
});
export type Finding = z.infer<typeof Finding>;

export const LayerRef = z.object({
  /** Position in the image's layer order, 0 = base. */
  index: z.number().int().nonnegative(),
  /** diff_id (sha256 of the uncompressed layer tar) from the image config. */
  digest: z.string(),
  /** The Dockerfile instruction from the image history (created_by), when known. */
  createdBy: z.string().optional(),
});
export type LayerRef = z.infer<typeof LayerRef>;

export const PackageRef = z.object({
  manager: z.enum(['dpkg', 'apk']),
  name: z.string(),
  version: z.string().optional(),
  /** The package database's checksum for this path (md5 for dpkg, sha1 for apk), when it lists one. */
  expectedChecksum: z.string().optional(),
  /** True when the container's content no longer matches the package's checksum. */
  tampered: z.boolean().optional(),
  /** A conffile: the package expects administrators to edit it, so a change is normal, not tampering. */
  conffile: z.boolean().optional(),
});
export type PackageRef = z.infer<typeof PackageRef>;

export const DiffEntry = z.object({
  /** Display form: control, C1, bidi and zero-width characters escaped visibly. */
  path: z.string(),
  /** Raw path bytes, present when they are not printable UTF-8 (the display form is then not the real name). */
  pathBase64: z.string().optional(),
  change: DiffChange,
  before: FileMeta.optional(),
  after: FileMeta.optional(),
  /** The image layer that last wrote the original path. */
  layer: LayerRef.optional(),
  /** The OS package that owns the original path. */
  package: PackageRef.optional(),
  findings: z.array(Finding),
});
export type DiffEntry = z.infer<typeof DiffEntry>;

export const DiffSummary = z.object({
  caseDir: z.string(),
  containerId: z.string(),
  imageId: z.string(),
  /** Container creation time (UTC), the reference for timestomping checks. */
  containerCreated: z.string(),
  counts: z.object({
    added: z.number().int(),
    deleted: z.number().int(),
    modified: z.number().int(),
    metadata: z.number().int(),
    type: z.number().int(),
  }),
  findings: z.object({
    total: z.number().int(),
    bySeverity: z.record(z.string(), z.number().int()),
    byRule: z.record(z.string(), z.number().int()),
  }),
  layers: z.array(LayerRef),
  packageManagers: z.array(z.enum(['dpkg', 'apk'])),
  indexed: z.object({ imageEntries: z.number().int(), containerEntries: z.number().int() }),
  /** Evidence items the diff was computed from, with their hashes (analysis is rebuildable from these). */
  sources: z.array(z.object({ itemId: z.string(), sha256: z.string() })),
  /** Entries or archives that could not be indexed, each with its reason: never silently dropped. */
  problems: z.array(z.string()),
});
export type DiffSummary = z.infer<typeof DiffSummary>;

export const DiffSide = z.enum(['image', 'container']);
export type DiffSide = z.infer<typeof DiffSide>;

/** One child of a directory in the evidence browser. */
export const DirectoryEntry = z.object({
  name: z.string(),
  nameBase64: z.string().optional(),
  pathBase64: z.string(),
  meta: FileMeta,
  change: DiffChange.optional(),
});
export type DirectoryEntry = z.infer<typeof DirectoryEntry>;
