// Gets a case's evidence image onto the target engine, verified by content address: found there, or transferred.
import { ContractError } from '../../contract/envelope.js';
import type { CaseRecorder } from '../../forensics/common/case-recorder.js';
import { InspectConfig, LABEL_CASE } from '../common/sandbox-spec.js';
import type { ContainerEngine } from './container-engine.js';
import type { EngineRegistry } from './engine-registry.js';
import { evidenceImageCandidates, noEvidenceImage, type EvidenceImage } from './sandbox-evidence.js';
import type { SandboxTrail } from './sandbox-custody.js';
import { transferImage, type TransferResult } from './sandbox-transfer.js';

/**
 * when-missing: transfer only when the target engine lacks the image (by id).
 * always: transfer whenever the target is another engine than the one the snapshot used, even if it already holds
 * the image: for a responder who does not trust the target's copy, and for proving the path on a single daemon.
 */
export type TransferPolicy = 'when-missing' | 'always';

export interface PreparedImage {
  evidence: EvidenceImage;
  target: ContainerEngine;
  /** The image as the target engine holds it. */
  config: InspectConfig;
  transfer: TransferResult | undefined;
}

function belongsToCase(config: InspectConfig, caseId: string, sourceContainerId: string): boolean {
  const labels = config.Config.Labels;
  return (
    labels[LABEL_CASE] === caseId &&
    (labels['org.holdcell.source-container'] ?? sourceContainerId) === sourceContainerId
  );
}

async function inspectOn(
  trail: SandboxTrail,
  engine: ContainerEngine,
  image: string,
  signal: AbortSignal,
): Promise<InspectConfig | undefined> {
  const found = await trail.call(
    { action: 'engine.image-inspect', engine, method: 'GET', path: `/images/${image}/json`, params: { image } },
    () => engine.inspectImage(image, signal),
    (value) => ({ detail: value === undefined ? 'not on this engine' : `found ${value.parsed.Id}` }),
  );
  if (found === undefined) return undefined;
  const parsed = InspectConfig.safeParse(found.raw);
  if (!parsed.success) {
    throw new ContractError('FAILED', `${engine.endpoint} answered an image inspect of ${image} HoldCell cannot read`);
  }
  return parsed.data;
}

/** The newest evidence image of the case that its engine still holds under the same id and the case's label. */
async function locate(
  engines: EngineRegistry,
  recorder: CaseRecorder,
  trail: SandboxTrail,
  signal: AbortSignal,
): Promise<{ evidence: EvidenceImage; config: InspectConfig | undefined }> {
  const candidates = await evidenceImageCandidates(recorder);
  if (candidates.length === 0) throw noEvidenceImage(recorder);
  const reasons: string[] = [];
  for (const evidence of candidates) {
    let engine: ContainerEngine;
    try {
      engine = engines.get(evidence.engineId);
    } catch {
      // The snapshot's engine is not configured here: the image may still be on the target (checked by the caller).
      return { evidence, config: undefined };
    }
    const config = await inspectOn(trail, engine, evidence.imageId, signal);
    if (config === undefined) {
      reasons.push(`${evidence.imageId} (${evidence.foundIn}) is no longer on engine ${engine.engineId}`);
    } else if (config.Id !== evidence.imageId) {
      reasons.push(`${evidence.imageId} (${evidence.foundIn}) resolves to ${config.Id} on ${engine.engineId}`);
    } else if (!belongsToCase(config, recorder.caseId, evidence.sourceContainerId)) {
      reasons.push(`${evidence.imageId} (${evidence.foundIn}) is not labelled ${LABEL_CASE}=${recorder.caseId}`);
    } else {
      return { evidence, config };
    }
  }
  throw new ContractError(
    'NOT_FOUND',
    `Case ${recorder.caseId} names no evidence image its engine still holds: ${reasons.join('; ')}. ` +
      'Snapshot the container again, or start the sandbox on an engine that has the image',
  );
}

export async function prepareImage(spec: {
  engines: EngineRegistry;
  recorder: CaseRecorder;
  trail: SandboxTrail;
  targetEngineId: string | undefined;
  policy: TransferPolicy;
  signal: AbortSignal;
  onProgress: (bytes: number) => void;
}): Promise<PreparedImage> {
  const { engines, recorder, trail, signal } = spec;
  const { evidence, config: atSource } = await locate(engines, recorder, trail, signal);
  const target = engines.get(spec.targetEngineId ?? evidence.engineId);
  const sameEngine = target.engineId === evidence.engineId;
  let onTarget = sameEngine ? atSource : await inspectOn(trail, target, evidence.imageId, signal);
  if (onTarget !== undefined && onTarget.Id !== evidence.imageId) onTarget = undefined;
  const mustTransfer = onTarget === undefined || (!sameEngine && spec.policy === 'always');
  let transfer: TransferResult | undefined;
  if (mustTransfer) {
    if (atSource === undefined) {
      throw new ContractError(
        'NOT_FOUND',
        `Evidence image ${evidence.imageId} is not on engine ${target.engineId}, and the engine it was committed ` +
          `on (${evidence.engineId}) is not configured here to transfer it from`,
        'engineId',
      );
    }
    transfer = await transferFrom(engines.get(evidence.engineId), target, evidence, spec);
    onTarget = await inspectOn(trail, target, evidence.imageId, signal);
    if (onTarget?.Id !== evidence.imageId) {
      throw new ContractError(
        'FAILED',
        `After the transfer, engine ${target.engineId} does not hold ${evidence.imageId}` +
          (onTarget ? ` (it holds ${onTarget.Id} under that name)` : '') +
          ': the loaded image is not the evidence, so no sandbox was started',
      );
    }
    await trail.note({
      action: 'sandbox.transfer-verify',
      target: { engineId: target.engineId },
      params: {
        imageId: evidence.imageId,
        from: evidence.engineId,
        sha256: transfer.sha256,
        bytes: transfer.bytes,
      },
      outcome: 'ok',
      detail: `engine ${target.engineId} holds ${onTarget.Id}, the same content address as on ${evidence.engineId}`,
      sha256: transfer.sha256,
    });
  }
  if (onTarget === undefined || !belongsToCase(onTarget, recorder.caseId, evidence.sourceContainerId)) {
    throw new ContractError(
      'FAILED',
      `Image ${evidence.imageId} on engine ${target.engineId} is not labelled as evidence of case ${recorder.caseId}`,
    );
  }
  return { evidence, target, config: onTarget, transfer };
}

/** docker save on the source into docker load on the target: the bytes hashed on the way, both calls recorded. */
async function transferFrom(
  source: ContainerEngine,
  target: ContainerEngine,
  evidence: EvidenceImage,
  spec: { trail: SandboxTrail; signal: AbortSignal; onProgress: (bytes: number) => void },
): Promise<TransferResult> {
  // Saving by the case's reference keeps its name on the target, but only if the name still means the evidence.
  let image = evidence.imageId;
  if (evidence.reference !== undefined) {
    const named = await inspectOn(spec.trail, source, evidence.reference, spec.signal).catch(() => undefined);
    if (named?.Id === evidence.imageId) image = evidence.reference;
  }
  return spec.trail.call(
    {
      action: 'engine.image-transfer',
      engine: target,
      method: 'POST',
      path: `/images/load (body: GET /images/${image}/get on ${source.engineId})`,
      params: { image, imageId: evidence.imageId, from: source.engineId, to: target.engineId, via: 'save→load' },
    },
    () => transferImage({ source, target, image, signal: spec.signal, onProgress: spec.onProgress }),
    (result) => ({
      detail: `streamed ${result.bytes} bytes from ${source.engineId} (GET /images/${image}/get) into ${target.engineId} (POST /images/load): ${result.loadOutput}`,
      sha256: result.sha256,
    }),
  );
}
