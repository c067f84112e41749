// Planning an isolation: volatile evidence first, containment right after, logs last; honest about what cannot be cut.
import { describe, expect, it } from 'vitest';
import type { IsolationMode, StepOutcome } from '../../src/capture/common/containment.js';
import { isContained, summarizeIsolation } from '../../src/capture/common/isolation-outcome.js';
import {
  buildIsolationPlan,
  QUARANTINE_NETWORK,
  type IsolationFacts,
} from '../../src/capture/common/isolation-plan.js';

const ID = 'c'.repeat(64);

function facts(overrides: Partial<IsolationFacts> = {}): IsolationFacts {
  return {
    engineId: 'default',
    endpoint: 'unix:///var/run/docker.sock',
    isLocal: true,
    containerId: ID,
    containerName: 'web-1',
    status: 'running',
    networkMode: 'shop-net',
    networks: ['shop-net', 'db-net'],
    ...overrides,
  };
}

const actions = (f: IsolationFacts, mode: IsolationMode = 'both') =>
  buildIsolationPlan(f, mode).steps.map((step) => `${step.phase}:${step.action}${step.alreadyDone ? '(done)' : ''}`);

function outcomes(f: IsolationFacts, mode: IsolationMode, status: (action: string) => StepOutcome['status']) {
  return buildIsolationPlan(f, mode).steps.map((step) => ({
    id: step.id,
    phase: step.phase,
    action: step.action,
    status: status(step.action),
    detail: status(step.action) === 'failed' ? 'engine said no' : 'ok',
  }));
}

describe('isolation plan', () => {
  it('given a running container on two networks, then volatile state comes first, containment next, logs last', () => {
    expect(actions(facts())).toEqual([
      'collect:inspect',
      'collect:network-state',
      'collect:top',
      'collect:host-proc',
      'contain:pause',
      'contain:disconnect',
      'contain:disconnect',
      'contain:quarantine',
      'collect:logs',
    ]);
    const plan = buildIsolationPlan(facts(), 'both');
    expect(plan.steps.filter((step) => step.action === 'disconnect').map((step) => step.id)).toEqual([
      'contain-disconnect-shop-net',
      'contain-disconnect-db-net',
    ]);
    expect(plan.warnings).toEqual([]);
  });

  it('given mode pause or network, then only that kind of containment is planned', () => {
    expect(actions(facts(), 'pause').filter((a) => a.startsWith('contain'))).toEqual(['contain:pause']);
    expect(actions(facts(), 'network').filter((a) => a.startsWith('contain'))).toEqual([
      'contain:disconnect',
      'contain:disconnect',
      'contain:quarantine',
    ]);
  });

  it('given a container already paused and already in quarantine, then those steps are marked already done', () => {
    const f = facts({ status: 'paused', networks: [QUARANTINE_NETWORK] });
    expect(actions(f).filter((a) => a.startsWith('contain'))).toEqual([
      'contain:pause(done)',
      'contain:quarantine(done)',
    ]);
  });

  it('given a remote engine, then no host /proc step is planned and the plan says why', () => {
    const plan = buildIsolationPlan(facts({ isLocal: false, endpoint: 'tcp://10.0.0.5:2376' }), 'both');
    expect(plan.steps.map((step) => step.action)).not.toContain('host-proc');
    expect(plan.warnings.join(' ')).toContain('tcp://10.0.0.5:2376 is not on this machine');
  });

  it('given a host-network container, then nothing is disconnected and the warning says pausing is the only containment', () => {
    const f = facts({ networkMode: 'host', networks: ['host'] });
    expect(actions(f).filter((a) => a.startsWith('contain'))).toEqual(['contain:pause']);
    expect(buildIsolationPlan(f, 'both').warnings.join(' ')).toMatch(/host's network stack.*pausing only/);
    expect(buildIsolationPlan(f, 'network').warnings.join(' ')).toMatch(/cannot contain it/);
  });

  it('given a stopped container, then there is no process list, no /proc and no pause, and the plan says so', () => {
    const f = facts({ status: 'exited' });
    expect(actions(f)).toEqual([
      'collect:inspect',
      'collect:network-state',
      'contain:disconnect',
      'contain:disconnect',
      'contain:quarantine',
      'collect:logs',
    ]);
    expect(buildIsolationPlan(f, 'both').warnings.join(' ')).toContain('exited');
  });
});

describe('isolation verdict', () => {
  it('given every step done, then the container is contained and the summary lists what is in effect', () => {
    const f = facts();
    const steps = outcomes(f, 'both', () => 'done');
    const contained = isContained({ mode: 'both', status: 'running', networkMode: 'shop-net' }, steps);
    expect(contained).toBe(true);
    expect(summarizeIsolation(buildIsolationPlan(f, 'both'), steps, contained)).toBe(
      'Contained web-1: paused, disconnected from shop-net, disconnected from db-net, attached to the quarantine network. ' +
        'Collected: inspect, network-state, top, host-proc, logs.',
    );
  });

  it('given a failed disconnect, then the container is not contained and the summary names what failed and why', () => {
    const f = facts();
    const steps = outcomes(f, 'both', () => 'done').map((step) =>
      step.id === 'contain-disconnect-db-net' ? { ...step, status: 'failed' as const, detail: 'HTTP 500' } : step,
    );
    const contained = isContained({ mode: 'both', status: 'running', networkMode: 'shop-net' }, steps);
    expect(contained).toBe(false);
    const summary = summarizeIsolation(buildIsolationPlan(f, 'both'), steps, contained);
    expect(summary).toMatch(/^NOT contained web-1; in effect: paused, disconnected from shop-net/);
    expect(summary).toContain('Failed: disconnect db-net (HTTP 500)');
  });

  it('given a failed log collection only, then the container is still contained', () => {
    const steps = outcomes(facts(), 'both', (action) => (action === 'logs' ? 'failed' : 'done'));
    expect(isContained({ mode: 'both', status: 'running', networkMode: 'shop-net' }, steps)).toBe(true);
  });

  it('given steps skipped because already in effect, then they count as contained', () => {
    const f = facts({ status: 'paused', networks: [QUARANTINE_NETWORK] });
    const steps = outcomes(f, 'both', (action) => (action === 'pause' || action === 'quarantine' ? 'skipped' : 'done'));
    expect(isContained({ mode: 'both', status: 'paused', networkMode: 'shop-net' }, steps)).toBe(true);
  });

  it('given a host-network container, then mode both is contained only when paused and mode network never', () => {
    const f = facts({ networkMode: 'host', networks: ['host'] });
    const hostFacts = { status: 'running', networkMode: 'host' };
    expect(
      isContained(
        { mode: 'both', ...hostFacts },
        outcomes(f, 'both', () => 'done'),
      ),
    ).toBe(true);
    expect(
      isContained(
        { mode: 'both', ...hostFacts },
        outcomes(f, 'both', (a) => (a === 'pause' ? 'failed' : 'done')),
      ),
    ).toBe(false);
    expect(
      isContained(
        { mode: 'network', ...hostFacts },
        outcomes(f, 'network', () => 'done'),
      ),
    ).toBe(false);
  });
});
