// Journey: a responder isolates a suspect from the UI, snapshots it into a case, verifies the case and opens a sandbox.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { createTestContainer, docker, removeTestContainers } from '../support/docker-cli.js';
import { chooseCase, watchPageProblems } from './support/page-problems.js';
import { startServe, type ServeProcess } from './support/serve-process.js';

const NETWORK = 'hc-test-e2e-net';

test.describe('isolate, snapshot, verify and sandbox from the UI', () => {
  let serve: ServeProcess;
  let suspect: string;
  let caseDir: string;
  test.beforeAll(async () => {
    await removeTestContainers();
    await docker(['network', 'rm', NETWORK]).catch(() => undefined);
    await docker(['network', 'create', '--label', 'org.holdcell.test=1', NETWORK]);
    suspect = await createTestContainer({
      name: 'suspect',
      args: ['--network', NETWORK, '--network-alias', 'web'],
      command: ['sh', '-c', 'mkdir -p /opt && echo pwned > /opt/dropper && chmod +x /opt/dropper; exec sleep 600'],
      start: true,
    });
    caseDir = join(mkdtempSync(join(tmpdir(), 'holdcell-e2e-')), 'case-e2e');
    serve = await startServe();
  });
  test.afterAll(async () => {
    await serve?.stop();
    const sandboxes = (await docker(['ps', '-aq', '--filter', 'label=org.holdcell.sandbox=1'])).trim();
    if (sandboxes) await docker(['rm', '-f', ...sandboxes.split('\n')]);
    await removeTestContainers();
    await docker(['network', 'rm', NETWORK]).catch(() => undefined);
  });

  test('given a running suspect, when I isolate and snapshot it, then it is contained and the case verifies', async ({
    page,
  }) => {
    test.setTimeout(180_000);
    const problems = watchPageProblems(page);
    await page.goto(serve.url);
    await chooseCase(page, caseDir);
    await page.locator(`tr[data-container-id="${suspect}"]`).click();

    await page.getByRole('button', { name: 'Isolate…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Isolate container' });
    await expect(dialog.getByRole('list', { name: 'plan' })).toBeVisible();
    await expect(dialog.locator('[data-step="pause"]')).toBeVisible();
    await page.screenshot({ path: 'test-results/screenshots/isolate-plan.png', fullPage: true });
    // Nothing happened yet: the plan is only a preview.
    expect((await docker(['inspect', '-f', '{{.State.Paused}}', suspect])).trim()).toBe('false');

    await dialog.getByRole('button', { name: 'Isolate now' }).click();
    await expect(dialog.getByTestId('isolation-summary')).toBeVisible({ timeout: 30_000 });
    await expect(dialog.locator('[data-step="pause"][data-status="done"]')).toBeVisible();
    await page.screenshot({ path: 'test-results/screenshots/isolate-done.png', fullPage: true });
    expect((await docker(['inspect', '-f', '{{.State.Paused}}', suspect])).trim()).toBe('true');
    const networks = (
      await docker(['inspect', '-f', '{{range $name, $_ := .NetworkSettings.Networks}}{{$name}} {{end}}', suspect])
    ).trim();
    expect(networks).toBe('holdcell-quarantine');
    await expect(page.locator(`tr[data-container-id="${suspect}"]`)).toHaveAttribute('data-state', 'paused');
    await dialog.getByRole('button', { name: 'Close' }).click();

    await page.getByRole('button', { name: 'Snapshot' }).click();
    const snapshot = page.getByTestId('snapshot-result');
    await expect(snapshot).toBeVisible({ timeout: 120_000 });
    await expect(snapshot.locator('[data-item-kind="filesystem-export"][data-complete="true"]')).toBeVisible();
    await expect(snapshot.locator('[data-item-kind="image-save"][data-complete="true"]')).toBeVisible();

    await page.getByRole('button', { name: 'Case', exact: true }).click();
    await expect(page.getByRole('table', { name: 'Evidence items' })).toBeVisible();
    await expect(page.locator('tr[data-item-id][data-complete="false"]')).toHaveCount(0);
    await expect(
      page.getByRole('table', { name: 'Custody log' }).locator('tr[data-action="engine.pause"]'),
    ).toHaveCount(1);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByTestId('verify-ok')).toBeVisible({ timeout: 60_000 });
    await page.screenshot({ path: 'test-results/screenshots/case-verified.png', fullPage: true });

    await page.getByRole('button', { name: 'Start sandbox' }).click();
    await expect(page.getByTestId('terminal-status')).toContainText('connected', { timeout: 60_000 });
    await page.getByTestId('terminal').click();
    await page.keyboard.type('cat /opt/dropper; echo marker-$((6*7))\n');
    await expect(page.locator('.xterm-rows')).toContainText('marker-42', { timeout: 15_000 });
    await expect(page.locator('.xterm-rows')).toContainText('pwned');
    await page.screenshot({ path: 'test-results/screenshots/sandbox-terminal.png', fullPage: true });
    // The terminal ran in the sandbox, not in the suspect: the suspect is still paused and untouched.
    expect((await docker(['inspect', '-f', '{{.State.Paused}}', suspect])).trim()).toBe('true');
    // The strict CSP held everywhere, including xterm's generated styles.
    expect(problems).toEqual([]);
  });
});
