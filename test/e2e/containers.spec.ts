// Journey: a responder opens the workbench in web mode and sees the engine's real containers, their risks, live.
import { expect, test } from '@playwright/test';
import { createTestContainer, docker, dockerSocketPath, removeTestContainers } from '../support/docker-cli.js';
import { startSocketProxy } from '../support/socket-proxy.js';
import { startServe, type ServeProcess } from './support/serve-process.js';

test.describe('containers view in Chromium over the WebSocket bridge', () => {
  let serve: ServeProcess;
  test.beforeAll(async () => {
    await removeTestContainers();
    serve = await startServe();
  });
  test.afterAll(async () => {
    await serve?.stop();
    await removeTestContainers();
  });

  test('given a risky container, when I open the printed URL, then I see it with its badges and it updates live', async ({
    page,
  }, testInfo) => {
    const risky = await createTestContainer({
      name: 'risky',
      args: [
        '--privileged',
        '--network',
        'host',
        '--pid',
        'host',
        '--cap-add',
        'NET_ADMIN',
        '-v',
        `${dockerSocketPath()}:/var/run/docker.sock`,
      ],
      command: ['sleep', '600'],
    });
    // This sandbox refuses to start --privileged containers (runc cannot apply all caps), so the risky one is
    // only created: its risks come from its configuration, which is what the badges are about.
    const busy = await createTestContainer({
      name: 'busy',
      args: ['--network', 'none'],
      command: ['sleep', '600'],
      start: true,
    });
    const tame = await createTestContainer({
      name: 'tame',
      args: ['--user', '65534', '--network', 'none'],
      command: ['true'],
    });

    await page.goto(serve.url);
    const riskyRow = page.locator(`tr[data-container-id="${risky}"]`);
    await expect(riskyRow).toBeVisible();
    await expect(riskyRow.locator('[data-risk]')).toHaveCount(6);
    for (const kind of ['privileged', 'host-network', 'host-pid', 'root-user', 'docker-socket', 'added-capabilities']) {
      await expect(riskyRow.locator(`[data-risk="${kind}"]`)).toBeVisible();
    }
    await expect(riskyRow).toHaveAttribute('data-state', 'created');
    const busyRow = page.locator(`tr[data-container-id="${busy}"]`);
    await expect(busyRow).toHaveAttribute('data-state', 'running');
    const tameRow = page.locator(`tr[data-container-id="${tame}"]`);
    await expect(tameRow).toHaveAttribute('data-state', 'created');
    await expect(tameRow.locator('[data-risk]')).toHaveCount(0);
    await expect(page.getByText('unix:///var/run/docker.sock').first()).toBeVisible();
    // The token left the address bar once used, so a screenshot or a shared URL does not leak it.
    expect(page.url()).not.toContain('token=');

    // Every container the engine has is on screen: the same ids as `docker ps -a`.
    const engineIds = (await docker(['ps', '-a', '--no-trunc', '-q'])).trim().split('\n').filter(Boolean).sort();
    const shownIds = (
      await page
        .locator('tr[data-container-id]')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-container-id')))
    ).sort();
    expect(shownIds).toEqual(engineIds);

    await testInfo.attach('containers', { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });
    await page.screenshot({ path: 'test-results/screenshots/containers.png', fullPage: true });

    // Live: the engine's event stream drives the view, no reload.
    await docker(['pause', busy]);
    await expect(busyRow).toHaveAttribute('data-state', 'paused');
    const late = await createTestContainer({ name: 'late', command: ['true'] });
    await expect(page.locator(`tr[data-container-id="${late}"]`)).toBeVisible();
    await docker(['rm', '-f', late]);
    await expect(page.locator(`tr[data-container-id="${late}"]`)).toHaveCount(0);

    // View state lives in the URL: a filter survives a reload.
    await page.getByLabel('Filter containers').fill('tame');
    await expect(page.locator('tr[data-container-id]')).toHaveCount(1);
    expect(page.url()).toContain('q=tame');
    await page.reload();
    await expect(page.locator('tr[data-container-id]')).toHaveCount(1);
    await expect(tameRow).toBeVisible();
  });

  test('given the page without its start token, then it connects to nothing and says why', async ({ page }) => {
    await page.goto(serve.origin);
    await expect(page.getByRole('alert')).toContainText('start token');
    await expect(page.locator('tr[data-container-id]')).toHaveCount(0);
  });
});

test.describe('an engine that goes away and comes back', () => {
  test('given the engine is unreachable, then the UI names the endpoint and why, and recovers when it returns', async ({
    page,
  }) => {
    const proxy = await startSocketProxy({ target: dockerSocketPath() });
    await proxy.stop();
    const serve = await startServe(['--host', `unix://${proxy.path}`]);
    try {
      await page.goto(serve.url);
      const alert = page.getByRole('alert').first();
      await expect(alert).toContainText(`unix://${proxy.path}`);
      await expect(alert).toContainText('is not reachable');
      await page.screenshot({ path: 'test-results/screenshots/engine-unreachable.png', fullPage: true });

      const id = await createTestContainer({ name: 'comeback', command: ['true'] });
      await proxy.start();
      await expect(page.locator(`tr[data-container-id="${id}"]`)).toBeVisible({ timeout: 15_000 });
      await expect(page.locator('[data-engine-state="connected"]')).toBeVisible();
    } finally {
      await serve.stop();
      await proxy.dispose();
      await removeTestContainers();
    }
  });
});
