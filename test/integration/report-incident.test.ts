// A scripted intrusion into a real container, recorded (capture, isolate, snapshot), then written up with
// `holdcell report` in Markdown, HTML and PDF: the steps in order with their techniques, every evidence hash cited.
import { execFile } from 'node:child_process';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManifestItem } from '../../src/forensics/common/case-model.js';
import { runHoldcell } from '../support/holdcell-cli.js';
import { renderPdfPage } from '../support/pdf-page.js';
import { ok, recordIncident, removeIncident, type RecordedIncident } from '../support/scripted-incident.js';

const run = promisify(execFile);
const SCREENSHOTS = 'test-results/screenshots';

/** The intruder's session; `sleep 2` first so strace is attached before it starts. The marker is for the report's reader. */
const SESSION = [
  'sleep 2',
  "sh -c 'echo shell-spawned'",
  "printf '#!/bin/sh\\necho dropper-ran\\n' > /tmp/dropper.sh",
  'chmod 755 /tmp/dropper.sh',
  '/tmp/dropper.sh',
  "echo 'evil:x:0:0::/root:/bin/sh' >> /etc/passwd",
  // A second executable in /tmp, named to be rendered raw by a careless report.
  "cp /tmp/dropper.sh '/tmp/<img src=x onerror=alert(1)>'",
  'nc 127.0.0.1 4444 </dev/null || echo call-home-failed',
  'sleep 600',
];

interface Written {
  format: string;
  out: string;
  bytes: number;
  sha256: string;
  textSha256: string;
  requests?: number;
  engine?: string;
}

describe('the post-mortem of a scripted incident on the local engine', () => {
  let casesRoot: string;
  let caseDir: string;
  let incident: RecordedIncident | undefined;
  let items: ManifestItem[];
  let markdown: string;
  let html: string;
  let pdf: Written;

  beforeAll(async () => {
    incident = await recordIncident('report-incident', SESSION);
    ({ casesRoot, caseDir } = incident);
    const out = (name: string) => join(casesRoot, name);
    // The first report builds the diff and the timeline into the case; the files are written from then on.
    ok(
      await runHoldcell(['report', caseDir, '--format', 'md', '--out', out('report.md')], { timeoutMs: 120_000 }),
      'md',
    );
    const htmlRun = await runHoldcell(['report', caseDir, '--format', 'html', '--out', out('report.html'), '--json'], {
      timeoutMs: 120_000,
    });
    ok(htmlRun, 'html');
    const pdfRun = await runHoldcell(['report', caseDir, '--format', 'pdf', '--out', out('report.pdf'), '--json'], {
      timeoutMs: 120_000,
    });
    pdf = JSON.parse(ok(pdfRun, 'pdf').stdout) as Written;
    markdown = await readFile(out('report.md'), 'utf8');
    html = await readFile(out('report.html'), 'utf8');
    items = (JSON.parse(await readFile(join(caseDir, 'manifest.json'), 'utf8')) as { items: ManifestItem[] }).items;
  }, 400_000);

  afterAll(() => removeIncident(incident));

  it('then both text formats list every evidence item with its full SHA-256, and the HTML runs nothing', () => {
    expect(items.map((item) => item.kind)).toEqual(
      expect.arrayContaining(['syscall-trace', 'container-inspect', 'filesystem-export', 'image-save']),
    );
    for (const item of items) {
      expect(markdown, item.id).toContain(item.sha256);
      expect(html, item.id).toContain(item.sha256);
      expect(html).toContain(`<tr id="item-${item.id}">`);
    }
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-/);
  });

  it('then the key events show the scripted steps in the order they ran, each with its technique and trace citation', () => {
    const table = markdown.slice(markdown.indexOf('## 10. Key events'), markdown.indexOf('## 11.'));
    const trace = items.find((item) => item.kind === 'syscall-trace' && table.includes(item.id));
    expect(trace, 'a key event cites a syscall trace').toBeDefined();
    const rows = table.split('\n').filter((line) => line.startsWith('| 20'));
    const position = (pattern: RegExp, technique: string): number => {
      const index = rows.findIndex((row) => pattern.test(row) && row.includes(technique));
      expect(index, `${String(pattern)} with ${technique} in the key events`).toBeGreaterThanOrEqual(0);
      return index;
    };
    const order = [
      position(/process\.exec pid \d+ ran sh -c echo shell-spawned/, 'T1059.004'),
      position(/file\.chmod pid \d+ chmod \/tmp\/dropper\.sh/, 'T1105'),
      position(/process\.exec pid \d+ ran \/tmp\/dropper\.sh/, 'T1105'),
      position(/file\.write pid \d+ write \/etc\/passwd/, 'T1098'),
      position(/process\.exec pid \d+ ran nc 127\.0\.0\.1 4444/, 'T1105'),
    ];
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('then the process tree, network indicators, findings and containment tell the same story with citations', () => {
    const section = (from: string, to: string) => markdown.slice(markdown.indexOf(from), markdown.indexOf(to));
    const tree = section('## 7.', '## 8.');
    expect(tree).toMatch(/ran \/tmp\/dropper\.sh[^,]*, written in this trace/);
    expect(tree).toContain('connect 127.0.0.1:4444 \\(ECONNREFUSED\\)');
    expect(section('## 8.', '## 9.')).toMatch(/\| connect \| 127\.0\.0\.1 \| 4444 \| ECONNREFUSED \|/);
    const findings = section('## 6.', '## 7.');
    expect(findings).toMatch(/\| T1098 \| modified \| \/etc\/passwd \|/);
    expect(findings).toMatch(/\\\[fs-export-[0-9a-f]{12} sha256 [0-9a-f]{16}…, path \/etc\/passwd\\\]/);
    const containment = section('## 4.', '## 5.');
    for (const label of [
      'capture: syscall recording started',
      'isolate: paused the container',
      'snapshot: acquisition finished',
    ]) {
      expect(containment).toContain(label);
    }
    expect(containment).toMatch(/\\\[custody\.jsonl sha256 [0-9a-f]{16}…, record \d+\\\]/);
    expect(section('## 13.', '\n---\n')).toContain('Case verification: OK');
  });

  it('then rendering again gives byte-identical Markdown and HTML', async () => {
    for (const [format, first] of [
      ['md', markdown],
      ['html', html],
    ] as const) {
      const again = ok(await runHoldcell(['report', caseDir, '--format', format], { timeoutMs: 120_000 }), format);
      expect(again.stdout === first, `${format} differs on a second render`).toBe(true);
    }
  });

  it('then the PDF was printed by Chromium with 0 requests, and its first page renders to an image', async () => {
    expect(pdf).toMatchObject({ format: 'pdf', requests: 0, engine: expect.stringMatching(/^chromium /) });
    const bytes = await readFile(pdf.out);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await mkdir(SCREENSHOTS, { recursive: true });
    const png = `${SCREENSHOTS}/report-incident-pdf-page1`;
    await renderPdfPage(pdf.out, png);
    expect((await stat(`${png}.png`)).size).toBeGreaterThan(10_000);
    // -raw keeps each table cell's lines together, so a wrapped hash reads back whole once spaces are removed.
    const text = (await run('pdftotext', ['-raw', pdf.out, '-'])).stdout;
    expect(text).toContain('Post-mortem');
    const trace = items.find((item) => item.kind === 'syscall-trace') as ManifestItem;
    expect(text.replace(/\s+/g, '')).toContain(trace.sha256);
  });

  it('then the case still verifies', async () => {
    ok(await runHoldcell(['verify', caseDir]), 'verify');
  });
});
