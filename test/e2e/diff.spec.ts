// Journey: an investigator opens a snapshotted case and sees what changed, with findings, and reads a file three ways.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { createTestContainer, removeTestContainers } from '../support/docker-cli.js';
import { watchPageProblems } from './support/page-problems.js';
import { startServe, type ServeProcess } from './support/serve-process.js';

const CLI = fileURLToPath(new URL('../../bin/holdcell.js', import.meta.url));
const run = promisify(execFile);

test.describe('the filesystem diff in Chromium', () => {
  let serve: ServeProcess;
  let caseDir: string;
  test.beforeAll(async () => {
    await removeTestContainers();
    // The "attacker" adds a uid-0 account, drops a hidden executable and leaves a name with terminal escapes.
    const suspect = await createTestContainer({
      name: 'diffed',
      command: [
        'sh',
        '-c',
        [
          'echo "toor:x:0:0::/root:/bin/sh" >> /etc/passwd',
          'mkdir -p /tmp/.x && printf "#!/bin/sh\\necho mine\\n" > /tmp/.x/miner && chmod +x /tmp/.x/miner',
          'touch "/tmp/$(printf "\\033]52;c;ZXZpbA==\\007")evil"',
          'sleep 600',
        ].join('; '),
      ],
      start: true,
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    caseDir = join(mkdtempSync(join(tmpdir(), 'holdcell-e2e-diff-')), 'case');
    await run(process.execPath, [CLI, 'snapshot', suspect, '--case', caseDir], { timeout: 120_000 });
    serve = await startServe();
  });
  test.afterAll(async () => {
    await serve?.stop();
    await removeTestContainers();
  });

  test('given a snapshotted container, when I open the diff, then I see the changes, findings and the file in each mode', async ({
    page,
  }) => {
    test.setTimeout(120_000);
    const problems = watchPageProblems(page);
    let alerted = false;
    page.on('dialog', (dialog) => {
      alerted = true;
      void dialog.dismiss();
    });
    await page.goto(`${serve.url}#/diff?case=${encodeURIComponent(caseDir)}`);
    await expect(page.getByTestId('count-modified')).not.toHaveText('0', { timeout: 60_000 });
    await expect(page.getByRole('list', { name: 'Findings' })).toBeVisible();
    await expect(page.getByRole('list', { name: 'Findings' }).locator('li').first()).toBeVisible();

    // The hostile name is shown with its escapes visible, never interpreted.
    await expect(page.getByRole('list', { name: 'Changed paths' })).toContainText('\\x1b]52;c;ZXZpbA==\\x07evil');
    await page.screenshot({ path: 'test-results/screenshots/diff-overview.png', fullPage: true });

    await page.getByLabel('Search paths').fill('passwd');
    await page.locator('.tree-row[data-path="etc/passwd"]').click();
    const details = page.getByRole('region', { name: 'Entry details' });
    await expect(details).toContainText('modified');
    await expect(page.getByTestId('viewer-text')).toContainText('toor:x:0:0');
    await page.getByRole('tab', { name: 'hex' }).click();
    await expect(page.getByTestId('viewer-hex')).toContainText('00000000');
    await page.getByRole('tab', { name: 'diff' }).click();
    await expect(page.getByTestId('viewer-diff').locator('tr.diff-added, tr.diff-changed')).not.toHaveCount(0);
    await expect(page.getByTestId('viewer-diff')).toContainText('toor:x:0:0');
    await page.screenshot({ path: 'test-results/screenshots/diff-file.png', fullPage: true });
    // The investigation state is in the URL: a reload lands on the same file and mode.
    await page.reload();
    await expect(page.getByTestId('viewer-diff')).toContainText('toor:x:0:0', { timeout: 60_000 });

    expect(alerted).toBe(false);
    expect(problems).toEqual([]);
  });
});
