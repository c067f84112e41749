// The timeline service: builds a case's timeline once (rebuilt when its evidence changed), pages it, annotates it.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { CallContext, ServiceImpl } from '../../contract/kit.js';
import { ATTACK_VERSION } from '../common/attack-techniques.js';
import type { ManifestItem } from '../common/case-model.js';
import { ANNOTATIONS_ITEM, annotationEvents } from '../common/timeline-annotations.js';
import { CUSTODY_ITEM, custodyEvents, isTimelineCustody, type CustodyLineRecord } from '../common/timeline-custody.js';
import type { TimelineEvent, TimelineSummary } from '../common/timeline-model.js';
import type { timelineService } from '../common/timeline.contract.js';
import { AnnotationStore } from './annotations.js';
import { ANALYSIS_DIR, CUSTODY_FILE } from './case-paths.js';
import type { CaseStore } from './case-store.js';
import { readCustody } from './custody-log.js';
import type { DiffReport } from './diff-service.js';
import { sha256Hex } from './durable-fs.js';
import { buildTimeline, fileSink, memorySink, type BuiltTimeline } from './timeline-build.js';
import { diffUnit, engineFactKey, engineUnits, itemUnits, wholeUnit, type SourceUnit } from './timeline-sources.js';
import {
  indexTimelineFile,
  readStoredTimeline,
  TIMELINE_BUILDER_REVISION,
  TIMELINE_FILE,
  TIMELINE_FORMAT,
  TimelinePages,
  writeStoredTimeline,
} from './timeline-store.js';
import type { TraceReader } from './timeline-trace-source.js';

type TimelineImpl = ServiceImpl<typeof timelineService>;

export interface TimelineServiceOptions {
  cases: CaseStore;
  /** The case's diff, loaded or built by the diff service (rejects when the case cannot have one). */
  diff: (caseDir: string, signal: AbortSignal) => Promise<DiffReport>;
  readTrace: TraceReader;
  annotations?: AnnotationStore;
}

/** One case's timeline in memory: its summary and its pages (the stored file's index, or the lines of a sealed case's). */
export interface CaseTimeline {
  dir: string;
  stamp: string;
  summary: TimelineSummary;
  pages: TimelinePages;
}

interface LoadOptions {
  rebuild: boolean;
  /** Check the stored timeline against the case's evidence now (buildTimeline); paging serves what is built. */
  fresh: boolean;
  signal: AbortSignal;
  progress: CallContext['progress'];
}

/** What the timeline is built from right now: its identity, and the custody records it will read. */
interface CaseSources {
  stamp: string;
  custody: CustodyLineRecord[];
  custodySha256: string;
  custodyProblems: string[];
}

const CACHED_CASES = 2;

async function caseSources(
  dir: string,
  items: readonly ManifestItem[],
  annotationsSha256: string,
): Promise<CaseSources> {
  const { lines } = await readCustody(path.join(dir, CUSTODY_FILE));
  const custody: CustodyLineRecord[] = [];
  const custodyProblems: string[] = [];
  const hashes: string[] = [];
  for (const line of lines) {
    if (line.record === undefined) {
      custodyProblems.push(
        `custody.jsonl line ${line.lineNo} ${line.error ?? 'is not a record'}: left out (run holdcell verify)`,
      );
      hashes.push(line.hash);
    } else if (!isTimelineCustody(line.record)) {
      custody.push({ record: line.record, hash: line.hash });
      hashes.push(line.hash);
    }
  }
  const custodySha256 = sha256Hex(hashes.join('\n'));
  const stamp = sha256Hex(
    [
      `${TIMELINE_FORMAT} builder ${TIMELINE_BUILDER_REVISION}`,
      ...items.map((item) => `${item.id}:${item.sha256}`),
      `${CUSTODY_ITEM}:${custodySha256}`,
      `${ANNOTATIONS_ITEM}:${annotationsSha256}`,
    ].join('\n'),
  );
  return { stamp, custody, custodySha256, custodyProblems };
}

export class TimelineService implements TimelineImpl {
  private readonly cases: CaseStore;
  private readonly diff: TimelineServiceOptions['diff'];
  private readonly readTrace: TraceReader;
  readonly annotations: AnnotationStore;
  private readonly cache = new Map<string, CaseTimeline>();
  private readonly building = new Map<string, Promise<CaseTimeline>>();

  constructor(options: TimelineServiceOptions) {
    this.cases = options.cases;
    this.diff = options.diff;
    this.readTrace = options.readTrace;
    this.annotations = options.annotations ?? new AnnotationStore({ cases: options.cases });
  }

  buildTimeline: TimelineImpl['buildTimeline'] = async ({ caseDir, rebuild }, context) =>
    (await this.load(caseDir, { rebuild, fresh: true, signal: context.signal, progress: context.progress })).summary;

  timelineEvents: TimelineImpl['timelineEvents'] = async ({ caseDir, offset, limit }, context) => {
    const state = await this.load(caseDir, {
      rebuild: false,
      fresh: false,
      signal: context.signal,
      progress: context.progress,
    });
    const events = await state.pages.page(offset, limit);
    const next = offset + events.length;
    return {
      events,
      total: state.pages.total,
      ...(next < state.pages.total ? { nextOffset: next } : {}),
      sha256: state.pages.sha256,
    };
  };

  listAnnotations: TimelineImpl['listAnnotations'] = async ({ caseDir }) => this.annotations.list(caseDir);

  annotate: TimelineImpl['annotate'] = async ({ caseDir, kind, eventId, text }) =>
    this.annotations.add(caseDir, { kind, eventId, text });

  withdrawAnnotation: TimelineImpl['withdrawAnnotation'] = async ({ caseDir, id }) =>
    this.annotations.withdraw(caseDir, id);

  /** The case's timeline, built or loaded (for the CLI, the report and exports, which read every event). */
  async load(caseDir: string, options: LoadOptions): Promise<CaseTimeline> {
    const summary = await this.cases.summary(caseDir);
    const dir = summary.caseDir;
    const running = this.building.get(dir);
    if (running !== undefined) return running;
    if (!options.rebuild) {
      const reusable = await this.reusable(dir, summary.items, options.fresh);
      if (reusable !== undefined) return reusable;
    }
    const job = this.build(dir, summary.items, summary.sealed, options).finally(() => this.building.delete(dir));
    this.building.set(dir, job);
    return job;
  }

  /** The timeline in memory or on disk when it is still what the case would give (or when freshness is not asked). */
  private async reusable(
    dir: string,
    items: readonly ManifestItem[],
    fresh: boolean,
  ): Promise<CaseTimeline | undefined> {
    const stamp = fresh ? (await caseSources(dir, items, (await this.annotations.fold(dir)).sha256)).stamp : undefined;
    const cached = this.cache.get(dir);
    if (cached !== undefined && (stamp === undefined || cached.stamp === stamp)) return cached;
    const stored = await readStoredTimeline(dir);
    if (stored === undefined || (stamp !== undefined && stored.stamp !== stamp)) return undefined;
    const file = path.join(dir, ANALYSIS_DIR, TIMELINE_FILE);
    const index = await indexTimelineFile(file).catch(() => undefined);
    // A stored file that is not the one its summary vouches for is rebuilt, never served.
    if (index === undefined || index.sha256 !== stored.summary.sha256 || index.total !== stored.summary.events) {
      return undefined;
    }
    return this.remember({
      dir,
      stamp: stored.stamp,
      summary: { ...stored.summary, caseDir: dir },
      pages: TimelinePages.fromFile(file, index),
    });
  }

  private async build(
    dir: string,
    items: readonly ManifestItem[],
    sealed: boolean,
    options: LoadOptions,
  ): Promise<CaseTimeline> {
    const { signal, progress } = options;
    progress({ done: 0, total: 1, note: 'filesystem diff' });
    // The diff first: building it records analysis.diff in custody, which the timeline then reads.
    const problems: string[] = [];
    let diff: DiffReport | undefined;
    if (items.some((item) => item.kind === 'filesystem-export')) {
      try {
        diff = await this.diff(dir, signal);
      } catch (error) {
        signal.throwIfAborted();
        problems.push(`no filesystem events: the diff could not be made (${(error as Error).message})`);
      }
    }
    const fold = await this.annotations.fold(dir);
    const sources = await caseSources(dir, items, fold.sha256);
    problems.push(...sources.custodyProblems);
    const units = this.units(dir, items, diff);
    units.push(
      wholeUnit(CUSTODY_ITEM, sources.custodySha256, async () => custodyEvents(sources.custody)),
      wholeUnit(ANNOTATIONS_ITEM, fold.sha256, async () => {
        const result = annotationEvents(fold.annotations);
        return { events: result.events, problems: [...fold.problems, ...result.problems] };
      }),
    );
    const seenFacts = new Set<string>();
    const keep = (event: TimelineEvent): boolean => {
      if (event.source !== 'engine') return true;
      const key = engineFactKey(event);
      if (seenFacts.has(key)) return false;
      seenFacts.add(key);
      return true;
    };
    const buildOptions = {
      signal,
      keep,
      onUnit: (done: number, total: number, itemId: string) =>
        progress({ done, total, note: itemId === 'merge' ? 'merging' : `reading ${itemId}` }),
    };
    let built: BuiltTimeline;
    let pages: (index: { total: number; sha256: string; offsets: number[] }) => TimelinePages;
    if (sealed) {
      const sink = memorySink();
      built = await buildTimeline(units, sink, buildOptions);
      pages = (index) => TimelinePages.fromText(sink.text(), index);
      problems.push(
        `the case is sealed, so this timeline was built in memory: not stored in ${ANALYSIS_DIR}/ nor recorded in custody`,
      );
    } else {
      const analysis = path.join(dir, ANALYSIS_DIR);
      await mkdir(analysis, { recursive: true });
      const sink = await fileSink(analysis, TIMELINE_FILE);
      try {
        built = await buildTimeline(units, sink, buildOptions);
      } catch (error) {
        await sink.abort();
        throw error;
      }
      await sink.commit();
      const file = path.join(analysis, TIMELINE_FILE);
      pages = (index) => TimelinePages.fromFile(file, index);
    }
    if (diff !== undefined && diff.summary.problems.length > 0) {
      problems.push(
        `the filesystem diff reports ${diff.summary.problems.length} problem(s) of its own (holdcell diff shows them)`,
      );
    }
    const summary: TimelineSummary = {
      caseDir: dir,
      events: built.tally.events,
      first: built.tally.first,
      last: built.tally.last,
      bySource: built.tally.bySource,
      byTechnique: built.tally.byTechnique,
      attackVersion: ATTACK_VERSION,
      sources: built.sources,
      problems: [...problems, ...built.problems],
      sha256: built.sha256,
    };
    const index = { total: built.tally.events, sha256: built.sha256, offsets: built.offsets };
    if (!sealed) {
      const { caseDir: _dir, ...stored } = summary;
      await writeStoredTimeline(dir, { format: TIMELINE_FORMAT, stamp: sources.stamp, summary: stored });
      const recorder = await this.cases.open(dir);
      await recorder.record({
        action: 'analysis.timeline',
        params: {
          output: `${ANALYSIS_DIR}/${TIMELINE_FILE}`,
          events: summary.events,
          sources: summary.sources.map(({ itemId, sha256 }) => ({ itemId, sha256 })),
          rebuild: options.rebuild,
        },
        outcome: 'ok',
        detail: `${summary.events} events from ${summary.sources.length} sources; ${summary.problems.length} problem(s)`,
        sha256: summary.sha256,
      });
    }
    progress({ done: 1, total: 1, note: 'timeline built' });
    return this.remember({ dir, stamp: sources.stamp, summary, pages: pages(index) });
  }

  /** Evidence units in manifest order; the diff's events sit with the export they were read from. */
  private units(dir: string, items: readonly ManifestItem[], diff: DiffReport | undefined): SourceUnit[] {
    const exportId = diff?.summary.sources[0]?.itemId;
    const exported = items.find((item) => item.id === exportId);
    const order = new Map(items.map((item, position) => [item.id, position]));
    const units = [
      ...engineUnits(dir, items),
      ...itemUnits(dir, items, this.readTrace),
      ...(diff !== undefined && exported !== undefined ? [diffUnit(exported, { entries: diff.entries })] : []),
    ];
    return units.sort((a, b) => (order.get(a.itemId) ?? 0) - (order.get(b.itemId) ?? 0));
  }

  private remember(state: CaseTimeline): CaseTimeline {
    this.cache.delete(state.dir);
    this.cache.set(state.dir, state);
    while (this.cache.size > CACHED_CASES) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    return state;
  }
}
