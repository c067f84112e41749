// case.json and manifest.json: deterministic bytes (schema key order, 2-space JSON, trailing newline) and strict reads.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { ContractError } from '../../contract/envelope.js';
import { CaseJson, Manifest } from '../common/case-model.js';
import { CASE_FILE, MANIFEST_FILE } from './case-paths.js';
import { sha256Hex, writeFileAtomic } from './durable-fs.js';

/**
 * Parsing through the schema puts keys in the schema's order and drops unknown ones, so the same document
 * always serialises to the same bytes whatever order its producer built it in.
 */
export function documentBytes<S extends z.ZodType>(schema: S, value: z.input<S>): string {
  return `${JSON.stringify(schema.parse(value), null, 2)}\n`;
}

export const caseJsonBytes = (value: CaseJson): string => documentBytes(CaseJson, value);
export const manifestBytes = (value: Manifest): string => documentBytes(Manifest, value);

export interface LoadedDocument<T> {
  value: T;
  /** SHA-256 of the file's exact bytes. */
  sha256: string;
}

async function loadDocument<S extends z.ZodType>(
  caseDir: string,
  name: string,
  schema: S,
): Promise<LoadedDocument<z.output<S>>> {
  const file = path.join(caseDir, name);
  const bytes = await readFile(file);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new ContractError('FAILED', `${name} in ${caseDir} is not JSON (${(error as Error).message})`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first && first.path.length > 0 ? ` at ${first.path.join('.')}` : '';
    throw new ContractError('FAILED', `${name} in ${caseDir} is not valid${where}: ${first?.message ?? 'unknown'}`);
  }
  return { value: parsed.data, sha256: sha256Hex(bytes) };
}

export const loadCaseJson = (caseDir: string): Promise<LoadedDocument<CaseJson>> =>
  loadDocument(caseDir, CASE_FILE, CaseJson);

export const loadManifest = (caseDir: string): Promise<LoadedDocument<Manifest>> =>
  loadDocument(caseDir, MANIFEST_FILE, Manifest);

export async function writeCaseJson(caseDir: string, value: CaseJson): Promise<string> {
  const bytes = caseJsonBytes(value);
  await writeFileAtomic(caseDir, CASE_FILE, bytes);
  return sha256Hex(bytes);
}

/** Rewrites manifest.json atomically; resolves with the SHA-256 of the bytes written. */
export async function writeManifest(caseDir: string, value: Manifest): Promise<string> {
  const bytes = manifestBytes(value);
  await writeFileAtomic(caseDir, MANIFEST_FILE, bytes);
  return sha256Hex(bytes);
}
