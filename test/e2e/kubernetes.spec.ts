// Journey: pods beside Docker containers — a responder sees a cluster's pods with their risks, isolates the suspect
// after reading the preflight, and watches it become quarantined live. The cluster is the stand-in API server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { KubeApiStandIn } from '../stand-ins/kube-api-server.js';
import { SCENE, seedScene } from '../stand-ins/kube-scene.js';
import { startServe, type ServeProcess } from './support/serve-process.js';

test.describe('pods beside containers over the stand-in API server', () => {
  let standIn: KubeApiStandIn;
  let serve: ServeProcess;
  let dir: string;

  test.beforeAll(async () => {
    standIn = new KubeApiStandIn({ bookmarkMs: 200 });
    await standIn.start();
    seedScene(standIn);
    dir = mkdtempSync(join(tmpdir(), 'holdcell-e2e-k8s-'));
    const kubeconfig = standIn.kubeconfig(join(dir, 'kubeconfig'), 'stand-in', 'shop');
    serve = await startServe([], { KUBECONFIG: kubeconfig, HOLDCELL_CASES: join(dir, 'cases') });
  });
  test.afterAll(async () => {
    await serve?.stop();
    await standIn?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('given a cluster context, when I open the workbench, then its pods show with risks, namespace and node, and isolating one updates live (stand-in)', async ({
    page,
  }, testInfo) => {
    await page.goto(serve.url);
    await expect(page.locator('[data-cluster-state="connected"]')).toContainText('Cluster stand-in');
    const suspect = page.locator(`tr[data-pod="shop/${SCENE.suspect}"]`);
    await expect(suspect).toBeVisible();
    await expect(suspect.locator('[data-node]')).toHaveText('worker-1');
    await expect(suspect).toContainText('shop');
    for (const kind of [
      'privileged',
      'host-pid',
      'host-path',
      'root-user',
      'added-capabilities',
      'service-account-token',
    ]) {
      await expect(suspect.locator(`[data-risk="${kind}"]`)).toBeVisible();
    }
    await expect(suspect.locator('[data-risk="host-path"]')).toHaveAttribute('title', /\/etc \(host-etc\)/);
    const tame = page.locator(`tr[data-pod="shop/${SCENE.tame}"]`);
    await expect(tame.locator('[data-risk]')).toHaveCount(0);
    // The filter reaches pods too.
    await page.getByLabel('Filter containers').fill('host-path');
    await expect(tame).toHaveCount(0);
    await expect(suspect).toBeVisible();
    await page.getByLabel('Filter containers').fill('');
    await page.screenshot({ path: 'test-results/screenshots/kubernetes-pods.png', fullPage: true });

    await page.getByLabel('Current case folder').fill(join(dir, 'cases', 'k8s-case'));
    await page.getByLabel('Current case folder').press('Enter');
    await suspect.click();
    const actions = page.getByRole('region', { name: 'Pod actions' });
    await expect(actions).toContainText('on worker-1');
    await actions.getByRole('button', { name: 'Isolate…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Isolate pod' });
    await expect(dialog.locator('[data-access="patch pods -n shop"]')).toHaveAttribute('data-allowed', 'true');
    await expect(dialog.locator('[data-step="quarantine-labels"]')).toContainText(
      'remove app, pod-template-hash, tier',
    );
    await testInfo.attach('preflight', { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });
    await page.screenshot({ path: 'test-results/screenshots/kubernetes-preflight.png', fullPage: true });
    await dialog.getByRole('button', { name: 'Isolate now' }).click();
    await expect(dialog.getByTestId('pod-isolation-summary')).toContainText(`Isolated pod shop/${SCENE.suspect}`);
    await dialog.getByRole('button', { name: 'Close' }).click();

    // The watch stream brings the quarantine label and the controller's replacement without a reload.
    await expect(suspect).toHaveAttribute('data-quarantine', /.+/);
    await expect(page.locator(`tr[data-pod^="shop/${SCENE.replicaSet}-"]`)).toHaveCount(2);
    await page.screenshot({ path: 'test-results/screenshots/kubernetes-isolated.png', fullPage: true });
  });
});
