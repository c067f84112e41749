// Every Kubernetes API call a case operation makes leaves one custody record: method, path, status, outcome.
//
// Calls made before the case is open (the reads that decide whether there is anything to do) are kept and written
// as soon as it opens, so the log still holds every call in the order made; a dry run never opens a case.
import type { ApiCall } from '../../forensics/common/case-model.js';
import type { CaseRecorder, CustodyEntry } from '../../forensics/common/case-recorder.js';
import {
  KubeApiError,
  type AnswerSchema,
  type KubeAnswer,
  type KubeRequest,
  type KubernetesApi,
} from './kubernetes-api.js';

export type KubeCallResult<T> =
  | { ok: true; answer: KubeAnswer<T>; apiCall: ApiCall }
  | { ok: false; error: unknown; message: string; apiCall: ApiCall };

export class KubeCallLog {
  private recorder: CaseRecorder | undefined;
  private readonly pending: CustodyEntry[] = [];
  /** Every call made through this log, for manifest items' apiCalls. */
  readonly calls: ApiCall[] = [];
  /** Custody records that could not be written (reported by the caller; what the cluster did stays done). */
  readonly custodyErrors: string[] = [];

  constructor(
    readonly api: KubernetesApi,
    private target: { engineId: string; containerId?: string },
    private readonly now: () => Date,
  ) {}

  /** The pod's uid once known: every record names the pod it concerns. */
  setPod(uid: string): void {
    this.target = { ...this.target, containerId: uid };
    for (const entry of this.pending) entry.target = { ...this.target };
  }

  async attach(recorder: CaseRecorder): Promise<void> {
    this.recorder = recorder;
    const queued = this.pending.splice(0);
    for (const entry of queued) await this.write(entry);
  }

  async call<T>(
    action: string,
    request: KubeRequest,
    schema: AnswerSchema<T>,
    signal: AbortSignal | undefined,
    describe: (answer: KubeAnswer<T>) => string = () => '',
    /** What the record must also carry for a later undo (e.g. the labels a patch removed). */
    extra: Record<string, unknown> = {},
  ): Promise<KubeCallResult<T>> {
    const at = this.now().toISOString();
    let result: KubeCallResult<T>;
    try {
      const answer = await this.api.call(request, schema, signal);
      result = { ok: true, answer, apiCall: { method: request.method, path: request.path, at, status: answer.status } };
    } catch (error) {
      result = {
        ok: false,
        error,
        message: this.api.explainFailure(error),
        apiCall: {
          method: request.method,
          path: request.path,
          at,
          status: error instanceof KubeApiError ? error.statusCode : 'error',
        },
      };
    }
    this.calls.push(result.apiCall);
    await this.note({
      action,
      params: {
        method: request.method,
        path: request.path,
        status: result.apiCall.status,
        ...(request.body === undefined ? {} : { body: request.body }),
        ...(request.contentType ? { contentType: request.contentType } : {}),
        ...extra,
      },
      outcome: result.ok ? 'ok' : 'error',
      detail: result.ok ? describe(result.answer) : result.message,
    });
    return result;
  }

  /** Records a call made outside call() (streams, exec) or a decision (skipped step, plan). */
  async note(entry: Omit<CustodyEntry, 'target'>): Promise<void> {
    const full: CustodyEntry = { ...entry, target: { ...this.target } };
    if (this.recorder === undefined) this.pending.push(full);
    else await this.write(full);
  }

  /** A call made elsewhere (stream or exec) for the manifest and custody. */
  track(apiCall: ApiCall): void {
    this.calls.push(apiCall);
  }

  private async write(entry: CustodyEntry): Promise<void> {
    try {
      await this.recorder?.record(entry);
    } catch (error) {
      this.custodyErrors.push(error instanceof Error ? error.message : String(error));
    }
  }
}

/** Failures of a read that decides the plan, as contract errors a responder can act on. */
export function contractCodeOf(error: unknown): 'NOT_FOUND' | 'UNAVAILABLE' | 'FAILED' {
  if (error instanceof KubeApiError) return error.statusCode === 404 ? 'NOT_FOUND' : 'FAILED';
  return 'UNAVAILABLE';
}
