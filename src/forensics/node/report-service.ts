// The report service: renders a case's post-mortem (Markdown, HTML), prints it to PDF, and files it in the case's analysis/.
import path from 'node:path';
import { ContractError } from '../../contract/envelope.js';
import type { CallContext, ServiceImpl } from '../../contract/kit.js';
import { assembleReport } from '../common/report-assemble.js';
import type { ReportModel } from '../common/report-model.js';
import type { PdfPrinter } from '../common/report-pdf.js';
import { renderReportText } from '../common/report-render.js';
import type { ReportFile, ReportFileFormat, ReportFormat, reportService } from '../common/report.contract.js';
import { ANALYSIS_DIR } from './case-paths.js';
import { sha256Hex, writeFileAtomic } from './durable-fs.js';
import { readReportInputs, type ReportSourcesDeps } from './report-sources.js';

type ReportImpl = ServiceImpl<typeof reportService>;
type Context = Pick<CallContext, 'signal' | 'progress'>;

export interface RenderedReport {
  format: ReportFormat;
  text: string;
  sha256: string;
}

export interface PrintedReport {
  pdf: Uint8Array;
  sha256: string;
  /** SHA-256 of the HTML it was printed from. */
  htmlSha256: string;
  requests: number;
  engine: string;
}

export interface ReportServiceDeps extends ReportSourcesDeps {
  /** Prints HTML to PDF; undefined where no printer is available (then only Markdown and HTML can be exported). */
  printer: PdfPrinter | undefined;
}

const quiet: Context['progress'] = () => undefined;

export class ReportService implements ReportImpl {
  constructor(private readonly deps: ReportServiceDeps) {}

  /** The model behind every format (exposed for the CLI's --json and for tests). */
  model = async (caseDir: string, context: Context): Promise<ReportModel> =>
    assembleReport(await readReportInputs(this.deps, caseDir, context));

  render = async (caseDir: string, format: ReportFormat, context: Context): Promise<RenderedReport> => {
    const text = renderReportText(await this.model(caseDir, context), format);
    return { format, text, sha256: sha256Hex(text) };
  };

  /** Prints the HTML report; refuses a PDF whose page attempted any load (the report's CSP should forbid them all). */
  pdf = async (caseDir: string, context: Context): Promise<PrintedReport> => {
    const printer = this.deps.printer;
    if (printer === undefined)
      throw new ContractError('UNAVAILABLE', 'no PDF printer in this host (Chromium not configured)');
    const html = await this.render(caseDir, 'html', context);
    context.progress({ done: 6, total: 7, note: 'printing the PDF' });
    const printed = await printer.print(html.text, { signal: context.signal });
    if (printed.requests > 0) {
      throw new ContractError(
        'FAILED',
        `the report page attempted ${printed.requests} loads while printing (all refused): ${printed.attempted.slice(0, 5).join(', ')}; no PDF written`,
      );
    }
    return {
      pdf: printed.pdf,
      sha256: sha256Hex(printed.pdf),
      htmlSha256: html.sha256,
      requests: printed.requests,
      engine: printed.engine,
    };
  };

  renderReport: ReportImpl['renderReport'] = ({ caseDir, format }, context) => this.render(caseDir, format, context);

  exportReport: ReportImpl['exportReport'] = async ({ caseDir, format }, context) => {
    const summary = await this.deps.cases.summary(caseDir);
    if (summary.sealed) {
      throw new ContractError(
        'FAILED',
        `case is sealed: ${ANALYSIS_DIR}/ cannot change; use holdcell report ${summary.caseDir} --format ${format} --out <file>`,
      );
    }
    const dir = summary.caseDir;
    const file = await this.fileOf(dir, format, context);
    const name = `report.${format}`;
    await writeFileAtomic(path.join(dir, ANALYSIS_DIR), name, file.bytes);
    const recorder = await this.deps.cases.open(dir);
    await recorder.record({
      action: 'analysis.report',
      params: {
        format,
        output: `${ANALYSIS_DIR}/${name}`,
        textSha256: file.textSha256,
        bytes: file.bytes.length,
        ...(file.requests === undefined ? {} : { requests: file.requests, engine: file.engine }),
      },
      outcome: 'ok',
      detail: `post-mortem report written as ${name}`,
      sha256: file.sha256,
    });
    const result: ReportFile = {
      format,
      path: path.join(dir, ANALYSIS_DIR, name),
      sha256: file.sha256,
      bytes: file.bytes.length,
      textSha256: file.textSha256,
      ...(file.requests === undefined ? {} : { requests: file.requests, engine: file.engine }),
    };
    return result;
  };

  /** The bytes of one format, with what the custody record and the caller are told about them. */
  fileOf = async (
    caseDir: string,
    format: ReportFileFormat,
    context: Context = { signal: new AbortController().signal, progress: quiet },
  ): Promise<{ bytes: Uint8Array; sha256: string; textSha256: string; requests?: number; engine?: string }> => {
    if (format === 'pdf') {
      const printed = await this.pdf(caseDir, context);
      return {
        bytes: printed.pdf,
        sha256: printed.sha256,
        textSha256: printed.htmlSha256,
        requests: printed.requests,
        engine: printed.engine,
      };
    }
    const rendered = await this.render(caseDir, format, context);
    const bytes = Buffer.from(rendered.text, 'utf8');
    return { bytes, sha256: rendered.sha256, textSha256: rendered.sha256 };
  };
}
