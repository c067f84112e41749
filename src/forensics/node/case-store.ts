// The case folders under one cases root: create, open for recording, summarise, page custody, verify, seal, list.
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ContractError } from '../../contract/envelope.js';
import type { CaseRecorder } from '../common/case-recorder.js';
import { CASE_FORMAT, MANIFEST_FORMAT, type CaseJson, type CustodyRecord } from '../common/case-model.js';
import type { CaseSummary, VerifyReport } from '../common/forensics.contract.js';
import { caseHandle, type CaseHandle } from './case-handle.js';
import { caseJsonBytes, loadCaseJson, loadManifest, writeCaseJson, writeManifest } from './case-documents.js';
import { ANALYSIS_DIR, ANNOTATIONS_FILE, CASE_FILE, CUSTODY_FILE, EVIDENCE_DIR, resolveCaseDir } from './case-paths.js';
import { sealCase } from './case-seal.js';
import { checkCase, readCaseDocuments, type VerifyOptions } from './case-verify.js';
import { readCustody } from './custody-log.js';
import { exists, fsyncDir, sha256Hex } from './durable-fs.js';
import { FolderRecorder } from './folder-recorder.js';

export interface CaseStoreOptions {
  casesRoot: string;
  /** Who acts: recorded in every custody record and manifest item written through this store. */
  operator: string;
  toolVersion: string;
  now?: () => Date;
}

export interface CaseListing {
  caseDir: string;
  caseId: string;
  title: string;
  createdAt: string;
  sealed: boolean;
}

export interface CustodyPage {
  records: CustodyRecord[];
  total: number;
  nextOffset?: number;
}

export class CaseStore {
  readonly casesRoot: string;
  private readonly operator: string;
  private readonly toolVersion: string;
  private readonly now: () => Date;

  constructor(options: CaseStoreOptions) {
    this.casesRoot = path.resolve(options.casesRoot);
    this.operator = options.operator;
    this.toolVersion = options.toolVersion;
    this.now = options.now ?? (() => new Date());
  }

  /** Absolute paths are kept; relative ones are under the cases root. */
  resolveDir(caseDir: string): string {
    return resolveCaseDir(this.casesRoot, caseDir);
  }

  async create(caseDir: string, options: { title: string; operator?: string }): Promise<CaseRecorder> {
    const handle = caseHandle(this.resolveDir(caseDir));
    return handle.exclusive(() => this.createInQueue(handle, options.title, options.operator ?? this.operator));
  }

  /** An existing, unsealed case, ready to record into. */
  async open(caseDir: string): Promise<CaseRecorder> {
    const dir = this.resolveDir(caseDir);
    const caseJson = await this.readCase(dir);
    if (caseJson.sealed !== undefined) {
      throw new ContractError(
        'FAILED',
        `case is sealed (since ${caseJson.sealed.at}): ${dir} can be read and verified but not changed`,
      );
    }
    return this.recorder(caseHandle(dir), caseJson.caseId, this.operator);
  }

  /** The CaseOpener for acquisition: the case at caseDir, created (titled after its folder) when absent or empty. */
  openOrCreate = async (caseDir: string): Promise<CaseRecorder> => {
    const handle = caseHandle(this.resolveDir(caseDir));
    const created = await handle.exclusive(async () =>
      (await exists(path.join(handle.dir, CASE_FILE)))
        ? undefined
        : this.createInQueue(handle, path.basename(handle.dir), this.operator),
    );
    return created ?? this.open(handle.dir);
  };

  async summary(caseDir: string): Promise<CaseSummary> {
    const dir = this.resolveDir(caseDir);
    const caseJson = await this.readCase(dir);
    const { items } = (await loadManifest(dir)).value;
    const custody = await readCustody(path.join(dir, CUSTODY_FILE));
    return {
      caseDir: dir,
      case: caseJson,
      items,
      complete: items.every((item) => item.complete),
      sealed: caseJson.sealed !== undefined,
      custodyRecords: custody.lines.length,
    };
  }

  async custody(caseDir: string, offset: number, limit: number): Promise<CustodyPage> {
    const dir = this.resolveDir(caseDir);
    await this.readCase(dir);
    const { lines } = await readCustody(path.join(dir, CUSTODY_FILE));
    const page = lines.slice(offset, offset + limit);
    const records = page.map((line) => {
      if (line.record === undefined) {
        throw new ContractError(
          'FAILED',
          `custody.jsonl line ${line.lineNo} ${line.error ?? 'is not a record'}; run holdcell verify on ${dir}`,
        );
      }
      return line.record;
    });
    return offset + limit < lines.length
      ? { records, total: lines.length, nextOffset: offset + limit }
      : { records, total: lines.length };
  }

  /** Needs no engine: the folder alone is re-hashed and cross-checked. */
  async verify(caseDir: string, options: VerifyOptions = {}): Promise<VerifyReport> {
    const dir = this.resolveDir(caseDir);
    await this.requireFolder(dir);
    // The documents are read as one consistent moment (no half-recorded item); hashing runs outside the queue.
    const documents = await caseHandle(dir).exclusive(() => readCaseDocuments(dir));
    return checkCase(dir, documents, options);
  }

  async seal(caseDir: string): Promise<CaseSummary> {
    const dir = this.resolveDir(caseDir);
    await this.readCase(dir);
    await sealCase(caseHandle(dir), { operator: this.operator, now: this.now });
    return this.summary(dir);
  }

  /** Cases directly under the cases root, newest first; folders that are not cases are skipped. */
  async list(): Promise<CaseListing[]> {
    let entries;
    try {
      entries = await readdir(this.casesRoot, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const cases: CaseListing[] = [];
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const dir = path.join(this.casesRoot, entry.name);
      try {
        const { value } = await loadCaseJson(dir);
        cases.push({
          caseDir: dir,
          caseId: value.caseId,
          title: value.title,
          createdAt: value.createdAt,
          sealed: value.sealed !== undefined,
        });
      } catch {
        // Not a case (or a damaged one, which `open` and `verify` explain); the listing stays usable.
      }
    }
    return cases.sort((a, b) =>
      a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.caseDir < b.caseDir ? -1 : 1,
    );
  }

  private recorder(handle: CaseHandle, caseId: string, operator: string): CaseRecorder {
    return new FolderRecorder({ handle, caseId, operator, toolVersion: this.toolVersion, now: this.now });
  }

  private async requireFolder(dir: string): Promise<void> {
    try {
      if (!(await stat(dir)).isDirectory()) {
        throw new ContractError('BAD_INPUT', `${dir} is not a folder, so it is not a HoldCell case`);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new ContractError('NOT_FOUND', `no case folder at ${dir}`);
      }
      throw error;
    }
  }

  private async readCase(dir: string): Promise<CaseJson> {
    await this.requireFolder(dir);
    if (!(await exists(path.join(dir, CASE_FILE)))) {
      throw new ContractError('BAD_INPUT', `${dir} is not a HoldCell case (it has no case.json)`);
    }
    return (await loadCaseJson(dir)).value;
  }

  /**
   * Skeleton first and case.json last: a folder only counts as a case once all of it exists. The custody log
   * starts with case.create (vouching for case.json's bytes) and manifest.write (for the empty manifest).
   */
  private async createInQueue(handle: CaseHandle, title: string, operator: string): Promise<CaseRecorder> {
    const dir = handle.dir;
    if (await exists(path.join(dir, CASE_FILE))) {
      throw new ContractError('BAD_INPUT', `${dir} is already a case; open it instead`);
    }
    await mkdir(dir, { recursive: true });
    const present = await readdir(dir);
    if (present.length > 0) {
      throw new ContractError(
        'BAD_INPUT',
        `${dir} exists and is not empty (${present.length} entries) and is not a HoldCell case; choose a new folder`,
      );
    }
    await mkdir(path.join(dir, EVIDENCE_DIR));
    await mkdir(path.join(dir, ANALYSIS_DIR));
    await writeFile(path.join(dir, ANNOTATIONS_FILE), '', { flag: 'wx', mode: 0o644 });
    const caseJson: CaseJson = {
      format: CASE_FORMAT,
      caseId: randomUUID(),
      title,
      createdAt: this.now().toISOString(),
      operator,
      toolVersion: this.toolVersion,
    };
    const manifestSha256 = await writeManifest(dir, { format: MANIFEST_FORMAT, caseId: caseJson.caseId, items: [] });
    await handle.custody.append({
      action: 'case.create',
      params: { caseId: caseJson.caseId, title },
      outcome: 'ok',
      sha256: sha256Hex(caseJsonBytes(caseJson)),
      at: caseJson.createdAt,
      operator,
    });
    await handle.custody.append({
      action: 'manifest.write',
      params: { items: 0 },
      outcome: 'ok',
      sha256: manifestSha256,
      at: caseJson.createdAt,
      operator,
    });
    await writeCaseJson(dir, caseJson);
    await fsyncDir(path.dirname(dir));
    return this.recorder(handle, caseJson.caseId, operator);
  }
}
