// Journey: an investigator imports a real strace of an attacker's shell session into a case and replays it in the UI —
// processes, files, the connection attempt, the terminal output (hostile escapes disarmed) and who wrote the dropper.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test, type Page } from '@playwright/test';
import { countDialogs, watchPageProblems } from './support/page-problems.js';
import { startServe, type ServeProcess } from './support/serve-process.js';

const CLI = fileURLToPath(new URL('../../bin/holdcell.js', import.meta.url));
const run = promisify(execFile);

/** The pids the trace gave each step of the session, read from the trace itself. */
interface SessionPids {
  shell: number;
  cat: number;
  chmod: number;
  dropper: number;
  nc: number;
}

function pidOf(trace: string, pattern: RegExp): number {
  const line = trace.split('\n').find((candidate) => pattern.test(candidate));
  const pid = line ? Number(/^(\d+) /.exec(line)?.[1]) : NaN;
  if (!Number.isInteger(pid)) throw new Error(`no line matches ${pattern} in the trace`);
  return pid;
}

/** Full-page screenshots from the top: the sticky player would otherwise be drawn over the middle of the page. */
async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
}

/** The file table's row for one call (data-path carries the escaped display form: these paths are plain). */
const fileRow = (page: Page, op: string, path: string) =>
  page.getByRole('table', { name: 'File activity' }).locator(`tr[data-op="${op}"][data-path="${path}"]`);

test.describe('replaying a real strace of an attacker session in Chromium', () => {
  let serve: ServeProcess;
  let work: string;
  let caseDir: string;
  let tracePath: string;
  let noisePath: string;
  let dropper: string;
  let pids: SessionPids;

  test.beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'holdcell-e2e-replay-'));
    caseDir = join(work, 'case');
    tracePath = join(work, 'session.strace');
    noisePath = join(work, 'cut.strace');
    dropper = join(work, 'drop.sh');
    // The attacker's session: read accounts, print a clipboard-stealing OSC 52 escape, drop and run a script, try to
    // phone home. Real strace on this machine; `script` gives it a pseudo-terminal as a real session would have.
    const session = [
      'cat /etc/passwd',
      'printf "\\033]52;c;ZXZpbA==\\007hostile\\n"',
      `echo x > ${dropper}`,
      `chmod +x ${dropper}`,
      dropper,
      'nc 127.0.0.1 1 || true',
    ].join('; ');
    const strace = `strace -f -ttt -yy -s 4096 -o ${tracePath} /bin/busybox sh -c '${session}'`;
    await run('script', ['-qec', strace, '/dev/null'], { timeout: 60_000 });
    // A second capture from the incident that ends in a line no tracer wrote: raw escapes meant for the reader's terminal.
    writeFileSync(noisePath, '99999 1795395390.900000 \u001b]52;c;ZXZpbA==\u0007not-a-call(\n');
    const trace = readFileSync(tracePath, 'utf8');
    pids = {
      shell: pidOf(trace, /execve\("\/bin\/busybox", \["\/bin\/busybox", "sh"/),
      cat: pidOf(trace, /execve\([^)]*\["cat", "\/etc\/passwd"\]/),
      chmod: pidOf(trace, /chmod\(/),
      dropper: pidOf(trace, /execve\([^)]*\["ash", /),
      nc: pidOf(trace, /execve\([^)]*\["nc", "127\.0\.0\.1", "1"\]/),
    };
    await run(process.execPath, [CLI, 'case', 'init', caseDir, '--title', 'replay journey'], { timeout: 30_000 });
    serve = await startServe();
  });

  test.afterAll(async () => {
    await serve?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('given a traced session imported into a case, when I replay it, then I see what the attacker did and saw, and nothing from it acts', async ({
    page,
  }) => {
    test.setTimeout(120_000);
    const problems = watchPageProblems(page);
    const dialogs = countDialogs(page);
    // No clipboard permission is granted; any attempt to write it anyway is recorded before the app loads.
    await page.addInitScript(() => {
      const calls: string[] = [];
      Object.defineProperty(window, '__clipboardCalls', { value: calls });
      const clipboard = navigator.clipboard as Clipboard | undefined;
      if (clipboard) {
        clipboard.writeText = async (text: string) => void calls.push(`writeText:${text}`);
        clipboard.write = async () => void calls.push('write');
      }
      const execCommand = document.execCommand.bind(document);
      document.execCommand = (command: string, ...rest: [boolean?, string?]) => {
        calls.push(`execCommand:${command}`);
        return execCommand(command, ...rest);
      };
    });

    // The case view: import the trace file from this machine, then open the replay.
    await page.goto(`${serve.url}#/case?case=${encodeURIComponent(caseDir)}`);
    await page.getByLabel('Trace file path').fill(tracePath);
    await page.getByLabel('Trace format').selectOption('strace');
    await page.getByRole('button', { name: 'Import trace' }).click();
    await expect(page.getByTestId('imported-trace')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByRole('table', { name: 'Evidence items' })).toContainText('syscall-trace');
    await page.getByLabel('Trace file path').fill(noisePath);
    await page.getByRole('button', { name: 'Import trace' }).click();
    await expect(page.getByRole('button', { name: /^Replay 2 traces$/ })).toBeEnabled({ timeout: 30_000 });
    await shot(page, 'replay-case-import');
    await page.getByRole('button', { name: /^Replay 2 traces$/ }).click();

    // Detection cannot tell what the cut file is: the view says so, and the responder names the format.
    await expect(page.getByRole('alert')).toContainText('not strace output', { timeout: 60_000 });
    await page.getByLabel('Replay format').selectOption('strace');

    // The replay opens with both traces; the one line that is not strace output is counted and shown escaped.
    await expect(page.getByTestId('replay-summary')).toContainText('2 traces', { timeout: 60_000 });
    await expect(page.getByTestId('skipped-count')).toHaveText('1 skipped line');
    await page.getByText('Inputs ·').click();
    await expect(page.getByRole('list', { name: 'Skipped lines by reason' })).toContainText('not a strace line: 1');
    await expect(page.getByRole('table', { name: 'Skipped line examples' })).toContainText(
      '\\x1b]52;c;ZXZpbA==\\x07not-a-call(',
    );
    await shot(page, 'replay-inputs');
    await page.getByText('Inputs ·').click();
    const scrubber = page.getByLabel('Instant (seq)');
    const lastSeq = Number(await scrubber.getAttribute('max'));
    expect(lastSeq).toBeGreaterThan(100);

    // Scrub to the end: everything the session did is in the activity tables.
    await scrubber.focus();
    await page.keyboard.press('End');
    await expect(page.getByTestId('instant-seq')).toHaveText(String(lastSeq));
    await expect(page.getByTestId('instant-at')).toHaveText(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    await expect(fileRow(page, 'read', '/etc/passwd')).toHaveAttribute('data-result', 'ok');
    await expect(fileRow(page, 'write', dropper)).toHaveCount(1);
    await expect(fileRow(page, 'chmod', dropper)).toHaveCount(1);
    const connect = page.getByRole('table', { name: 'Network activity' }).locator('tr[data-op="connect"]');
    await expect(connect).toContainText('127.0.0.1:1');
    await expect(connect).toHaveAttribute('data-result', 'ECONNREFUSED');
    await shot(page, 'replay-end');

    // The attacker's terminal: the shell's own output, with the OSC 52 escape swallowed, not shown and not obeyed.
    await page.getByLabel('Terminal session').selectOption(`${pids.shell}:1`);
    const terminal = page.getByTestId('replay-terminal').locator('.xterm-rows');
    await expect(terminal).toContainText('hostile');
    await expect(terminal).not.toContainText('52;c');
    await expect(terminal).not.toContainText('ZXZpbA');
    await shot(page, 'replay-terminal');

    // And back to the start: only the shell exists, and the terminal shows nothing written yet.
    await scrubber.focus();
    await page.keyboard.press('Home');
    await expect(page.getByTestId('instant-seq')).toHaveText('0');
    const processes = page.getByRole('table', { name: 'Processes' });
    await expect(processes.locator('tr[data-pid]')).toHaveCount(1);
    await expect(processes.locator(`tr[data-pid="${pids.shell}"]`)).toHaveAttribute('data-alive', 'true');
    await expect(terminal).not.toContainText('hostile');
    await page.getByRole('button', { name: 'Step forward' }).click();
    await expect(page.getByTestId('instant-seq')).toHaveText('1');
    await page.getByRole('button', { name: 'Step back' }).click();
    await expect(page.getByTestId('instant-seq')).toHaveText('0');
    // Play runs the trace to its end (its whole 20 ms pass in the first tick at ×10) and stops there.
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await expect(page.getByTestId('instant-seq')).toHaveText(String(lastSeq), { timeout: 10_000 });
    await expect(page.getByRole('button', { name: 'Play', exact: true })).toBeVisible();
    await expect(terminal).toContainText('hostile');

    // Forward again, one click per step of the story: each row seeks to its call and selects its process.
    await scrubber.focus();
    await page.keyboard.press('End');
    await fileRow(page, 'read', '/etc/passwd').click();
    await expect(processes.locator(`tr[data-pid="${pids.cat}"]`)).toHaveAttribute('data-alive', 'true');
    await expect(processes.locator(`tr[data-pid="${pids.shell}"]`)).toBeVisible();
    await expect(processes.locator(`tr[data-pid="${pids.cat}"]`)).toHaveAttribute('aria-selected', 'true');
    await expect(processes.locator(`tr[data-pid="${pids.cat}"]`)).toContainText('cat /etc/passwd');
    await expect(
      page.getByRole('table', { name: `Open descriptors of pid ${pids.cat}` }).locator('tr[data-fd="3"]'),
    ).toContainText('/etc/passwd');

    await scrubber.focus();
    await page.keyboard.press('End');
    await fileRow(page, 'chmod', dropper).click();
    await expect(processes.locator(`tr[data-pid="${pids.chmod}"]`)).toHaveAttribute('aria-selected', 'true');

    await scrubber.focus();
    await page.keyboard.press('End');
    await connect.click();
    await expect(processes.locator(`tr[data-pid="${pids.nc}"]`)).toHaveAttribute('data-alive', 'true');
    await expect(processes.locator(`tr[data-pid="${pids.nc}"]`)).toContainText('nc 127.0.0.1 1');
    await expect(page.getByRole('table', { name: 'Open sockets' })).toContainText(String(pids.nc));
    await shot(page, 'replay-connect');

    // "Who wrote this?" for the dropper: the shell wrote it, a child of the shell chmod-ed it.
    await page.getByLabel('Path to look up').fill(dropper);
    await page.getByRole('button', { name: 'Look up' }).click();
    const changes = page.getByRole('list', { name: 'Changes to the path' });
    const write = changes.locator(`li[data-op="write"][data-pid="${pids.shell}"]`);
    await expect(write).toBeVisible();
    await expect(write.getByRole('list', { name: `Ancestry of pid ${pids.shell}` })).toContainText('busybox');
    const chmod = changes.locator(`li[data-op="chmod"][data-pid="${pids.chmod}"]`);
    await expect(chmod.getByRole('list', { name: `Ancestry of pid ${pids.chmod}` }).locator('li')).toHaveCount(2);
    await expect(chmod.locator(`.ancestry li[data-pid="${pids.shell}"]`)).toContainText('from');
    await chmod.getByRole('button', { name: /^seq \d+$/ }).click();
    await expect(processes.locator(`tr[data-pid="${pids.chmod}"]`)).toHaveAttribute('aria-selected', 'true');
    await shot(page, 'replay-who-wrote');

    // The investigation state is the URL: a reload (or the diff's link) lands on the same instant and lookup.
    const seqBefore = await page.getByTestId('instant-seq').textContent();
    await page.reload();
    await expect(page.getByTestId('instant-seq')).toHaveText(seqBefore ?? '', { timeout: 60_000 });
    await expect(page.getByRole('list', { name: 'Changes to the path' }).locator('li[data-op="chmod"]')).toBeVisible();

    // Nothing from the evidence acted: no clipboard use, no link, no raw escape in the page, no dialog, no errors.
    expect(await page.evaluate(() => (window as unknown as { __clipboardCalls: string[] }).__clipboardCalls)).toEqual(
      [],
    );
    await expect(page.getByTestId('replay-terminal').locator('a')).toHaveCount(0);
    expect(await page.evaluate(() => document.body.innerHTML.includes('\u001b'))).toBe(false);
    expect(dialogs()).toBe(0);
    expect(problems).toEqual([]);
  });
});
