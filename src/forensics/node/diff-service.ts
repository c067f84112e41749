// The diff methods of the forensics service: build or load a case's diff, page its entries, browse and read evidence.
import type { CallContext, ServiceImpl } from '../../contract/kit.js';
import type { DiffEntry, DiffSummary } from '../common/diff-model.js';
import type { forensicsService } from '../common/forensics.contract.js';
import { ANALYSIS_DIR } from './case-paths.js';
import type { CaseStore } from './case-store.js';
import { BUILD_STAGES, buildDiff, viewsOf, type DiffViews, type EvidenceAccess } from './diff-build.js';
import {
  DIFF_FILE,
  readDiffDocument,
  writeDiffDocument,
  type DiffDocument,
  type RuntimeArtefactEntry,
} from './diff-document.js';
import { listChildren, readSlice } from './diff-browse.js';
import { openDiffEvidence } from './diff-evidence.js';
import { bytePathFromBase64, EntryIndex } from './diff-query.js';
import { selectDiffSources, sourceHashes, type DiffSources } from './diff-sources.js';

type DiffMethods = Pick<ServiceImpl<typeof forensicsService>, 'diff' | 'diffEntries' | 'listDirectory' | 'readFile'>;

/** The whole diff of a case, for the CLI (the contract pages entries instead). */
export interface DiffReport {
  summary: DiffSummary;
  runtime: RuntimeArtefactEntry[];
  entries: DiffEntry[];
}

/** One case's diff in memory: the stored document, its query index, and (once browsed) the evidence views. */
interface CaseDiff {
  dir: string;
  document: DiffDocument;
  entries: EntryIndex;
  /** Identity of the evidence the document was built from: the sources' item ids and hashes. */
  stamp: string;
  /** Opened on first use (building, browsing or reading) and kept with the state. */
  evidence?: Promise<EvidenceAccess>;
  views?: Promise<DiffViews>;
}

/** Cases kept in memory at once; each holds a whole document (and, once browsed, both file trees). */
const CACHED_CASES = 2;
const PROGRESS_INTERVAL_MS = 200;

const stampOf = (sources: readonly { itemId: string; sha256: string }[]): string =>
  sources.map((source) => `${source.itemId}:${source.sha256}`).join(',');

/** Progress while the evidence is indexed (bytes of both tars), at most every PROGRESS_INTERVAL_MS. */
function indexingProgress(
  sources: DiffSources,
  progress: CallContext['progress'],
): (itemId: string, bytes: number) => void {
  const total = sources.exported.bytes + sources.imageSave.bytes;
  const done = new Map<string, number>();
  let last = 0;
  return (itemId, bytes) => {
    done.set(itemId, bytes);
    const now = Date.now();
    if (now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    let sum = 0;
    for (const value of done.values()) sum += value;
    // On the stages' scale (indexing is the first of BUILD_STAGES), so one progress bar covers the whole build.
    const megabytes = (bytes: number) => (bytes / 1e6).toFixed(0);
    progress({
      done: Math.min(sum, total) / Math.max(total, 1),
      total: BUILD_STAGES.length,
      note: `indexing the evidence: ${megabytes(sum)} of ${megabytes(total)} MB`,
    });
  };
}

export class DiffService implements DiffMethods {
  private readonly cases: CaseStore;
  private readonly cache = new Map<string, CaseDiff>();
  /** One computation per case at a time: a second caller waits for the first instead of racing it. */
  private readonly building = new Map<string, Promise<CaseDiff>>();

  constructor(deps: { cases: CaseStore }) {
    this.cases = deps.cases;
  }

  diff = async (input: { caseDir: string; rebuild: boolean }, context: CallContext): Promise<DiffSummary> => {
    const state = await this.load(input.caseDir, {
      rebuild: input.rebuild,
      signal: context.signal,
      progress: context.progress,
    });
    return { ...state.document.summary, caseDir: state.dir };
  };

  diffEntries: DiffMethods['diffEntries'] = async (input, context) => {
    const state = await this.load(input.caseDir, {
      rebuild: false,
      signal: context.signal,
      progress: context.progress,
    });
    return state.entries.query({
      ...(input.changes === undefined ? {} : { changes: input.changes }),
      ...(input.query === undefined ? {} : { query: input.query }),
      ...(input.minSeverity === undefined ? {} : { minSeverity: input.minSeverity }),
      ...(input.underBase64 === undefined ? {} : { under: bytePathFromBase64(input.underBase64, 'underBase64') }),
      offset: input.offset,
      limit: input.limit,
    });
  };

  listDirectory: DiffMethods['listDirectory'] = async (input, context) => {
    const state = await this.load(input.caseDir, {
      rebuild: false,
      signal: context.signal,
      progress: context.progress,
    });
    const views = await this.views(state, context.signal);
    const dir = bytePathFromBase64(input.pathBase64, 'pathBase64');
    return listChildren(views, input.side, dir, state.entries, { offset: input.offset, limit: input.limit });
  };

  readFile: DiffMethods['readFile'] = async (input, context) => {
    const state = await this.load(input.caseDir, {
      rebuild: false,
      signal: context.signal,
      progress: context.progress,
    });
    const views = await this.views(state, context.signal);
    const evidence = await this.evidence(state, context.signal);
    return readSlice(
      views,
      evidence,
      input.side,
      bytePathFromBase64(input.pathBase64, 'pathBase64'),
      input.offset,
      input.length,
    );
  };

  /** Everything the CLI prints: summary, Docker's runtime artefacts and every entry. */
  report = async (
    caseDir: string,
    options: { rebuild: boolean; signal: AbortSignal; progress?: CallContext['progress'] },
  ): Promise<DiffReport> => {
    const state = await this.load(caseDir, {
      rebuild: options.rebuild,
      signal: options.signal,
      progress: options.progress ?? (() => undefined),
    });
    return {
      summary: { ...state.document.summary, caseDir: state.dir },
      runtime: state.document.runtime,
      entries: state.document.entries,
    };
  };

  // ---- loading and building ---------------------------------------------------------------------------------------

  private async load(
    caseDir: string,
    options: { rebuild: boolean; signal: AbortSignal; progress: CallContext['progress'] },
  ): Promise<CaseDiff> {
    const summary = await this.cases.summary(caseDir);
    const dir = summary.caseDir;
    const running = this.building.get(dir);
    if (running !== undefined) return running;
    const sources = await selectDiffSources(dir, summary.items);
    const stamp = stampOf(sourceHashes(sources));
    if (!options.rebuild) {
      const cached = this.cache.get(dir);
      if (cached !== undefined && cached.stamp === stamp) return cached;
      const stored = await readDiffDocument(dir);
      if (stored !== undefined && stampOf(stored.summary.sources) === stamp) return this.remember(dir, stored, stamp);
    }
    const job = this.build(dir, sources, stamp, summary.sealed, options).finally(() => this.building.delete(dir));
    this.building.set(dir, job);
    return job;
  }

  private async build(
    dir: string,
    sources: DiffSources,
    stamp: string,
    sealed: boolean,
    options: { rebuild: boolean; signal: AbortSignal; progress: CallContext['progress'] },
  ): Promise<CaseDiff> {
    const evidence = openDiffEvidence(dir, sources, {
      signal: options.signal,
      rebuild: options.rebuild,
      store: !sealed,
      onProgress: indexingProgress(sources, options.progress),
    });
    const built = await buildDiff(sources, evidence, {
      signal: options.signal,
      onStage: (stage) =>
        options.progress({ done: BUILD_STAGES.indexOf(stage), total: BUILD_STAGES.length, note: stage }),
    });
    const document = built.document;
    if (sealed) {
      // A sealed case is read-only: the diff is served from memory and says why nothing was stored.
      document.summary.problems.push(
        `the case is sealed, so this diff was computed in memory: not stored in ${ANALYSIS_DIR}/ nor recorded in custody`,
      );
    } else {
      const sha256 = await writeDiffDocument(dir, document);
      const recorder = await this.cases.open(dir);
      const { counts, findings } = document.summary;
      await recorder.record({
        action: 'analysis.diff',
        target: { containerId: sources.containerId },
        params: {
          sources: document.summary.sources,
          output: `${ANALYSIS_DIR}/${DIFF_FILE}`,
          rebuild: options.rebuild,
        },
        outcome: 'ok',
        detail:
          `diff of container ${sources.containerId.slice(0, 12)} against image ${sources.imageId}: ` +
          `${counts.added} added, ${counts.deleted} deleted, ${counts.modified} modified, ${counts.metadata} metadata, ` +
          `${counts.type} type; ${findings.total} findings`,
        sha256,
      });
    }
    const state = this.remember(dir, document, stamp);
    state.evidence = Promise.resolve(evidence);
    state.views = Promise.resolve(built.views);
    return state;
  }

  private remember(dir: string, document: DiffDocument, stamp: string): CaseDiff {
    const state: CaseDiff = { dir, document, entries: new EntryIndex(document.entries), stamp };
    this.cache.delete(dir);
    this.cache.set(dir, state);
    while (this.cache.size > CACHED_CASES) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    return state;
  }

  // ---- the evidence browser ---------------------------------------------------------------------------------------

  /** Both file trees, rebuilt from the stored indexes when the diff itself came from analysis/diff.json. */
  private views(state: CaseDiff, signal: AbortSignal): Promise<DiffViews> {
    state.views ??= this.evidence(state, signal).then((evidence) => viewsOf(evidence));
    state.views.catch(() => (state.views = undefined));
    return state.views;
  }

  private evidence(state: CaseDiff, signal: AbortSignal): Promise<EvidenceAccess> {
    state.evidence ??= (async () => {
      const summary = await this.cases.summary(state.dir);
      return openDiffEvidence(state.dir, await selectDiffSources(state.dir, summary.items), {
        signal,
        store: !summary.sealed,
      });
    })();
    state.evidence.catch(() => (state.evidence = undefined));
    return state.evidence;
  }
}
