// Journey: an investigator opens the timeline of a case holding a real strace of an attacker's shell session (and an
// earlier trace of a health check), narrows it by technique and text, bookmarks the shell that read the account file,
// writes a note for the report, brushes the histogram to the session's seconds, finds filters (URL) and annotations
// (host) again after a reload, and follows the shell to its instant in the replay of its own trace.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test, type Page } from '@playwright/test';
import { watchPageProblems } from './support/page-problems.js';
import { startServe, type ServeProcess } from './support/serve-process.js';

const CLI = fileURLToPath(new URL('../../bin/holdcell.js', import.meta.url));
const run = promisify(execFile);

async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
}

const rows = (page: Page) => page.getByRole('listbox', { name: 'Timeline events' }).getByRole('option');
const count = (page: Page) => page.getByTestId('timeline-count');

test.describe('the incident timeline of a traced attacker session in Chromium', () => {
  let serve: ServeProcess;
  let work: string;
  let caseDir: string;
  let shellPid: number;
  /** The session trace's evidence item id (the earlier trace is another item). */
  let sessionItem: string;
  /** Between the traced session's end and the responder's first action on the case (epoch ms). */
  let afterSession: number;

  test.beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'holdcell-e2e-timeline-'));
    caseDir = join(work, 'case');
    const tracePath = join(work, 'session.strace');
    const earlierPath = join(work, 'health.strace');
    const dropper = join(work, 'drop.sh');
    // A health check traced a moment before the attack: a second trace item whose events come first, so a replay of
    // both merged would count the session's seqs from elsewhere.
    await run('strace', ['-f', '-ttt', '-yy', '-s', '4096', '-o', earlierPath, '/bin/busybox', 'true'], {
      timeout: 60_000,
    });
    // The attacker's session, traced for real on this machine: read the accounts, drop a script, make it executable,
    // run it, leave a file whose name carries a terminal escape (ESC [31m), try to phone home. `script` gives it a
    // pseudo-terminal as a real session would have.
    const session = [
      `cat /etc/passwd`,
      `echo x > ${dropper}`,
      `chmod +x ${dropper}`,
      dropper,
      `echo y > "${work}/$(printf "ev\\033[31mil")"`,
      'nc 127.0.0.1 1 || true',
    ];
    const strace = `strace -f -ttt -yy -s 4096 -o ${tracePath} /bin/busybox sh -c '${session.join('; ')}'`;
    await run('script', ['-qec', strace, '/dev/null'], { timeout: 60_000 });
    const shellLine = readFileSync(tracePath, 'utf8')
      .split('\n')
      .find((line) => /execve\("\/bin\/busybox", \["\/bin\/busybox", "sh"/.test(line));
    shellPid = Number(/^(\d+) /.exec(shellLine ?? '')?.[1]);
    expect(Number.isInteger(shellPid)).toBe(true);
    // The responder opens the case a moment after the session: the histogram can tell the two apart.
    const stamps = [...readFileSync(tracePath, 'utf8').matchAll(/^\d+ +(\d+\.\d+) /gm)].map((match) =>
      Number(match[1]),
    );
    expect(stamps.length).toBeGreaterThan(50);
    const sessionEnd = Math.max(...stamps) * 1000;
    await new Promise((resolve) => setTimeout(resolve, 600));
    afterSession = sessionEnd + 300;
    await run(process.execPath, [CLI, 'case', 'init', caseDir, '--title', 'timeline journey'], { timeout: 30_000 });
    await run(process.execPath, [CLI, 'import-trace', earlierPath, '--case', caseDir, '--format', 'strace'], {
      timeout: 30_000,
    });
    const imported = await run(
      process.execPath,
      [CLI, 'import-trace', tracePath, '--case', caseDir, '--format', 'strace', '--json'],
      { timeout: 30_000 },
    );
    sessionItem = (JSON.parse(imported.stdout) as { id: string }).id;
    serve = await startServe();
  });

  test.afterAll(async () => {
    await serve?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('given a case with a traced session, when I filter, bookmark, annotate and brush, then the list, the histogram and the annotations follow, and a reload keeps them', async ({
    page,
  }) => {
    test.setTimeout(120_000);
    const problems = watchPageProblems(page);

    // The view builds the timeline on the host, loads it into this window's IndexedDB and shows every event.
    await page.goto(`${serve.url}#/timeline?case=${encodeURIComponent(caseDir)}`);
    await expect(count(page)).toHaveText(/^(\d+) of \1 events$/, { timeout: 60_000 });
    const total = Number((await count(page).textContent())?.split(' ')[0]);
    expect(total).toBeGreaterThanOrEqual(9);
    const histogram = page.getByTestId('histogram');
    await expect(histogram).toHaveAttribute('data-events', String(total));
    // Traces first (the health check, then the session), then the responder's own actions: case created, traces imported.
    await expect(rows(page).first()).toHaveAttribute('data-kind', 'process.exec');
    await expect(rows(page).first()).toContainText('busybox true');
    await expect(rows(page).filter({ hasText: 'busybox sh -c' })).toHaveCount(1);
    await expect(rows(page).last()).toHaveAttribute('data-source', 'custody');
    await shot(page, 'timeline-open');

    // The file whose name holds an escape: listed with the escape shown, never handed to the page raw.
    await page.getByLabel('Path prefix').fill(`${work}/ev`);
    await expect(count(page)).toHaveText(`1 of ${total} events`);
    await expect(rows(page).first().locator('.tl-summary')).toContainText('ev\\x1b[31mil');
    await expect(rows(page).first().locator('.tl-summary')).toHaveClass(/escaped/);
    await rows(page).first().click();
    await expect(page.getByRole('article', { name: 'Event details' })).toContainText(`${work}/ev\\x1b[31mil`);
    expect(await page.evaluate(() => document.body.innerHTML.includes('\u001b'))).toBe(false);
    await shot(page, 'timeline-escaped-path');
    await page.getByLabel('Path prefix').fill('');
    await expect(count(page)).toHaveText(`${total} of ${total} events`);

    // Technique T1059.004 (Unix shell): the session's shells — busybox, and ash running the dropped script.
    await page.getByLabel('Technique').selectOption('T1059.004');
    await expect(count(page)).toHaveText(`2 of ${total} events`);
    await expect(rows(page)).toHaveCount(2);
    await expect(histogram).toHaveAttribute('data-events', '2');
    // … and the one that read the account file.
    await page.getByLabel('Search text').fill('passwd');
    await expect(count(page)).toHaveText(`1 of ${total} events`);
    await expect(histogram).toHaveAttribute('data-events', '1');
    const shell = rows(page).first();
    await expect(shell).toContainText('cat /etc/passwd');
    await shot(page, 'timeline-filtered');

    // Bookmark it and write a note: both go to the host and come back on the row and in the details.
    await shell.click();
    const details = page.getByRole('article', { name: 'Event details' });
    await expect(details).toContainText(`${shellPid}`);
    await expect(details.getByTestId('replay-link')).toHaveAttribute(
      'href',
      `#/replay?case=${encodeURIComponent(caseDir)}&item=${sessionItem}&seq=0&pid=${shellPid}`,
    );
    await details.getByRole('button', { name: '☆ Bookmark' }).click();
    await expect(details.getByRole('button', { name: /Bookmarked/ })).toBeVisible();
    await details.getByLabel('Note on this event').fill('Shell that read the account file, then dropped drop.sh');
    await details.getByRole('button', { name: 'Add note' }).click();
    await expect(details.getByRole('list', { name: 'Notes on this event' })).toContainText('dropped drop.sh');
    await expect(shell.locator('.tl-marks')).toHaveText('★✎');
    await expect(histogram.locator('.marker-bookmark')).toHaveCount(1);
    await shot(page, 'timeline-annotated');

    // Clear the filters, keep only bookmarks: the shell alone.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect(count(page)).toHaveText(`${total} of ${total} events`);
    await page.getByLabel('bookmarked only').check();
    await expect(count(page)).toHaveText(`1 of ${total} events`);
    await expect(rows(page).first()).toContainText('cat /etc/passwd');

    // A reload: the filter comes back from the URL, the bookmark and the note from the host's annotations.jsonl. The
    // host rebuilt the timeline meanwhile (annotations and their custody records are events too): a new, larger load.
    await page.reload();
    await expect(count(page)).toHaveText(/^1 of \d+ events$/, { timeout: 60_000 });
    const rebuilt = Number((await count(page).textContent())?.split(' ')[2]);
    expect(rebuilt).toBeGreaterThanOrEqual(total + 2);
    await expect(page.getByLabel('bookmarked only')).toBeChecked();
    await expect(rows(page).first().locator('.tl-marks')).toHaveText('★✎');
    await expect(details.getByRole('list', { name: 'Notes on this event' })).toContainText('dropped drop.sh');
    await shot(page, 'timeline-reloaded');
    await page.getByLabel('bookmarked only').uncheck();
    await expect(count(page)).toHaveText(`${rebuilt} of ${rebuilt} events`);
    await page.getByRole('checkbox', { name: /^annotation \d+$/ }).check();
    await expect(count(page)).toHaveText(`2 of ${rebuilt} events`);
    await expect(rows(page).first()).toHaveAttribute('data-source', 'annotation');
    await page.getByRole('checkbox', { name: /^annotation \d+$/ }).uncheck();

    // Brush from the start to between the session and the responder's first action: the traces' events only.
    const [first, last] = ((await page.getByTestId('timeline-extent').textContent()) ?? '')
      .split(' → ')
      .map((iso) => Date.parse(iso.replace(/(\.\d{3})\d*/, '$1')));
    // The traces' events: every syscall event the sources box counts.
    const syscalls = Number(await page.locator('.timeline-filters label.source-syscall .muted').textContent());
    expect(syscalls).toBeGreaterThanOrEqual(8);
    const box = await page.getByTestId('histogram-brush').boundingBox();
    if (!box || !first || !last) throw new Error('no histogram');
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + 1, y);
    await page.mouse.down();
    await page.mouse.move(box.x + ((afterSession - first) / (last - first)) * box.width, y, { steps: 8 });
    await page.mouse.up();
    await expect(page.getByTestId('time-range')).not.toHaveText('the whole timeline');
    expect(page.url()).toContain('tfrom=');
    await expect(count(page)).toHaveText(`${syscalls} of ${rebuilt} events`);
    await expect(rows(page).first()).toContainText('busybox true');
    await expect(rows(page).last()).toHaveAttribute('data-kind', 'network.connect');
    await shot(page, 'timeline-brushed');
    await page.getByRole('button', { name: 'Whole timeline' }).click();
    await expect(count(page)).toHaveText(`${rebuilt} of ${rebuilt} events`);

    // From the bookmarked shell to the replay at its instant: its own trace alone, its process selected.
    await page.getByLabel('bookmarked only').check();
    await expect(count(page)).toHaveText(`1 of ${rebuilt} events`);
    await rows(page).first().click();
    await expect(details.getByTestId('replay-link')).toContainText(`of ${sessionItem}`);
    await details.getByTestId('replay-link').click();
    await expect(page.getByTestId('instant-seq')).toHaveText('0', { timeout: 60_000 });
    await expect(page.getByTestId('replay-summary')).toContainText('1 trace ·');
    await expect(page.getByLabel('Trace', { exact: true })).toHaveValue(sessionItem);
    const shellRow = page.getByRole('table', { name: 'Processes' }).locator(`tr[data-pid="${shellPid}"]`);
    await expect(shellRow).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByTestId('replay-trace-note')).toHaveCount(0);
    await shot(page, 'timeline-replay-exact');

    // A link naming a trace the case does not hold: both traces, merged as before, and a note that says so.
    await page.goto(`${serve.url}#/replay?case=${encodeURIComponent(caseDir)}&item=trace-import-gone&seq=0`);
    await expect(page.getByTestId('replay-trace-note')).toContainText(
      'This case holds no trace item trace-import-gone: showing all 2 of its traces merged by time',
      { timeout: 60_000 },
    );
    await expect(page.getByTestId('replay-summary')).toContainText('2 traces');
    await expect(page.getByLabel('Trace', { exact: true })).toHaveValue('');

    expect(problems).toEqual([]);
  });
});
