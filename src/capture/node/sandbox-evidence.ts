// Finds a case's evidence image (committed by snapshot) from its custody log and manifest, newest first.
import { ContractError } from '../../contract/envelope.js';
import type { CustodyRecord, ManifestItem } from '../../forensics/common/case-model.js';
import type { CaseRecorder } from '../../forensics/common/case-recorder.js';
import { evidenceRepository, shortId } from '../common/acquisition-naming.js';

const IMAGE_ID = /sha256:[0-9a-f]{64}/;

export interface EvidenceImage {
  /** The engine the snapshot committed on. */
  engineId: string;
  /** Content address: what the sandbox runs, since a tag can be moved by anyone with engine access. */
  imageId: string;
  /** repo:tag the snapshot gave it, when the record names one. */
  reference: string | undefined;
  /** The suspect container it was committed from. */
  sourceContainerId: string;
  /** Where it was found, for the custody record. */
  foundIn: string;
}

function stringParam(params: Record<string, unknown>, key: string): string | undefined {
  const value = params[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function imageIdIn(...texts: (string | undefined)[]): string | undefined {
  for (const text of texts) {
    const match = text === undefined ? null : IMAGE_ID.exec(text);
    if (match) return match[0];
  }
  return undefined;
}

/** An `engine.commit` record that succeeded, read as the evidence image it made. */
export function fromCommitRecord(record: CustodyRecord): EvidenceImage | undefined {
  if (record.action !== 'engine.commit' || record.outcome !== 'ok') return undefined;
  const { engineId, containerId } = record.target;
  const imageId = imageIdIn(
    stringParam(record.params, 'imageId'),
    stringParam(record.params, 'image'),
    stringParam(record.params, 'id'),
    record.detail,
  );
  if (engineId === undefined || containerId === undefined || imageId === undefined) return undefined;
  const repo = stringParam(record.params, 'repo');
  const tag = stringParam(record.params, 'tag');
  const reference = stringParam(record.params, 'reference') ?? (repo && tag ? `${repo}:${tag}` : undefined);
  return { engineId, imageId, reference, sourceContainerId: containerId, foundIn: `custody record ${record.seq}` };
}

/** The `image-inspect` item snapshot writes for the image it committed (flagged evidence-image), read as that image. */
export function fromEvidenceImageItem(item: ManifestItem, caseId: string): EvidenceImage | undefined {
  const { engineId, containerId, imageId } = item.source;
  if (item.kind !== 'image-inspect' || !item.flags.includes('evidence-image')) return undefined;
  const id = imageIdIn(imageId);
  if (containerId === undefined || id === undefined) return undefined;
  const reference = `${evidenceRepository(caseId)}:${shortId(containerId)}`;
  return { engineId, imageId: id, reference, sourceContainerId: containerId, foundIn: `item ${item.id}` };
}

/**
 * Evidence image candidates of the case, the latest snapshot first: the manifest's evidence-image items, then
 * custody's commit records (a commit whose inspect item could not be written is still an evidence image). Never the
 * image-save item: that is the suspect's original image, not the copy committed from the container.
 */
export async function evidenceImageCandidates(recorder: CaseRecorder): Promise<EvidenceImage[]> {
  const items = (await recorder.items())
    .flatMap((item) => fromEvidenceImageItem(item, recorder.caseId) ?? [])
    .reverse();
  const commits = (await recorder.custody()).flatMap((record) => fromCommitRecord(record) ?? []).reverse();
  const seen = new Set<string>();
  return [...items, ...commits].filter((candidate) => {
    const key = `${candidate.engineId}/${candidate.imageId}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function noEvidenceImage(recorder: CaseRecorder): ContractError {
  return new ContractError(
    'NOT_FOUND',
    `Case ${recorder.caseId} (${recorder.caseDir}) has no evidence image: snapshot a container into it first ` +
      '(holdcell snapshot <container> --case <dir>), which commits the image the sandbox runs',
    'caseDir',
  );
}
