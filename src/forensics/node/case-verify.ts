// Verifies a case folder without any engine: re-hashes every item, walks the custody chain, cross-checks the documents.
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { VerifyProblem, VerifyReport } from '../common/forensics.contract.js';
import type { CaseJson, CustodyRecord, Manifest, ManifestItem } from '../common/case-model.js';
import { caseJsonBytes, loadCaseJson, loadManifest, type LoadedDocument } from './case-documents.js';
import { CUSTODY_FILE, EVIDENCE_DIR, evidenceFileName } from './case-paths.js';
import { chainBreaks, parseCustody, type ParsedCustody } from './custody-log.js';
import { hashFile, sha256Hex, type FileDigest } from './durable-fs.js';

/** The three documents as read at one moment (inside the case's queue when the case is live). */
export interface CaseDocuments {
  caseJson: LoadedDocument<CaseJson> | { error: VerifyProblem };
  manifest: LoadedDocument<Manifest> | { error: VerifyProblem };
  custody: ParsedCustody | { error: VerifyProblem };
}

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

async function readDocument<T>(
  subject: string,
  name: string,
  read: () => Promise<T>,
): Promise<T | { error: VerifyProblem }> {
  try {
    return await read();
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return { error: { subject, kind: 'missing', detail: `${name} is missing` } };
    return { error: { subject, kind: 'invalid', detail: (error as Error).message } };
  }
}

export async function readCaseDocuments(caseDir: string): Promise<CaseDocuments> {
  return {
    caseJson: await readDocument('case.json', 'case.json', () => loadCaseJson(caseDir)),
    manifest: await readDocument('manifest', 'manifest.json', () => loadManifest(caseDir)),
    custody: await readDocument('custody', CUSTODY_FILE, async () =>
      parseCustody(await readFile(path.join(caseDir, CUSTODY_FILE))),
    ),
  };
}

const isError = <T>(value: T | { error: VerifyProblem }): value is { error: VerifyProblem } =>
  typeof value === 'object' && value !== null && 'error' in value;

interface EvidenceEntry {
  name: string;
  isFile: boolean;
  size: number;
}

export interface VerifyOptions {
  signal?: AbortSignal;
  /** Called after each item is re-hashed. */
  onItem?: (done: number, total: number) => void;
}

/** Checks in a fixed order so the first problem is always the same for the same folder. */
export async function checkCase(
  caseDir: string,
  documents: CaseDocuments,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const problems: VerifyProblem[] = [];
  const { caseJson, manifest, custody } = documents;
  if (isError(caseJson)) problems.push(caseJson.error);
  if (isError(manifest)) problems.push(manifest.error);

  let itemsChecked = 0;
  if (!isError(manifest)) {
    const evidence = await listEvidence(caseDir, problems);
    const checker = new EvidenceChecker(caseDir, evidence, options.signal);
    if (!isError(caseJson) && manifest.value.caseId !== caseJson.value.caseId) {
      problems.push({
        subject: 'manifest',
        kind: 'invalid',
        detail: `manifest.json belongs to case ${manifest.value.caseId}, case.json is case ${caseJson.value.caseId}`,
      });
    }
    const seen = new Set<string>();
    for (const item of manifest.value.items) {
      if (seen.has(item.id)) {
        problems.push({ subject: item.id, kind: 'manifest-edited', detail: `item ${item.id} is listed twice` });
      }
      seen.add(item.id);
      if (evidence !== undefined) problems.push(...(await checker.check(item, manifest.value.items)));
      if (!item.complete) {
        problems.push({
          subject: item.id,
          kind: 'incomplete',
          detail: `acquisition incomplete: ${item.incompleteReason ?? 'no reason recorded'}`,
        });
      }
      itemsChecked += 1;
      options.onItem?.(itemsChecked, manifest.value.items.length);
    }
    if (evidence !== undefined) problems.push(...(await checker.unlisted(manifest.value.items)));
  }

  if (isError(custody)) problems.push(custody.error);
  else {
    for (const detail of chainBreaks(custody)) problems.push({ subject: 'custody', kind: 'chain-broken', detail });
    const records = custody.lines.flatMap((line) => (line.record === undefined ? [] : [line.record]));
    if (!isError(manifest)) problems.push(...manifestAgainstCustody(manifest, records));
    if (!isError(caseJson)) problems.push(...caseAgainstCustody(caseJson.value, custody, records, manifest));
  }
  return {
    caseDir,
    ok: problems.length === 0,
    itemsChecked,
    custodyRecordsChecked: isError(custody) ? 0 : custody.lines.length,
    problems,
  };
}

/** evidence/ as a plain listing; undefined (with a problem) when it is missing or is not a real folder. */
async function listEvidence(caseDir: string, problems: VerifyProblem[]): Promise<EvidenceEntry[] | undefined> {
  const dir = path.join(caseDir, EVIDENCE_DIR);
  try {
    const stats = await lstat(dir);
    if (!stats.isDirectory()) {
      // A symlinked evidence/ would make us vouch for files somewhere else on this machine.
      problems.push({ subject: 'evidence/', kind: 'invalid', detail: 'evidence/ is not a folder (not followed)' });
      return undefined;
    }
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
    problems.push({ subject: 'evidence/', kind: 'missing', detail: 'the evidence/ folder is missing' });
    return undefined;
  }
  const entries: EvidenceEntry[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const stats = await lstat(path.join(dir, entry.name));
    entries.push({ name: entry.name, isFile: stats.isFile(), size: stats.size });
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

class EvidenceChecker {
  private readonly digests = new Map<string, Promise<FileDigest>>();

  constructor(
    private readonly caseDir: string,
    private readonly evidence: readonly EvidenceEntry[] | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {}

  private digest(name: string): Promise<FileDigest> {
    let digest = this.digests.get(name);
    if (digest === undefined) {
      digest = hashFile(path.join(this.caseDir, EVIDENCE_DIR, name), this.signal);
      this.digests.set(name, digest);
    }
    return digest;
  }

  private listedNames(items: readonly ManifestItem[]): Set<string> {
    return new Set(items.flatMap((item) => evidenceFileName(item.path) ?? []));
  }

  /** Unlisted files holding exactly this item's bytes: the usual trace of a rename. */
  private async sameBytes(item: ManifestItem, items: readonly ManifestItem[]): Promise<string[]> {
    const listed = this.listedNames(items);
    const matches: string[] = [];
    for (const entry of this.evidence ?? []) {
      if (listed.has(entry.name) || !entry.isFile || entry.size !== item.bytes) continue;
      if ((await this.digest(entry.name)).sha256 === item.sha256) matches.push(`${EVIDENCE_DIR}/${entry.name}`);
    }
    return matches;
  }

  async check(item: ManifestItem, items: readonly ManifestItem[]): Promise<VerifyProblem[]> {
    const subject = item.id;
    const fileName = evidenceFileName(item.path);
    if (fileName === undefined) {
      return [
        { subject, kind: 'invalid', detail: `path ${JSON.stringify(item.path)} is not a file in evidence/; not read` },
      ];
    }
    const entry = this.evidence?.find((candidate) => candidate.name === fileName);
    if (entry === undefined) {
      const renamed = await this.sameBytes(item, items);
      const hint = renamed.length > 0 ? ` (${renamed.join(', ')} holds its exact bytes: renamed?)` : '';
      return [{ subject, kind: 'missing', detail: `${item.path} is missing${hint}` }];
    }
    if (!entry.isFile) {
      return [{ subject, kind: 'invalid', detail: `${item.path} is not a regular file (links are never followed)` }];
    }
    const digest = await this.digest(fileName);
    if (digest.bytes < item.bytes) {
      return [
        {
          subject,
          kind: 'truncated',
          detail: `${item.path} is truncated: ${digest.bytes} of ${item.bytes} bytes (sha256 ${digest.sha256})`,
        },
      ];
    }
    if (digest.bytes > item.bytes) {
      return [
        {
          subject,
          kind: 'size-mismatch',
          detail: `${item.path} has ${digest.bytes} bytes, the manifest says ${item.bytes}`,
        },
      ];
    }
    if (digest.sha256 !== item.sha256) {
      return [
        { subject, kind: 'hash-mismatch', detail: `sha256 mismatch (expected ${item.sha256}, got ${digest.sha256})` },
      ];
    }
    return [];
  }

  async unlisted(items: readonly ManifestItem[]): Promise<VerifyProblem[]> {
    const listed = this.listedNames(items);
    const problems: VerifyProblem[] = [];
    for (const entry of this.evidence ?? []) {
      if (listed.has(entry.name)) continue;
      const name = `${EVIDENCE_DIR}/${entry.name}`;
      let hint = '';
      if (entry.isFile) {
        const sized = items.filter((item) => item.bytes === entry.size);
        if (sized.length > 0) {
          const { sha256 } = await this.digest(entry.name);
          const same = sized.find((item) => item.sha256 === sha256);
          if (same !== undefined) hint = ` (it holds the exact bytes of item ${same.id}: renamed?)`;
        }
      }
      const what = entry.isFile ? 'file' : 'entry (not a regular file)';
      problems.push({
        subject: name,
        kind: 'unlisted-file',
        detail: `${name} is a ${what} not in the manifest${hint}`,
      });
    }
    return problems;
  }
}

function lastRecord(records: readonly CustodyRecord[], action: string): CustodyRecord | undefined {
  for (let index = records.length - 1; index >= 0; index -= 1) {
    if (records[index]?.action === action) return records[index];
  }
  return undefined;
}

/** Every item must be vouched for by an evidence.add record, and the manifest by the last manifest.write. */
function manifestAgainstCustody(
  manifest: LoadedDocument<Manifest>,
  records: readonly CustodyRecord[],
): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  const write = lastRecord(records, 'manifest.write');
  if (write === undefined) {
    problems.push({
      subject: 'manifest',
      kind: 'manifest-edited',
      detail: 'no manifest.write record vouches for manifest.json',
    });
  } else if (write.sha256 !== manifest.sha256) {
    problems.push({
      subject: 'manifest',
      kind: 'manifest-edited',
      detail: `manifest.json has sha256 ${manifest.sha256}, the last manifest.write record (seq ${write.seq}) vouches for ${write.sha256 ?? 'nothing'}`,
    });
  }
  const added = new Map<string, CustodyRecord>();
  for (const record of records) {
    const itemId = record.target.itemId;
    if (record.action === 'evidence.add' && itemId !== undefined) added.set(itemId, record);
  }
  for (const item of manifest.value.items) {
    const record = added.get(item.id);
    if (record === undefined) {
      problems.push({
        subject: item.id,
        kind: 'manifest-edited',
        detail: `item ${item.id} is in the manifest but no evidence.add record vouches for it`,
      });
    } else if (record.sha256 !== item.sha256 || record.params['bytes'] !== item.bytes) {
      problems.push({
        subject: item.id,
        kind: 'manifest-edited',
        detail:
          `the manifest says sha256 ${item.sha256}, ${item.bytes} bytes; its evidence.add record (seq ${record.seq}) ` +
          `says sha256 ${record.sha256 ?? '?'}, ${String(record.params['bytes'])} bytes`,
      });
    } else if (record.params['complete'] !== item.complete) {
      problems.push({
        subject: item.id,
        kind: 'manifest-edited',
        detail: `the manifest says complete=${String(item.complete)}; its evidence.add record (seq ${record.seq}) says complete=${String(record.params['complete'])}`,
      });
    }
  }
  const listed = new Set(manifest.value.items.map((item) => item.id));
  for (const [itemId, record] of added) {
    if (!listed.has(itemId)) {
      problems.push({
        subject: itemId,
        kind: 'manifest-edited',
        detail: `custody records adding item ${itemId} (seq ${record.seq}) but the manifest does not list it`,
      });
    }
  }
  return problems;
}

/** case.json must be what case.create vouched for, and a seal must still match the log's length and head. */
function caseAgainstCustody(
  caseJson: CaseJson,
  custody: ParsedCustody,
  records: readonly CustodyRecord[],
  manifest: LoadedDocument<Manifest> | { error: VerifyProblem },
): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  const created = records.find((record) => record.action === 'case.create');
  const { sealed, ...unsealed } = caseJson;
  if (created !== undefined && created.sha256 !== sha256Hex(caseJsonBytes(unsealed))) {
    problems.push({
      subject: 'case.json',
      kind: 'invalid',
      detail: 'case.json differs from what its case.create record vouches for (edited after creation?)',
    });
  }
  const sealRecord = lastRecord(records, 'case.seal');
  if (sealed === undefined) {
    if (sealRecord !== undefined) {
      problems.push({
        subject: 'case.json',
        kind: 'invalid',
        detail: `custody records a seal (seq ${sealRecord.seq}) but case.json is not sealed`,
      });
    }
    return problems;
  }
  const count = custody.lines.length;
  if (count < sealed.custodyRecords) {
    problems.push({
      subject: 'custody',
      kind: 'truncated',
      detail: `custody.jsonl has ${count} records; ${sealed.custodyRecords} were sealed (records removed from its end)`,
    });
  } else if (count > sealed.custodyRecords) {
    problems.push({
      subject: 'custody',
      kind: 'chain-broken',
      detail: `custody.jsonl has ${count - sealed.custodyRecords} records appended after sealing`,
    });
  }
  const sealedLine = custody.lines[sealed.custodyRecords - 1];
  if (sealedLine !== undefined && sealedLine.hash !== sealed.custodyHead) {
    problems.push({
      subject: 'custody',
      kind: 'chain-broken',
      detail: `record ${sealed.custodyRecords} is not the sealed head (hash ${sealedLine.hash}, sealed ${sealed.custodyHead})`,
    });
  }
  if (!isError(manifest) && manifest.sha256 !== sealed.manifestSha256) {
    problems.push({
      subject: 'manifest',
      kind: 'manifest-edited',
      detail: `manifest.json has sha256 ${manifest.sha256}; ${sealed.manifestSha256} was sealed`,
    });
  }
  return problems;
}
