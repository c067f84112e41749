// Judges what a lost engine connection during acquisition means: did the daemon come back, and is there a sign it restarted?
//
// What the Docker API (20.10) shows after a daemon restart: /info's ID is stable across restarts and SystemTime
// is just the clock, so neither tells. A restart without live-restore stops every running container, so the
// container's State (Running/Paused → exited, FinishedAt at the restart, new StartedAt or Pid after a restart
// policy) changes. With live-restore the container is untouched; only the daemon's in-memory event log (the last
// 256 events, emptied by a restart) would show it, which these answers do not include.
import { z } from 'zod';

/** The part of raw inspect JSON that changes when the daemon restarts under a container. */
const InspectState = z.object({
  State: z.object({
    Status: z.string(),
    Pid: z.number().optional(),
    StartedAt: z.string().optional(),
    FinishedAt: z.string().optional(),
    ExitCode: z.number().optional(),
  }),
});

export interface ContainerStateSnapshot {
  status: string;
  pid?: number | undefined;
  startedAt?: string | undefined;
  finishedAt?: string | undefined;
  exitCode?: number | undefined;
}

/** What the engine said about itself and the container at one moment. */
export interface EngineObservation {
  /** The daemon's ID from /info ("" when /info did not answer). */
  daemonId: string;
  liveRestore?: boolean | undefined;
  /** undefined: not asked or not answered; 'gone': the engine says the container no longer exists. */
  container?: ContainerStateSnapshot | 'gone' | undefined;
}

export function containerState(rawInspect: unknown): ContainerStateSnapshot | undefined {
  const parsed = InspectState.safeParse(rawInspect);
  if (!parsed.success) return undefined;
  const { Status, Pid, StartedAt, FinishedAt, ExitCode } = parsed.data.State;
  return { status: Status, pid: Pid, startedAt: StartedAt, finishedAt: FinishedAt, exitCode: ExitCode };
}

export function liveRestoreOf(rawInfo: unknown): boolean | undefined {
  const value = (rawInfo as { LiveRestoreEnabled?: unknown } | null | undefined)?.LiveRestoreEnabled;
  return typeof value === 'boolean' ? value : undefined;
}

export type LossVerdict =
  | 'engine-not-back'
  | 'different-engine'
  | 'container-gone'
  | 'container-stopped'
  | 'container-restarted'
  | 'no-restart-sign';

export interface LossAssessment {
  verdict: LossVerdict;
  /** True when the answers show the daemon (or at least the container) went through a restart. */
  restartSuspected: boolean;
  detail: string;
}

export interface LossFacts {
  /** What was being acquired, e.g. "GET /containers/…/export (fs-export-…)". */
  during: string;
  /** How the stream ended, as the case store recorded it. */
  failure: string;
  before: EngineObservation;
  /** undefined when the engine did not answer again within the wait. */
  after: EngineObservation | undefined;
  waitedMs: number;
  /** The last error while waiting for the engine, when it never answered. */
  lastError?: string | undefined;
}

function seconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(1)} s`;
}

const wasUp = (status: string): boolean => status === 'running' || status === 'paused' || status === 'restarting';

export function assessConnectionLoss(facts: LossFacts): LossAssessment {
  const lost = `connection to the engine lost during ${facts.during} (${facts.failure})`;
  const { before, after } = facts;
  if (after === undefined) {
    return {
      verdict: 'engine-not-back',
      restartSuspected: false,
      detail:
        `${lost}; the engine did not answer again within ${seconds(facts.waitedMs)}` +
        `${facts.lastError ? ` (${facts.lastError})` : ''}, so a daemon restart or crash cannot be ruled out`,
    };
  }
  const back = `${lost}; the engine answered again after ${seconds(facts.waitedMs)}`;
  if (before.daemonId !== '' && after.daemonId !== '' && before.daemonId !== after.daemonId) {
    return {
      verdict: 'different-engine',
      restartSuspected: true,
      detail: `${back}, but as a different daemon (ID ${before.daemonId} before, ${after.daemonId} now)`,
    };
  }
  const identity = after.daemonId === '' ? '' : ` (same daemon ID ${after.daemonId})`;
  const was = before.container;
  const now = after.container;
  if (now === 'gone') {
    return {
      verdict: 'container-gone',
      restartSuspected: false,
      detail: `${back}${identity}; the container no longer exists on it`,
    };
  }
  if (was !== undefined && was !== 'gone' && now !== undefined) {
    if (was.startedAt !== undefined && now.startedAt !== undefined && was.startedAt !== now.startedAt) {
      return {
        verdict: 'container-restarted',
        restartSuspected: true,
        detail:
          `${back}${identity}; the container was started again meanwhile (StartedAt ${was.startedAt} → ` +
          `${now.startedAt}), as happens when the daemon restarts without live-restore`,
      };
    }
    if (wasUp(was.status) && !wasUp(now.status)) {
      return {
        verdict: 'container-stopped',
        restartSuspected: true,
        detail:
          `${back}${identity}; the container went from ${was.status} to ${now.status}` +
          `${now.finishedAt ? ` at ${now.finishedAt}` : ''}${now.exitCode === undefined ? '' : ` (exit ${now.exitCode})`}, ` +
          `as a daemon restart without live-restore does (a container can also stop on its own)`,
      };
    }
    const pid = now.pid === undefined ? '' : `, pid ${now.pid}`;
    const started = now.startedAt === undefined ? '' : `, started ${now.startedAt}`;
    const caveat =
      after.liveRestore === true
        ? '; live-restore is enabled on this engine, so a restart would leave the container untouched and cannot be ruled out from these answers'
        : '';
    return {
      verdict: 'no-restart-sign',
      restartSuspected: false,
      detail: `${back}${identity}; the container's state is unchanged (${now.status}${pid}${started}): no sign of a daemon restart${caveat}`,
    };
  }
  return {
    verdict: 'no-restart-sign',
    restartSuspected: false,
    detail: `${back}${identity}; the container's state could not be compared, so a restart cannot be ruled out`,
  };
}
