// Imports an API server audit log (JSON lines) into a case as one evidence item, byte for byte, hashed while copied.
//
// The lines stay exactly as the API server wrote them: the timeline reads `kubernetes-object` items in JSON-lines
// form (audit events among them), and a report must be able to cite the original line. Only the beginning is checked
// so that a wrong file is refused with a clear error instead of becoming evidence.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { ContractError } from '../../contract/envelope.js';
import type { CallContext } from '../../contract/kit.js';
import type { CaseOpener } from '../../forensics/common/case-recorder.js';
import type { ManifestItem } from '../../forensics/common/case-model.js';
import { slug } from './kubernetes-evidence.js';

const PROBE_BYTES = 256 * 1024;
const PROBE_LINES = 5;

/** Why the beginning of the file is not an audit log (undefined when it is one). */
export function auditProblem(head: string): string | undefined {
  const lines = head.split('\n').slice(0, PROBE_LINES + 1);
  // The last line of a partial read may be cut: judge only complete lines, unless the file is that short.
  const complete = lines.length > PROBE_LINES ? lines.slice(0, PROBE_LINES) : lines;
  const candidates = complete.filter((line) => line.trim() !== '');
  if (candidates.length === 0) return 'the file is empty';
  for (const [index, line] of candidates.entries()) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return `line ${index + 1} is not JSON (an audit log has one JSON event per line)`;
    }
    const event = (value ?? {}) as { kind?: unknown; apiVersion?: unknown; auditID?: unknown };
    const audit =
      event.kind === 'Event' &&
      (typeof event.auditID === 'string' ||
        (typeof event.apiVersion === 'string' && event.apiVersion.startsWith('audit.k8s.io/')));
    if (!audit) return `line ${index + 1} is not an audit.k8s.io Event (kind Event with an auditID)`;
  }
  return undefined;
}

export class AuditImports {
  constructor(private readonly openCase: CaseOpener) {}

  importAuditLog = async (
    input: { clusterId?: string | undefined; caseDir: string; file: string },
    { signal }: CallContext,
  ): Promise<ManifestItem> => {
    let head: string;
    try {
      const handle = await open(input.file, 'r');
      try {
        const buffer = Buffer.alloc(PROBE_BYTES);
        const { bytesRead } = await handle.read(buffer, 0, PROBE_BYTES, 0);
        head = buffer.subarray(0, bytesRead).toString('utf8');
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw new ContractError(
        'BAD_INPUT',
        `Cannot read ${input.file}: ${error instanceof Error ? error.message : String(error)}`,
        'file',
      );
    }
    const problem = auditProblem(head);
    if (problem !== undefined)
      throw new ContractError('BAD_INPUT', `${input.file} is not a Kubernetes audit log: ${problem}`, 'file');
    const recorder = await this.openCase(input.caseDir);
    const existing = new Set((await recorder.items()).map((item) => item.id));
    let id = `k8s-audit-${slug(basename(input.file)).slice(0, 40)}`;
    for (let n = 2; existing.has(id); n += 1) id = `k8s-audit-${slug(basename(input.file)).slice(0, 40)}-${n}`;
    const item = await recorder.addStream(
      {
        id,
        kind: 'kubernetes-object',
        fileName: `${id}.jsonl`,
        format: 'jsonl',
        source: { engineId: input.clusterId ?? 'imported', endpoint: 'audit log file', path: input.file },
        flags: ['imported', 'kubernetes-audit-log'],
        note: `API server audit events (JSON lines) imported from ${input.file}, bytes unchanged`,
      },
      createReadStream(input.file),
      { signal },
    );
    await recorder.record({
      action: 'kubernetes.audit.import',
      target: { itemId: item.id, ...(input.clusterId ? { engineId: input.clusterId } : {}) },
      params: { file: input.file },
      outcome: item.complete ? 'ok' : 'error',
      detail: `${item.bytes} bytes`,
      sha256: item.sha256,
    });
    return item;
  };
}
