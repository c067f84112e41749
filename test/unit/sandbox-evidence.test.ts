// Finding the evidence image in what snapshot leaves in a case: its commit record and its evidence-image item.
import { describe, expect, it } from 'vitest';
import { fromCommitRecord, fromEvidenceImageItem } from '../../src/capture/node/sandbox-evidence.js';
import type { CustodyRecord, ManifestItem } from '../../src/forensics/common/case-model.js';

const CASE = 'a38738c9-d7fa-438b-8c1e-37cbb38264e5';
const CONTAINER = 'ebcca737a353' + '0'.repeat(52);
const IMAGE = `sha256:${'2c'.repeat(32)}`;
const ORIGINAL = `sha256:${'d7'.repeat(32)}`;

/** The record acquisition-run.ts writes after a successful commit. */
const commit: CustodyRecord = {
  seq: 12,
  at: '2026-11-22T22:39:40.000Z',
  operator: 'responder',
  action: 'engine.commit',
  target: { engineId: 'default', containerId: CONTAINER },
  params: { container: CONTAINER, repo: `holdcell-evidence/${CASE}`, tag: 'ebcca737a353', pause: false },
  outcome: 'ok',
  detail: `committed as ${IMAGE} (holdcell-evidence/${CASE}:ebcca737a353)`,
  prevHash: '0'.repeat(64),
};

function item(overrides: Partial<ManifestItem>): ManifestItem {
  return {
    id: 'evidence-image-ebcca737a353',
    kind: 'image-inspect',
    path: 'evidence/evidence-image-ebcca737a353.json',
    format: 'json',
    sha256: 'f'.repeat(64),
    bytes: 2722,
    acquiredAt: '2026-11-22T22:39:41.000Z',
    completedAt: '2026-11-22T22:39:41.000Z',
    complete: true,
    flags: ['evidence-image'],
    source: { engineId: 'default', endpoint: 'unix:///var/run/docker.sock', containerId: CONTAINER, imageId: IMAGE },
    apiCalls: [],
    toolVersion: 'holdcell 0.1.0',
    operator: 'responder',
    ...overrides,
  };
}

describe('the evidence image from a commit record', () => {
  it('given a successful engine.commit, then its image id, reference, engine and source container are read', () => {
    expect(fromCommitRecord(commit)).toEqual({
      engineId: 'default',
      imageId: IMAGE,
      reference: `holdcell-evidence/${CASE}:ebcca737a353`,
      sourceContainerId: CONTAINER,
      foundIn: 'custody record 12',
    });
  });

  it('given a failed commit, another action or no image id, then there is no evidence image in it', () => {
    expect(fromCommitRecord({ ...commit, outcome: 'error' })).toBeUndefined();
    expect(fromCommitRecord({ ...commit, action: 'engine.save' })).toBeUndefined();
    expect(fromCommitRecord({ ...commit, detail: 'committed' })).toBeUndefined();
  });
});

describe('the evidence image from the manifest', () => {
  it('given the evidence-image inspect item, then the image and the reference snapshot gave it are read', () => {
    expect(fromEvidenceImageItem(item({}), CASE)).toMatchObject({
      imageId: IMAGE,
      reference: `holdcell-evidence/${CASE}:ebcca737a353`,
      sourceContainerId: CONTAINER,
    });
  });

  it("given the image-save item or the original image's inspect, then it is not taken for the evidence copy", () => {
    const save = item({ kind: 'image-save', flags: [], source: { ...item({}).source, imageId: ORIGINAL } });
    expect(fromEvidenceImageItem(save, CASE)).toBeUndefined();
    expect(fromEvidenceImageItem(item({ flags: [], source: { ...item({}).source, imageId: ORIGINAL } }), CASE)).toBe(
      undefined,
    );
  });
});
