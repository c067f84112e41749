// Runs engine calls for isolate and release so that each one leaves exactly one custody record with its outcome.
import type { ApiCall } from '../../forensics/common/case-model.js';
import type { CaseRecorder, CustodyEntry } from '../../forensics/common/case-recorder.js';
import type { ContainerEngine } from './container-engine.js';

/** The HTTP request an engine call makes, for the custody record and the manifest's apiCalls. */
export interface EngineRequest {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  /** The status the Docker API documents for success (200, 201, 204). */
  okStatus: number;
}

export type CallResult<T> =
  | { ok: true; value: T; apiCall: ApiCall; custodyError?: string }
  | { ok: false; message: string; apiCall: ApiCall; custodyError?: string };

export class EngineCallLog {
  constructor(
    private readonly recorder: CaseRecorder,
    private readonly engine: ContainerEngine,
    private readonly containerId: string,
    private readonly now: () => Date,
  ) {}

  /**
   * Makes the call, then records it (action, the request and parameters as sent, ok/error and the engine's
   * explanation). The record follows the call because its outcome is the point; a record that cannot be written
   * does not undo what the engine did, so the failure is returned for the step to report, not thrown.
   */
  async call<T>(
    action: string,
    request: EngineRequest,
    params: Record<string, unknown>,
    run: () => Promise<T>,
    describe: (value: T) => string = () => '',
  ): Promise<CallResult<T>> {
    const at = this.now().toISOString();
    let result: CallResult<T>;
    try {
      const value = await run();
      result = {
        ok: true,
        value,
        apiCall: { method: request.method, path: request.path, at, status: request.okStatus },
      };
    } catch (error) {
      const status = (error as { statusCode?: unknown }).statusCode;
      result = {
        ok: false,
        message: this.engine.explainFailure(error),
        apiCall: {
          method: request.method,
          path: request.path,
          at,
          status: typeof status === 'number' ? status : 'error',
        },
      };
    }
    const custodyError = await this.note({
      action,
      params: { method: request.method, path: request.path, ...params },
      outcome: result.ok ? 'ok' : 'error',
      detail: result.ok ? describe(result.value) : result.message,
    });
    return custodyError === undefined ? result : { ...result, custodyError };
  }

  /** Records a non-call event (a skipped step, an inspect made before the case was open); returns why it failed, if it did. */
  async note(entry: Omit<CustodyEntry, 'target'>): Promise<string | undefined> {
    try {
      await this.recorder.record({
        ...entry,
        target: { engineId: this.engine.engineId, containerId: this.containerId },
      });
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }
}
