// The PDF printer on real Chromium: a page that tries to load anything is refused and every attempt counted; the report loads nothing.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PdfPrinter } from '../../src/forensics/common/report-pdf.js';
import { CaseStore } from '../../src/forensics/node/case-store.js';
import { DiffService } from '../../src/forensics/node/diff-service.js';
import { createReportService } from '../../src/host/report-wiring.js';
import { createTimelineService } from '../../src/host/timeline-wiring.js';
import { assembleReport } from '../../src/forensics/common/report-assemble.js';
import { renderReportText } from '../../src/forensics/common/report-render.js';
import { ChromiumPdfPrinter } from '../../src/forensics/node/report-pdf-chromium.js';
import { incidentInputs } from '../unit/report-fixtures.js';

const printer = new ChromiumPdfPrinter({ executablePath: process.env['CHROMIUM_PATH'] || '/usr/bin/chromium' });

/** What a report must never do: reach the network, the local disk, or run anything. */
const GREEDY_PAGE = `<!doctype html><html><head>
<link rel="stylesheet" href="https://evil.example/x.css">
<style>@import url("http://127.0.0.1:9/imported.css"); body { background: url(file:///etc/hostname) }</style>
</head><body><p>greedy</p><img src="http://127.0.0.1:9/pixel.png"><img src="file:///etc/passwd">
<script>fetch('http://127.0.0.1:9/script')</script></body></html>`;

describe('given the Chromium printer (playwright-core, JavaScript off, offline, every request aborted)', () => {
  it('when a page tries to load styles, images and local files, then each attempt is refused and counted, and no script runs', async () => {
    const result = await printer.print(GREEDY_PAGE);
    expect(result.attempted).toEqual(
      expect.arrayContaining([
        'https://evil.example/x.css',
        'http://127.0.0.1:9/imported.css',
        'http://127.0.0.1:9/pixel.png',
        'file:///etc/passwd',
      ]),
    );
    expect(result.attempted).not.toContain('http://127.0.0.1:9/script');
    expect(result.requests).toBe(result.attempted.length);
    expect(Buffer.from(result.pdf.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
  }, 60_000);

  it('when it prints the HTML report of a hostile case, then the page attempted nothing', async () => {
    const html = renderReportText(assembleReport(incidentInputs()), 'html');
    const result = await printer.print(html);
    expect(result).toMatchObject({ requests: 0, attempted: [], engine: expect.stringMatching(/^chromium \d+/) });
    expect(result.pdf.length).toBeGreaterThan(10_000);
  }, 60_000);
});

describe('given a report page that (somehow) tries to load something while printed', () => {
  it('when the responder exports the PDF, then the export fails naming the loads and no PDF is written', async () => {
    const root = await mkdtemp(join(tmpdir(), 'hc-report-greedy-'));
    try {
      const cases = new CaseStore({ casesRoot: root, operator: 'tester', toolVersion: 'holdcell test' });
      const caseDir = join(root, 'case');
      await cases.create(caseDir, { title: 'greedy' });
      const diffs = new DiffService({ cases });
      // The real Chromium printer, handed the greedy page instead of the report: how a broken renderer would look.
      const greedyPagePrinter: PdfPrinter = { print: (_html, options) => printer.print(GREEDY_PAGE, options) };
      const reports = createReportService({
        cases,
        diffs,
        timeline: createTimelineService({ cases, diffs }),
        toolVersion: 'holdcell test',
        printer: greedyPagePrinter,
      });
      const context = { signal: new AbortController().signal, progress: () => undefined };
      await expect(reports.exportReport({ caseDir, format: 'pdf' }, context)).rejects.toThrow(
        /the report page attempted \d+ loads while printing \(all refused\): .*evil\.example.*; no PDF written/,
      );
      expect(existsSync(join(caseDir, 'analysis', 'report.pdf'))).toBe(false);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);
});
