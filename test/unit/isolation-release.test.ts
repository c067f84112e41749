// Release decides from the case's custody log what isolate changed, and from the engine what is already undone.
import { describe, expect, it } from 'vitest';
import { DockerEndpointSettings } from '../../src/capture/common/docker-api.js';
import { restoredAttachment } from '../../src/capture/common/isolation-network-state.js';
import {
  CUSTODY_STEPS,
  planRelease,
  replayIsolation,
  type IsolationCustodyRecord,
} from '../../src/capture/common/isolation-release.js';

const ID = 'a1b2c3d4e5f6'.padEnd(64, '0');

function record(
  which: { phase: string; step: string },
  outcome: IsolationCustodyRecord['outcome'],
  extra: Record<string, unknown> = {},
): IsolationCustodyRecord {
  return { outcome, params: { ...which, ...extra } };
}

const fullIsolation: IsolationCustodyRecord[] = [
  { outcome: 'ok', params: { phase: 'collect', step: 'inspect' } },
  record(CUSTODY_STEPS.pause, 'ok'),
  record(CUSTODY_STEPS.disconnect, 'ok', {
    network: 'shop-net',
    networkId: 'n1',
    restoreFrom: 'isolate-a1b2c3d4e5f6-1-network-state',
  }),
  record(CUSTODY_STEPS.disconnect, 'ok', {
    network: 'bridge',
    networkId: 'n2',
    restoreFrom: 'isolate-a1b2c3d4e5f6-1-network-state',
  }),
  record(CUSTODY_STEPS.quarantine, 'ok', { network: 'holdcell-quarantine', networkId: 'q1' }),
];

const isolatedNow = { status: 'paused', networks: { 'holdcell-quarantine': 'q1' } };

describe('release planning from custody', () => {
  it('given a complete isolation, then release leaves the quarantine, reconnects both networks and unpauses, in that order', () => {
    const steps = planRelease(replayIsolation(fullIsolation), isolatedNow);
    expect(steps.map((step) => [step.id, step.alreadyDone])).toEqual([
      ['release-unquarantine', false],
      ['release-reconnect-shop-net', false],
      ['release-reconnect-bridge', false],
      ['release-unpause', false],
    ]);
    expect(steps[1]?.network).toEqual({
      network: 'shop-net',
      networkId: 'n1',
      restoreFrom: 'isolate-a1b2c3d4e5f6-1-network-state',
    });
  });

  it('given a container that was paused before isolate, then release does not unpause it', () => {
    const records = fullIsolation.map((r) =>
      r.params['step'] === 'pause' ? { ...r, outcome: 'skipped' as const } : r,
    );
    expect(planRelease(replayIsolation(records), isolatedNow).map((step) => step.action)).not.toContain('unpause');
  });

  it('given a release that already succeeded, then a second release finds nothing left to undo', () => {
    const released = [
      ...fullIsolation,
      record(CUSTODY_STEPS.unquarantine, 'ok', { network: 'holdcell-quarantine' }),
      record(CUSTODY_STEPS.reconnect, 'ok', { network: 'shop-net' }),
      record(CUSTODY_STEPS.reconnect, 'ok', { network: 'bridge' }),
      record(CUSTODY_STEPS.unpause, 'ok'),
    ];
    const history = replayIsolation(released);
    expect(history.touched).toBe(true);
    expect(planRelease(history, { status: 'running', networks: { 'shop-net': 'n1', bridge: 'n2' } })).toEqual([]);
  });

  it('given a release that failed half-way, then only what is still undone is planned again', () => {
    const partly = [
      ...fullIsolation,
      record(CUSTODY_STEPS.unquarantine, 'ok', { network: 'holdcell-quarantine' }),
      record(CUSTODY_STEPS.reconnect, 'ok', { network: 'shop-net' }),
      record(CUSTODY_STEPS.reconnect, 'error', { network: 'bridge' }),
    ];
    const steps = planRelease(replayIsolation(partly), { status: 'paused', networks: { 'shop-net': 'n1' } });
    expect(steps.map((step) => step.id)).toEqual(['release-reconnect-bridge', 'release-unpause']);
  });

  it('given an isolate call that failed, then release checks the engine: undone if in effect, skipped if not', () => {
    const failedPause = [record(CUSTODY_STEPS.pause, 'error')];
    expect(planRelease(replayIsolation(failedPause), { status: 'paused', networks: {} })).toMatchObject([
      { action: 'unpause', alreadyDone: false },
    ]);
    expect(planRelease(replayIsolation(failedPause), { status: 'running', networks: {} })).toMatchObject([
      { action: 'unpause', alreadyDone: true },
    ]);
  });

  it('given networks restored by hand, then release skips them as already done', () => {
    const steps = planRelease(replayIsolation(fullIsolation), {
      status: 'running',
      networks: { 'shop-net': 'n1', bridge: 'n2' },
    });
    expect(steps.every((step) => step.alreadyDone)).toBe(true);
  });

  it('given a case with no containment records for the container, then nothing was touched', () => {
    const history = replayIsolation([
      { outcome: 'ok', params: { phase: 'collect', step: 'inspect' } },
      record(CUSTODY_STEPS.pause, 'skipped'),
    ]);
    expect(history.touched).toBe(false);
  });
});

describe('restored attachment', () => {
  it('given the recorded endpoint, then the aliases come back without the short id the engine adds itself', () => {
    const endpoint = DockerEndpointSettings.parse({
      NetworkID: 'n1',
      Aliases: ['web', 'a1b2c3d4e5f6', 'shop'],
      IPAMConfig: null,
      Links: null,
      IPAddress: '172.18.0.2',
    });
    expect(restoredAttachment(ID, endpoint)).toEqual({ aliases: ['web', 'shop'], links: [] });
  });

  it('given a static address, then it is asked for again; a dynamic one is not pinned', () => {
    const endpoint = DockerEndpointSettings.parse({
      NetworkID: 'n1',
      Aliases: null,
      IPAMConfig: { IPv4Address: '10.10.0.7' },
      IPAddress: '10.10.0.7',
    });
    expect(restoredAttachment(ID, endpoint)).toEqual({ aliases: [], links: [], ipv4Address: '10.10.0.7' });
  });
});
