// Indexes kept under analysis/: built once from evidence, reloaded identically, byte-identical when rebuilt, stale ones rebuilt.
import { createReadStream } from 'node:fs';
import { readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManifestItem } from '../../src/forensics/common/case-model.js';
import type { CaseRecorder } from '../../src/forensics/common/case-recorder.js';
import { CaseStore } from '../../src/forensics/node/case-store.js';
import {
  ENTRY_FIELDS,
  evidenceIndex,
  INDEX_FORMAT,
  indexFileName,
  loadEvidenceIndex,
} from '../../src/forensics/node/tar-index-store.js';
import { buildSaveArchive, buildTree, removeDir, run, tempDir, type SavedImage } from './tar-index-support.js';

let work: string;
let caseDir: string;
let recorder: CaseRecorder;
let exported: ManifestItem;
let saved: ManifestItem;
let image: SavedImage;

const source = { engineId: 'default', endpoint: 'unix:///var/run/docker.sock', containerId: 'c'.repeat(64) };

beforeAll(async () => {
  work = await tempDir('store');
  await run('mkdir', [`${work}/tree`]);
  await buildTree(`${work}/tree`, { devices: false, capability: true, outOfRange: true });
  await run('tar', [
    '--format=pax',
    '--xattrs',
    '--xattrs-include=*',
    '-C',
    `${work}/tree`,
    '-cf',
    `${work}/export.tar`,
    '.',
  ]);
  image = await buildSaveArchive(
    work,
    'image',
    [
      { createdBy: 'ADD base /', files: { 'etc/os-release': 'ID=test\n', 'bin/sh': 'shell' } },
      { createdBy: 'RUN rm /bin/sh', files: { 'bin/.wh.sh': '' } },
    ],
    { layout: 'oci-gzip' },
  );
  const store = new CaseStore({ casesRoot: `${work}/cases`, operator: 'responder-1', toolVersion: 'holdcell test' });
  caseDir = `${work}/cases/case-1`;
  recorder = await store.openOrCreate(caseDir);
  exported = await recorder.addStream(
    { id: 'fs-export-1', kind: 'filesystem-export', fileName: 'fs-export-1.tar', format: 'tar', source },
    createReadStream(`${work}/export.tar`),
  );
  saved = await recorder.addStream(
    {
      id: 'image-save-1',
      kind: 'image-save',
      fileName: 'image-save-1.tar',
      format: 'tar',
      source: { ...source, imageId: `sha256:${image.configSha256}` },
    },
    createReadStream(image.file),
  );
}, 60_000);

afterAll(async () => {
  if (work) await removeDir(work);
});

const indexPath = (item: ManifestItem): string => `${caseDir}/analysis/${indexFileName(item.id)}`;

describe('given a case with a filesystem export and an image save', () => {
  it('when the export is indexed the first time, then it is built from the evidence and stored under analysis/', async () => {
    const first = await evidenceIndex(caseDir, exported, { rebuild: true });
    expect(first.source).toBe('built');
    expect(first.saveProblem).toBeUndefined();
    expect(await readdir(`${caseDir}/analysis`)).toContain('index-fs-export-1.jsonl');
    const [header] = (await readFile(indexPath(exported), 'utf8')).split('\n');
    expect(JSON.parse(header ?? '')).toMatchObject({
      format: INDEX_FORMAT,
      itemId: 'fs-export-1',
      sha256: exported.sha256,
      kind: 'tar',
      fields: [...ENTRY_FIELDS],
    });
  });

  it('when it is asked for again, then the stored index is loaded and equals the built one exactly', async () => {
    const built = await evidenceIndex(caseDir, exported, { rebuild: true });
    const loaded = await evidenceIndex(caseDir, exported);
    expect(loaded.source).toBe('loaded');
    expect(loaded.index).toStrictEqual(built.index);
    if (loaded.index.kind !== 'tar') throw new Error('expected a tar index');
    // The hostile names and binary xattrs survived the JSON round trip byte for byte.
    expect(loaded.index.index.entries.some((entry) => entry.path.includes('\u00ff\u00fe'))).toBe(true);
    expect(loaded.index.index.entries.find((entry) => entry.path === 'capable')?.xattrs).toEqual({
      'security.capability': expect.stringMatching(/^AQAAAg/),
    });
  });

  it('when it is rebuilt from the same evidence, then the stored file is byte-identical', async () => {
    await evidenceIndex(caseDir, exported, { rebuild: true });
    const before = await readFile(indexPath(exported));
    await evidenceIndex(caseDir, exported, { rebuild: true });
    expect((await readFile(indexPath(exported))).equals(before)).toBe(true);
  });

  it('when the stored index names other evidence (another hash), then it is stale and rebuilt', async () => {
    await evidenceIndex(caseDir, exported, { rebuild: true });
    const other = { ...exported, sha256: 'f'.repeat(64) };
    expect(await loadEvidenceIndex(caseDir, other)).toBeUndefined();
    const rebuilt = await evidenceIndex(caseDir, other);
    expect(rebuilt.source).toBe('built');
    expect(JSON.parse((await readFile(indexPath(exported), 'utf8')).split('\n')[0] ?? '').sha256).toBe('f'.repeat(64));
    await evidenceIndex(caseDir, exported, { rebuild: true });
  });

  it('when the stored index was cut short or edited, then it is rebuilt rather than trusted', async () => {
    await evidenceIndex(caseDir, exported, { rebuild: true });
    const good = await readFile(indexPath(exported), 'utf8');
    for (const damaged of [good.slice(0, good.length - 40), good.replace('"file"', '"nonsense"'), 'not json\n']) {
      await writeFile(indexPath(exported), damaged);
      expect(await loadEvidenceIndex(caseDir, exported)).toBeUndefined();
      expect((await evidenceIndex(caseDir, exported)).source).toBe('built');
      expect(await readFile(indexPath(exported), 'utf8')).toBe(good);
    }
  });

  it('when the image save is indexed, then its layers are stored in one file and reload identically', async () => {
    const built = await evidenceIndex(caseDir, saved, { rebuild: true });
    expect(built.index.kind).toBe('image');
    if (built.index.kind !== 'image') return;
    expect(built.index.archive.imageId).toBe(`sha256:${image.configSha256}`);
    expect(
      built.index.layers.map((layer) => [layer.layer.createdBy, layer.layer.compression, layer.index.problems]),
    ).toEqual([
      ['ADD base /', 'gzip', []],
      ['RUN rm /bin/sh', 'gzip', []],
    ]);
    const loaded = await evidenceIndex(caseDir, saved);
    expect(loaded.source).toBe('loaded');
    expect(loaded.index).toStrictEqual(built.index);
  });

  it('when analysis/ has been replaced by a link to another folder, then nothing is written or read through it', async () => {
    const elsewhere = `${work}/elsewhere`;
    await run('mkdir', ['-p', elsewhere]);
    await run('mv', [`${caseDir}/analysis`, `${work}/analysis-kept`]);
    await symlink(elsewhere, `${caseDir}/analysis`);
    try {
      const outcome = await evidenceIndex(caseDir, exported, { rebuild: true });
      expect(outcome.source).toBe('built');
      expect(outcome.saveProblem).toMatch(
        /analysis is not a folder \(a symbolic link\); nothing is written through it/,
      );
      expect(await readdir(elsewhere)).toEqual([]);
      await writeFile(
        `${elsewhere}/${indexFileName(exported.id)}`,
        await readFile(`${work}/analysis-kept/${indexFileName(exported.id)}`),
      );
      expect(await loadEvidenceIndex(caseDir, exported)).toBeUndefined();
    } finally {
      await run('rm', [`${caseDir}/analysis`]);
      await run('mv', [`${work}/analysis-kept`, `${caseDir}/analysis`]);
    }
  });

  it('then the evidence itself is untouched and the case still verifies', async () => {
    expect((await readdir(`${caseDir}/evidence`)).sort()).toEqual(['fs-export-1.tar', 'image-save-1.tar']);
    const store = new CaseStore({ casesRoot: `${work}/cases`, operator: 'responder-1', toolVersion: 'holdcell test' });
    const report = await store.verify(caseDir);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });
});
