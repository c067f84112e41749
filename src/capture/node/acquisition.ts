// The capture service's snapshot: preserves a container's filesystem, mounts and image as evidence in a case.
import { ContractError } from '../../contract/envelope.js';
import type { CallContext, ServiceImpl } from '../../contract/kit.js';
import type { CaseOpener } from '../../forensics/common/case-recorder.js';
import type { captureService } from '../common/capture.contract.js';
import type { ContainerRef, SnapshotResult } from '../common/containment.js';
import { SnapshotRun, type RunTimings } from './acquisition-run.js';
import type { EngineRegistry, ResolvedContainer } from './engine-registry.js';

export interface AcquisitionOptions {
  engines: EngineRegistry;
  openCase: CaseOpener;
  /** A stream (or small engine call) that sends nothing for this long is abandoned as incomplete; default 30 s. */
  idleTimeoutMs?: number;
  now?: () => Date;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
/** `docker save` stages the whole image before its first byte and commit answers only when done: more patience. */
const SLOW_CALL_FACTOR = 10;
/** After a broken stream, wait at most this long for the engine to answer again before moving on. */
const MAX_RECONNECT_WINDOW_MS = 10_000;

export class Acquisition implements Pick<ServiceImpl<typeof captureService>, 'snapshot'> {
  private readonly engines: EngineRegistry;
  private readonly openCase: CaseOpener;
  private readonly timings: RunTimings;
  private readonly now: () => Date;

  constructor(options: AcquisitionOptions) {
    this.engines = options.engines;
    this.openCase = options.openCase;
    const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.timings = {
      idleTimeoutMs,
      slowCallTimeoutMs: SLOW_CALL_FACTOR * idleTimeoutMs,
      reconnectWindowMs: Math.min(idleTimeoutMs, MAX_RECONNECT_WINDOW_MS),
    };
    this.now = options.now ?? (() => new Date());
  }

  snapshot = async (
    { ref, caseDir }: { ref: ContainerRef; caseDir: string },
    call: CallContext,
  ): Promise<SnapshotResult> => {
    // The container first: an unreachable engine or a wrong name must not leave an empty case folder behind.
    const { engine, inspect } = await this.resolve(ref, call.signal);
    const recorder = await this.openCase(caseDir);
    const run = new SnapshotRun({
      reference: ref.container,
      engine,
      inspect,
      recorder,
      call,
      timings: this.timings,
      now: this.now,
    });
    return run.execute();
  };

  private async resolve(ref: ContainerRef, signal: AbortSignal): Promise<ResolvedContainer> {
    const engine = this.engines.get(ref.engineId);
    try {
      return await this.engines.resolve(
        ref,
        AbortSignal.any([signal, AbortSignal.timeout(this.timings.idleTimeoutMs)]),
      );
    } catch (error) {
      if (error instanceof ContractError) throw error;
      if (signal.aborted)
        throw new ContractError('CANCELLED', 'snapshot cancelled before it began; nothing was recorded');
      throw new ContractError('UNAVAILABLE', engine.explainFailure(error));
    }
  }
}
