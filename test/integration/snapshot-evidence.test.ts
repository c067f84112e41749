// Given a suspect container with changes, a volume and a bind mount, snapshot preserves all of it, verifiably, in a case.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotResult } from '../../src/capture/common/containment.js';
import type { ManifestItem } from '../../src/forensics/common/case-model.js';
import { createTestContainer, docker, dockerSocketPath } from '../support/docker-cli.js';
import {
  createSuspect,
  dockerStreamHash,
  evidenceImagesOf,
  makeAcquisition,
  OPERATOR,
  readCustody,
  readManifest,
  removeEvidenceImages,
  removeSuspect,
  sha256sum,
  tarList,
  type Suspect,
} from './snapshot-rig.js';

const call = () => ({ signal: new AbortController().signal, progress: () => undefined });

function only(items: ManifestItem[], kind: ManifestItem['kind']): ManifestItem {
  const found = items.filter((item) => item.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0] as ManifestItem;
}

describe('snapshot of a stopped suspect into a case', () => {
  let casesRoot: string;
  let suspect: Suspect;
  let caseDir: string;
  let result: SnapshotResult;
  const progress: { done: number; note?: string | undefined }[] = [];

  beforeAll(async () => {
    casesRoot = await mkdtemp(join(tmpdir(), 'hc-snap-cases-'));
    suspect = await createSuspect('snap-stopped', { keepRunning: false });
    const { acquisition } = makeAcquisition({ socketPath: dockerSocketPath(), casesRoot, idleTimeoutMs: 10_000 });
    caseDir = join(casesRoot, 'Case 2024-07 Web Shell');
    result = await acquisition.snapshot(
      { ref: { engineId: 'default', container: suspect.id.slice(0, 12) }, caseDir },
      { signal: new AbortController().signal, progress: (p) => progress.push(p) },
    );
  });
  afterAll(async () => {
    await removeEvidenceImages(suspect?.id);
    await removeSuspect(suspect);
    await rm(casesRoot, { recursive: true, force: true });
  });

  it('then every item is there and complete: engine info, inspect, image inspect, export, one archive per mount, image save', () => {
    expect(result.complete, result.summary).toBe(true);
    expect(result.containerId).toBe(suspect.id);
    expect(result.items.map((item) => item.kind).sort()).toEqual(
      [
        'container-inspect',
        'engine-info',
        'filesystem-export',
        'image-inspect',
        'image-inspect', // the evidence image's
        'image-save',
        'mount-archive',
        'mount-archive',
      ].sort(),
    );
    expect(result.items.every((item) => item.complete && item.operator === OPERATOR)).toBe(true);
    expect(result.summary).toMatch(/complete: 8 of 8 items complete/);
  });

  it('then each sha256 and size in the result and the manifest is that of the file, as sha256sum computes it', async () => {
    const manifest = await readManifest(caseDir);
    expect(manifest.items).toEqual(result.items);
    for (const item of result.items) {
      const file = join(caseDir, item.path);
      expect(await sha256sum(file), item.id).toBe(item.sha256);
      expect((await stat(file)).size, item.id).toBe(item.bytes);
    }
  });

  it('then the export is byte for byte what an independent docker export of the unchanged container streams', async () => {
    const exported = only(result.items, 'filesystem-export');
    expect(exported.path).toBe(`evidence/fs-export-${suspect.id.slice(0, 12)}.tar`);
    // Docker's export of an unchanged stopped container is deterministic (sorted walk, mtimes truncated to the
    // second, no access times), so an independent export must hash the same; checked twice to show it.
    const first = await dockerStreamHash(['export', suspect.id]);
    const second = await dockerStreamHash(['export', suspect.id]);
    expect(second.sha256).toBe(first.sha256);
    expect(exported.sha256).toBe(first.sha256);
    expect(exported.bytes).toBe(first.bytes);
    expect(exported.apiCalls).toMatchObject([{ method: 'GET', path: `/containers/${suspect.id}/export`, status: 200 }]);
  });

  it('then the image save is that of the exact image the container was created from, as docker save streams it', async () => {
    const imageId = (await docker(['inspect', '-f', '{{.Image}}', suspect.id])).trim();
    const saved = only(result.items, 'image-save');
    expect(saved.source.imageId).toBe(imageId);
    expect(saved.path).toBe(`evidence/image-save-${imageId.slice('sha256:'.length, 'sha256:'.length + 12)}.tar`);
    expect(saved.sha256).toBe((await dockerStreamHash(['save', imageId])).sha256);
  });

  it('then the export lists the changed files and the empty mount points, but no mount content', async () => {
    const names = await tarList(join(caseDir, only(result.items, 'filesystem-export').path));
    expect(names).toContain('tmp/dropper.sh');
    expect(names).toContain('root/.ssh/authorized_keys');
    expect(names).toContain('data/');
    expect(names).toContain('evidence-bind/');
    expect(names.filter((name) => name.startsWith('data/') && name !== 'data/')).toEqual([]);
    expect(names.filter((name) => name.startsWith('evidence-bind/') && name !== 'evidence-bind/')).toEqual([]);
    expect(only(result.items, 'filesystem-export').note).toContain('not in this export');
  });

  it('then each mount is flagged not-in-export and its content acquired through the archive API', async () => {
    const archives = result.items.filter((item) => item.kind === 'mount-archive');
    expect(archives.map((item) => item.source.path)).toEqual(['/data', '/evidence-bind']);
    for (const item of archives) {
      expect(item.flags).toEqual(['not-in-export', 'acquired-via-archive-api']);
      expect(item.apiCalls[0]?.path).toBe(
        `/containers/${suspect.id}/archive?path=${encodeURIComponent(item.source.path ?? '')}`,
      );
    }
    const [volume, bind] = archives as [ManifestItem, ManifestItem];
    expect(volume.note).toContain(`type=volume name=${suspect.volume}`);
    expect(volume.note).toContain('rw=true');
    expect(bind.note).toContain(`type=bind source=${suspect.bindDir}`);
    expect(bind.note).toContain('rw=false');
    expect(await tarList(join(caseDir, volume.path))).toEqual(['data/', 'data/loot.txt']);
    expect((await tarList(join(caseDir, bind.path))).sort()).toEqual(
      ['evidence-bind/', 'evidence-bind/known.txt', 'evidence-bind/notes/', 'evidence-bind/notes/second.txt'].sort(),
    );
  });

  it('then an evidence image tagged for the case exists on the engine with the case and source labels', async () => {
    const manifest = await readManifest(caseDir);
    const caseId = manifest.caseId;
    expect(result.evidenceImage?.reference).toBe(`holdcell-evidence/${caseId}:${suspect.id.slice(0, 12)}`);
    const labels = JSON.parse(
      await docker(['image', 'inspect', '-f', '{{json .Config.Labels}}', result.evidenceImage?.reference ?? '']),
    ) as Record<string, string>;
    expect(labels).toMatchObject({ 'org.holdcell.case': caseId, 'org.holdcell.source-container': suspect.id });
    expect(await evidenceImagesOf(suspect.id)).toEqual([result.evidenceImage?.id]);
    const comment = (await docker(['image', 'inspect', '-f', '{{.Comment}}', result.evidenceImage?.id ?? ''])).trim();
    expect(comment).toContain(caseId);
    const evidenceInspect = result.items.find((item) => item.flags.includes('evidence-image'));
    expect(evidenceInspect?.source.imageId).toBe(result.evidenceImage?.id);
  });

  it('then the JSON evidence is the engine raw answers, naming the source engine, container and image', async () => {
    const inspect = only(result.items, 'container-inspect');
    expect(inspect.source).toMatchObject({
      engineId: 'default',
      endpoint: `unix://${dockerSocketPath()}`,
      containerId: suspect.id,
      containerName: expect.stringMatching(/^hc-test-snap-stopped-/),
      engineVersion: (await docker(['version', '-f', '{{.Server.Version}}'])).trim(),
    });
    expect(only(result.items, 'engine-info').apiCalls[0]).toMatchObject({ method: 'GET', path: '/info', status: 200 });
    expect(new Set(result.items.map((item) => item.source.engineVersion))).toEqual(
      new Set([inspect.source.engineVersion]),
    );
  });

  it('then custody records every engine call with its outcome, in order, hash-chained by the store', async () => {
    const actions = (await readCustody(caseDir))
      .filter((record) => record.action.startsWith('engine.') || record.action.startsWith('snapshot.'))
      .map((record) => `${record.action}:${record.outcome}`);
    expect(actions).toEqual([
      'snapshot.start:ok',
      'engine.resolve:ok',
      'engine.info:ok',
      'engine.inspect:ok',
      'engine.image-inspect:ok',
      'engine.export:ok',
      'engine.archive:ok',
      'engine.archive:ok',
      'engine.save:ok',
      'engine.commit:ok',
      'engine.image-inspect:ok',
      'snapshot.finish:ok',
    ]);
  });

  it('then progress reported the bytes of each stream as it went', () => {
    const exportNote = `filesystem-export fs-export-${suspect.id.slice(0, 12)}.tar`;
    const exportProgress = progress.filter((p) => p.note === exportNote).map((p) => p.done);
    expect(exportProgress[0]).toBe(0);
    expect(exportProgress.at(-1)).toBe(only(result.items, 'filesystem-export').bytes);
  });

  it('given the same container snapshot again into the same case, then new items get new ids and nothing is overwritten', async () => {
    const { acquisition } = makeAcquisition({ socketPath: dockerSocketPath(), casesRoot, idleTimeoutMs: 10_000 });
    const again = await acquisition.snapshot({ ref: { engineId: 'default', container: suspect.id }, caseDir }, call());
    expect(again.complete, again.summary).toBe(true);
    const exported = only(again.items, 'filesystem-export');
    expect(exported.id).toBe(`fs-export-${suspect.id.slice(0, 12)}-2`);
    expect(exported.sha256).toBe(only(result.items, 'filesystem-export').sha256);
    expect((await readManifest(caseDir)).items).toHaveLength(16);
  });
});

describe('snapshot of a paused (isolated) suspect', () => {
  let casesRoot: string;
  let suspect: Suspect | undefined;
  beforeAll(async () => {
    casesRoot = await mkdtemp(join(tmpdir(), 'hc-snap-cases-'));
  });
  afterAll(async () => {
    await removeEvidenceImages(suspect?.id);
    await removeSuspect(suspect);
    await rm(casesRoot, { recursive: true, force: true });
  });

  it('given a running container that isolate paused, when I snapshot it, then everything, mounts included, is complete and it stays paused', async () => {
    suspect = await createSuspect('snap-paused', { keepRunning: true });
    await docker(['pause', suspect.id]);
    const { acquisition, store } = makeAcquisition({
      socketPath: dockerSocketPath(),
      casesRoot,
      idleTimeoutMs: 10_000,
    });
    const caseDir = join(casesRoot, 'paused');
    const result = await acquisition.snapshot({ ref: { engineId: 'default', container: suspect.id }, caseDir }, call());
    expect(result.complete, result.summary).toBe(true);
    const volume = result.items.find((item) => item.source.path === '/data');
    expect(volume?.note).toContain('archive API on a paused container');
    expect(await tarList(join(caseDir, volume?.path ?? ''))).toEqual(['data/', 'data/loot.txt']);
    expect((await docker(['inspect', '-f', '{{.State.Status}}', suspect.id])).trim()).toBe('paused');
    // The control for the fault tests' "cannot be sealed": a complete snapshot can be.
    await expect(store.seal(caseDir)).resolves.toMatchObject({ sealed: true, complete: true });
  });

  it('given a tmpfs mount, then it is acquired but flagged, and the snapshot says its content could not be', async () => {
    const id = await createTestContainer({
      name: 'snap-tmpfs',
      args: ['--network', 'none', '--mount', 'type=tmpfs,destination=/scratch'],
      command: ['sh', '-c', 'echo secret > /scratch/s.txt; exec sleep 600'],
      start: true,
    });
    try {
      const { acquisition } = makeAcquisition({ socketPath: dockerSocketPath(), casesRoot, idleTimeoutMs: 10_000 });
      const result = await acquisition.snapshot(
        { ref: { engineId: 'default', container: id }, caseDir: join(casesRoot, 'tmpfs') },
        call(),
      );
      const scratch = result.items.find((item) => item.source.path === '/scratch');
      expect(scratch?.complete).toBe(true);
      expect(scratch?.flags).toContain('tmpfs-content-not-visible');
      expect(scratch?.note).toContain('that content is not in the case');
      expect(result.complete).toBe(false);
      expect(result.summary).toContain("tmpfs at /scratch: its content lives only in the container's memory");
    } finally {
      await removeEvidenceImages(id);
      await docker(['rm', '-f', id]);
    }
  });

  it('given the responder cancels during the export, then the snapshot stops with CANCELLED and keeps what it has', async () => {
    suspect ??= await createSuspect('snap-paused', { keepRunning: true });
    const { acquisition } = makeAcquisition({ socketPath: dockerSocketPath(), casesRoot, idleTimeoutMs: 10_000 });
    const caseDir = join(casesRoot, 'cancelled');
    const controller = new AbortController();
    const progress = (p: { done: number; note?: string | undefined }): void => {
      if (p.note?.startsWith('filesystem-export') === true && p.done > 0) controller.abort();
    };
    await expect(
      acquisition.snapshot(
        { ref: { engineId: 'default', container: suspect.id }, caseDir },
        { signal: controller.signal, progress },
      ),
    ).rejects.toMatchObject({ code: 'CANCELLED', message: expect.stringContaining('items kept in the case') });
    const manifest = await readManifest(caseDir);
    const exported = manifest.items.find((item) => item.kind === 'filesystem-export');
    expect(exported).toMatchObject({ complete: false, incompleteReason: expect.stringMatching(/^cancelled/) });
    expect(manifest.items.filter((item) => item.kind === 'image-save')).toEqual([]);
    expect(await sha256sum(join(caseDir, exported?.path ?? ''))).toBe(exported?.sha256);
    expect((await readCustody(caseDir)).at(-1)).toMatchObject({ action: 'snapshot.cancelled', outcome: 'error' });
  });

  it('given a container that does not exist, then snapshot says so and creates no case folder', async () => {
    const { acquisition } = makeAcquisition({ socketPath: dockerSocketPath(), casesRoot, idleTimeoutMs: 10_000 });
    const caseDir = join(casesRoot, 'never');
    await expect(
      acquisition.snapshot({ ref: { engineId: 'default', container: 'hc-test-no-such-container' }, caseDir }, call()),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('hc-test-no-such-container') });
    await expect(stat(caseDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
