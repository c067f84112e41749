// The report domain's contract: the post-mortem report of a case, rendered from its evidence, diff and timeline.
import { z } from 'zod';
import { defineService, method } from '../../contract/kit.js';

const CaseDir = z.string().min(1).max(4096);

export const ReportFormat = z.enum(['md', 'html']);
export type ReportFormat = z.infer<typeof ReportFormat>;

export const reportService = defineService({
  renderReport: method({
    summary: 'The post-mortem report as Markdown or self-contained HTML (same case → same bytes)',
    input: z.object({ caseDir: CaseDir, format: ReportFormat }),
    output: z.object({ format: ReportFormat, text: z.string(), sha256: z.string() }),
  }),
});
