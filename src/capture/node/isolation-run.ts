// Carries out an isolation plan on the engine: each step collects evidence into the case or contains the suspect.
import type { CallContext } from '../../contract/kit.js';
import type { EvidenceSource, ManifestItem } from '../../forensics/common/case-model.js';
import type { CaseRecorder, EvidenceSpec } from '../../forensics/common/case-recorder.js';
import type { IsolationPlan, PlannedStep, StepOutcome } from '../common/containment.js';
import type { DockerTop } from '../common/docker-api.js';
import { muxFramingProblem } from '../common/docker-mux.js';
import { networkStateDocument } from '../common/isolation-network-state.js';
import {
  LOG_TAIL_LINES,
  QUARANTINE_LABEL,
  QUARANTINE_NETWORK,
  QUARANTINE_NETWORK_OPTIONS,
} from '../common/isolation-plan.js';
import { CUSTODY_STEPS } from '../common/isolation-release.js';
import type { HostProcReader } from './host-proc.js';
import { EngineCallLog, type CallResult } from './isolation-custody.js';
import type { ObservedContainer } from './isolation-observe.js';

type Outcome = Omit<StepOutcome, 'id' | 'phase' | 'action'>;

const failed = (detail: string, itemId?: string): Outcome =>
  itemId === undefined ? { status: 'failed', detail } : { status: 'failed', detail, itemId };

/** Appends a custody failure to a step's detail: the step happened, but the case does not say so. */
function withCustody<T>(outcome: Outcome, result: CallResult<T> | { custodyError?: string | undefined }): Outcome {
  return result.custodyError === undefined
    ? outcome
    : { ...outcome, detail: `${outcome.detail} — WARNING: custody record not written: ${result.custodyError}` };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Host PIDs from `docker top`: the engine reports them in the host's PID namespace, under a "PID" title. */
function topPids(top: DockerTop): number[] {
  const column = top.Titles.findIndex((title) => title.trim().toUpperCase() === 'PID');
  if (column < 0) return [];
  return top.Processes.map((row) => Number.parseInt(row[column] ?? '', 10)).filter(
    (pid) => Number.isInteger(pid) && pid > 0,
  );
}

export interface IsolationRunDeps {
  hostProc: HostProcReader;
  now: () => Date;
  /** ps arguments for docker top; the engine's defaults are the fallback when its ps refuses them. */
  psArgs: string;
}

export class IsolationRun {
  private readonly log: EngineCallLog;
  private readonly containerId: string;
  private readonly source: EvidenceSource;
  private readonly itemPrefix: string;
  private networkStateItem: string | undefined;
  private top: DockerTop | undefined;

  constructor(
    private readonly observed: ObservedContainer,
    private readonly recorder: CaseRecorder,
    private readonly deps: IsolationRunDeps,
    run: number,
  ) {
    const { engine, inspect } = observed;
    this.containerId = inspect.Id;
    this.log = new EngineCallLog(recorder, engine, inspect.Id, deps.now);
    this.source = {
      engineId: engine.engineId,
      endpoint: engine.endpoint,
      containerId: inspect.Id,
      containerName: inspect.Name.replace(/^\//, ''),
      imageId: inspect.Image,
    };
    this.itemPrefix = `isolate-${inspect.Id.slice(0, 12)}-${run}`;
  }

  /** The run number of this isolation in the case: one more than the highest earlier isolate of this container. */
  static async nextRun(recorder: CaseRecorder, containerId: string): Promise<number> {
    const prefix = `isolate-${containerId.slice(0, 12)}-`;
    const runs = (await recorder.items())
      .filter((item) => item.id.startsWith(prefix))
      .map((item) => Number.parseInt(item.id.slice(prefix.length), 10))
      .filter((run) => Number.isInteger(run));
    return Math.max(0, ...runs) + 1;
  }

  async execute(plan: IsolationPlan, context: CallContext): Promise<StepOutcome[]> {
    const outcomes: StepOutcome[] = [];
    for (const [index, step] of plan.steps.entries()) {
      context.progress({ done: index, total: plan.steps.length, note: step.description });
      const outcome = context.signal.aborted
        ? failed('not attempted: the isolation was cancelled')
        : await this.perform(step, context.signal).catch((error: unknown) => failed(errorText(error)));
      outcomes.push({ id: step.id, phase: step.phase, action: step.action, ...outcome });
    }
    context.progress({ done: plan.steps.length, total: plan.steps.length, note: 'isolation finished' });
    return outcomes;
  }

  private perform(step: PlannedStep, signal: AbortSignal): Promise<Outcome> {
    switch (step.action) {
      case 'inspect':
        return this.inspect();
      case 'network-state':
        return this.networkState();
      case 'top':
        return this.processList(signal);
      case 'host-proc':
        return this.hostProc(signal);
      case 'pause':
        return this.pause(step, signal);
      case 'disconnect':
        return this.disconnect(step, signal);
      case 'quarantine':
        return this.quarantine(step, signal);
      case 'logs':
        return this.logs(signal);
      default:
        return Promise.resolve(failed(`unknown step ${step.action}`));
    }
  }

  private spec(suffix: string, kind: EvidenceSpec['kind'], format: EvidenceSpec['format'], extension: string) {
    const id = `${this.itemPrefix}-${suffix}`;
    return { id, kind, fileName: `${id}.${extension}`, format, source: this.source };
  }

  private inspectCall() {
    return {
      method: 'GET',
      path: `/containers/${this.containerId}/json`,
      at: this.observed.calledAt,
      status: 200,
    } as const;
  }

  /** The inspect that resolved the container was made before the case was open; it is recorded now. */
  private async inspect(): Promise<Outcome> {
    const call = this.inspectCall();
    const custodyError = await this.log.note({
      action: 'engine.inspect',
      params: { method: call.method, path: call.path, calledAt: call.at, phase: 'collect', step: 'inspect' },
      outcome: 'ok',
      detail: `state ${this.observed.inspect.State.Status}`,
    });
    const item = await this.recorder.addJson(
      { ...this.spec('inspect', 'container-inspect', 'json', 'json'), apiCalls: [call] },
      this.observed.raw,
    );
    return withCustody(
      { status: 'done', detail: `inspect JSON stored (${item.bytes} bytes)`, itemId: item.id },
      { custodyError },
    );
  }

  private async networkState(): Promise<Outcome> {
    const { inspect, rawNetworks } = this.observed;
    const item = await this.recorder.addJson(
      {
        ...this.spec('network-state', 'network-state', 'json', 'json'),
        apiCalls: [this.inspectCall()],
        note: 'NetworkSettings.Networks as the engine reported it before isolation: what release restores',
      },
      networkStateDocument(inspect.Id, inspect.HostConfig.NetworkMode, rawNetworks),
    );
    this.networkStateItem = item.id;
    const names = Object.keys(this.observed.networks);
    return { status: 'done', detail: `networks recorded: ${names.join(', ') || 'none'}`, itemId: item.id };
  }

  /**
   * docker top runs ps on the engine's host with our ps_args; some ps implementations (busybox) refuse -eo, in
   * which case the engine's default arguments still give PIDs and commands. Both attempts are in custody.
   */
  private async processList(signal: AbortSignal): Promise<Outcome> {
    const engine = this.observed.engine;
    const request = (args: string) => ({
      method: 'GET' as const,
      path: `/containers/${this.containerId}/top${args === '' ? '' : `?ps_args=${encodeURIComponent(args)}`}`,
      okStatus: 200,
    });
    const params = (args: string) => ({ psArgs: args, phase: 'collect', step: 'top' });
    const rows = (answer: { parsed: DockerTop }) => `${answer.parsed.Processes.length} processes`;
    const psArgs = this.deps.psArgs;
    const first = await this.log.call(
      'engine.top',
      request(psArgs),
      params(psArgs),
      () => engine.top(this.containerId, psArgs, signal),
      rows,
    );
    let result = first;
    const apiCalls = [first.apiCall];
    let note = `docker top with ps_args "${psArgs}"`;
    if (!first.ok) {
      result = await this.log.call(
        'engine.top',
        request(''),
        params(''),
        () => engine.top(this.containerId, '', signal),
        rows,
      );
      apiCalls.push(result.apiCall);
      note = `ps_args "${psArgs}" failed (${first.message}); the engine's default ps arguments were used`;
    }
    if (!result.ok) return withCustody(failed(`docker top failed: ${result.message}`), result);
    this.top = result.value.parsed;
    const item = await this.recorder.addJson(
      { ...this.spec('processes', 'process-list', 'json', 'json'), apiCalls, note },
      result.value.raw,
    );
    return withCustody(
      {
        status: 'done',
        detail: `${result.value.parsed.Processes.length} processes listed${first.ok ? '' : ' (default ps arguments)'}`,
        itemId: item.id,
      },
      result,
    );
  }

  private async hostProc(signal: AbortSignal): Promise<Outcome> {
    const pids = (this.top ? topPids(this.top) : []).map((pid) => ({ pid, source: 'engine-top' }));
    const statePid = this.observed.inspect.State.Pid;
    if (statePid !== undefined && statePid > 0) pids.push({ pid: statePid, source: 'state-pid' });
    const document = await this.deps.hostProc.collect({ containerId: this.containerId, pids }, signal);
    const read = document.processes.length;
    const detail = `${read} processes read from /proc${document.unverified.length > 0 ? `, ${document.unverified.length} PIDs not in the container's cgroup here (not read)` : ''}`;
    const custodyError = await this.log.note({
      action: 'host.proc.read',
      params: {
        procRoot: document.procRoot,
        pids: document.processes.map((entry) => entry.pid),
        phase: 'collect',
        step: 'host-proc',
      },
      outcome: read > 0 ? 'ok' : 'error',
      detail,
    });
    const item = await this.recorder.addJson(
      {
        ...this.spec('host-proc', 'host-proc', 'json', 'json'),
        flags: ['read-from-host-proc'],
        note: 'links read with readlink only; environ not collected',
      },
      document,
    );
    const outcome: Outcome =
      read > 0
        ? { status: 'done', detail, itemId: item.id }
        : failed(`no process of the container is visible in this host's /proc (${detail})`, item.id);
    return withCustody(outcome, { custodyError });
  }

  private async skipped(step: PlannedStep, action: string, detail: string): Promise<Outcome> {
    const custodyError = await this.log.note({
      action,
      params: { phase: step.phase, step: step.action },
      outcome: 'skipped',
      detail,
    });
    return withCustody({ status: 'skipped', detail }, { custodyError });
  }

  private async pause(step: PlannedStep, signal: AbortSignal): Promise<Outcome> {
    if (step.alreadyDone) return this.skipped(step, 'engine.pause', 'already paused before this isolation');
    const result = await this.log.call(
      'engine.pause',
      { method: 'POST', path: `/containers/${this.containerId}/pause`, okStatus: 204 },
      { ...CUSTODY_STEPS.pause },
      () => this.observed.engine.pause(this.containerId, signal),
      () => 'paused',
    );
    return withCustody(result.ok ? { status: 'done', detail: 'every process frozen' } : failed(result.message), result);
  }

  private async disconnect(step: PlannedStep, signal: AbortSignal): Promise<Outcome> {
    const network = step.id.slice('contain-disconnect-'.length);
    // Without the recorded attachment, release could not put the network back: better leave it attached.
    if (this.networkStateItem === undefined) {
      return failed(
        `not disconnected from ${network}: its attachment could not be recorded, so release could not restore it`,
      );
    }
    const networkId = this.observed.networks[network]?.NetworkID || network;
    const result = await this.log.call(
      'engine.network.disconnect',
      { method: 'POST', path: `/networks/${networkId}/disconnect`, okStatus: 200 },
      { ...CUSTODY_STEPS.disconnect, network, networkId, force: true, restoreFrom: this.networkStateItem },
      () => this.observed.engine.disconnectNetwork(networkId, this.containerId, signal),
      () => `disconnected from ${network}`,
    );
    return withCustody(
      result.ok ? { status: 'done', detail: `disconnected from ${network}` } : failed(result.message),
      result,
    );
  }

  /** The engine's quarantine network, created on first use; a same-named network that is not ours is refused. */
  private async quarantineNetwork(signal: AbortSignal): Promise<{ id: string } | { problem: string }> {
    const engine = this.observed.engine;
    const list = () =>
      this.log.call(
        'engine.network.list',
        { method: 'GET', path: '/networks', okStatus: 200 },
        { phase: 'contain', step: 'quarantine-lookup' },
        () => engine.listNetworks(signal),
        (networks) => `${networks.length} networks`,
      );
    const find = async () => {
      const listed = await list();
      if (!listed.ok) return { problem: `listing networks failed: ${listed.message}` };
      const existing = listed.value.filter((network) => network.Name === QUARANTINE_NETWORK);
      if (existing.length === 0) return undefined;
      const ours = existing.find(
        (network) =>
          network.Internal &&
          network.Labels[QUARANTINE_LABEL] === '1' &&
          Object.entries(QUARANTINE_NETWORK_OPTIONS).every(([key, value]) => network.Options[key] === value),
      );
      if (!ours) {
        return {
          problem: `a network named ${QUARANTINE_NETWORK} exists but is not HoldCell's internal quarantine network (Internal=${String(existing[0]?.Internal)}, label ${QUARANTINE_LABEL}=1 and inter-container traffic off required); refusing to attach the suspect to it — remove or rename that network`,
        };
      }
      return { id: ours.Id };
    };
    const found = await find();
    if (found) return found;
    const created = await this.log.call(
      'engine.network.create',
      { method: 'POST', path: '/networks/create', okStatus: 201 },
      {
        name: QUARANTINE_NETWORK,
        driver: 'bridge',
        internal: true,
        labels: { [QUARANTINE_LABEL]: '1' },
        options: QUARANTINE_NETWORK_OPTIONS,
        phase: 'contain',
        step: 'quarantine-create',
      },
      () =>
        engine.createNetwork(
          {
            name: QUARANTINE_NETWORK,
            internal: true,
            labels: { [QUARANTINE_LABEL]: '1' },
            options: { ...QUARANTINE_NETWORK_OPTIONS },
          },
          signal,
        ),
      (id) => `created ${id}`,
    );
    if (created.ok) return { id: created.value };
    // Another isolation may have created it between our lookup and our create.
    return (await find()) ?? { problem: `creating ${QUARANTINE_NETWORK} failed: ${created.message}` };
  }

  private async quarantine(step: PlannedStep, signal: AbortSignal): Promise<Outcome> {
    if (step.alreadyDone)
      return this.skipped(step, 'engine.network.connect', `already attached to ${QUARANTINE_NETWORK}`);
    const network = await this.quarantineNetwork(signal);
    if ('problem' in network) return failed(network.problem);
    const result = await this.log.call(
      'engine.network.connect',
      { method: 'POST', path: `/networks/${network.id}/connect`, okStatus: 200 },
      { ...CUSTODY_STEPS.quarantine, network: QUARANTINE_NETWORK, networkId: network.id },
      () => this.observed.engine.connectNetwork(network.id, this.containerId, {}, signal),
      () => `attached to ${QUARANTINE_NETWORK}`,
    );
    return withCustody(
      result.ok
        ? { status: 'done', detail: `attached to ${QUARANTINE_NETWORK} (internal: no route beyond the engine's host)` }
        : failed(result.message),
      result,
    );
  }

  private async logs(signal: AbortSignal): Promise<Outcome> {
    const result = await this.log.call(
      'engine.logs',
      {
        method: 'GET',
        path: `/containers/${this.containerId}/logs?stdout=1&stderr=1&timestamps=1&tail=${LOG_TAIL_LINES}`,
        okStatus: 200,
      },
      { tail: LOG_TAIL_LINES, timestamps: true, phase: 'collect', step: 'logs' },
      () => this.observed.engine.logs(this.containerId, { tail: LOG_TAIL_LINES }, signal),
      (bytes) => `${bytes.length} bytes`,
    );
    if (!result.ok) return withCustody(failed(`logs failed: ${result.message}`), result);
    const bytes = result.value;
    // Without a TTY the engine frames stdout and stderr in its 8-byte-header multiplexed format; kept as sent.
    const note = this.observed.tty
      ? `last ${LOG_TAIL_LINES} lines with timestamps; multiplexed: false (TTY, raw stream)`
      : `last ${LOG_TAIL_LINES} lines with timestamps; multiplexed: true (Docker stream framing: 8-byte header per frame, stream 1 stdout, 2 stderr)`;
    // Multiplexed logs that do not frame cleanly (a header claiming more than follows, or one that is not a
    // header) were cut or corrupted on the way: kept as received, but incomplete with the reason, like a broken tar.
    const framing = this.observed.tty ? undefined : muxFramingProblem(bytes);
    const item: ManifestItem = await this.recorder.addStream(
      { ...this.spec('logs', 'container-logs', 'binary', 'bin'), apiCalls: [result.apiCall], note },
      (async function* () {
        yield bytes;
        if (framing) throw framing;
      })(),
      { expectedBytes: bytes.length, signal },
    );
    const outcome: Outcome = item.complete
      ? { status: 'done', detail: `${item.bytes} bytes of logs stored`, itemId: item.id }
      : failed(`logs stored incomplete: ${item.incompleteReason ?? 'unknown reason'}`, item.id);
    return withCustody(outcome, result);
  }
}
