// Scenes for the diff tests: real suspects that make scripted changes, snapshotted through the real acquisition.
//
// The scene is set with the plain docker CLI (create, start, wait, commit) and preserved with HoldCell's own
// Acquisition into a CaseStore case, exactly as a responder's snapshot would; the diff then runs on that case.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SnapshotResult } from '../../src/capture/common/containment.js';
import { DiffService } from '../../src/forensics/node/diff-service.js';
import { createTestContainer, docker, dockerSocketPath, TEST_IMAGES } from '../support/docker-cli.js';
import { makeAcquisition, removeEvidenceImages } from './snapshot-rig.js';

/** Images the diff tests build are named under this repository so a leftover is recognisable (and removable). */
export const DIFF_IMAGE_REPO = 'holdcell-test-diff/layered';

export const call = () => ({ signal: new AbortController().signal, progress: () => undefined });

/**
 * The upper layer of the two-layer image: a web root and an app config, a shell history, and two deletions of base
 * files: /usr/bin/wget (a whiteout) and all of /usr/sbin, recreated with one file (an opaque directory).
 */
export const UPPER_LAYER_SCRIPT = [
  'set -e',
  'mkdir -p /var/www/html /opt/app',
  'echo "<h1>hi</h1>" > /var/www/html/index.html',
  'echo v1 > /opt/app/config',
  'echo "ls -la" > /root/.ash_history',
  'rm /usr/bin/wget',
  'rm -rf /usr/sbin',
  'mkdir /usr/sbin',
  'echo tool > /usr/sbin/tool',
].join('; ');

/** Builds busybox + one committed layer; resolves with the image id and the tag to remove afterwards. */
export async function buildLayeredImage(): Promise<{ imageId: string; reference: string }> {
  const builder = await createTestContainer({
    name: 'diff-layer-builder',
    image: TEST_IMAGES.busybox,
    args: ['--network', 'none'],
    command: ['sh', '-c', UPPER_LAYER_SCRIPT],
  });
  try {
    await docker(['start', '-a', builder]);
    const reference = `${DIFF_IMAGE_REPO}:${randomBytes(4).toString('hex')}`;
    const imageId = (await docker(['commit', builder, reference])).trim();
    return { imageId, reference };
  } finally {
    await docker(['rm', '-f', builder]).catch(() => undefined);
  }
}

export interface Scene {
  casesRoot: string;
  caseDir: string;
  containerId: string;
  snapshot: SnapshotResult;
  service: DiffService;
  /** The container's Created time as the engine reports it. */
  created: string;
}

/** Runs the script in a fresh container of the image (no network), waits for it to exit 0, and snapshots it. */
export async function stageScene(name: string, image: string, script: string): Promise<Scene> {
  const casesRoot = await mkdtemp(join(tmpdir(), `hc-diff-${name}-`));
  let containerId: string | undefined;
  try {
    containerId = await createTestContainer({
      name: `diff-${name}`,
      image,
      args: ['--network', 'none'],
      command: ['sh', '-c', script],
    });
    const output = await docker(['start', '-a', containerId]);
    const exit = (await docker(['inspect', '-f', '{{.State.ExitCode}}', containerId])).trim();
    if (exit !== '0') throw new Error(`the ${name} scene script exited ${exit}: ${output}`);
    const { acquisition, store } = makeAcquisition({
      socketPath: dockerSocketPath(),
      casesRoot,
      idleTimeoutMs: 20_000,
    });
    const caseDir = join(casesRoot, `case-${name}`);
    const snapshot = await acquisition.snapshot(
      { ref: { engineId: 'default', container: containerId }, caseDir },
      call(),
    );
    // The diff needs the export, the image save and the inspect; the committed evidence image is not its business.
    const needed = snapshot.items.filter((item) =>
      ['filesystem-export', 'image-save', 'container-inspect'].includes(item.kind),
    );
    if (needed.length !== 3 || needed.some((item) => !item.complete)) {
      throw new Error(`snapshot of the ${name} scene lacks evidence the diff needs: ${snapshot.summary}`);
    }
    const created = (await docker(['inspect', '-f', '{{.Created}}', containerId])).trim();
    return { casesRoot, caseDir, containerId, snapshot, service: new DiffService({ cases: store }), created };
  } catch (error) {
    // A scene that failed half-way leaves nothing behind: its container, evidence images and cases folder go.
    if (containerId !== undefined) {
      await removeEvidenceImages(containerId);
      await docker(['rm', '-f', containerId]).catch(() => undefined);
    }
    await rm(casesRoot, { recursive: true, force: true });
    throw error;
  }
}

export async function removeScene(scene: Scene | undefined): Promise<void> {
  if (scene === undefined) return;
  await removeEvidenceImages(scene.containerId);
  await docker(['rm', '-f', scene.containerId]).catch(() => undefined);
  await rm(scene.casesRoot, { recursive: true, force: true });
}

export async function removeImage(reference: string | undefined): Promise<void> {
  if (reference !== undefined) await docker(['rmi', '-f', reference]).catch(() => undefined);
}
