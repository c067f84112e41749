// The CaseRecorder of a case folder: custody records, streamed and JSON evidence, each followed by a manifest rewrite.
import path from 'node:path';
import { ContractError } from '../../contract/envelope.js';
import type { CaseRecorder, CustodyEntry, EvidenceSpec, StreamOptions } from '../common/case-recorder.js';
import { ManifestItem, type CustodyRecord } from '../common/case-model.js';
import type { CaseHandle } from './case-handle.js';
import { loadCaseJson, loadManifest, writeManifest } from './case-documents.js';
import { checkFileName, checkItemId, CUSTODY_FILE, EVIDENCE_DIR, evidencePath } from './case-paths.js';
import { readCustody } from './custody-log.js';
import { createEvidenceFile, finishEvidenceFile, pumpEvidence, type WrittenEvidence } from './evidence-writer.js';

export interface RecorderContext {
  handle: CaseHandle;
  caseId: string;
  operator: string;
  toolVersion: string;
  now: () => Date;
}

/** Refuses to change a sealed case; read inside the queue so a seal that just happened is seen. */
export async function assertNotSealed(caseDir: string): Promise<void> {
  const { value } = await loadCaseJson(caseDir);
  if (value.sealed !== undefined) {
    throw new ContractError(
      'FAILED',
      `case is sealed (since ${value.sealed.at}): ${caseDir} can be read and verified but not changed`,
    );
  }
}

function destroyQuietly(data: AsyncIterable<Uint8Array>): void {
  const destroy = (data as { destroy?: unknown }).destroy;
  if (typeof destroy === 'function') {
    try {
      (destroy as () => void).call(data);
    } catch {
      // Nothing to release.
    }
  }
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

export class FolderRecorder implements CaseRecorder {
  constructor(private readonly context: RecorderContext) {}

  get caseDir(): string {
    return this.context.handle.dir;
  }
  get caseId(): string {
    return this.context.caseId;
  }
  get operator(): string {
    return this.context.operator;
  }

  private at(): string {
    return this.context.now().toISOString();
  }

  record = (entry: CustodyEntry): Promise<CustodyRecord> =>
    this.context.handle.exclusive(async () => {
      await assertNotSealed(this.caseDir);
      return this.context.handle.custody.append({ ...entry, at: this.at(), operator: this.operator });
    });

  items = async (): Promise<ManifestItem[]> => (await loadManifest(this.caseDir)).value.items;

  custody = async (): Promise<CustodyRecord[]> =>
    (await readCustody(path.join(this.caseDir, CUSTODY_FILE))).lines.flatMap((line) =>
      line.record ? [line.record] : [],
    );

  addJson = (spec: EvidenceSpec, value: unknown): Promise<ManifestItem> => {
    let text: string | undefined;
    try {
      // Key order as the engine gave it: this is the engine's document, stored as received.
      text = JSON.stringify(value, null, 2) as string | undefined;
    } catch (error) {
      return Promise.reject(
        new ContractError('BAD_INPUT', `evidence ${spec.id} is not JSON-safe: ${(error as Error).message}`),
      );
    }
    if (text === undefined) {
      return Promise.reject(new ContractError('BAD_INPUT', `evidence ${spec.id} has no JSON form`));
    }
    return this.addStream({ ...spec, format: 'json' }, once(Buffer.from(`${text}\n`, 'utf8')));
  };

  addStream = async (
    spec: EvidenceSpec,
    data: AsyncIterable<Uint8Array>,
    options: StreamOptions = {},
  ): Promise<ManifestItem> => {
    const { handle } = this.context;
    try {
      this.checkSpec(spec);
      await handle.exclusive(async () => {
        await assertNotSealed(this.caseDir);
        const { items } = (await loadManifest(this.caseDir)).value;
        if (items.some((item) => item.id === spec.id) || handle.acquiring.has(spec.id)) {
          throw new ContractError('BAD_INPUT', `evidence id ${spec.id} already exists in case ${this.caseId}`, 'id');
        }
        handle.acquiring.add(spec.id);
      });
    } catch (error) {
      // Refused before a byte was read: release the source rather than leave an engine connection open.
      destroyQuietly(data);
      throw error;
    }
    try {
      const file = path.join(this.caseDir, EVIDENCE_DIR, spec.fileName);
      const fileHandle = await createEvidenceFile(file).catch((error: unknown) => {
        destroyQuietly(data);
        throw error;
      });
      const acquiredAt = this.at();
      let written: WrittenEvidence = await pumpEvidence(fileHandle, data, spec.format, options);
      try {
        await finishEvidenceFile(fileHandle, file);
      } catch (error) {
        written = {
          ...written,
          complete: false,
          incompleteReason: `could not make the file durable: ${(error as Error).message}`,
        };
      }
      return await this.commit(this.item(spec, written, acquiredAt, this.at()));
    } finally {
      handle.acquiring.delete(spec.id);
    }
  };

  private checkSpec(spec: EvidenceSpec): void {
    checkItemId(spec.id);
    checkFileName(spec.fileName);
    const epoch = '1970-01-01T00:00:00Z';
    const draft = this.item(spec, { sha256: '0'.repeat(64), bytes: 0, complete: true }, epoch, epoch);
    const parsed = ManifestItem.safeParse(draft);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new ContractError(
        'BAD_INPUT',
        `evidence ${spec.id}: ${first?.message ?? 'invalid'}`,
        first?.path.join('.') || undefined,
      );
    }
  }

  private item(spec: EvidenceSpec, written: WrittenEvidence, acquiredAt: string, completedAt: string): ManifestItem {
    return {
      id: spec.id,
      kind: spec.kind,
      path: evidencePath(spec.fileName),
      format: spec.format,
      sha256: written.sha256,
      bytes: written.bytes,
      acquiredAt,
      completedAt,
      complete: written.complete,
      ...(written.incompleteReason === undefined ? {} : { incompleteReason: written.incompleteReason }),
      flags: spec.flags ?? [],
      source: spec.source,
      apiCalls: spec.apiCalls ?? [],
      toolVersion: this.context.toolVersion,
      operator: this.operator,
      ...(spec.note === undefined ? {} : { note: spec.note }),
    };
  }

  /** evidence.add, then the manifest with the item, then manifest.write vouching for the manifest's bytes. */
  private commit(draft: ManifestItem): Promise<ManifestItem> {
    const { handle } = this.context;
    const item = ManifestItem.parse(draft);
    return handle.exclusive(async () => {
      try {
        await handle.custody.append({
          action: 'evidence.add',
          target: {
            engineId: item.source.engineId,
            ...(item.source.containerId === undefined ? {} : { containerId: item.source.containerId }),
            itemId: item.id,
          },
          params: {
            kind: item.kind,
            path: item.path,
            format: item.format,
            bytes: item.bytes,
            complete: item.complete,
            ...(item.incompleteReason === undefined ? {} : { incompleteReason: item.incompleteReason }),
          },
          outcome: item.complete ? 'ok' : 'error',
          detail: item.incompleteReason ?? '',
          sha256: item.sha256,
          at: item.completedAt,
          operator: this.operator,
        });
        const manifest = (await loadManifest(this.caseDir)).value;
        const manifestSha256 = await writeManifest(this.caseDir, { ...manifest, items: [...manifest.items, item] });
        await handle.custody.append({
          action: 'manifest.write',
          params: { items: manifest.items.length + 1 },
          outcome: 'ok',
          sha256: manifestSha256,
          at: this.at(),
          operator: this.operator,
        });
      } catch (error) {
        throw new ContractError(
          'FAILED',
          `${item.path} was written (sha256 ${item.sha256}, ${item.bytes} bytes) but could not be recorded in the ` +
            `case: ${(error as Error).message}`,
        );
      } finally {
        // Inside the queue, so a seal queued behind this task never sees the item as still being acquired.
        handle.acquiring.delete(item.id);
      }
      return item;
    });
  }
}
