// Renders a report model in one of the report formats: the same model always gives the same bytes.
import { reportDocument } from './report-document.js';
import { renderHtml } from './report-html.js';
import { renderMarkdown } from './report-markdown.js';
import type { ReportModel } from './report-model.js';
import type { ReportFormat } from './report.contract.js';

export function renderReportText(model: ReportModel, format: ReportFormat): string {
  const document = reportDocument(model);
  return format === 'md' ? renderMarkdown(document) : renderHtml(document);
}
