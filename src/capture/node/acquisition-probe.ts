// After a broken acquisition stream: waits (bounded) for the engine to answer again and observes it and the container.
import type { EngineObservation } from '../common/acquisition-restart.js';
import { containerState, liveRestoreOf } from '../common/acquisition-restart.js';
import type { ContainerEngine } from './container-engine.js';

export interface EngineReturn {
  /** undefined when the engine did not answer within the window. */
  observation: EngineObservation | undefined;
  waitedMs: number;
  lastError?: string;
}

function sleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, milliseconds);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** What /info and inspect say right now; throws when /info does not answer (the engine is not back). */
export async function observeEngine(
  engine: ContainerEngine,
  containerId: string,
  signal: AbortSignal,
): Promise<EngineObservation> {
  const info = await engine.info(signal);
  const observation: EngineObservation = { daemonId: info.parsed.ID, liveRestore: liveRestoreOf(info.raw) };
  try {
    const raw = await engine.inspectContainerRaw(containerId, signal);
    observation.container = raw === undefined ? 'gone' : containerState(raw);
  } catch {
    // The engine answered /info; a failed inspect only leaves the container's side unknown.
  }
  return observation;
}

/**
 * Retries /info with a doubling pause until it answers or windowMs has passed; each attempt is bounded by what
 * is left of the window, so a stalled engine costs at most the window.
 */
export async function awaitEngine(
  engine: ContainerEngine,
  containerId: string,
  options: { windowMs: number; signal: AbortSignal; now?: () => number },
): Promise<EngineReturn> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  let pause = 100;
  let lastError: string | undefined;
  for (;;) {
    const left = options.windowMs - (now() - started);
    if (left <= 0 || options.signal.aborted) break;
    try {
      const attempt = AbortSignal.any([options.signal, AbortSignal.timeout(Math.max(1, Math.ceil(left)))]);
      const observation = await observeEngine(engine, containerId, attempt);
      return { observation, waitedMs: Math.round(now() - started) };
    } catch (error) {
      lastError = engine.explainFailure(error);
    }
    const rest = options.windowMs - (now() - started);
    if (rest <= 0) break;
    await sleep(Math.min(pause, rest), options.signal);
    pause *= 2;
  }
  return {
    observation: undefined,
    waitedMs: Math.round(now() - started),
    ...(lastError === undefined ? {} : { lastError }),
  };
}
