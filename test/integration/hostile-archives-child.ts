// Child process for the hostile-archive corpus: runs each case through the product's own evidence paths.
//
// Bundled by the test with esbuild and run with its working directory inside the canary tree. Each case's
// archive goes where the product would meet it: into a case folder as evidence, then the tar index or the
// docker-save reader; a stream straight into the indexer; or a whole diff over a case. Logs one line per case on
// stderr ("start <id>" first, so a hang names its case) and prints one JSON line: per-case outcome, problems,
// facts, time and peak RSS, plus the unhandled rejections and uncaught exceptions it counted.
import type { CallContext } from '../../src/contract/kit.js';
import { ContractError } from '../../src/contract/envelope.js';
import { DiffEntry, DiffSummary } from '../../src/forensics/common/diff-model.js';
import type { EvidenceSource } from '../../src/forensics/common/case-model.js';
import type { CaseRecorder } from '../../src/forensics/common/case-recorder.js';
import type { IndexEntry } from '../../src/forensics/common/tar-index-model.js';
import { problemText, type TarProblem } from '../../src/forensics/common/tar-problem.js';
import { CaseStore } from '../../src/forensics/node/case-store.js';
import { DiffService } from '../../src/forensics/node/diff-service.js';
import { ImageArchiveError } from '../../src/forensics/node/image-archive.js';
import { evidenceIndex } from '../../src/forensics/node/tar-index-store.js';
import { indexTar } from '../../src/forensics/node/tar-index.js';
import { hostileCases, type CaseResult, type EntryFacts, type HostileCase } from '../support/hostile-tar-cases.js';
import { bytesOf, chunks } from '../support/hostile-tar.js';

let unhandled = 0;
const uncaught: string[] = [];
process.on('unhandledRejection', () => {
  unhandled += 1;
});
process.on('uncaughtException', (error) => {
  uncaught.push(String(error.stack ?? error).slice(0, 2000));
});

const SOURCE: EvidenceSource = {
  engineId: 'hostile-corpus',
  endpoint: 'unix:///nonexistent/hostile-corpus.sock',
  containerId: 'c0ffee'.padEnd(64, '0'),
  containerName: 'hostile',
};
const MAX_PROBLEMS = 200;

const log = (line: string): void => {
  process.stderr.write(
    `${line.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}\n`,
  );
};

function facts(entry: IndexEntry): EntryFacts {
  return {
    path: entry.path,
    type: entry.type,
    mode: entry.mode,
    uid: entry.uid,
    size: entry.size,
    mtime: entry.mtime,
    ...(entry.linkTarget !== undefined ? { linkTarget: entry.linkTarget } : {}),
    ...(entry.devMajor !== undefined ? { devMajor: entry.devMajor, devMinor: entry.devMinor ?? 0 } : {}),
    ...(entry.xattrs !== undefined ? { xattrs: Object.keys(entry.xattrs).sort() } : {}),
    ...(entry.sha256 !== undefined ? { sha256: entry.sha256 } : {}),
  };
}

/** The entries the expectation names (last occurrence wins, as everywhere) and the first few. */
function pickFacts(entries: readonly IndexEntry[], wanted: readonly string[]): EntryFacts[] {
  const chosen = new Map<string, IndexEntry>();
  const names = new Set(wanted);
  for (const entry of entries) if (names.has(entry.path)) chosen.set(entry.path, entry);
  return [...entries.slice(0, 5), ...chosen.values()].map(facts);
}

const problemLines = (problems: readonly TarProblem[]): string[] =>
  problems.slice(0, MAX_PROBLEMS).map((problem) => problemText(problem));

/** Samples RSS while a case runs (the indexer yields often, so the samples see its peaks). */
function rssSampler(): { stop: () => number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

const call = (): CallContext => ({ signal: new AbortController().signal, progress: () => undefined });

class Corpus {
  private readonly store: CaseStore;
  private readonly diffs: DiffService;
  private evidenceCase: CaseRecorder | undefined;
  private counter = 0;

  constructor(casesRoot: string) {
    const start = Date.UTC(2026, 0, 2, 3, 4, 5);
    let tick = 0;
    this.store = new CaseStore({
      casesRoot,
      operator: 'hostile-corpus',
      toolVersion: 'holdcell test',
      now: () => new Date(start + 1000 * tick++),
    });
    this.diffs = new DiffService({ cases: this.store });
  }

  private async recorder(): Promise<CaseRecorder> {
    this.evidenceCase ??= await this.store.create('corpus', { title: 'hostile archives' });
    return this.evidenceCase;
  }

  async run(item: HostileCase): Promise<Omit<CaseResult, 'id' | 'ms' | 'peakRss'>> {
    const wanted = Object.keys(item.expect.has ?? {});
    const input = item.input;
    try {
      if (input.via === 'stream') {
        const index = await indexTar({ stream: input.stream() });
        return {
          outcome: 'indexed',
          problems: problemLines(index.problems),
          complete: index.complete,
          entries: index.entries.length,
          facts: pickFacts(index.entries, wanted),
        };
      }
      if (input.via === 'index' || input.via === 'image') {
        const recorder = await this.recorder();
        const n = (this.counter += 1);
        const evidence = await recorder.addStream(
          {
            id: `${input.via}-${n}`,
            kind: input.via === 'index' ? 'filesystem-export' : 'image-save',
            fileName: `${input.via}-${n}.tar`,
            format: 'tar',
            source: SOURCE,
            note: item.id,
          },
          chunks(input.bytes()),
        );
        const outcome = await evidenceIndex(recorder.caseDir, evidence, { rebuild: true });
        const saved = outcome.saveProblem === undefined ? [] : [outcome.saveProblem];
        if (outcome.index.kind === 'tar') {
          const index = outcome.index.index;
          return {
            outcome: 'indexed',
            problems: [...problemLines(index.problems), ...saved],
            complete: index.complete,
            entries: index.entries.length,
            facts: pickFacts(index.entries, wanted),
          };
        }
        const { archive, layers } = outcome.index;
        const entries = layers.flatMap((layer) => layer.index.entries);
        return {
          outcome: 'indexed',
          problems: [
            ...problemLines(archive.problems),
            ...layers.flatMap((layer) => problemLines(layer.index.problems)),
            ...saved,
          ],
          complete: layers.every((layer) => layer.index.complete),
          entries: entries.length,
          facts: pickFacts(entries, wanted),
        };
      }
      return await this.diff(item, input);
    } catch (error) {
      if (error instanceof ImageArchiveError || error instanceof ContractError) {
        return { outcome: 'rejected', reason: error.message, problems: [], entries: 0, facts: [] };
      }
      return {
        outcome: 'crashed',
        reason: String((error as Error).stack ?? error),
        problems: [],
        entries: 0,
        facts: [],
      };
    }
  }

  private async diff(
    item: HostileCase,
    input: Extract<HostileCase['input'], { via: 'diff' }>,
  ): Promise<Omit<CaseResult, 'id' | 'ms' | 'peakRss'>> {
    const save = input.save();
    const source = { ...SOURCE, imageId: save.imageId };
    const recorder = await this.store.create(`diff-${item.id}`, { title: item.about });
    await recorder.addJson(
      { id: 'inspect', kind: 'container-inspect', fileName: 'inspect.json', format: 'json', source },
      { Id: source.containerId, Created: '2026-01-01T00:00:00.000000000Z', Mounts: [] },
    );
    await recorder.addStream(
      { id: 'image-save', kind: 'image-save', fileName: 'image-save.tar', format: 'tar', source },
      chunks(save.bytes),
    );
    await recorder.addStream(
      { id: 'fs-export', kind: 'filesystem-export', fileName: 'fs-export.tar', format: 'tar', source },
      chunks(input.exported()),
    );
    const summary = DiffSummary.parse(await this.diffs.diff({ caseDir: recorder.caseDir, rebuild: false }, call()));
    const page = await this.diffs.diffEntries({ caseDir: recorder.caseDir, offset: 0, limit: 100 }, call());
    const browse: string[] = [];
    const attempt = async (what: string, run: () => Promise<unknown>): Promise<void> => {
      try {
        await run();
        browse.push(`${what}: ok`);
      } catch (error) {
        if (!(error instanceof ContractError)) throw error;
        browse.push(`${what}: ${error.code} ${error.message}`);
      }
    };
    const b64 = (path: string) => Buffer.from(path, 'latin1').toString('base64');
    await attempt('list /', () =>
      this.diffs.listDirectory(
        { caseDir: recorder.caseDir, side: 'container', pathBase64: '', offset: 0, limit: 50 },
        call(),
      ),
    );
    if (input.browse !== undefined) {
      const path = bytesOf(input.browse).toString('latin1');
      await attempt(`list ${path}`, () =>
        this.diffs.listDirectory(
          { caseDir: recorder.caseDir, side: 'container', pathBase64: b64(path), offset: 0, limit: 50 },
          call(),
        ),
      );
      await attempt(`read ${path}/shadow`, () =>
        this.diffs.readFile(
          { caseDir: recorder.caseDir, side: 'container', pathBase64: b64(`${path}/shadow`), offset: 0, length: 64 },
          call(),
        ),
      );
    }
    return {
      outcome: 'indexed',
      problems: summary.problems.slice(0, MAX_PROBLEMS),
      entries: summary.indexed.containerEntries,
      facts: page.entries
        .map((entry) => DiffEntry.parse(entry))
        .slice(0, 20)
        .map((entry) => ({
          path:
            entry.pathBase64 === undefined ? entry.path : Buffer.from(entry.pathBase64, 'base64').toString('latin1'),
          type: entry.change,
          mode: 0,
          uid: 0,
          size: 0,
          mtime: '',
        })),
      rules: Object.keys(summary.findings.byRule).sort(),
      browse,
    };
  }
}

async function main(): Promise<void> {
  const [casesRoot, canary, cwd, depth, only] = process.argv.slice(2);
  if (casesRoot === undefined || canary === undefined || cwd === undefined || depth === undefined) {
    throw new Error('usage: child <casesRoot> <canary> <cwd> <depth> [id,id,…|!id,…]');
  }
  const all = hostileCases({ canary, cwd, depth: Number(depth) });
  const chosen =
    only === undefined
      ? all
      : only.startsWith('!')
        ? all.filter((item) => !only.slice(1).split(',').includes(item.id))
        : all.filter((item) => only.split(',').includes(item.id));
  const corpus = new Corpus(casesRoot);
  const rssStart = process.memoryUsage.rss();
  const results: CaseResult[] = [];
  for (const item of chosen) {
    log(`start ${item.id}`);
    const sampler = rssSampler();
    const started = performance.now();
    const result = await corpus.run(item);
    const ms = Math.round(performance.now() - started);
    const peakRss = sampler.stop();
    results.push({ id: item.id, ...result, ms, peakRss });
    const why = result.reason ?? result.problems[0] ?? 'no problems';
    log(`case ${item.id}: ${result.outcome}, ${result.entries} entries, ${ms} ms — ${why.split('\n')[0]}`);
  }
  // Let late rejections (a stream destroyed after its consumer returned) surface before counting them.
  await new Promise((resolve) => setTimeout(resolve, 200));
  process.stdout.write(
    `${JSON.stringify({ results, unhandled, uncaught, rssStart, maxRss: process.resourceUsage().maxRSS * 1024 })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
