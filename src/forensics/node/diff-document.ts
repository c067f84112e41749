// The stored diff (analysis/diff.json): schema, deterministic bytes, atomic write and a strict read.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DiffChange, DiffEntry, DiffSummary } from '../common/diff-model.js';
import { ANALYSIS_DIR } from './case-paths.js';
import { sha256Hex, writeFileAtomic } from './durable-fs.js';

export const DIFF_FORMAT = 'holdcell-diff/1';
export const DIFF_FILE = 'diff.json';

/** A difference Docker makes in every container (init layer, mount points): not an entry, but never hidden. */
export const RuntimeArtefactEntry = z.object({
  path: z.string(),
  pathBase64: z.string().optional(),
  change: DiffChange,
  reason: z.enum(['docker-init', 'mount-point']),
});
export type RuntimeArtefactEntry = z.infer<typeof RuntimeArtefactEntry>;

/** The summary as stored: everything but the case folder, which is where the file is read from, not what it says. */
export const StoredSummary = DiffSummary.omit({ caseDir: true });
export type StoredSummary = z.infer<typeof StoredSummary>;

export const DiffDocument = z.object({
  format: z.literal(DIFF_FORMAT),
  summary: StoredSummary,
  /** Docker's own differences, left out of entries and counts (see fs-diff.ts for the exact list). */
  runtime: z.array(RuntimeArtefactEntry),
  /** In path byte order. */
  entries: z.array(DiffEntry),
});
export type DiffDocument = z.infer<typeof DiffDocument>;

/** Largest analysis/diff.json read back; a bigger one is not ours (or the case is beyond this tool). */
const MAX_DOCUMENT_BYTES = 1024 * 1024 * 1024;

/**
 * Bytes in the schema's key order (parsing reorders and drops strays), one entry per line so the file diffs and
 * greps well, and a trailing newline: the same evidence always gives the same bytes.
 */
export function diffDocumentBytes(document: DiffDocument): string {
  const doc = DiffDocument.parse(document);
  const lines = [
    `{"format":${JSON.stringify(doc.format)},`,
    `"summary":${JSON.stringify(doc.summary)},`,
    `"runtime":${JSON.stringify(doc.runtime)},`,
    `"entries":[`,
    ...doc.entries.map((entry, index) => `${JSON.stringify(entry)}${index === doc.entries.length - 1 ? '' : ','}`),
    ']}',
  ];
  return `${lines.join('\n')}\n`;
}

/** Writes analysis/diff.json atomically; resolves with the SHA-256 of its bytes (for the custody record). */
export async function writeDiffDocument(caseDir: string, document: DiffDocument): Promise<string> {
  const bytes = diffDocumentBytes(document);
  await writeFileAtomic(path.join(caseDir, ANALYSIS_DIR), DIFF_FILE, bytes);
  return sha256Hex(bytes);
}

/**
 * The stored document, or undefined when there is none or it cannot be used (damaged, older format): analysis is
 * derived, so the answer to a bad file is to rebuild it from the evidence, never to trust it.
 */
export async function readDiffDocument(caseDir: string): Promise<DiffDocument | undefined> {
  let text: string;
  try {
    const handle = await open(path.join(caseDir, ANALYSIS_DIR, DIFF_FILE), constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      if ((await handle.stat()).size > MAX_DOCUMENT_BYTES) return undefined;
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
  try {
    const parsed = DiffDocument.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
