// Benchmark: isolate's containment (pause + quarantine through Containment, into a real case) vs the docker CLI doing the same.
//
// Runs the compiled code (`npm run build` first). Each repetition starts two fresh, equivalent busybox containers
// (`sleep 600` on a bench network under an alias): one is isolated by HoldCell's Containment.isolate in mode both
// (the real service path: every call recorded in a case's custody log, evidence written), the other is contained
// with `docker pause` + `docker network disconnect` + `docker network connect holdcell-quarantine` run one after
// the other through child_process. Both run in the same process, alternating which goes first.
//
// What is timed on our side comes from the service's own progress events, in the order isolate runs its steps:
//   - volatile collection: from the call to the start of the pause step (inspect, case, network state, top, /proc);
//   - containment: from the start of the pause step to the start of the step after the last containment step
//     (pause, disconnect, quarantine network lookup and connect, each with its custody record);
//   - call to contained: from the call to the end of containment (the "within a second").
// The baseline's quarantine network exists before it is timed (created in the warm-up), as it would on an engine
// HoldCell has used once; ours still looks it up on every isolation, as the service does.
//
// Alone:   node bench/isolate.mjs [--repetitions N]
// Runner:  import { benchIsolate } from './isolate.mjs'
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { docker, median, socketPath } from './bench-support.mjs';

const DIST = new URL('../dist/src/', import.meta.url);
const BENCH_LABEL = 'org.holdcell.bench=isolate-v1';
const BENCH_NETWORK = 'holdcell-bench-isolate';
const BENCH_IMAGE = 'holdcell-test/busybox:1';
const QUARANTINE = 'holdcell-quarantine';
const TARGET_RATIO = 1.5;

async function loadDist() {
  const load = (path) => import(new URL(path, DIST).href);
  try {
    const [{ Containment }, { DockerEngine }, { EngineRegistry }, { CaseStore }] = await Promise.all([
      load('capture/node/containment.js'),
      load('capture/node/docker-engine.js'),
      load('capture/node/engine-registry.js'),
      load('forensics/node/case-store.js'),
    ]);
    return { Containment, DockerEngine, EngineRegistry, CaseStore };
  } catch (error) {
    throw new Error(
      `cannot load the compiled code from ${DIST.pathname}: run \`npm run build\` first (${error.message})`,
      { cause: error },
    );
  }
}

async function suspect(tag) {
  const id = (
    await docker([
      'run',
      '-d',
      '--label',
      BENCH_LABEL,
      '--name',
      `holdcell-bench-isolate-${tag}`,
      '--network',
      BENCH_NETWORK,
      '--network-alias',
      'bench-web',
      BENCH_IMAGE,
      'sleep',
      '600',
    ])
  ).trim();
  return id;
}

/** The three CLI calls a responder would type, one after the other. */
async function baseline(id) {
  const started = performance.now();
  await docker(['pause', id]);
  await docker(['network', 'disconnect', BENCH_NETWORK, id]);
  await docker(['network', 'connect', QUARANTINE, id]);
  return performance.now() - started;
}

/** Containment.isolate in mode both, timed through its progress events (see the header). */
async function ours(containment, caseDir, id) {
  const marks = [];
  const started = performance.now();
  const result = await containment.isolate(
    { ref: { engineId: 'default', container: id }, caseDir, mode: 'both', dryRun: false },
    {
      signal: new AbortController().signal,
      progress: (progress) => marks.push({ at: performance.now(), ...progress }),
    },
  );
  if (!result.contained) throw new Error(`our isolation did not contain ${id.slice(0, 12)}: ${result.summary}`);
  const steps = result.plan.steps;
  const firstContain = steps.findIndex((step) => step.phase === 'contain');
  const afterContain = steps.findLastIndex((step) => step.phase === 'contain') + 1;
  const markOf = (index) => marks.find((mark) => mark.done === index && mark.note !== 'isolation finished')?.at;
  const containStart = markOf(firstContain);
  const containEnd = afterContain < steps.length ? markOf(afterContain) : marks.at(-1)?.at;
  if (containStart === undefined || containEnd === undefined) throw new Error('progress events did not mark the steps');
  return {
    collection: containStart - started,
    containment: containEnd - containStart,
    toContained: containEnd - started,
    total: performance.now() - started,
  };
}

async function removeBenchContainers() {
  const ids = (await docker(['ps', '-aq', '--no-trunc', '--filter', `label=${BENCH_LABEL}`]))
    .split('\n')
    .filter(Boolean);
  if (ids.length > 0) await docker(['rm', '-f', ...ids]);
}

/** Measures both paths `repetitions` times each and returns the figures and the printed lines. */
export async function benchIsolate({ repetitions = 10, log = console.log } = {}) {
  const lines = [];
  const say = (line) => {
    lines.push(line);
    log(line);
  };
  const { Containment, DockerEngine, EngineRegistry, CaseStore } = await loadDist();
  const casesRoot = await mkdtemp(join(tmpdir(), 'hc-bench-isolate-'));
  const quarantineExisted = await docker(['network', 'inspect', QUARANTINE]).then(
    () => true,
    () => false,
  );
  await removeBenchContainers();
  await docker(['network', 'rm', BENCH_NETWORK]).catch(() => undefined);
  await docker(['network', 'create', '--label', BENCH_LABEL, BENCH_NETWORK]);
  try {
    const engine = new DockerEngine('default', { kind: 'unix', socketPath: socketPath() });
    const store = new CaseStore({ casesRoot, operator: 'bench', toolVersion: 'holdcell bench' });
    const containment = new Containment({
      engines: new EngineRegistry([engine]),
      openCase: (dir) => store.openOrCreate(dir),
    });
    say('warm-up: one untimed isolation (creates the quarantine network if absent) and one untimed CLI run');
    await ours(containment, join(casesRoot, 'warm-up'), await suspect('warm-ours'));
    await baseline(await suspect('warm-cli'));
    await removeBenchContainers();

    const runs = [];
    for (let repetition = 1; repetition <= repetitions; repetition += 1) {
      const [mine, theirs] = [await suspect(`ours-${repetition}`), await suspect(`cli-${repetition}`)];
      const caseDir = join(casesRoot, `case-${repetition}`);
      // Alternate which side goes first, so neither always meets a warmer engine.
      let run;
      if (repetition % 2 === 1) {
        const o = await ours(containment, caseDir, mine);
        run = { ...o, baseline: await baseline(theirs) };
      } else {
        const b = await baseline(theirs);
        run = { ...(await ours(containment, caseDir, mine)), baseline: b };
      }
      runs.push(run);
      say(
        `  run ${repetition}: ours containment ${run.containment.toFixed(1)} ms (collection ${run.collection.toFixed(1)} ms), ` +
          `docker CLI pause+disconnect+connect ${run.baseline.toFixed(1)} ms`,
      );
      await docker(['rm', '-f', mine, theirs]);
    }
    const figures = {
      repetitions,
      oursContainmentMs: median(runs.map((run) => run.containment)),
      baselineMs: median(runs.map((run) => run.baseline)),
      collectionMs: median(runs.map((run) => run.collection)),
      toContainedMs: median(runs.map((run) => run.toContained)),
      isolateTotalMs: median(runs.map((run) => run.total)),
    };
    figures.ratio = figures.oursContainmentMs / figures.baselineMs;
    say(`isolate, median of ${repetitions}:`);
    say(
      `  ours (pause + disconnect + quarantine lookup/connect, custody recorded): ${figures.oursContainmentMs.toFixed(1)} ms`,
    );
    say(
      `  baseline (docker pause + network disconnect + network connect via CLI): ${figures.baselineMs.toFixed(1)} ms`,
    );
    say(
      `  ratio ours/baseline: ${figures.ratio.toFixed(2)} (target ≤ ${TARGET_RATIO.toFixed(2)}) ${figures.ratio <= TARGET_RATIO ? 'MET' : 'NOT MET'}`,
    );
    say(
      `  volatile collection before containment (inspect, case, network state, top, host /proc): ${figures.collectionMs.toFixed(1)} ms`,
    );
    say(
      `  call to contained: ${figures.toContainedMs.toFixed(1)} ms; whole isolate incl. logs: ${figures.isolateTotalMs.toFixed(1)} ms`,
    );
    return { lines, figures };
  } finally {
    await removeBenchContainers().catch(() => undefined);
    await docker(['network', 'rm', BENCH_NETWORK]).catch(() => undefined);
    if (!quarantineExisted) await docker(['network', 'rm', QUARANTINE]).catch(() => undefined);
    await rm(casesRoot, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--repetitions');
  const repetitions = at >= 0 ? Number(args[at + 1]) : 10;
  if (!Number.isInteger(repetitions) || repetitions < 1) {
    console.error('usage: node bench/isolate.mjs [--repetitions N]');
    process.exit(64);
  }
  try {
    await benchIsolate({ repetitions });
  } catch (error) {
    console.error(`bench isolate failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
