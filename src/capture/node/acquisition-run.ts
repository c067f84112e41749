// One snapshot of one container into one case: every step recorded in custody, no failure stopping the others.
//
// Order: engine and container facts first (small, and they name the source of everything after), then the
// container's filesystem and its mounts (what the suspect can still change), then its image (immutable), then the
// evidence image commit. A broken step leaves an incomplete item or a recorded failure, never a thrown-away one.
import { ContractError } from '../../contract/envelope.js';
import type { CallContext } from '../../contract/kit.js';
import type { ApiCall, EvidenceKind, EvidenceSource, ManifestItem } from '../../forensics/common/case-model.js';
import type { CaseRecorder, CustodyEntry } from '../../forensics/common/case-recorder.js';
import { planMounts, type MountPlan } from '../common/acquisition-mounts.js';
import { EvidenceIds, evidenceRepository, pathSlug, shortId } from '../common/acquisition-naming.js';
import {
  assessConnectionLoss,
  containerState,
  liveRestoreOf,
  type EngineObservation,
} from '../common/acquisition-restart.js';
import type { SnapshotResult } from '../common/containment.js';
import type { DockerContainerInspect } from '../common/docker-inspect.js';
import { awaitEngine } from './acquisition-probe.js';
import { acquireStream, type StreamOutcome } from './acquisition-stream.js';
import type { ContainerEngine, EngineStream } from './container-engine.js';

export interface RunTimings {
  /** No byte for this long ends a stream as incomplete; also bounds the small JSON calls. */
  idleTimeoutMs: number;
  /** `docker save` stages the whole image before its first byte, and commit answers only when done. */
  slowCallTimeoutMs: number;
  /** How long to wait for the engine to answer again after a stream broke. */
  reconnectWindowMs: number;
}

export interface RunContext {
  /** What the responder asked for (an id, prefix or name), resolved by the engine to `inspect`. */
  reference: string;
  engine: ContainerEngine;
  inspect: DockerContainerInspect;
  recorder: CaseRecorder;
  call: CallContext;
  timings: RunTimings;
  now: () => Date;
}

/** Progress events at most this often per stream (a 250 MB export would otherwise send thousands). */
const PROGRESS_INTERVAL_MS = 250;

function errorStatus(error: unknown): ApiCall['status'] {
  const status = (error as { statusCode?: unknown } | null | undefined)?.statusCode;
  return typeof status === 'number' ? status : 'error';
}

function fileStem(itemPath: string): string {
  const name = itemPath.slice(itemPath.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

export class SnapshotRun {
  private readonly engine: ContainerEngine;
  private readonly inspect: DockerContainerInspect;
  private readonly recorder: CaseRecorder;
  private readonly id: string;
  private readonly id12: string;
  private readonly items: ManifestItem[] = [];
  /** Steps that failed or items that are incomplete, one sentence each, for the summary. */
  private readonly problems: string[] = [];
  /** Acquired, but not everything the container held (e.g. tmpfs content). */
  private readonly caveats: string[] = [];
  private source: EvidenceSource;
  private before: EngineObservation = { daemonId: '' };
  private ids = new EvidenceIds([]);
  private evidenceImage: SnapshotResult['evidenceImage'];
  /** The last wait for the engine ended without an answer: later refusals to open need no second wait. */
  private engineAway = false;

  constructor(private readonly context: RunContext) {
    this.engine = context.engine;
    this.inspect = context.inspect;
    this.recorder = context.recorder;
    this.id = context.inspect.Id;
    this.id12 = shortId(this.id);
    this.source = {
      engineId: this.engine.engineId,
      endpoint: this.engine.endpoint,
      containerId: this.id,
      containerName: this.inspect.Name.replace(/^\//, ''),
      imageId: this.inspect.Image,
    };
  }

  async execute(): Promise<SnapshotResult> {
    const existing = await this.recorder.items();
    this.ids = new EvidenceIds(existing.flatMap((item) => [item.id, fileStem(item.path)]));
    const mounts = planMounts(this.inspect.Mounts);
    await this.custody({
      action: 'snapshot.start',
      params: { container: this.id, state: this.inspect.State.Status, mounts: mounts.length },
      outcome: 'ok',
      detail: `snapshot of ${this.source.containerName ?? this.id12} (${this.id12}) into case ${this.recorder.caseId}`,
    });
    // The lookup that named the container happened before the case was open; it is recorded here.
    await this.custody({
      action: 'engine.resolve',
      params: { method: 'GET', path: `/containers/${encodeURIComponent(this.context.reference)}/json` },
      outcome: 'ok',
      detail: `"${this.context.reference}" is container ${this.id} (${this.source.containerName ?? ''}), ${this.inspect.State.Status}`,
    });

    await this.engineFacts();
    await this.exportFilesystem(mounts);
    for (const plan of mounts) await this.mountArchive(plan);
    await this.saveImage();
    await this.commitEvidenceImage();

    const complete = this.problems.length === 0 && this.caveats.length === 0;
    const summary = this.summary(complete);
    await this.custody({ action: 'snapshot.finish', outcome: complete ? 'ok' : 'error', detail: summary });
    return {
      engineId: this.engine.engineId,
      containerId: this.id,
      items: this.items,
      ...(this.evidenceImage ? { evidenceImage: this.evidenceImage } : {}),
      complete,
      summary,
    };
  }

  // ---- steps ----------------------------------------------------------------------------------------------------

  private async engineFacts(): Promise<void> {
    await this.jsonItem({
      action: 'engine.info',
      call: { method: 'GET', path: '/info' },
      kind: 'engine-info',
      base: `engine-info-${this.id12}`,
      fetch: async (signal) => (await this.engine.info(signal)).raw,
      // Before the item is stored, so the engine-info item itself names the engine version too.
      absorb: (info) => {
        const { ServerVersion: version, ID: id } = info as { ServerVersion?: unknown; ID?: unknown };
        if (typeof version === 'string' && version !== '') this.source = { ...this.source, engineVersion: version };
        this.before = { ...this.before, daemonId: typeof id === 'string' ? id : '', liveRestore: liveRestoreOf(info) };
      },
    });
    const inspect = await this.jsonItem({
      action: 'engine.inspect',
      call: { method: 'GET', path: `/containers/${this.id}/json` },
      kind: 'container-inspect',
      base: `inspect-${this.id12}`,
      fetch: (signal) => this.engine.inspectContainerRaw(this.id, signal),
    });
    if (inspect !== undefined) this.before = { ...this.before, container: containerState(inspect) };
    const imageId = this.inspect.Image;
    const image = await this.jsonItem({
      action: 'engine.image-inspect',
      call: { method: 'GET', path: `/images/${imageId}/json` },
      kind: 'image-inspect',
      base: `image-inspect-${shortId(imageId)}`,
      note: `the image container ${this.id12} was created from`,
      fetch: async (signal) => (await this.engine.inspectImage(imageId, signal))?.raw,
    });
    const digests = (image as { RepoDigests?: unknown } | undefined)?.RepoDigests;
    const digest = Array.isArray(digests) ? digests.find((d): d is string => typeof d === 'string') : undefined;
    if (digest !== undefined) this.source = { ...this.source, imageDigest: digest };
  }

  private async exportFilesystem(mounts: readonly MountPlan[]): Promise<void> {
    const absent = mounts.map((plan) => plan.mount.Destination);
    await this.streamItem({
      action: 'engine.export',
      call: { method: 'GET', path: `/containers/${this.id}/export` },
      kind: 'filesystem-export',
      base: `fs-export-${this.id12}`,
      open: (signal) => this.engine.exportContainer(this.id, signal),
      openTimeoutMs: this.context.timings.idleTimeoutMs,
      note:
        `docker export of container ${this.id} (${this.inspect.State.Status} when the snapshot began)` +
        (absent.length === 0
          ? '; it has no mounts'
          : `; not in this export (mount content, acquired separately as mount-archive items): ${absent.join(', ')}`),
    });
  }

  private async mountArchive(plan: MountPlan): Promise<void> {
    const destination = plan.mount.Destination;
    const call = { method: 'GET', path: `/containers/${this.id}/archive?path=${encodeURIComponent(destination)}` };
    if (plan.refusal !== undefined) {
      this.problems.push(`mount ${destination} not acquired: ${plan.refusal}`);
      await this.custody({
        action: 'engine.archive',
        params: { ...call, path: destination },
        outcome: 'skipped',
        detail: plan.refusal,
      });
      return;
    }
    const item = await this.streamItem({
      action: 'engine.archive',
      call,
      kind: 'mount-archive',
      base: `mount-${this.id12}-${pathSlug(destination)}`,
      open: async (signal) => (await this.engine.getArchive(this.id, destination, signal)).stream,
      openTimeoutMs: this.context.timings.idleTimeoutMs,
      flags: plan.flags,
      note:
        `${plan.note} (archive API on a ${this.inspect.State.Status} container)` +
        (plan.caveat === undefined ? '' : `; ${plan.caveat}`),
      path: destination,
    });
    if (plan.caveat !== undefined && item?.complete === true) this.caveats.push(plan.caveat);
  }

  private async saveImage(): Promise<void> {
    const imageId = this.inspect.Image;
    await this.streamItem({
      action: 'engine.save',
      call: { method: 'GET', path: `/images/${imageId}/get` },
      kind: 'image-save',
      base: `image-save-${shortId(imageId)}`,
      // By id, not by tag: the exact image the container was started from, whatever the tag points to now.
      open: (signal) => this.engine.saveImage(imageId, signal),
      openTimeoutMs: this.context.timings.slowCallTimeoutMs,
      note: `docker save of image ${imageId}, from which container ${this.id12} was created`,
    });
  }

  private async commitEvidenceImage(): Promise<void> {
    await this.checkCancelled();
    const caseId = this.recorder.caseId;
    const repo = evidenceRepository(caseId);
    const tag = this.id12;
    const reference = `${repo}:${tag}`;
    const labels = { 'org.holdcell.case': caseId, 'org.holdcell.source-container': this.id };
    const comment = `HoldCell evidence for case ${caseId}: committed from container ${this.id}`;
    const path = `/commit?container=${this.id}&repo=${encodeURIComponent(repo)}&tag=${tag}&pause=false`;
    const params = { container: this.id, repo, tag, pause: false, comment, labels };
    const at = this.context.now().toISOString();
    let imageId: string;
    try {
      // Never paused for the commit: pausing changes the suspect, and a container isolate paused stays paused.
      imageId = await this.engine.commitContainer(
        this.id,
        { repo, tag, comment, labels },
        this.callSignal(this.context.timings.slowCallTimeoutMs),
      );
    } catch (error) {
      const reason = `POST ${path} failed: ${this.engine.explainFailure(error)}`;
      this.problems.push(`evidence image not committed: ${reason}`);
      await this.custody({ action: 'engine.commit', params, outcome: 'error', detail: reason });
      return;
    }
    this.evidenceImage = { id: imageId, reference };
    await this.custody({
      action: 'engine.commit',
      params,
      outcome: 'ok',
      detail: `committed as ${imageId} (${reference})`,
    });
    const commitCall: ApiCall = { method: 'POST', path, at, status: 201 };
    await this.jsonItem({
      action: 'engine.image-inspect',
      call: { method: 'GET', path: `/images/${imageId}/json` },
      kind: 'image-inspect',
      base: `evidence-image-${this.id12}`,
      flags: ['evidence-image'],
      note: `the evidence image ${reference} committed from container ${this.id} for case ${caseId}`,
      earlierCalls: [commitCall],
      sourceImageId: imageId,
      fetch: async (signal) => (await this.engine.inspectImage(imageId, signal))?.raw,
    });
  }

  // ---- building blocks ------------------------------------------------------------------------------------------

  /** Fetches one engine JSON document and stores it as evidence; resolves with it, or undefined after a failure. */
  private async jsonItem(step: {
    action: string;
    call: { method: string; path: string };
    kind: EvidenceKind;
    base: string;
    fetch: (signal: AbortSignal) => Promise<unknown>;
    note?: string;
    flags?: string[];
    earlierCalls?: ApiCall[];
    sourceImageId?: string;
    /** Learns from the answer before it is stored (e.g. the engine version every later item names). */
    absorb?: (raw: unknown) => void;
  }): Promise<unknown> {
    await this.checkCancelled();
    const at = this.context.now().toISOString();
    const params = { method: step.call.method, path: step.call.path };
    let raw: unknown;
    try {
      raw = await step.fetch(this.callSignal(this.context.timings.idleTimeoutMs));
    } catch (error) {
      const reason = `${step.call.method} ${step.call.path} failed: ${this.engine.explainFailure(error)}`;
      this.problems.push(`${step.kind} not acquired: ${reason}`);
      await this.custody({
        action: step.action,
        params: { ...params, status: errorStatus(error) },
        outcome: 'error',
        detail: reason,
      });
      return undefined;
    }
    if (raw === undefined) {
      const reason = `${step.call.method} ${step.call.path}: the engine no longer has it (404)`;
      this.problems.push(`${step.kind} not acquired: ${reason}`);
      await this.custody({ action: step.action, params, outcome: 'error', detail: reason });
      return undefined;
    }
    step.absorb?.(raw);
    const id = this.ids.take(step.base);
    const apiCalls: ApiCall[] = [...(step.earlierCalls ?? []), { ...step.call, at, status: 200 }];
    let item: ManifestItem;
    try {
      item = await this.recorder.addJson(
        {
          id,
          kind: step.kind,
          fileName: `${id}.json`,
          format: 'json',
          source: step.sourceImageId ? { ...this.source, imageId: step.sourceImageId } : this.source,
          apiCalls,
          ...(step.flags ? { flags: step.flags } : {}),
          ...(step.note ? { note: step.note } : {}),
        },
        raw,
      );
    } catch (error) {
      return this.storeFailed(step.action, id, params, error);
    }
    this.items.push(item);
    await this.custody({
      action: step.action,
      target: { itemId: id },
      params,
      outcome: 'ok',
      detail: `${step.call.method} ${step.call.path} → ${item.path}`,
      sha256: item.sha256,
    });
    return raw;
  }

  /** Streams one tar into the case; after a broken stream, finds out whether the engine is still there. */
  private async streamItem(step: {
    action: string;
    call: { method: string; path: string };
    kind: EvidenceKind;
    base: string;
    open: (signal: AbortSignal) => Promise<EngineStream>;
    openTimeoutMs: number;
    note: string;
    flags?: string[];
    path?: string;
  }): Promise<ManifestItem | undefined> {
    await this.checkCancelled();
    const id = this.ids.take(step.base);
    const fileName = `${id}.tar`;
    const label = `${step.kind} ${fileName}`;
    const report = this.progressReporter(label);
    report(0, true);
    let outcome: StreamOutcome;
    try {
      outcome = await acquireStream({
        recorder: this.recorder,
        spec: {
          id,
          kind: step.kind,
          fileName,
          format: 'tar',
          source: step.path === undefined ? this.source : { ...this.source, path: step.path },
          ...(step.flags ? { flags: step.flags } : {}),
          note: step.note,
        },
        call: step.call,
        open: step.open,
        openTimeoutMs: step.openTimeoutMs,
        idleTimeoutMs: this.context.timings.idleTimeoutMs,
        signal: this.context.call.signal,
        now: this.context.now,
        explain: (error) => this.engine.explainFailure(error),
        onProgress: (bytes) => report(bytes, false),
      });
    } catch (error) {
      return this.storeFailed(step.action, id, { method: step.call.method, path: step.call.path }, error);
    }
    const { item } = outcome;
    this.items.push(item);
    report(item.bytes, true);
    const params = { method: step.call.method, path: step.call.path };
    const reason = item.incompleteReason ?? outcome.openFailure ?? 'incomplete';
    await this.custody({
      action: step.action,
      target: { itemId: id },
      params,
      outcome: item.complete ? 'ok' : 'error',
      detail: item.complete
        ? `${item.bytes} bytes → ${item.path}, complete`
        : `${item.bytes} bytes → ${item.path}, INCOMPLETE: ${reason}`,
      sha256: item.sha256,
    });
    if (!item.complete) {
      this.problems.push(`${id} incomplete: ${reason}`);
      // A refusal with an HTTP status means the engine was there; anything else may be a lost connection.
      const unopenedWhileAway = this.engineAway && outcome.openFailure !== undefined;
      if (outcome.refusedWith === undefined && !unopenedWhileAway && !this.context.call.signal.aborted) {
        await this.probeAfterLoss(`${step.call.method} ${step.call.path} (${id})`, reason, id);
      }
    }
    return item;
  }

  private async probeAfterLoss(during: string, failure: string, itemId: string): Promise<void> {
    const back = await awaitEngine(this.engine, this.id, {
      windowMs: this.context.timings.reconnectWindowMs,
      signal: this.context.call.signal,
    });
    const assessment = assessConnectionLoss({
      during,
      failure,
      before: this.before,
      after: back.observation,
      waitedMs: back.waitedMs,
      lastError: back.lastError,
    });
    this.engineAway = back.observation === undefined;
    if (assessment.restartSuspected || this.engineAway) this.problems.push(assessment.detail);
    await this.custody({
      action: 'engine.connection-lost',
      target: { itemId },
      params: {
        verdict: assessment.verdict,
        restartSuspected: assessment.restartSuspected,
        waitedMs: back.waitedMs,
        before: this.before,
        after: back.observation ?? null,
      },
      outcome: 'error',
      detail: assessment.detail,
    });
  }

  private progressReporter(note: string): (bytes: number, force: boolean) => void {
    let last = Number.NEGATIVE_INFINITY;
    let reported = -1;
    return (bytes, force) => {
      const at = performance.now();
      // The first bytes are always reported: "the engine is sending" is news, whatever the interval.
      const first = bytes > 0 && reported <= 0;
      if (!force && !first && at - last < PROGRESS_INTERVAL_MS) return;
      last = at;
      reported = bytes;
      try {
        this.context.call.progress({ done: bytes, note });
      } catch {
        // A listener that fails must not cost the evidence.
      }
    };
  }

  private callSignal(milliseconds: number): AbortSignal {
    return AbortSignal.any([this.context.call.signal, AbortSignal.timeout(milliseconds)]);
  }

  /** Between steps: a cancelled snapshot stops, records that it stopped, and keeps what it has. */
  private async checkCancelled(): Promise<void> {
    if (!this.context.call.signal.aborted) return;
    const kept = this.items.map((item) => `${item.id}${item.complete ? '' : ' (incomplete)'}`).join(', ') || 'none';
    const detail = `snapshot of ${this.id12} cancelled; items kept in the case: ${kept}`;
    await this.custody({ action: 'snapshot.cancelled', outcome: 'error', detail });
    throw new ContractError('CANCELLED', detail);
  }

  /** The case refused or failed to store an item: recorded as a problem; the other steps still run. */
  private async storeFailed(
    action: string,
    itemId: string,
    params: Record<string, unknown>,
    error: unknown,
  ): Promise<undefined> {
    const reason = `the case could not store ${itemId}: ${error instanceof Error ? error.message : String(error)}`;
    this.problems.push(reason);
    await this.custody({ action, target: { itemId }, params, outcome: 'error', detail: reason });
    return undefined;
  }

  private async custody(entry: Omit<CustodyEntry, 'target'> & { target?: { itemId?: string } }): Promise<void> {
    await this.recorder.record({
      ...entry,
      target: { engineId: this.engine.engineId, containerId: this.id, ...entry.target },
    });
  }

  private summary(complete: boolean): string {
    const bytes = this.items.reduce((total, item) => total + item.bytes, 0);
    const whole = this.items.filter((item) => item.complete).length;
    const counts = `${whole} of ${this.items.length} items complete, ${megabytes(bytes)}`;
    const image = this.evidenceImage ? `evidence image ${this.evidenceImage.reference}` : 'no evidence image';
    const head = `snapshot of ${this.source.containerName ?? this.id12} (${this.id12})`;
    if (complete) return `${head} complete: ${counts}; ${image}`;
    return `${head} INCOMPLETE: ${counts}; ${image}. ${[...this.problems, ...this.caveats].join('; ')}`;
  }
}
