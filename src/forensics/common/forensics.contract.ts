// The forensics domain's contract: cases, their evidence and custody, verification and sealing.
import { z } from 'zod';
import { defineService, method } from '../../contract/kit.js';
import { CaseJson, CustodyRecord, ManifestItem } from './case-model.js';

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
  sealCase: method({
    summary: 'Make a complete case read-only, recording the custody head',
    input: z.object({ caseDir: CaseDir }),
    output: CaseSummary,
  }),
});
