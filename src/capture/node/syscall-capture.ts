// The capture service: plan which tracer records a container, then record its syscalls into a case as evidence.
//
// Every tracer output stream is written into the case while it is produced (hashed as it is written), so a crash,
// a cancelled call or a dying tracer keeps everything traced so far. Start and stop are custody records with the
// tracer, the reason it was chosen and the commands that ran.
import { randomUUID } from 'node:crypto';
import { ContractError } from '../../contract/envelope.js';
import type { ServiceImpl } from '../../contract/kit.js';
import type { CaseOpener, CaseRecorder } from '../../forensics/common/case-recorder.js';
import type { ManifestItem } from '../../forensics/common/case-model.js';
import type { captureService } from '../common/capture.contract.js';
import type { ContainerRef } from '../common/containment.js';
import type { CapturePlan, CaptureResult, CaptureStop, TracerPreference } from '../common/trace-capture.js';
import { chooseTracer } from '../common/tracer-choice.js';
import { AT_ATTACH_FLAG, CONTAINER_PIDS_FLAG, captureFlag } from '../common/trace/running-at-attach.js';
import type { ContainerEngine } from './container-engine.js';
import { delay } from './async-plumbing.js';
import type { EngineRegistry } from './engine-registry.js';
import { LocalProcReader, type HostProcReader } from './host-proc.js';
import type { TraceStream, TraceTarget, Tracer } from './tracer.js';

/** How long the tracer's streams may take to end once it stopped (a helper's exec stream the engine never closes). */
const DRAIN_MS = 30_000;

type CaptureImpl = Pick<ServiceImpl<typeof captureService>, 'planCapture' | 'capture' | 'stopCapture'>;

export interface SyscallCaptureOptions {
  engines: EngineRegistry;
  openCase: CaseOpener;
  /** The tracers that can apply to an engine's containers (host tools for local engines, a helper otherwise). */
  tracersFor: (engine: ContainerEngine) => Tracer[];
  /** Reads the host's /proc for what runs in the container when the tracer attaches (local engines only). */
  hostProc?: HostProcReader;
  /** How long the streams may take to end after the tracer's stop (default DRAIN_MS). */
  drainMs?: number;
  now?: () => Date;
}

interface Planned {
  plan: CapturePlan;
  target: TraceTarget;
  tracer: Tracer | undefined;
}

export class SyscallCapture implements CaptureImpl {
  private readonly options: SyscallCaptureOptions;
  private readonly now: () => Date;
  /** Running captures by id: stopCapture ends one early. */
  private readonly running = new Map<string, () => void>();

  constructor(options: SyscallCaptureOptions) {
    this.options = options;
    this.now = options.now ?? (() => new Date());
  }

  planCapture: CaptureImpl['planCapture'] = async ({ ref, tracer }, call) =>
    (await this.plan(ref, tracer, call.signal)).plan;

  stopCapture: CaptureImpl['stopCapture'] = async ({ captureId }) => {
    const stop = this.running.get(captureId);
    stop?.();
    return { stopping: stop !== undefined };
  };

  capture: CaptureImpl['capture'] = async ({ ref, caseDir, seconds, tracer: preference, captureId }, call) => {
    const id = captureId ?? randomUUID();
    if (this.running.has(id)) throw new ContractError('BAD_INPUT', `capture ${id} is already running`, 'captureId');
    const { plan, target, tracer } = await this.plan(ref, preference, call.signal);
    if (tracer === undefined || plan.tracer === null) throw new ContractError('FAILED', plan.reason);
    const recorder = await this.options.openCase(caseDir);
    const startedAt = this.now().toISOString();
    const subject = { engineId: plan.engineId, containerId: plan.containerId };
    await recorder.record({
      action: 'capture.start',
      target: subject,
      params: {
        captureId: id,
        containerName: plan.containerName,
        tracer: plan.tracer,
        reason: plan.reason,
        command: plan.command,
        seconds,
      },
      outcome: 'ok',
    });

    const stopWith = new AbortController();
    let stoppedBy: CaptureStop = 'duration';
    const stop = (why: CaptureStop): void => {
      if (stopWith.signal.aborted) return;
      stoppedBy = why;
      stopWith.abort();
    };
    this.running.set(id, () => stop('responder'));
    // The duration counts from when the tracer is attached: bpftrace alone takes seconds to compile and attach.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onCancel = (): void => stop('cancelled');
    call.signal.addEventListener('abort', onCancel, { once: true });

    const written: Promise<ManifestItem>[] = [];
    // After the tracer stopped, each stream has DRAIN_MS to end; one the engine keeps open is then kept incomplete.
    const drain = new AbortController();
    const shortId = id.replace(/-/g, '').slice(0, 12);
    const writeStream = (stream: TraceStream): Promise<ManifestItem> => {
      const itemId = `trace-${shortId}-${stream.name}`;
      return recorder.addStream(
        {
          id: itemId,
          kind: 'syscall-trace',
          fileName: `${itemId}.${stream.format === 'strace' ? 'strace.txt' : 'jsonl'}`,
          format: stream.format === 'strace' ? 'text' : 'jsonl',
          source: {
            engineId: plan.engineId,
            endpoint: target.engine.endpoint,
            containerId: plan.containerId,
            containerName: plan.containerName,
          },
          flags: [
            `tracer:${plan.tracer ?? 'none'}`,
            captureFlag(id),
            // A helper shares the suspect's PID namespace: its trace numbers processes as the container does.
            ...(plan.tracer === 'helper-strace' ? [CONTAINER_PIDS_FLAG] : []),
          ],
          note: `${stream.command.join(' ')}`,
        },
        stream.data,
        { signal: drain.signal },
      );
    };

    const warnings: string[] = [...plan.warnings];
    let atAttach: Promise<ManifestItem | undefined> = Promise.resolve(undefined);
    let pids: number[];
    try {
      let progressTimer: ReturnType<typeof setInterval> | undefined;
      try {
        const trace = await tracer.start(target, stopWith.signal);
        timer = setTimeout(() => stop('duration'), seconds * 1000);
        if (target.engine.isLocal) {
          // Beside the trace, never in its way: a snapshot that fails is a warning, the capture goes on.
          atAttach = this.snapshotAtAttach(recorder, plan, target, id, shortId, trace.pids()).catch(
            (error: unknown) => {
              warnings.push(`processes running at attach not read: ${(error as Error).message}`);
              return undefined;
            },
          );
        }
        void trace.ended.then(({ reason }) => stop(reason === 'tracees-exited' ? 'container-exit' : 'tracer-exit'));
        const collecting = (async () => {
          for await (const stream of trace.streams) written.push(writeStream(stream));
        })();
        const started = Date.now();
        progressTimer = setInterval(() => {
          const elapsed = Math.min(seconds, Math.round((Date.now() - started) / 1000));
          call.progress({ done: elapsed, total: seconds, note: `tracing ${trace.pids().length} process(es)` });
        }, 1000);
        await new Promise<void>((resolve) => {
          if (stopWith.signal.aborted) resolve();
          else stopWith.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        await trace.stop();
        await collecting;
        const drainMs = this.options.drainMs ?? DRAIN_MS;
        const drained = await Promise.race([Promise.allSettled(written).then(() => true), delay(drainMs, false)]);
        if (!drained) {
          drain.abort(new Error(`the tracer's output did not end within ${drainMs / 1000} s of its stop`));
          warnings.push(`a trace stream did not end within ${drainMs / 1000} s of the tracer's stop: kept incomplete`);
        }
        pids = trace.pids();
        warnings.push(...trace.warnings());
      } finally {
        clearInterval(progressTimer);
      }
    } catch (error) {
      await recorder.record({
        action: 'capture.stop',
        target: subject,
        params: { captureId: id },
        outcome: 'error',
        detail: (error as Error).message,
      });
      // What was already written stays in the case; the responder learns why the capture ended.
      await Promise.allSettled([...written, atAttach]);
      throw new ContractError('FAILED', `capture of ${plan.containerName} failed: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
      call.signal.removeEventListener('abort', onCancel);
      this.running.delete(id);
    }

    const snapshot = await atAttach;
    const items = [...(await Promise.all(written)), ...(snapshot === undefined ? [] : [snapshot])];
    const endedAt = this.now().toISOString();
    await recorder.record({
      action: 'capture.stop',
      target: subject,
      params: { captureId: id, stoppedBy, pids, items: items.map((item) => item.id) },
      outcome: items.every((item) => item.complete) ? 'ok' : 'error',
      ...(warnings.length === 0 ? {} : { detail: warnings.join('\n') }),
    });
    return {
      captureId: id,
      caseDir: recorder.caseDir,
      engineId: plan.engineId,
      containerId: plan.containerId,
      tracer: plan.tracer,
      reason: plan.reason,
      startedAt,
      endedAt,
      stoppedBy,
      pids,
      items,
      warnings,
    } satisfies CaptureResult;
  };

  /**
   * What already runs in the container as the tracer attaches, from the host's /proc (command line, exe, cwd, ids,
   * open files): the tracer never sees those processes' exec, and the replay shows their commands from this item.
   */
  private async snapshotAtAttach(
    recorder: CaseRecorder,
    plan: CapturePlan,
    target: TraceTarget,
    captureId: string,
    shortId: string,
    pids: readonly number[],
  ): Promise<ManifestItem> {
    const reader = this.options.hostProc ?? new LocalProcReader();
    const candidates = [target.initPid, ...pids].filter((pid) => pid > 0);
    const document = await reader.collect({
      containerId: plan.containerId,
      pids: [...new Set(candidates)].map((pid) => ({ pid, source: 'tracer-attach' })),
    });
    return recorder.addJson(
      {
        id: `procs-${shortId}`,
        kind: 'host-proc',
        fileName: `procs-${shortId}.json`,
        format: 'json',
        source: {
          engineId: plan.engineId,
          endpoint: target.engine.endpoint,
          containerId: plan.containerId,
          containerName: plan.containerName,
        },
        flags: ['read-from-host-proc', AT_ATTACH_FLAG, captureFlag(captureId)],
        note: `processes running as capture ${captureId} attached; links read with readlink only; environ not collected`,
      },
      document,
    );
  }

  private async plan(ref: ContainerRef, preference: TracerPreference, signal: AbortSignal): Promise<Planned> {
    const { engine, inspect } = await this.options.engines.resolve(ref, signal).catch((error: unknown) => {
      if (error instanceof ContractError) throw error;
      throw new ContractError('UNAVAILABLE', this.options.engines.get(ref.engineId).explainFailure(error));
    });
    const target: TraceTarget = { engine, containerId: inspect.Id, initPid: inspect.State.Pid ?? 0 };
    const tracers = this.options.tracersFor(engine);
    const options = await Promise.all(
      tracers.map(async (tracer) => ({ kind: tracer.kind, probes: await tracer.probe(target) })),
    );
    const decision = chooseTracer(engine.isLocal, preference, options);
    const tracer = tracers.find((candidate) => candidate.kind === decision.tracer);
    const warnings: string[] = [];
    if (inspect.State.Status === 'paused') {
      warnings.push('the container is paused: nothing is traced until it is unpaused (attaching may wait for that)');
    } else if (inspect.State.Status !== 'running') {
      warnings.push(`the container is ${inspect.State.Status}: only a running container can be traced`);
    }
    const plan: CapturePlan = {
      engineId: engine.engineId,
      containerId: inspect.Id,
      containerName: inspect.Name.replace(/^\//, ''),
      tracer: decision.tracer,
      reason: decision.reason,
      probes: options.flatMap((option) =>
        option.probes.map((probe) => ({ ...probe, tool: `${option.kind}: ${probe.tool}` })),
      ),
      command: tracer?.command(target) ?? [],
      format: tracer === undefined ? null : tracer.kind === 'bpftrace' ? 'jsonl' : 'strace',
      warnings,
    };
    return { plan, target, tracer };
  }
}
