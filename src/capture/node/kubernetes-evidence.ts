// Evidence from a cluster into a case: object items, streamed items (logs, archives) hashed while written, exec output.
import type { ApiCall, ManifestItem } from '../../forensics/common/case-model.js';
import type { CaseRecorder, EvidenceSpec } from '../../forensics/common/case-recorder.js';
import type { PodRef } from '../common/kubernetes.contract.js';
import type { KubeExec } from './kubernetes-api.js';
import type { KubeCallLog } from './kubernetes-custody.js';

/** How long an archive or log stream may stay silent before it is abandoned (kept, marked incomplete). */
export const IDLE_TIMEOUT_MS = 120_000;

/** Lower-case slug for evidence ids (`^[a-z0-9][a-z0-9-]*$`). */
export function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'x'
  );
}

export class PodEvidence {
  readonly items: ManifestItem[] = [];

  constructor(
    readonly recorder: CaseRecorder,
    readonly log: KubeCallLog,
    readonly ref: PodRef,
    readonly uid: string,
    /** Unique per run in the case, e.g. `k8s-snap2-web-7d9f`. */
    readonly prefix: string,
  ) {}

  spec(
    name: string,
    kind: EvidenceSpec['kind'],
    format: EvidenceSpec['format'],
    extension: string,
    extra: Partial<EvidenceSpec> & { container?: string; imageId?: string; imageDigest?: string } = {},
  ): EvidenceSpec {
    const id = `${this.prefix}-${slug(name)}`;
    const { container, imageId, imageDigest, ...rest } = extra;
    return {
      id,
      kind,
      fileName: `${id}.${extension}`,
      format,
      source: {
        engineId: this.ref.clusterId,
        endpoint: this.log.api.server,
        containerId: this.uid,
        containerName: `${this.ref.namespace}/${this.ref.name}${container ? `/${container}` : ''}`,
        ...(imageId ? { imageId } : {}),
        ...(imageDigest ? { imageDigest } : {}),
      },
      ...rest,
    };
  }

  /** A JSON document exactly as the API server sent it. */
  async json(spec: EvidenceSpec, value: unknown, apiCall: ApiCall | undefined): Promise<ManifestItem> {
    const item = await this.recorder.addJson({ ...spec, apiCalls: apiCall ? [apiCall] : [] }, value);
    this.items.push(item);
    return item;
  }

  async stream(spec: EvidenceSpec, data: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<ManifestItem> {
    const item = await this.recorder.addStream(spec, data, { idleTimeoutMs: IDLE_TIMEOUT_MS, signal });
    this.items.push(item);
    return item;
  }
}

export interface ExecOutcome {
  exitCode: number | null;
  statusReceived: boolean;
  message: string;
  stderr: string;
}

/**
 * Stdout of an exec as an iterable that fails unless the session ended with a success status (or an accepted exit
 * code), so an archive cut by a dropped socket is never recorded as complete.
 */
export function execOutput(
  session: KubeExec,
  accept: (exitCode: number) => boolean,
  done: (outcome: ExecOutcome) => void,
): AsyncIterable<Uint8Array> {
  return {
    async *[Symbol.asyncIterator]() {
      let stderr = '';
      const collecting = (async () => {
        for await (const chunk of session.stderr) {
          if (stderr.length < 64 * 1024) stderr += Buffer.from(chunk).toString('utf8');
        }
      })();
      let drained = false;
      try {
        for await (const chunk of session.stdout) yield chunk;
        drained = true;
      } finally {
        // Stopped early (idle timeout, cancel): drop the session; drained: wait for its status on channel 3.
        if (!drained) session.close();
        const result = await session.result();
        await collecting;
        done({ ...result, stderr });
      }
      const result = await session.result();
      if (!result.statusReceived) throw new Error(`the exec session ended without a status: ${result.message}`);
      if (result.exitCode === null || !accept(result.exitCode)) {
        throw new Error(
          `the command exited ${String(result.exitCode)}: ${stderr.trim().slice(0, 300) || result.message}`,
        );
      }
    },
  };
}
