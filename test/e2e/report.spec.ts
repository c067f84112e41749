// Journey: an investigator turns a case holding a real strace of an attacker's session into the post-mortem — previews it
// (HTML in a sandboxed frame, Markdown as text), saves it, exports the PDF and looks at its first page.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test, type Page } from '@playwright/test';
import { renderPdfPage } from '../support/pdf-page.js';
import { countDialogs, watchPageProblems } from './support/page-problems.js';
import { startServe, type ServeProcess } from './support/serve-process.js';

const CLI = fileURLToPath(new URL('../../bin/holdcell.js', import.meta.url));
const SCREENSHOTS = 'test-results/screenshots';
const run = promisify(execFile);
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
}

test.describe('writing the post-mortem of a traced attacker session in Chromium', () => {
  let serve: ServeProcess;
  let work: string;
  let caseDir: string;
  let dropper: string;
  let trace: { id: string; sha256: string };

  test.beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'holdcell-e2e-report-'));
    caseDir = join(work, 'case');
    dropper = join(work, 'drop.sh');
    const tracePath = join(work, 'session.strace');
    // The attacker's session: markup and a terminal escape meant for whoever reads the report, a dropper written,
    // made executable and run, a call home. Real strace on this machine; `script` gives it a terminal.
    const session = [
      'echo "<script>alert(1)</script>"',
      'printf "\\033]52;c;ZXZpbA==\\007\\n"',
      `echo x > ${dropper}`,
      `chmod +x ${dropper}`,
      dropper,
      'nc 127.0.0.1 1 || true',
    ].join('; ');
    const strace = `strace -f -ttt -yy -s 4096 -o ${tracePath} /bin/busybox sh -c '${session}'`;
    await run('script', ['-qec', strace, '/dev/null'], { timeout: 60_000 });
    await run(process.execPath, [CLI, 'case', 'init', caseDir, '--title', 'report journey <b>bold</b>'], {
      timeout: 30_000,
    });
    const imported = await run(process.execPath, [CLI, 'import-trace', tracePath, '--case', caseDir, '--json'], {
      timeout: 30_000,
    });
    trace = JSON.parse(imported.stdout) as { id: string; sha256: string };
    mkdirSync(SCREENSHOTS, { recursive: true });
    serve = await startServe();
  });

  test.afterAll(async () => {
    await serve?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('given a case with an imported trace, when I open the Report view, save it and export the PDF, then every format cites the evidence and nothing in it acts', async ({
    page,
  }) => {
    test.setTimeout(180_000);
    // Chromium sometimes logs this for the sandboxed preview on its own (not every run, with no script in the
    // document: the srcdoc is checked for every script vector below). "Blocked" means nothing ran.
    const problems = watchPageProblems(page, (text) =>
      text.startsWith("Blocked script execution in 'about:srcdoc' because the document's frame is sandboxed"),
    );
    const dialogs = countDialogs(page);

    // The HTML preview: the report's own page in a frame that may run nothing.
    await page.goto(`${serve.url}#/report?case=${encodeURIComponent(caseDir)}`);
    const frame = page.locator('iframe.report-preview');
    await expect(frame).toHaveAttribute('sandbox', '');
    await expect(frame).toHaveAttribute('srcdoc', /^<!doctype html>/, { timeout: 90_000 });
    await page.waitForTimeout(500);
    // Loaded and laid out, before this test reaches into the frame: not one error, CSP report or script attempt.
    expect(problems).toEqual([]);
    const srcdoc = (await frame.getAttribute('srcdoc')) ?? '';
    expect(srcdoc).not.toMatch(/<script|<iframe|<object|<embed|\son[a-z]+\s*=|javascript:/i);
    const preview = page.frameLocator('iframe.report-preview');
    await expect(preview.locator('h1')).toHaveText('Post-mortem: report journey <b>bold</b>', { timeout: 90_000 });
    await expect(preview.locator('script')).toHaveCount(0);
    await expect(preview.locator('b')).toHaveCount(0);
    const tree = preview.locator('.tree');
    await expect(tree).toContainText(new RegExp(`(ran|tried to run) ${dropper}[^,]*, written in this trace`));
    await expect(tree).toContainText(`chmod ${dropper}, which was then executed`);
    await expect(tree).toContainText('connect 127.0.0.1:1 (ECONNREFUSED)');
    // The attacker's markup is in the shell's command line: shown as text; a real backslash is shown doubled.
    await expect(tree).toContainText('<script>alert(1)</script>');
    await expect(tree).toContainText('printf "\\\\033]52;c;ZXZpbA==');
    await expect(preview.getByRole('table', { name: 'Network indicators' })).toContainText('127.0.0.1');
    const evidence = preview.getByRole('table', { name: 'Evidence items' });
    await expect(evidence).toContainText(trace.id);
    await expect(evidence).toContainText(trace.sha256);
    await expect(preview.getByRole('table', { name: 'ATT&CK techniques' })).toContainText('T1105');
    // The report's stylesheet applies although the frame inherits the workbench's CSP (which admits it by hash).
    await expect(preview.locator('h2').first()).toHaveCSS('color', 'rgb(43, 74, 111)');
    const htmlSha = (await page.getByTestId('report-sha256').textContent()) ?? '';
    expect(htmlSha).toMatch(/^[0-9a-f]{64}$/);
    await shot(page, 'report-html');

    // Markdown: shown as text, its escapes visible; the choice is in the URL and survives a reload.
    await page.getByRole('tab', { name: 'Markdown' }).click();
    const markdown = page.getByLabel('Report Markdown');
    await expect(markdown).toContainText('# Post-mortem: report journey \\<b\\>bold\\</b\\>', { timeout: 60_000 });
    await expect(markdown).toContainText('\\<script\\>alert\\(1\\)\\</script\\>');
    await page.reload();
    await expect(page.getByRole('tab', { name: 'Markdown' })).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByLabel('Report Markdown')).toContainText(`sha256 ${trace.sha256.slice(0, 16)}`, {
      timeout: 60_000,
    });
    await shot(page, 'report-markdown');

    // Saved by the host into the case: the same bytes the preview showed.
    await page.getByRole('button', { name: 'Save HTML' }).click();
    await expect(page.getByTestId('report-file-sha256-html')).toHaveText(htmlSha, { timeout: 60_000 });
    const savedHtml = readFileSync(join(caseDir, 'analysis', 'report.html'));
    expect(sha256(savedHtml)).toBe(htmlSha);
    expect(savedHtml.toString('utf8')).not.toMatch(/<script/i);

    // The PDF: printed by Chromium with every request refused, and none attempted.
    await page.getByRole('button', { name: 'Export PDF' }).click();
    await expect(page.getByTestId('report-file-requests-pdf')).toContainText('0 requests', { timeout: 90_000 });
    const pdfPath = join(caseDir, 'analysis', 'report.pdf');
    const pdf = readFileSync(pdfPath);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await expect(page.getByTestId('report-file-sha256-pdf')).toHaveText(sha256(pdf));
    await shot(page, 'report-saved');

    // Its first page, rendered to an image as a reader's viewer would.
    await renderPdfPage(pdfPath, `${SCREENSHOTS}/report-pdf-page1`);
    expect(existsSync(`${SCREENSHOTS}/report-pdf-page1.png`)).toBe(true);
    const text = (await run('pdftotext', ['-f', '1', '-l', '3', pdfPath, '-'])).stdout;
    expect(text).toContain('Post-mortem: report journey <b>bold</b>');
    expect(text).toContain('Executive summary');

    // The export is in custody, and the case still verifies.
    const verify = await run(process.execPath, [CLI, 'verify', caseDir]);
    expect(verify.stdout).toContain('verify: OK');
    const custody = readFileSync(join(caseDir, 'custody.jsonl'), 'utf8');
    expect(custody).toContain('"action":"analysis.report"');

    expect(dialogs()).toBe(0);
    // Reading the frame, Playwright tries to run its own script there; the sandbox refuses, which Chromium logs.
    const sandboxRefusals =
      /^error: Blocked script execution in 'about:srcdoc' because the document's frame is sandboxed/;
    expect(problems.filter((problem) => !sandboxRefusals.test(problem))).toEqual([]);
  });
});
