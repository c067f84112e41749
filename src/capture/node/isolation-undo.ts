// Carries out a release: leaves the quarantine, reconnects the recorded networks, unpauses — each call in custody.
import type { CallContext } from '../../contract/kit.js';
import type { CaseRecorder } from '../../forensics/common/case-recorder.js';
import type { StepOutcome } from '../common/containment.js';
import { restoredAttachment } from '../common/isolation-network-state.js';
import { QUARANTINE_NETWORK } from '../common/isolation-plan.js';
import { CUSTODY_STEPS, type ReleaseStep } from '../common/isolation-release.js';
import { loadNetworkState } from './isolation-case.js';
import { EngineCallLog, type CallResult } from './isolation-custody.js';
import type { ObservedContainer } from './isolation-observe.js';

type Outcome = Pick<StepOutcome, 'status' | 'detail'>;

function settle<T>(result: CallResult<T>, done: string): Outcome {
  const outcome: Outcome = result.ok ? { status: 'done', detail: done } : { status: 'failed', detail: result.message };
  return result.custodyError === undefined
    ? outcome
    : { ...outcome, detail: `${outcome.detail} — WARNING: custody record not written: ${result.custodyError}` };
}

export class ReleaseRun {
  private readonly log: EngineCallLog;
  private readonly containerId: string;

  constructor(
    private readonly observed: ObservedContainer,
    private readonly recorder: CaseRecorder,
    now: () => Date,
  ) {
    this.containerId = observed.inspect.Id;
    this.log = new EngineCallLog(recorder, observed.engine, observed.inspect.Id, now);
  }

  /** Records the inspect release based its decisions on (made before the case was opened). */
  async recordInspect(): Promise<void> {
    await this.log.note({
      action: 'engine.inspect',
      params: {
        method: 'GET',
        path: `/containers/${this.containerId}/json`,
        calledAt: this.observed.calledAt,
        phase: 'release',
        step: 'inspect',
      },
      outcome: 'ok',
      detail: `state ${this.observed.inspect.State.Status}; networks ${Object.keys(this.observed.networks).join(', ') || 'none'}`,
    });
  }

  async execute(steps: readonly ReleaseStep[], context: CallContext): Promise<StepOutcome[]> {
    const outcomes: StepOutcome[] = [];
    for (const [index, step] of steps.entries()) {
      context.progress({ done: index, total: steps.length, note: step.description });
      const outcome: Outcome = context.signal.aborted
        ? { status: 'failed', detail: 'not attempted: the release was cancelled' }
        : await this.perform(step, context.signal).catch((error: unknown) => ({
            status: 'failed' as const,
            detail: error instanceof Error ? error.message : String(error),
          }));
      outcomes.push({ id: step.id, phase: 'release', action: step.action, ...outcome });
    }
    context.progress({ done: steps.length, total: steps.length, note: 'release finished' });
    return outcomes;
  }

  private async skip(step: ReleaseStep, action: string, detail: string): Promise<Outcome> {
    const custodyError = await this.log.note({
      action,
      params: { phase: 'release', step: step.action, ...(step.network ? { network: step.network.network } : {}) },
      outcome: 'skipped',
      detail,
    });
    const outcome: Outcome = { status: 'skipped', detail };
    return custodyError === undefined
      ? outcome
      : { ...outcome, detail: `${detail} — WARNING: custody record not written: ${custodyError}` };
  }

  private perform(step: ReleaseStep, signal: AbortSignal): Promise<Outcome> {
    switch (step.action) {
      case 'unquarantine':
        return this.unquarantine(step, signal);
      case 'reconnect':
        return this.reconnect(step, signal);
      case 'unpause':
        return this.unpause(step, signal);
    }
  }

  private async unquarantine(step: ReleaseStep, signal: AbortSignal): Promise<Outcome> {
    if (step.alreadyDone) return this.skip(step, 'engine.network.disconnect', `not attached to ${QUARANTINE_NETWORK}`);
    const networkId = step.quarantineNetworkId || QUARANTINE_NETWORK;
    const result = await this.log.call(
      'engine.network.disconnect',
      { method: 'POST', path: `/networks/${networkId}/disconnect`, okStatus: 200 },
      { ...CUSTODY_STEPS.unquarantine, network: QUARANTINE_NETWORK, networkId, force: true },
      () => this.observed.engine.disconnectNetwork(networkId, this.containerId, signal),
    );
    return settle(result, `disconnected from ${QUARANTINE_NETWORK}`);
  }

  private async reconnect(step: ReleaseStep, signal: AbortSignal): Promise<Outcome> {
    const network = step.network;
    if (!network) return { status: 'failed', detail: 'no network recorded for this step' };
    if (step.alreadyDone) return this.skip(step, 'engine.network.connect', `already attached to ${network.network}`);
    let attachment: ReturnType<typeof restoredAttachment>;
    try {
      const state = await loadNetworkState(this.recorder, network.restoreFrom);
      const endpoint = state.networks[network.network];
      if (!endpoint) throw new Error(`${network.restoreFrom} does not describe network ${network.network}`);
      attachment = restoredAttachment(this.containerId, endpoint);
    } catch (error) {
      return {
        status: 'failed',
        detail: `not reconnected to ${network.network}: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    const networkId = network.networkId || network.network;
    const result = await this.log.call(
      'engine.network.connect',
      { method: 'POST', path: `/networks/${networkId}/connect`, okStatus: 200 },
      {
        ...CUSTODY_STEPS.reconnect,
        network: network.network,
        networkId,
        restoreFrom: network.restoreFrom,
        ...attachment,
      },
      () => this.observed.engine.connectNetwork(networkId, this.containerId, attachment, signal),
    );
    const aliases = attachment.aliases.length > 0 ? ` with aliases ${attachment.aliases.join(', ')}` : '';
    const address = attachment.ipv4Address ? ` at ${attachment.ipv4Address}` : '';
    return settle(result, `reconnected to ${network.network}${aliases}${address}`);
  }

  private async unpause(step: ReleaseStep, signal: AbortSignal): Promise<Outcome> {
    if (step.alreadyDone) return this.skip(step, 'engine.unpause', 'not paused');
    const result = await this.log.call(
      'engine.unpause',
      { method: 'POST', path: `/containers/${this.containerId}/unpause`, okStatus: 204 },
      { ...CUSTODY_STEPS.unpause },
      () => this.observed.engine.unpause(this.containerId, signal),
    );
    return settle(result, 'unpaused');
  }
}
