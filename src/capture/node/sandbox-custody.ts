// Sandbox engine calls as custody records (outcome and detail each), and engine failures as contract errors.
import { ContractError } from '../../contract/envelope.js';
import type { CaseRecorder, CustodyEntry } from '../../forensics/common/case-recorder.js';
import type { ContainerEngine } from './container-engine.js';

/** Error codes of a connection that never got an answer: the engine is unreachable, not refusing. */
const UNREACHABLE_CODES = new Set([
  'ENOENT',
  'EACCES',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Contract errors pass through; an unreachable engine is UNAVAILABLE; anything else FAILED, in the engine's words. */
export function asContractError(engine: ContainerEngine, error: unknown, what: string): ContractError {
  if (error instanceof ContractError) return error;
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  const explained = engine.explainFailure(error);
  if ((typeof code === 'string' && UNREACHABLE_CODES.has(code)) || name === 'TimeoutError') {
    return new ContractError('UNAVAILABLE', `${what}: ${explained}`);
  }
  return new ContractError('FAILED', `${what}: ${explained}`);
}

export interface CallRecord {
  action: string;
  engine: ContainerEngine;
  containerId?: string;
  /** The Docker API request the call makes, as isolate records it too. */
  method: 'GET' | 'POST' | 'DELETE' | 'HEAD';
  path: string;
  params: Record<string, unknown>;
}

/** Writes one custody record per engine call, after the call, with what came of it. */
export class SandboxTrail {
  constructor(private readonly recorder: CaseRecorder) {}

  /**
   * Runs one engine call and records it; a failed call is recorded with the engine's explanation and rethrown
   * as a contract error. A failure to record a successful call is itself an error: the log must not miss it.
   */
  async call<T>(
    spec: CallRecord,
    run: () => Promise<T>,
    summarize: (value: T) => { detail?: string; sha256?: string } = () => ({}),
  ): Promise<T> {
    const target = {
      engineId: spec.engine.engineId,
      ...(spec.containerId === undefined ? {} : { containerId: spec.containerId }),
    };
    const params = { method: spec.method, path: spec.path, ...spec.params };
    let value: T;
    try {
      value = await run();
    } catch (error) {
      const failure = asContractError(spec.engine, error, spec.action);
      await this.recorder
        .record({ action: spec.action, target, params, outcome: 'error', detail: failure.message })
        .catch(() => undefined);
      throw failure;
    }
    const { detail, sha256 } = summarize(value);
    await this.recorder.record({
      action: spec.action,
      target,
      params,
      outcome: 'ok',
      ...(detail === undefined ? {} : { detail }),
      ...(sha256 === undefined ? {} : { sha256 }),
    });
    return value;
  }

  async note(entry: CustodyEntry): Promise<void> {
    await this.recorder.record(entry);
  }
}
