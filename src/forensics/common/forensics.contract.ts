// The forensics domain's contract: cases, their evidence and custody, verification and sealing.
import { z } from 'zod';
import { defineService, method } from '../../contract/kit.js';
import { CaseJson, CustodyRecord, ManifestItem } from './case-model.js';
import { DiffChange, DiffEntry, DiffSide, DiffSummary, DirectoryEntry, Severity } from './diff-model.js';

const CaseDir = z.string().min(1).max(4096);

export const CaseSummary = z.object({
  caseDir: z.string(),
  case: CaseJson,
  items: z.array(ManifestItem),
  /** Every item complete: a precondition for sealing. */
  complete: z.boolean(),
  sealed: z.boolean(),
  custodyRecords: z.number().int().nonnegative(),
});
export type CaseSummary = z.infer<typeof CaseSummary>;

export const VerifyProblem = z.object({
  /** What is broken: an item id, "manifest", "custody", "case.json". */
  subject: z.string(),
  kind: z.enum([
    'missing',
    'hash-mismatch',
    'size-mismatch',
    'incomplete',
    'unlisted-file',
    'chain-broken',
    'manifest-edited',
    'truncated',
    'invalid',
  ]),
  detail: z.string(),
});
export type VerifyProblem = z.infer<typeof VerifyProblem>;

export const VerifyReport = z.object({
  caseDir: z.string(),
  ok: z.boolean(),
  itemsChecked: z.number().int(),
  custodyRecordsChecked: z.number().int(),
  /** In check order; the first one is what `holdcell verify` names. */
  problems: z.array(VerifyProblem),
});
export type VerifyReport = z.infer<typeof VerifyReport>;

export const forensicsService = defineService({
  listCases: method({
    summary: "Cases under the host's cases root, newest first",
    input: z.object({}),
    output: z.array(
      z.object({
        caseDir: z.string(),
        caseId: z.string(),
        title: z.string(),
        createdAt: z.string(),
        sealed: z.boolean(),
      }),
    ),
  }),
  createCase: method({
    summary: 'Create a case folder (case.json, manifest.json, custody.jsonl, evidence/, analysis/, annotations.jsonl)',
    input: z.object({
      caseDir: CaseDir,
      title: z.string().max(500).default(''),
      operator: z.string().max(200).optional(),
    }),
    output: CaseSummary,
  }),
  openCase: method({
    summary: 'A case with its evidence items (works without any engine)',
    input: z.object({ caseDir: CaseDir }),
    output: CaseSummary,
  }),
  custodyLog: method({
    summary: 'Custody records, paged',
    input: z.object({
      caseDir: CaseDir,
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(1000).default(200),
    }),
    output: z.object({
      records: z.array(CustodyRecord),
      total: z.number().int(),
      nextOffset: z.number().int().optional(),
    }),
  }),
  verifyCase: method({
    summary: 'Re-hash every item and check the custody chain and manifest',
    input: z.object({ caseDir: CaseDir }),
    output: VerifyReport,
  }),
  diff: method({
    summary: "Container-versus-image diff of the case's newest snapshot (built once into analysis/, then read)",
    input: z.object({ caseDir: CaseDir, rebuild: z.boolean().default(false) }),
    output: DiffSummary,
  }),
  diffEntries: method({
    summary: 'Diff entries, filtered and paged (path order)',
    input: z.object({
      caseDir: CaseDir,
      changes: z.array(DiffChange).optional(),
      /** Case-insensitive substring of the display path. */
      query: z.string().max(1000).optional(),
      minSeverity: Severity.optional(),
      /** Only entries under this directory (raw path bytes, base64). */
      underBase64: z.string().max(8192).optional(),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(5000).default(500),
    }),
    output: z.object({ entries: z.array(DiffEntry), total: z.number().int(), nextOffset: z.number().int().optional() }),
  }),
  listDirectory: method({
    summary: 'Children of one directory of the image or the container filesystem (evidence browser), paged',
    input: z.object({
      caseDir: CaseDir,
      side: DiffSide,
      pathBase64: z.string().max(8192),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(5000).default(1000),
    }),
    output: z.object({
      entries: z.array(DirectoryEntry),
      total: z.number().int(),
      nextOffset: z.number().int().optional(),
    }),
  }),
  readFile: method({
    summary: 'A capped slice of one regular file read back from the evidence tar (never extracted)',
    input: z.object({
      caseDir: CaseDir,
      side: DiffSide,
      pathBase64: z.string().max(8192),
      offset: z.number().int().min(0).default(0),
      length: z
        .number()
        .int()
        .min(1)
        .max(256 * 1024)
        .default(64 * 1024),
    }),
    output: z.object({
      base64: z.string(),
      offset: z.number().int(),
      totalBytes: z.number().int(),
      truncated: z.boolean(),
    }),
  }),
  sealCase: method({
    summary: 'Make a complete case read-only, recording the custody head',
    input: z.object({ caseDir: CaseDir }),
    output: CaseSummary,
  }),
});
