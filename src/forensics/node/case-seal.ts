// Sealing: refuse unless every item is complete and verify passes; record the custody head; make the folder read-only.
import { ContractError } from '../../contract/envelope.js';
import type { CaseHandle } from './case-handle.js';
import { loadCaseJson, writeCaseJson } from './case-documents.js';
import { checkCase, readCaseDocuments } from './case-verify.js';
import { readCustody } from './custody-log.js';
import { makeTreeReadOnly } from './durable-fs.js';

export async function sealCase(handle: CaseHandle, actor: { operator: string; now: () => Date }): Promise<void> {
  const caseDir = handle.dir;
  // Inside the queue: nothing can be appended between the check and the seal record.
  await handle.exclusive(async () => {
    const { value: caseJson } = await loadCaseJson(caseDir);
    if (caseJson.sealed !== undefined) {
      throw new ContractError('FAILED', `case is sealed already (since ${caseJson.sealed.at}): ${caseDir}`);
    }
    if (handle.acquiring.size > 0) {
      throw new ContractError(
        'FAILED',
        `cannot seal ${caseDir}: evidence is still being acquired: ${[...handle.acquiring].join(', ')}`,
      );
    }
    const documents = await readCaseDocuments(caseDir);
    const report = await checkCase(caseDir, documents);
    const incomplete = report.problems.filter((problem) => problem.kind === 'incomplete');
    if (incomplete.length > 0) {
      throw new ContractError(
        'FAILED',
        `cannot seal ${caseDir}: incomplete evidence items: ${incomplete.map((problem) => problem.subject).join(', ')} ` +
          `(${incomplete[0]?.detail ?? ''}); an incomplete case is kept as it is, never sealed`,
      );
    }
    const first = report.problems[0];
    if (first !== undefined) {
      throw new ContractError(
        'FAILED',
        `cannot seal ${caseDir}: verify failed at ${first.subject}: ${first.detail} ` +
          `(${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}; run holdcell verify)`,
      );
    }
    if ('error' in documents.manifest) throw new ContractError('FAILED', documents.manifest.error.detail);
    const manifestSha256 = documents.manifest.sha256;
    const at = actor.now().toISOString();
    const seal = await handle.custody.append({
      action: 'case.seal',
      params: { items: documents.manifest.value.items.length },
      outcome: 'ok',
      detail: 'case sealed: files made read-only',
      sha256: manifestSha256,
      at,
      operator: actor.operator,
    });
    const custody = await readCustody(handle.custody.file);
    const head = custody.lines.at(-1);
    if (head?.record?.seq !== seal.seq) {
      throw new ContractError('FAILED', `custody.jsonl changed while sealing ${caseDir}; not sealed`);
    }
    await writeCaseJson(caseDir, {
      ...caseJson,
      sealed: { at, custodyRecords: custody.lines.length, custodyHead: head.hash, manifestSha256 },
    });
    await makeTreeReadOnly(caseDir);
  });
}
