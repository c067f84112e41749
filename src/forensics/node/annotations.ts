// Investigator annotations: append-only annotations.jsonl in the case, one custody record per change, sealed cases refuse.
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { ContractError } from '../../contract/envelope.js';
import { foldAnnotations, type AnnotationFold } from '../common/timeline-annotations.js';
import { Annotation } from '../common/timeline-model.js';
import { caseHandle } from './case-handle.js';
import { ANNOTATIONS_FILE } from './case-paths.js';
import type { CaseStore } from './case-store.js';
import { sha256Hex } from './durable-fs.js';
import { assertNotSealed } from './folder-recorder.js';

/** Notes are capped by the contract at 20,000 characters; a bigger file than this is not one HoldCell wrote. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;

export interface AnnotationStoreOptions {
  cases: CaseStore;
  now?: () => Date;
  newId?: () => string;
}

export interface NewAnnotation {
  kind: Annotation['kind'];
  eventId?: string | undefined;
  text: string;
}

/** The file's lines ("" when the case has none yet). Links are not followed: a planted symlink is refused. */
async function readLines(caseDir: string): Promise<{ lines: string[]; sha256: string }> {
  let handle;
  try {
    handle = await open(path.join(caseDir, ANNOTATIONS_FILE), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], sha256: sha256Hex('') };
    throw error;
  }
  try {
    if ((await handle.stat()).size > MAX_FILE_BYTES) {
      throw new ContractError('FAILED', `${ANNOTATIONS_FILE} in ${caseDir} is larger than any HoldCell writes`);
    }
    const bytes = await handle.readFile();
    const text = bytes.toString('utf8');
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    return { lines, sha256: sha256Hex(bytes) };
  } finally {
    await handle.close();
  }
}

export class AnnotationStore {
  private readonly cases: CaseStore;
  private readonly now: () => Date;
  private readonly newId: () => string;

  constructor(options: AnnotationStoreOptions) {
    this.cases = options.cases;
    this.now = options.now ?? (() => new Date());
    this.newId = options.newId ?? randomUUID;
  }

  /** The current annotations and the lines that are not annotations (what the timeline build reports). */
  async fold(caseDir: string): Promise<AnnotationFold & { sha256: string }> {
    const { lines, sha256 } = await readLines(caseDir);
    return { ...foldAnnotations(lines), sha256 };
  }

  async list(caseDir: string): Promise<Annotation[]> {
    const summary = await this.cases.summary(caseDir);
    return (await this.fold(summary.caseDir)).annotations;
  }

  async add(caseDir: string, input: NewAnnotation): Promise<Annotation> {
    const annotation: Annotation = Annotation.parse({
      id: this.newId(),
      at: this.now().toISOString(),
      operator: '',
      kind: input.kind,
      ...(input.eventId === undefined ? {} : { eventId: input.eventId }),
      text: input.text,
    });
    return this.append(caseDir, annotation, 'annotation.add');
  }

  async withdraw(caseDir: string, id: string): Promise<Annotation> {
    const dir = this.cases.resolveDir(caseDir);
    const current = (await this.fold(dir)).annotations.find((annotation) => annotation.id === id);
    if (current === undefined) {
      throw new ContractError('NOT_FOUND', `no annotation ${id} in ${dir} (never written, or already withdrawn)`, 'id');
    }
    return this.append(dir, { ...current, at: this.now().toISOString(), deleted: true }, 'annotation.withdraw');
  }

  /**
   * The line and its custody record are written in the case's queue, after a fresh sealed check, so a seal cannot
   * fall between them: either both are in the case or neither is.
   */
  private async append(caseDir: string, draft: Annotation, action: string): Promise<Annotation> {
    // Opening refuses a sealed case (with the time it was sealed) and a folder that is not a case.
    const recorder = await this.cases.open(caseDir);
    const dir = recorder.caseDir;
    const annotation = Annotation.parse({ ...draft, operator: recorder.operator });
    const line = JSON.stringify(annotation);
    const handle = caseHandle(dir);
    await handle.exclusive(async () => {
      await assertNotSealed(dir);
      const file = await open(
        path.join(dir, ANNOTATIONS_FILE),
        constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
        0o644,
      );
      try {
        await file.write(`${line}\n`);
        await file.sync();
      } finally {
        await file.close();
      }
      await handle.custody.append({
        action,
        params: {
          id: annotation.id,
          kind: annotation.kind,
          ...(annotation.eventId === undefined ? {} : { eventId: annotation.eventId }),
          file: ANNOTATIONS_FILE,
        },
        outcome: 'ok',
        detail:
          action === 'annotation.withdraw'
            ? `${annotation.kind} ${annotation.id} withdrawn`
            : `${annotation.kind} ${annotation.id} added${annotation.eventId === undefined ? '' : ` to event ${annotation.eventId}`}`,
        sha256: sha256Hex(line),
        at: annotation.at,
        operator: annotation.operator,
      });
    });
    return annotation;
  }
}
