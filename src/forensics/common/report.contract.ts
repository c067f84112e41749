// The report domain's contract: the post-mortem report of a case, rendered from its evidence, diff and timeline.
import { z } from 'zod';
import { defineService, method } from '../../contract/kit.js';

const CaseDir = z.string().min(1).max(4096);

export const ReportFormat = z.enum(['md', 'html']);
export type ReportFormat = z.infer<typeof ReportFormat>;

export const ReportFileFormat = z.enum(['md', 'html', 'pdf']);
export type ReportFileFormat = z.infer<typeof ReportFileFormat>;

export const ReportFile = z.object({
  format: ReportFileFormat,
  /** Where the host wrote it: <case>/analysis/report.<format>. */
  path: z.string(),
  sha256: z.string(),
  bytes: z.number().int().nonnegative(),
  /** SHA-256 of the report text (Markdown or HTML; for PDF the HTML it was printed from): same case → same hash. */
  textSha256: z.string(),
  /** PDF only: loads the page attempted while printing (all refused). Always 0, or the export fails. */
  requests: z.number().int().nonnegative().optional(),
  /** PDF only: what printed it. */
  engine: z.string().optional(),
});
export type ReportFile = z.infer<typeof ReportFile>;

export const reportService = defineService({
  renderReport: method({
    summary: 'The post-mortem report as Markdown or self-contained HTML (same case → same bytes)',
    input: z.object({ caseDir: CaseDir, format: ReportFormat }),
    output: z.object({ format: ReportFormat, text: z.string(), sha256: z.string() }),
  }),
  exportReport: method({
    summary:
      "Writes the report into the case's analysis/ folder (report.md, report.html or report.pdf printed by Chromium with no network) and records it in custody",
    input: z.object({ caseDir: CaseDir, format: ReportFileFormat }),
    output: ReportFile,
  }),
});
