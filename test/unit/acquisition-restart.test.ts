// After a lost engine connection: the record says whether the engine came back and whether anything shows a restart.
import { describe, expect, it } from 'vitest';
import {
  assessConnectionLoss,
  containerState,
  type EngineObservation,
} from '../../src/capture/common/acquisition-restart.js';

const DAEMON = 'SMCG:H2MQ:IIRR:NUTT';
const running = { status: 'running', pid: 4242, startedAt: '2026-11-22T10:00:00.1Z' };
const before: EngineObservation = { daemonId: DAEMON, liveRestore: false, container: running };
const facts = { during: 'GET /containers/abc/export (fs-export-abc)', failure: 'connection reset (after 10 bytes)' };

describe('assessing a lost connection', () => {
  it('given the engine never answered again, then a restart or crash cannot be ruled out, and the last error is kept', () => {
    const assessment = assessConnectionLoss({
      ...facts,
      before,
      after: undefined,
      waitedMs: 1500,
      lastError: 'ENOENT',
    });
    expect(assessment.verdict).toBe('engine-not-back');
    expect(assessment.detail).toBe(
      'connection to the engine lost during GET /containers/abc/export (fs-export-abc) (connection reset (after 10 ' +
        'bytes)); the engine did not answer again within 1.5 s (ENOENT), so a daemon restart or crash cannot be ruled out',
    );
  });

  it('given the same daemon and an unchanged container, then there is no sign of a restart', () => {
    const assessment = assessConnectionLoss({ ...facts, before, after: { ...before }, waitedMs: 20 });
    expect(assessment).toMatchObject({ verdict: 'no-restart-sign', restartSuspected: false });
    expect(assessment.detail).toContain(`answered again after 0.0 s (same daemon ID ${DAEMON})`);
    expect(assessment.detail).toContain('unchanged (running, pid 4242, started 2026-11-22T10:00:00.1Z)');
    expect(assessment.detail).not.toContain('live-restore');
  });

  it('given live-restore on the engine, then "no sign" says a restart cannot be ruled out', () => {
    const after = { ...before, liveRestore: true };
    expect(assessConnectionLoss({ ...facts, before, after, waitedMs: 20 }).detail).toContain(
      'live-restore is enabled on this engine',
    );
  });

  it('given the running container is now exited, then a restart without live-restore is suspected', () => {
    const after: EngineObservation = {
      daemonId: DAEMON,
      container: { ...running, status: 'exited', pid: 0, finishedAt: '2026-11-22T10:05:00Z', exitCode: 137 },
    };
    const assessment = assessConnectionLoss({ ...facts, before, after, waitedMs: 900 });
    expect(assessment).toMatchObject({ verdict: 'container-stopped', restartSuspected: true });
    expect(assessment.detail).toContain('went from running to exited at 2026-11-22T10:05:00Z (exit 137)');
  });

  it('given the container started again, then a restart is suspected with both start times', () => {
    const after: EngineObservation = { daemonId: DAEMON, container: { ...running, startedAt: '2026-11-22T10:06:00Z' } };
    const assessment = assessConnectionLoss({ ...facts, before, after, waitedMs: 900 });
    expect(assessment).toMatchObject({ verdict: 'container-restarted', restartSuspected: true });
    expect(assessment.detail).toContain('StartedAt 2026-11-22T10:00:00.1Z → 2026-11-22T10:06:00Z');
  });

  it('given a different daemon answers at the endpoint, then that is said before anything else', () => {
    const after: EngineObservation = { daemonId: 'OTHER:ID', container: running };
    expect(assessConnectionLoss({ ...facts, before, after, waitedMs: 5 })).toMatchObject({
      verdict: 'different-engine',
      restartSuspected: true,
    });
  });

  it('given the container is gone, or its state unknown, then the record says so without guessing', () => {
    expect(
      assessConnectionLoss({ ...facts, before, after: { daemonId: DAEMON, container: 'gone' }, waitedMs: 5 }),
    ).toMatchObject({ verdict: 'container-gone', restartSuspected: false });
    const unknown = assessConnectionLoss({ ...facts, before, after: { daemonId: DAEMON }, waitedMs: 5 });
    expect(unknown.detail).toContain('could not be compared, so a restart cannot be ruled out');
  });
});

describe('container state from raw inspect JSON', () => {
  it('given engine inspect JSON, then status, pid and times are read; anything else yields undefined', () => {
    expect(
      containerState({ State: { Status: 'paused', Pid: 7, StartedAt: 'a', FinishedAt: 'b', ExitCode: 0 }, Extra: 1 }),
    ).toEqual({ status: 'paused', pid: 7, startedAt: 'a', finishedAt: 'b', exitCode: 0 });
    expect(containerState({ State: 'running' })).toBeUndefined();
    expect(containerState(null)).toBeUndefined();
  });
});
