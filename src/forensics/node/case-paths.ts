// Where things live in a case folder, and the name rules that keep every evidence path inside evidence/.
import path from 'node:path';
import { ContractError } from '../../contract/envelope.js';

export const CASE_FILE = 'case.json';
export const MANIFEST_FILE = 'manifest.json';
export const CUSTODY_FILE = 'custody.jsonl';
export const ANNOTATIONS_FILE = 'annotations.jsonl';
export const EVIDENCE_DIR = 'evidence';
export const ANALYSIS_DIR = 'analysis';

/** Item ids that would read as a verify subject other than an item ("verify: FAILED at custody"). */
const RESERVED_IDS = new Set(['case', 'manifest', 'custody', 'evidence', 'analysis', 'annotations']);
const ITEM_ID = /^[a-z0-9][a-z0-9-]*$/;

/** Absolute paths are kept; relative ones are taken under the cases root. */
export function resolveCaseDir(casesRoot: string, caseDir: string): string {
  if (caseDir.trim() === '') throw new ContractError('BAD_INPUT', 'a case folder is required', 'caseDir');
  if (caseDir.includes('\0')) throw new ContractError('BAD_INPUT', 'the case folder contains a NUL byte', 'caseDir');
  return path.isAbsolute(caseDir) ? path.resolve(caseDir) : path.resolve(casesRoot, caseDir);
}

/** Why fileName cannot name a file directly inside evidence/, or undefined when it can. */
export function fileNameProblem(fileName: string): string | undefined {
  if (fileName === '') return 'is empty';
  if (fileName.includes('\0')) return 'contains a NUL byte';
  if (fileName.includes('/') || fileName.includes('\\')) return 'contains a path separator';
  if (fileName.includes('..')) return 'contains ".."';
  if (fileName === '.') return 'is "."';
  if (Buffer.byteLength(fileName) > 255) return 'is longer than 255 bytes';
  return undefined;
}

export function checkFileName(fileName: string): void {
  const problem = fileNameProblem(fileName);
  if (problem !== undefined) {
    throw new ContractError('BAD_INPUT', `evidence file name ${JSON.stringify(fileName)} ${problem}`, 'fileName');
  }
}

export function checkItemId(id: string): void {
  if (!ITEM_ID.test(id)) {
    throw new ContractError(
      'BAD_INPUT',
      `evidence id ${JSON.stringify(id)} must be lowercase letters, digits and dashes, starting with a letter or digit`,
      'id',
    );
  }
  if (RESERVED_IDS.has(id)) {
    throw new ContractError('BAD_INPUT', `evidence id "${id}" is reserved for the case's own documents`, 'id');
  }
}

/** The manifest path of an evidence file, POSIX separators, relative to the case folder. */
export const evidencePath = (fileName: string): string => `${EVIDENCE_DIR}/${fileName}`;

/** The file name of a manifest path when it names a file directly under evidence/ by our rules, else undefined. */
export function evidenceFileName(manifestPath: string): string | undefined {
  const prefix = `${EVIDENCE_DIR}/`;
  if (!manifestPath.startsWith(prefix)) return undefined;
  const fileName = manifestPath.slice(prefix.length);
  return fileNameProblem(fileName) === undefined ? fileName : undefined;
}
