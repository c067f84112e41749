// Journey: a responder records a live suspect's syscalls from the Capture dialog (Start, then Stop) and replays them.
import { mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { createTestContainer, docker } from '../support/docker-cli.js';
import { chooseCase, watchPageProblems } from './support/page-problems.js';
import { startServe, type ServeProcess } from './support/serve-process.js';

/** The suspect's loop: every half second it reads the passwords file and rewrites and chmods a file in /tmp. */
const LOOP =
  'while true; do cat /etc/passwd > /dev/null; echo beacon > /tmp/implant; chmod 700 /tmp/implant; sleep 0.5; done';

const shot = (page: Page, name: string) =>
  page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });

test.describe('capturing a live suspect from the UI', () => {
  let serve: ServeProcess;
  let suspect: string;
  let caseDir: string;
  test.beforeAll(async () => {
    // Its own container only (no removeTestContainers here: other journeys may have theirs running).
    suspect = await createTestContainer({
      name: 'capture-suspect',
      args: ['--network', 'none'],
      command: ['sh', '-c', LOOP],
      start: true,
    });
    caseDir = join(mkdtempSync(join(tmpdir(), 'holdcell-e2e-capture-')), 'case');
    serve = await startServe();
  });
  test.afterAll(async () => {
    await serve?.stop();
    if (suspect) await docker(['rm', '-f', suspect]).catch(() => undefined);
    if (caseDir) await rm(dirname(caseDir), { recursive: true, force: true });
  });

  test('given a running suspect, when I start a capture with strace and stop it, then the trace is hashed evidence and its replay shows the loop', async ({
    page,
  }) => {
    test.setTimeout(180_000);
    const problems = watchPageProblems(page);
    await page.goto(serve.url);
    await chooseCase(page, caseDir);
    await page.locator(`tr[data-container-id="${suspect}"]`).click();

    // The plan names the tracer and why before anything is attached.
    await page.getByRole('button', { name: 'Capture syscalls…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Capture syscalls' });
    await dialog.getByLabel('Tracer', { exact: true }).selectOption('strace');
    await expect(dialog.getByTestId('capture-plan')).toHaveAttribute('data-tracer', /strace/, { timeout: 30_000 });
    await expect(dialog.getByRole('list', { name: 'Tracers probed' })).toBeVisible();
    await shot(page, 'capture-plan');

    // A long capture the responder ends by hand: Stop ends it cleanly, not as a failure.
    await dialog.getByLabel('Seconds').fill('120');
    await dialog.getByRole('button', { name: 'Start capture' }).click();
    await expect(dialog.getByRole('button', { name: 'Stop' })).toBeEnabled({ timeout: 30_000 });
    await expect(dialog.getByRole('list', { name: 'Capture progress' })).toBeVisible({ timeout: 30_000 });
    // Let the loop run a few rounds under the tracer.
    await page.waitForTimeout(3_000);
    await dialog.getByRole('button', { name: 'Stop' }).click();
    const result = dialog.getByTestId('capture-result');
    await expect(result).toBeVisible({ timeout: 60_000 });
    await expect(result).toContainText('stopped by responder');
    await expect(result.locator('[data-item-kind="syscall-trace"][data-complete="true"]').first()).toBeVisible();
    await expect(result.locator('[data-complete="false"]')).toHaveCount(0);
    await shot(page, 'capture-result');

    // The trace is evidence: in the manifest with its SHA-256, and the capture is in the custody log.
    const manifest = JSON.parse(readFileSync(join(caseDir, 'manifest.json'), 'utf8')) as {
      items: { kind: string; sha256: string }[];
    };
    const traces = manifest.items.filter((item) => item.kind === 'syscall-trace');
    expect(traces.length).toBeGreaterThan(0);
    for (const trace of traces) expect(trace.sha256).toMatch(/^[0-9a-f]{64}$/);
    const custody = readFileSync(join(caseDir, 'custody.jsonl'), 'utf8');
    expect(custody).toContain('"capture.start"');
    expect(custody).toContain('"capture.stop"');

    // The replay of what was captured: the loop's reads, writes and chmods of its files.
    await result.getByRole('link', { name: 'Open the replay' }).click();
    const scrubber = page.getByLabel('Instant (seq)');
    await expect(scrubber).toBeVisible({ timeout: 60_000 });
    await scrubber.focus();
    await page.keyboard.press('End');
    const files = page.getByRole('table', { name: 'File activity' });
    await expect(files.locator('tr[data-path="/etc/passwd"]').first()).toBeVisible({ timeout: 30_000 });
    await expect(files.locator('tr[data-op="chmod"][data-path="/tmp/implant"]').first()).toBeVisible();
    // The suspect's own shell was running before the tracer attached: named from the host's /proc at attach.
    await expect(page.getByRole('table', { name: 'Processes' })).toContainText("sh -c 'while true; do cat /etc/passwd");
    await shot(page, 'capture-replay');
    expect(problems).toEqual([]);
  });
});
