// Builds the report service from the host's parts, for the composition root and the CLI alike: one wiring, two callers.
import { replayTraceFiles } from '../capture/node/trace-files.js';
import type { PdfPrinter, PdfResult } from '../forensics/common/report-pdf.js';
import type { CaseStore } from '../forensics/node/case-store.js';
import type { DiffService } from '../forensics/node/diff-service.js';
import { ChromiumPdfPrinter, DEFAULT_CHROMIUM } from '../forensics/node/report-pdf-chromium.js';
import { ReportService } from '../forensics/node/report-service.js';
import { timelineLoader } from '../forensics/node/report-sources.js';
import type { TimelineService } from '../forensics/node/timeline-service.js';

// Re-exported for electron/, which may import the host but not a domain's folders.
export type { PdfPrinter, PdfResult };

export interface ReportWiring {
  cases: CaseStore;
  diffs: DiffService;
  /** The case's timeline (built when missing), from which key events, detection and techniques are read. */
  timeline: TimelineService;
  toolVersion: string;
  /** The desktop app passes Electron's printToPDF; web mode and the CLI print with Chromium (CHROMIUM_PATH). */
  printer?: PdfPrinter;
  chromiumPath?: string;
}

const chromiumFromEnv = (): string => process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM;

export function createReportService(wiring: ReportWiring): ReportService {
  return new ReportService({
    cases: wiring.cases,
    diff: (caseDir, signal) => wiring.diffs.report(caseDir, { rebuild: false, signal }),
    replayTraces: (paths, options) => replayTraceFiles(paths, options),
    timeline: timelineLoader(wiring.timeline),
    toolVersion: wiring.toolVersion,
    // CHROMIUM_PATH as documented for the test rig and web mode; Debian's chromium otherwise.
    printer: wiring.printer ?? new ChromiumPdfPrinter({ executablePath: wiring.chromiumPath ?? chromiumFromEnv() }),
  });
}
