// Works out what release must undo from a case's custody records of isolate, and what is already undone on the engine.
import { QUARANTINE_NETWORK } from './isolation-plan.js';

/**
 * How isolate and release label their engine calls in custody (params.phase + params.step), so that release,
 * possibly in another process on another machine, can replay the log and know exactly what HoldCell changed.
 */
export const CUSTODY_STEPS = {
  pause: { phase: 'contain', step: 'pause' },
  disconnect: { phase: 'contain', step: 'disconnect' },
  quarantine: { phase: 'contain', step: 'quarantine' },
  unpause: { phase: 'release', step: 'unpause' },
  reconnect: { phase: 'release', step: 'reconnect' },
  unquarantine: { phase: 'release', step: 'unquarantine' },
} as const;

/** The part of a custody record replay reads (records of this container only, in log order). */
export interface IsolationCustodyRecord {
  outcome: 'ok' | 'error' | 'skipped' | 'planned';
  params: Readonly<Record<string, unknown>>;
}

export interface DisconnectedNetwork {
  network: string;
  networkId: string;
  /** The network-state evidence item holding the attachment (aliases, addresses) to restore. */
  restoreFrom: string;
}

export interface IsolationHistory {
  /** Isolate attempted at least one containment call on this container. */
  touched: boolean;
  /** Isolate attempted to pause (so the container was not paused before it) and release has not unpaused since. */
  pauseToUndo: boolean;
  /** Networks isolate disconnected (or tried to) that release has not reconnected yet, in the order they were cut. */
  networksToRestore: DisconnectedNetwork[];
  /** The quarantine network isolate attached (or tried to) and release has not detached yet. */
  quarantineToUndo: { networkId: string } | undefined;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

function is(record: IsolationCustodyRecord, which: { phase: string; step: string }): boolean {
  return record.params['phase'] === which.phase && record.params['step'] === which.step;
}

/**
 * Replays the log. An isolate call that failed still counts as "maybe done" (a call can time out after the engine
 * acted), so release looks at the engine before undoing it; only a release call that succeeded marks it undone.
 * A pause skipped because the container was already paused is not HoldCell's to undo.
 */
export function replayIsolation(records: readonly IsolationCustodyRecord[]): IsolationHistory {
  let touched = false;
  let pauseToUndo = false;
  let quarantineToUndo: { networkId: string } | undefined;
  const networks = new Map<string, DisconnectedNetwork>();
  for (const record of records) {
    const attempted = record.outcome === 'ok' || record.outcome === 'error';
    const network = text(record.params['network']);
    if (is(record, CUSTODY_STEPS.pause) && attempted) {
      touched = true;
      pauseToUndo = true;
    } else if (is(record, CUSTODY_STEPS.disconnect) && attempted && network !== '') {
      touched = true;
      // A second disconnect of the same network (isolate, release, isolate again) restores the latest attachment.
      networks.delete(network);
      networks.set(network, {
        network,
        networkId: text(record.params['networkId']),
        restoreFrom: text(record.params['restoreFrom']),
      });
    } else if (is(record, CUSTODY_STEPS.quarantine) && attempted) {
      touched = true;
      quarantineToUndo = { networkId: text(record.params['networkId']) };
    } else if (record.outcome === 'ok' && is(record, CUSTODY_STEPS.unpause)) {
      pauseToUndo = false;
    } else if (record.outcome === 'ok' && is(record, CUSTODY_STEPS.reconnect)) {
      networks.delete(network);
    } else if (record.outcome === 'ok' && is(record, CUSTODY_STEPS.unquarantine)) {
      quarantineToUndo = undefined;
    }
  }
  return { touched, pauseToUndo, networksToRestore: [...networks.values()], quarantineToUndo };
}

export interface CurrentContainerState {
  status: string;
  /** Attached networks now: name → network id. */
  networks: Readonly<Record<string, string>>;
}

export interface ReleaseStep {
  id: string;
  action: 'unquarantine' | 'reconnect' | 'unpause';
  description: string;
  /** The engine already shows this undone (by an earlier release, or by hand): skip it. */
  alreadyDone: boolean;
  network?: DisconnectedNetwork;
  quarantineNetworkId?: string;
}

function attached(current: CurrentContainerState, name: string, networkId: string): boolean {
  return Object.entries(current.networks).some(
    ([attachedName, id]) => attachedName === name || (networkId !== '' && id === networkId),
  );
}

/**
 * The order, and why: leave the quarantine first and reconnect the original networks next, so that a release that
 * fails half-way leaves the container with less network, not more; unpause last, so its processes wake up with
 * their networks back instead of meeting a missing interface.
 */
export function planRelease(history: IsolationHistory, current: CurrentContainerState): ReleaseStep[] {
  const steps: ReleaseStep[] = [];
  if (history.quarantineToUndo) {
    const quarantineNetworkId = history.quarantineToUndo.networkId;
    steps.push({
      id: 'release-unquarantine',
      action: 'unquarantine',
      description: `Disconnect from the quarantine network ${QUARANTINE_NETWORK}`,
      alreadyDone: !attached(current, QUARANTINE_NETWORK, quarantineNetworkId),
      quarantineNetworkId,
    });
  }
  for (const network of history.networksToRestore) {
    steps.push({
      id: `release-reconnect-${network.network}`,
      action: 'reconnect',
      description: `Reconnect to network ${network.network} with the aliases and addresses recorded in ${network.restoreFrom}`,
      alreadyDone: attached(current, network.network, network.networkId),
      network,
    });
  }
  if (history.pauseToUndo) {
    steps.push({
      id: 'release-unpause',
      action: 'unpause',
      description: 'Unpause the processes isolate froze',
      alreadyDone: current.status !== 'paused',
    });
  }
  return steps;
}
