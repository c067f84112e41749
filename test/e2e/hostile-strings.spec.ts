// Journey: an attacker plants ≥ 300 hostile strings (markup, terminal escapes, controls, bidi, zero-width, invalid UTF-8,
// canary URLs…) in pod metadata, file names, file contents, a shell session's terminal, argv and file names; the
// responder walks every surface — containers list, diff tree and viewers, replay terminal and tables, timeline, report
// HTML and PDF — and nothing runs, loads, navigates or hides: every string is shown, with its escapes visible.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test, type Page } from '@playwright/test';
import { bytesToText } from '../../src/capture/common/trace/trace-bytes.js';
import { visibleLines, visibleText } from '../../src/contract/visible-text.js';
import { displayByteString } from '../../src/forensics/common/byte-text.js';
import { docker, TEST_IMAGES } from '../support/docker-cli.js';
import { fileNameBytes, hostileStrings, type HostileString } from '../support/hostile-strings.js';
import { renderPdfPage } from '../support/pdf-page.js';
import { KubeApiStandIn } from '../stand-ins/kube-api-server.js';
import {
  missingShown,
  NO_INCIDENTS,
  RAW_PATTERN,
  scanRendered,
  watchPage,
  type PageWatch,
} from './support/hostile-page.js';
import {
  accountEntries,
  accountField,
  argvBytes,
  hostilePods,
  sessionFileBytes,
  SUSPECT_ROOT,
  suspectTar,
  traceHostileSession,
} from './support/hostile-scene.js';
import { startServe, type ServeProcess } from './support/serve-process.js';

const CLI = fileURLToPath(new URL('../../bin/holdcell.js', import.meta.url));
const SCREENSHOTS = 'test-results/screenshots';
const NAMESPACE = 'hostile';
const run = promisify(execFile);

/** A server that answers 204 and remembers every request: any hostile URL anyone fetched shows up here. */
interface Canary {
  origin: string;
  hits: string[];
  close(): Promise<void>;
}

async function startCanary(): Promise<Canary> {
  const hits: string[] = [];
  const server: Server = createServer((request, response) => {
    hits.push(`${request.method ?? '?'} ${request.url ?? ''}`);
    response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Full-page from the top, unless the page is too big to capture whole (353 pods with 8 KiB names): then the view. */
async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage });
}

/** Text as the trace pipeline carries bytes (invalid UTF-8 as U+DC80+byte), then shown as the UI promises. */
const traceShown = (bytes: Buffer): string => visibleText(bytesToText(bytes));
/** Latin-1 byte string → the host's display form (valid UTF-8 decoded, invalid bytes as \xNN, all escaped). */
const byteShown = (bytes: Buffer): string => displayByteString(bytes.toString('latin1'));

test.describe('hostile strings through every surface in Chromium', () => {
  let canary: Canary;
  let corpus: HostileString[];
  let work: string;
  let caseDir: string;
  let sessionFolder: string;
  let standIn: KubeApiStandIn;
  let serve: ServeProcess;
  let evidenceImage: string | undefined;
  let group: Buffer;

  test.beforeAll(async () => {
    test.setTimeout(300_000);
    canary = await startCanary();
    corpus = hostileStrings({ canaryOrigin: canary.origin });
    work = mkdtempSync(join(tmpdir(), 'holdcell-e2e-hostile-'));
    caseDir = join(work, 'case');
    sessionFolder = join(work, 'f');
    mkdirSync(SCREENSHOTS, { recursive: true });

    // The suspect container: created without the shared test label, so other suites' clean-ups leave it alone; this
    // suite removes it itself as soon as it is preserved.
    const name = `hc-hostile-${randomBytes(4).toString('hex')}`;
    const created = await docker(['create', '--name', name, '--network', 'none', TEST_IMAGES.busybox, 'sleep', '600']);
    const suspect = created.trim().split('\n').pop()?.trim() ?? '';
    try {
      await docker(['start', suspect]);
      const original = {
        passwd: Buffer.from(await docker(['exec', suspect, 'cat', '/etc/passwd'])),
        group: Buffer.from(await docker(['exec', suspect, 'cat', '/etc/group'])),
      };
      const planted = suspectTar(corpus, original);
      group = Buffer.concat([original.group, ...corpus.flatMap((entry) => [entry.bytes, Buffer.from('\n')])]);
      await docker(['cp', '-', `${suspect}:/`], { input: planted });
      const snapshot = await run(process.execPath, [CLI, 'snapshot', suspect, '--case', caseDir, '--json'], {
        timeout: 180_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      evidenceImage = (JSON.parse(snapshot.stdout) as { evidenceImage?: { reference: string } }).evidenceImage
        ?.reference;
    } finally {
      await docker(['rm', '-f', '-v', suspect]).catch(() => undefined);
    }

    // The attacker's shell session, traced for real on this machine and imported into the same case.
    const tracePath = await traceHostileSession(corpus, work);
    await run(process.execPath, [CLI, 'import-trace', tracePath, '--case', caseDir, '--format', 'strace'], {
      timeout: 60_000,
    });

    // A cluster whose pods carry the strings (the stand-in API server: Docker refuses such names and images).
    standIn = new KubeApiStandIn({ bookmarkMs: 200 });
    await standIn.start();
    standIn.seed('nodes', {
      metadata: { name: 'worker-1', uid: 'node-worker-1', creationTimestamp: '2026-11-01T09:00:00Z' },
      spec: {},
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
    for (const pod of hostilePods(corpus, NAMESPACE, 'worker-1')) standIn.seed('pods', pod);
    const kubeconfig = standIn.kubeconfig(join(work, 'kubeconfig'), 'stand-in', NAMESPACE);
    serve = await startServe([], { KUBECONFIG: kubeconfig, HOLDCELL_CASES: join(work, 'cases') });
  });

  test.afterAll(async () => {
    await serve?.stop();
    await standIn?.stop();
    await canary?.close();
    if (evidenceImage) await docker(['rmi', '-f', evidenceImage]).catch(() => undefined);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Every surface ends the same way: nothing acted, nothing loaded, nothing raw on screen. */
  async function expectNothingActed(page: Page, watch: PageWatch): Promise<void> {
    expect(await watch.incidents()).toEqual(NO_INCIDENTS);
    expect(canary.hits).toEqual([]);
  }

  async function expectNoRaw(page: Page, selector = 'body'): Promise<void> {
    const scan = await scanRendered(page, selector);
    expect(scan.raw).toEqual([]);
    expect(scan.characters).toBeGreaterThan(0);
  }

  test('given pods whose names, containers, images and host paths are hostile strings, when I open the containers view, then each is listed escaped and nothing acts', async ({
    page,
  }) => {
    test.setTimeout(120_000);
    const watch = await watchPage(page, serve.origin);
    await page.goto(serve.url);
    await expect(page.locator('[data-cluster-state="connected"]')).toContainText('Cluster stand-in');
    await expect(page.locator('table.pods tr[data-pod]')).toHaveCount(corpus.length, { timeout: 60_000 });
    const shown = corpus.map((entry) => ({ id: entry.id, shown: visibleText(entry.text) }));
    expect(await missingShown(page, shown, 'table.pods')).toEqual([]);
    await expectNoRaw(page);
    // The hostPath risk carries the string in its tooltip: escaped there too (the scan covers titles).
    await expect(page.locator('table.pods [data-risk="host-path"]')).toHaveCount(corpus.length);
    // Two views of a page too tall to capture whole: the markup pods, and the terminal/control-character ones.
    await page.locator('table.pods tr[data-pod]').filter({ hasText: '<script>' }).first().scrollIntoViewIfNeeded();
    await shot(page, 'hostile-pods-markup', false);
    await page.locator('table.pods tr[data-pod]').filter({ hasText: '\\x1b]52;c;' }).first().scrollIntoViewIfNeeded();
    await shot(page, 'hostile-pods-escapes', false);

    // Select the right-to-left-override pod: the actions panel names it escaped.
    const rlo = corpus.find((entry) => entry.text === 'invoice\u202efdp.exe');
    if (!rlo) throw new Error('the corpus lost its RLO entry');
    await page
      .locator('table.pods tr[data-pod]')
      .filter({ hasText: visibleText(rlo.text) })
      .click();
    await expect(page.getByRole('region', { name: 'Pod actions' })).toContainText(visibleText(rlo.text));
    // The responder filters with markup: the matching pods stay, still as text.
    await page.getByLabel('Filter containers').fill('<svg');
    await expect(page.locator('table.pods tr[data-pod]')).not.toHaveCount(corpus.length);
    await expect(page.locator('table.pods tr[data-pod]').first()).toContainText('<svg');
    await expectNoRaw(page);
    await expectNothingActed(page, watch);
  });

  test('given a container whose files are named with and contain the strings, when I open the diff and read files three ways, then every name and line is shown escaped and nothing acts', async ({
    page,
  }) => {
    test.setTimeout(180_000);
    const watch = await watchPage(page, serve.origin);
    await page.setViewportSize({ width: 1400, height: 1200 });
    await page.goto(`${serve.url}#/diff?case=${encodeURIComponent(caseDir)}`);
    await expect(page.getByTestId('count-added')).not.toHaveText('0', { timeout: 90_000 });
    const tree = page.getByRole('list', { name: 'Changed paths' });
    await expect(tree.locator(`.tree-row[data-path^="${SUSPECT_ROOT}/h"][data-change="added"]`)).toHaveCount(
      corpus.length * 2,
      { timeout: 30_000 },
    );
    const names = corpus.map((entry) => ({ id: entry.id, shown: byteShown(fileNameBytes(entry)) }));
    expect(await missingShown(page, names, '.tree')).toEqual([]);
    await expectNoRaw(page);
    await shot(page, 'hostile-diff-tree');

    // The accounts file: uid-0 accounts named with strings, each a finding whose detail shows the name escaped.
    await page.locator('.tree-row[data-path="etc/passwd"]').click();
    const findings = page.getByRole('list', { name: 'Findings for this entry' });
    await expect(findings.locator('li[data-rule="new-uid0-account"]')).toBeVisible({ timeout: 30_000 });
    const accounts = accountEntries(corpus).map((entry) => ({ id: entry.id, shown: byteShown(accountField(entry)) }));
    expect(accounts.length).toBeGreaterThanOrEqual(20);
    expect(await missingShown(page, accounts, '[aria-label="Findings for this entry"]')).toEqual([]);
    await expectNoRaw(page);
    await shot(page, 'hostile-diff-accounts');

    // /etc/group with every string appended: text, hex and side by side.
    await page.locator('.tree-row[data-path="etc/group"]').click();
    const text = page.getByTestId('viewer-text');
    await expect(text).toBeVisible({ timeout: 30_000 });
    const lines = corpus.map((entry) => ({ id: entry.id, shown: visibleLines(entry.bytes) }));
    const eachLine = lines.flatMap(({ id, shown }) =>
      shown.filter((line) => line !== '').map((line, index) => ({ id: `${id}#${index}`, shown: line })),
    );
    expect(await missingShown(page, eachLine, '[data-testid="viewer-text"]')).toEqual([]);
    await expectNoRaw(page);
    await shot(page, 'hostile-diff-text');
    await page.getByRole('tab', { name: 'hex' }).click();
    const hex = page.getByTestId('viewer-hex');
    await expect(hex).toContainText('00000000');
    const hexRows = ((await hex.textContent()) ?? '').split('\n').length;
    expect(hexRows).toBe(Math.ceil(group.length / 16));
    await expectNoRaw(page);
    await shot(page, 'hostile-diff-hex');
    await page.getByRole('tab', { name: 'diff' }).click();
    const side = page.getByTestId('viewer-diff');
    await expect(side.locator('tr.diff-added, tr.diff-changed')).not.toHaveCount(0);
    expect(await missingShown(page, eachLine, '[data-testid="viewer-diff"]')).toEqual([]);
    await expectNoRaw(page);
    await shot(page, 'hostile-diff-side-by-side');

    // One hostile-named file opened: its name in the header, the warning that it is not printable, its bytes as text.
    const osc52 = corpus.find((entry) => entry.note === 'OSC 52 clipboard write');
    if (!osc52) throw new Error('the corpus lost its OSC 52 entry');
    await page.getByRole('tab', { name: 'text' }).click();
    await tree.locator(`.tree-row[data-path^="${SUSPECT_ROOT}/${osc52.id}/"]`).click();
    const details = page.getByRole('region', { name: 'Entry details' });
    await expect(details).toContainText(byteShown(fileNameBytes(osc52)));
    await expect(details).toContainText('not printable UTF-8');
    await expect(page.getByTestId('viewer-text')).toHaveText(`1${visibleLines(osc52.bytes)[0] ?? ''}`);
    await expectNoRaw(page);
    await shot(page, 'hostile-diff-escaped-name', false);
    await expectNothingActed(page, watch);
  });

  test('given a traced shell session that ran, printed and created the strings, when I replay it, then the tables show every name escaped, the terminal swallows clipboard, link and DCS sequences and draws no invisible character, and nothing acts', async ({
    page,
  }) => {
    test.setTimeout(180_000);
    const watch = await watchPage(page, serve.origin);
    await page.setViewportSize({ width: 1400, height: 2000 });
    await page.goto(`${serve.url}#/replay?case=${encodeURIComponent(caseDir)}`);
    await expect(page.getByTestId('replay-summary')).toContainText('1 trace', { timeout: 90_000 });
    const scrubber = page.getByLabel('Instant (seq)');
    const lastSeq = Number(await scrubber.getAttribute('max'));
    await scrubber.focus();
    await page.keyboard.press('End');
    await expect(page.getByTestId('instant-seq')).toHaveText(String(lastSeq));

    // Every file the session created, by its hostile name, in the file table.
    const created = corpus.map((entry) => ({
      id: entry.id,
      shown: traceShown(sessionFileBytes(sessionFolder, entry)),
    }));
    await expect(page.getByRole('table', { name: 'File activity' }).locator('tr[data-op]').first()).toBeVisible();
    expect(await missingShown(page, created, 'table[aria-label="File activity"]')).toEqual([]);
    await expectNoRaw(page);
    await page.getByRole('table', { name: 'File activity' }).scrollIntoViewIfNeeded();
    await shot(page, 'hostile-replay-files', false);

    // The session's terminal: everything it printed, through the disarm.
    const sessions = page.getByLabel('Terminal session');
    const options = await sessions
      .locator('option')
      .evaluateAll((all) => all.map((option) => (option as HTMLOptionElement).value).filter((value) => value !== ''));
    expect(options.length).toBeGreaterThan(0);
    await sessions.selectOption(options[0] ?? '');
    const ignored = page.getByTestId('replay-terminal-ignored');
    await expect(ignored).toBeVisible({ timeout: 30_000 });
    // Each kind the corpus printed reached the disarm and stopped there (8-bit C1 forms included).
    for (const sequence of [
      'OSC 52',
      'OSC 8',
      'OSC 0',
      'OSC 2',
      'OSC 1337',
      'OSC 4',
      'OSC 7',
      'OSC 9',
      'DCS $q',
      'DCS +q',
      'DCS q',
    ])
      await expect(ignored).toHaveAttribute(
        'data-ignored',
        new RegExp(`(^|, )${sequence.replace(/[$+]/g, '\\$&')} ×\\d+`),
      );
    const terminal = page.getByTestId('replay-terminal');
    await expect(terminal.locator('.xterm-rows')).not.toBeEmpty();
    await expect(terminal.locator('a')).toHaveCount(0);
    await expectNoRaw(page);
    await terminal.scrollIntoViewIfNeeded();
    await shot(page, 'hostile-replay-terminal', false);

    // Walk the session: at five instants the terminal, processes and descriptors show nothing raw either.
    for (let step = 0; step <= 4; step += 1) {
      const seq = Math.round((lastSeq * step) / 4);
      await scrubber.fill(String(seq));
      await expect(page.getByTestId('instant-seq')).toHaveText(String(seq));
      await expect(page.getByTestId('replay-terminal-status')).toContainText(`up to seq ${seq}`);
      await expectNoRaw(page);
    }
    await expectNothingActed(page, watch);
  });

  test('given the case holding the diff and the trace, when I open the timeline, walk every event and filter by hostile text, then every run and created file is shown escaped and nothing acts', async ({
    page,
  }) => {
    test.setTimeout(180_000);
    const watch = await watchPage(page, serve.origin);
    await page.setViewportSize({ width: 1400, height: 2400 });
    await page.goto(`${serve.url}#/timeline?case=${encodeURIComponent(caseDir)}`);
    const count = page.getByTestId('timeline-count');
    await expect(count).toHaveText(/^([\d,]+) of \1 events$/, { timeout: 120_000 });
    const total = Number((await count.textContent())?.split(' ')[0]?.replace(/,/g, ''));
    expect(total).toBeGreaterThanOrEqual(corpus.length * 2);
    await shot(page, 'hostile-timeline');

    // The list draws only the rows in view: scroll through it, collecting each row's text and scanning each screen.
    const list = page.getByRole('listbox', { name: 'Timeline events' });
    const rows = new Map<number, string>();
    const lastDrawn = () =>
      list.evaluate((element) =>
        Math.max(
          0,
          ...[...element.querySelectorAll('[role="option"]')].map((row) => Number(row.getAttribute('aria-posinset'))),
        ),
      );
    let seenUpTo = 0;
    while (seenUpTo < total) {
      // A scroll redraws on the next frame: wait for rows past the last ones read, then for their data.
      await expect.poll(lastDrawn).toBeGreaterThan(seenUpTo);
      await expect(list.locator('.tl-row.loading')).toHaveCount(0);
      const drawn = await list.evaluate((element) =>
        [...element.querySelectorAll('[role="option"]')].map(
          (row) => [Number(row.getAttribute('aria-posinset')), row.textContent ?? ''] as const,
        ),
      );
      for (const [position, text] of drawn) rows.set(position, text);
      seenUpTo = Math.max(...drawn.map(([position]) => position));
      await expectNoRaw(page, '[role="listbox"][aria-label="Timeline events"]');
      await list.evaluate((element) => (element.scrollTop += element.clientHeight * 0.8));
    }
    expect(rows.size).toBe(total);
    const everything = [...rows.values()].join('\n');
    const expected = corpus.flatMap((entry) => [
      { id: `${entry.id} ran`, shown: `ran /bin/true ${traceShown(argvBytes(entry))}` },
      { id: `${entry.id} created`, shown: traceShown(sessionFileBytes(sessionFolder, entry)) },
    ]);
    expect(expected.filter((entry) => !everything.includes(entry.shown)).map((entry) => entry.id)).toEqual([]);

    // The responder searches for markup and for an escape as shown: the matching events, still as text.
    await page.getByLabel('Search text').fill('onerror');
    await expect(count).not.toHaveText(`${total} of ${total} events`);
    await expect(list.getByRole('option').first()).toContainText('onerror');
    await expectNoRaw(page);
    await shot(page, 'hostile-timeline-filtered');
    await list.getByRole('option').first().click();
    await expect(page.getByRole('article', { name: 'Event details' })).toContainText('onerror');
    await expectNoRaw(page);
    await page.getByLabel('Search text').fill('52;c;ZXZpbA');
    const printed = list.locator('[data-source="syscall"]').filter({ hasText: 'ran /bin/true \\x1b]52;c;ZXZpbA' });
    await expect(printed.first()).toBeVisible();
    await printed.first().click();
    await expectNoRaw(page);
    await shot(page, 'hostile-timeline-escapes');
    await expectNothingActed(page, watch);
  });

  test('given the case, when I preview the report, read its Markdown and export the PDF, then the strings are inert text in every format and nothing acts', async ({
    page,
  }) => {
    test.setTimeout(240_000);
    const watch = await watchPage(page, serve.origin);
    await page.goto(`${serve.url}#/report?case=${encodeURIComponent(caseDir)}`);
    const frame = page.locator('iframe.report-preview');
    await expect(frame).toHaveAttribute('srcdoc', /^<!doctype html>/, { timeout: 180_000 });
    await expect(frame).toHaveAttribute('sandbox', '');
    // The report's document, parsed inertly: no element or attribute that could run, load or navigate.
    const structure = await frame.evaluate((element) => {
      const report = new DOMParser().parseFromString((element as HTMLIFrameElement).srcdoc, 'text/html');
      const found: string[] = [];
      for (const node of report.querySelectorAll(
        'script, iframe, frame, object, embed, img, svg, math, link, meta[http-equiv], base, form, video, audio, source, portal',
      ))
        if (!(node.tagName === 'META' && node.getAttribute('http-equiv')?.toLowerCase() === 'content-security-policy'))
          found.push(`<${node.tagName.toLowerCase()}>`);
      for (const node of report.querySelectorAll('*'))
        for (const attribute of node.attributes) {
          if (attribute.name.startsWith('on')) found.push(`${node.tagName} ${attribute.name}`);
          if (
            ['src', 'srcset', 'action', 'formaction', 'background', 'poster', 'ping', 'xlink:href'].includes(
              attribute.name,
            )
          )
            found.push(`${node.tagName} ${attribute.name}`);
          if (attribute.name === 'href' && !attribute.value.startsWith('#'))
            found.push(`${node.tagName} href=${attribute.value}`);
          if (attribute.name === 'style' && /url\(|expression/i.test(attribute.value))
            found.push(`${node.tagName} style`);
        }
      return { found, text: report.body.textContent ?? '' };
    });
    expect(structure.found).toEqual([]);
    // The strings reach the report: every uid-0 account the diff flagged is named in the findings, escaped.
    const accounts = accountEntries(corpus).map((entry) => ({ id: entry.id, shown: byteShown(accountField(entry)) }));
    expect(accounts.filter((entry) => !structure.text.includes(entry.shown)).map((entry) => entry.id)).toEqual([]);
    await expectNoRaw(page);
    await shot(page, 'hostile-report-html');

    await page.getByRole('tab', { name: 'Markdown' }).click();
    await expect(page.getByLabel('Report Markdown')).toContainText('# Post-mortem', { timeout: 120_000 });
    await expectNoRaw(page);
    // Scrolled to the filesystem findings, where the account names are (the <pre> scrolls on its own).
    await page.getByLabel('Report Markdown').evaluate((pre) => {
      const lines = (pre.textContent ?? '').split('\n');
      const at = lines.findIndex((line) => line.startsWith('## 6.'));
      pre.scrollTop = (at / lines.length) * pre.scrollHeight;
    });
    await shot(page, 'hostile-report-markdown', false);

    // The PDF, printed by the host's Chromium: no request attempted, the first page rendered as a reader would see it.
    await page.getByRole('button', { name: 'Export PDF' }).click();
    await expect(page.getByTestId('report-file-requests-pdf')).toContainText('0 requests', { timeout: 180_000 });
    const pdfPath = join(caseDir, 'analysis', 'report.pdf');
    expect(readFileSync(pdfPath).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    await renderPdfPage(pdfPath, `${SCREENSHOTS}/hostile-report-pdf-page1`);
    expect(existsSync(`${SCREENSHOTS}/hostile-report-pdf-page1.png`)).toBe(true);
    const pdfText = (await run('pdftotext', ['-enc', 'UTF-8', pdfPath, '-'], { maxBuffer: 64 * 1024 * 1024 })).stdout;
    expect(pdfText).toContain('Post-mortem');
    // The page where the flagged account names are, rendered too: markup and escapes printed as text.
    const findingsPage =
      pdfText.split('\f').findIndex((text) => text.replace(/\s+/g, ' ').includes('new uid 0 (root) account')) + 1;
    expect(findingsPage).toBeGreaterThan(0);
    await renderPdfPage(pdfPath, `${SCREENSHOTS}/hostile-report-pdf-findings`, findingsPage);
    // Page breaks (\f) and line ends are pdftotext's own; nothing else invisible may come out of the PDF's text.
    const pdfRaw = [...pdfText].filter(
      (char) => char !== '\n' && char !== '\f' && new RegExp(RAW_PATTERN, 'u').test(char),
    );
    expect(pdfRaw.map((char) => `U+${(char.codePointAt(0) ?? 0).toString(16)}`)).toEqual([]);
    await expectNoRaw(page);
    await expectNothingActed(page, watch);
  });
});
