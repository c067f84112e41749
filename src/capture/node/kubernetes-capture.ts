// The kubernetes service's capture: strace in an ephemeral debug container that joins the suspect container's
// process namespace (SYS_PTRACE only), its output streamed back from the container log into a hashed trace item.
import { randomUUID } from 'node:crypto';
import { ContractError } from '../../contract/envelope.js';
import type { CallContext, ServiceImpl } from '../../contract/kit.js';
import type { CaseOpener, CaseRecorder } from '../../forensics/common/case-recorder.js';
import type { kubernetesService, PodCaptureResult, PodRef } from '../common/kubernetes.contract.js';
import { AnyAnswer, Pod } from '../common/kubernetes-objects.js';
import { kubePaths } from '../common/kubernetes-pods.js';
import { KubeApiError, type KubeStream } from './kubernetes-api.js';
import { KubeCallLog } from './kubernetes-custody.js';
import { PodEvidence, slug } from './kubernetes-evidence.js';
import { readPod } from './kubernetes-observe.js';
import type { KubernetesClusters } from './kubernetes-registry.js';

export interface PodCaptureOptions {
  clusters: () => Promise<KubernetesClusters>;
  openCase: CaseOpener;
  /** Tools image with strace and timeout (HOLDCELL_TRACER_IMAGE). */
  defaultImage: string;
  now?: () => Date;
  /** How long the ephemeral container may take to start (image pull included). */
  startTimeoutMs?: number;
}

type Methods = Pick<ServiceImpl<typeof kubernetesService>, 'capturePod'>;

/** strace on the target's PID 1 and every child it starts, bounded by timeout(1) because an ephemeral container cannot be stopped through the API. */
export function traceCommand(seconds: number): string[] {
  return ['timeout', '-s', 'INT', String(seconds), 'strace', '-f', '-ttt', '-yy', '-s', '4096', '-p', '1'];
}

export function ephemeralTracer(name: string, image: string, target: string, seconds: number): Record<string, unknown> {
  return {
    name,
    image,
    command: traceCommand(seconds),
    targetContainerName: target,
    stdin: false,
    tty: false,
    terminationMessagePolicy: 'File',
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'], add: ['SYS_PTRACE'] },
    },
  };
}

function sleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, milliseconds);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Ends normally (not as an error) when the responder stops, so what was traced is kept as a complete item. */
async function* untilStopped(stream: KubeStream, stop: AbortSignal, onStop: () => void): AsyncGenerator<Uint8Array> {
  const abort = (): void => {
    onStop();
    stream.destroy();
  };
  stop.addEventListener('abort', abort, { once: true });
  try {
    for await (const chunk of stream) yield chunk;
  } catch (error) {
    if (!stop.aborted) throw error;
  } finally {
    stop.removeEventListener('abort', abort);
    stream.destroy();
  }
}

export class PodCaptures implements Methods {
  private readonly now: () => Date;

  constructor(private readonly options: PodCaptureOptions) {
    this.now = options.now ?? (() => new Date());
  }

  capturePod = async (
    input: {
      ref: PodRef;
      caseDir: string;
      container?: string | undefined;
      seconds: number;
      image?: string | undefined;
      captureId?: string | undefined;
    },
    { signal }: CallContext,
  ): Promise<PodCaptureResult> => {
    const api = (await this.options.clusters()).get(input.ref.clusterId);
    const ref = { ...input.ref, clusterId: api.clusterId };
    const log = new KubeCallLog(api, { engineId: api.clusterId }, this.now);
    const pod = await readPod(log, ref, signal);
    const target = input.container ?? pod.parsed.spec.containers[0]?.name ?? '';
    const status = pod.parsed.status?.containerStatuses?.find((entry) => entry.name === target);
    if (!pod.parsed.spec.containers.some((container) => container.name === target)) {
      throw new ContractError(
        'BAD_INPUT',
        `Pod ${ref.namespace}/${ref.name} has no container "${target}"`,
        'container',
      );
    }
    if (!status?.state?.running) {
      throw new ContractError(
        'FAILED',
        `Container ${target} of pod ${ref.namespace}/${ref.name} is not running: nothing to trace`,
        'container',
      );
    }
    const recorder = await this.open(input.caseDir);
    await log.attach(recorder);
    const captureId = input.captureId ?? randomUUID();
    const image = input.image ?? this.options.defaultImage;
    const name = `holdcell-trace-${captureId.slice(0, 8)}`;
    const spec = ephemeralTracer(name, image, target, input.seconds);
    const command = spec['command'] as string[];
    const startedAt = this.now().toISOString();
    await log.note({
      action: 'capture.start',
      params: {
        captureId,
        tracer: 'ephemeral-strace',
        target,
        ephemeralContainer: name,
        image,
        command,
        seconds: input.seconds,
      },
      outcome: 'ok',
      detail: `strace in ephemeral container ${name} sharing the process namespace of ${target}`,
    });
    const added = await log.call(
      'kubernetes.ephemeral.create',
      {
        method: 'PATCH',
        path: kubePaths.ephemeralContainers(ref.namespace, ref.name),
        body: { spec: { ephemeralContainers: [spec] } },
        contentType: 'application/strategic-merge-patch+json',
      },
      AnyAnswer,
      signal,
      () => `ephemeral container ${name} added`,
    );
    if (!added.ok) {
      const why =
        added.error instanceof KubeApiError && added.error.statusCode === 404
          ? 'the API server has no ephemeralcontainers subresource (Kubernetes 1.23 or later is needed)'
          : added.message;
      throw new ContractError('FAILED', `Cannot add the tracing container to ${ref.namespace}/${ref.name}: ${why}`);
    }
    const started = await this.waitStarted(log, ref, name, signal);
    if (started !== true) {
      await log.note({
        action: 'capture.stop',
        params: { captureId, stoppedBy: 'tracer-exit' },
        outcome: 'error',
        detail: started,
      });
      throw new ContractError('FAILED', `The tracing container ${name} did not start: ${started}`);
    }
    const evidence = new PodEvidence(
      recorder,
      log,
      ref,
      pod.parsed.metadata.uid ?? '',
      `trace-k8s-${captureId.slice(0, 8)}-${slug(target).slice(0, 20)}`,
    );
    const path = kubePaths.podLog(ref.namespace, ref.name, { container: name, follow: 'true' });
    const at = this.now().toISOString();
    const stream = await api.stream(path, signal);
    const apiCall = { method: 'GET', path, at, status: stream.status };
    log.track(apiCall);
    // The tracer ends itself after `seconds`; a grace period covers start-up, then HoldCell stops reading.
    const stop = AbortSignal.any([signal, AbortSignal.timeout((input.seconds + 30) * 1000)]);
    // Set from the stream's stop callback, so kept in an object the compiler does not narrow.
    const ending: { by: PodCaptureResult['stoppedBy'] } = { by: 'duration' };
    const item = await evidence.stream(
      evidence.spec('strace', 'syscall-trace', 'text', 'strace', {
        container: target,
        ...(status.imageID ? { imageDigest: status.imageID } : {}),
        flags: ['ephemeral-container', 'strace'],
        apiCalls: [added.apiCall, apiCall],
        note:
          `strace from ephemeral container ${name} (${image}, SYS_PTRACE only) attached to PID 1 of ${target}'s process ` +
          `namespace and its descendants: ${command.join(' ')}. Streamed from the container log (logs follow).`,
      }),
      untilStopped(stream, stop, () => {
        ending.by = signal.aborted ? 'cancelled' : 'duration';
      }),
      new AbortController().signal,
    );
    const exit = await this.exitOf(log, ref, name);
    // timeout(1) exits 124 when the duration ran out; 130 when strace took the SIGINT itself.
    const tracerFailed = exit !== undefined && exit !== 0 && exit !== 124 && exit !== 130;
    const stoppedBy: PodCaptureResult['stoppedBy'] =
      ending.by === 'duration' && tracerFailed ? 'tracer-exit' : ending.by;
    const endedAt = this.now().toISOString();
    await log.note({
      action: 'capture.stop',
      params: { captureId, stoppedBy, exitCode: exit ?? null, itemId: item.id },
      outcome: item.complete ? 'ok' : 'error',
      detail: `${item.bytes} bytes traced`,
      sha256: item.sha256,
    });
    const running =
      stoppedBy === 'cancelled'
        ? ` The ephemeral container keeps tracing until its ${input.seconds} s timeout ends it.`
        : '';
    return {
      captureId,
      ref,
      targetContainer: target,
      ephemeralContainer: name,
      image,
      command,
      startedAt,
      endedAt,
      stoppedBy,
      items: [item],
      complete: item.complete,
      summary: `Traced ${target} of pod ${ref.namespace}/${ref.name} for ${((Date.parse(endedAt) - Date.parse(startedAt)) / 1000).toFixed(1)} s: ${item.bytes} bytes of strace output (${stoppedBy}).${running}`,
    };
  };

  private async waitStarted(log: KubeCallLog, ref: PodRef, name: string, signal: AbortSignal): Promise<true | string> {
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 120_000);
    let last = 'not reported yet';
    while (Date.now() < deadline && !signal.aborted) {
      try {
        const answer = await log.api.call({ method: 'GET', path: kubePaths.pod(ref.namespace, ref.name) }, Pod, signal);
        const state = answer.parsed.status?.ephemeralContainerStatuses?.find((entry) => entry.name === name)?.state;
        if (state?.running || state?.terminated) return true;
        if (state?.waiting)
          last = `${state.waiting.reason ?? 'waiting'}${state.waiting.message ? `: ${state.waiting.message}` : ''}`;
      } catch (error) {
        last = log.api.explainFailure(error);
      }
      await sleep(200, signal);
    }
    return signal.aborted ? 'cancelled' : `still not running after the start timeout: ${last}`;
  }

  private async exitOf(log: KubeCallLog, ref: PodRef, name: string): Promise<number | undefined> {
    const read = await log.call(
      'kubernetes.pod.get',
      { method: 'GET', path: kubePaths.pod(ref.namespace, ref.name) },
      Pod,
      new AbortController().signal,
    );
    if (!read.ok) return undefined;
    return read.answer.parsed.status?.ephemeralContainerStatuses?.find((entry) => entry.name === name)?.state
      ?.terminated?.exitCode;
  }

  private async open(caseDir: string): Promise<CaseRecorder> {
    try {
      return await this.options.openCase(caseDir);
    } catch (error) {
      if (error instanceof ContractError) throw error;
      throw new ContractError(
        'FAILED',
        `Cannot open the case ${caseDir}: ${error instanceof Error ? error.message : String(error)}`,
        'caseDir',
      );
    }
  }
}
