// bench:diff's measuring half: one case measured in a fresh process, as `holdcell diff` would run on it.
//
// diff.mjs writes the synthetic evidence, then starts this script once per case, so no figure carries the heap
// left by making the evidence or by an earlier case. In the same process, on the same two tars:
//   (a) baseline: read both tars start to end and throw the bytes away (fs stream to nowhere), best of two,
//       around (b), with the page cache warm;
//   (b) ours: DiffService.diff with rebuild (index both tars, reconstruct, diff, packages, findings, write analysis);
//   then, when `cold` is asked and this runs as root, (a) and (b) again with the page cache dropped before each.
// Prints one JSON line with every figure. Runs the compiled code: `npm run build` first.
//
//   node bench/diff-measure.mjs '<json: { casesRoot, caseDir, tars: [export, image], cold }>'
import { execFileSync } from 'node:child_process';
import { accessSync, constants as fsConstants, createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

const DIST = new URL('../dist/src/', import.meta.url);
const DROP_CACHES = '/proc/sys/vm/drop_caches';

async function loadDist() {
  const load = (path) => import(new URL(path, DIST).href);
  try {
    const [{ CaseStore }, { DiffService }] = await Promise.all([
      load('forensics/node/case-store.js'),
      load('forensics/node/diff-service.js'),
    ]);
    return { CaseStore, DiffService };
  } catch (error) {
    throw new Error(
      `cannot load the compiled code from ${DIST.pathname}: run \`npm run build\` first (${error.message})`,
      {
        cause: error,
      },
    );
  }
}

/** (a) the baseline: every byte of both tars read through an fs stream and dropped. */
async function readBoth(files) {
  const started = performance.now();
  let bytes = 0;
  for (const file of files) {
    for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) bytes += chunk.length;
  }
  return { ms: performance.now() - started, bytes };
}

/** (b) ours: the real DiffService on the case, from nothing (rebuild), with the time of each stage. */
async function ourDiff(DiffService, store, caseDir) {
  const service = new DiffService({ cases: store });
  const stages = [];
  const started = performance.now();
  const summary = await service.diff(
    { caseDir, rebuild: true },
    {
      signal: new AbortController().signal,
      progress: (progress) => {
        // Stage boundaries only (whole numbers); the byte progress within indexing is not a stage.
        if (Number.isInteger(progress.done))
          stages.push({ note: progress.note ?? '', at: performance.now() - started });
      },
    },
  );
  return { ms: performance.now() - started, summary, stages };
}

/** The page cache can be dropped only as root; the cold figures are skipped (and said so) otherwise. */
export function canDropCaches() {
  try {
    accessSync(DROP_CACHES, fsConstants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Every clean page out of memory: the next read of the evidence comes from the disk. */
async function dropPageCache() {
  execFileSync('sync');
  await writeFile(DROP_CACHES, '3');
}

export async function measureCase({ casesRoot, caseDir, tars, cold }) {
  const { CaseStore, DiffService } = await loadDist();
  const store = new CaseStore({ casesRoot, operator: 'bench', toolVersion: 'holdcell bench' });
  // Warm the page cache for both sides alike, then measure baseline, ours, baseline again.
  await readBoth(tars);
  const before = await readBoth(tars);
  const ours = await ourDiff(DiffService, store, caseDir);
  const after = await readBoth(tars);
  const figures = {
    bytes: before.bytes,
    baselineMs: Math.min(before.ms, after.ms),
    oursMs: ours.ms,
    stages: ours.stages,
    summary: {
      counts: ours.summary.counts,
      indexed: ours.summary.indexed,
      findings: ours.summary.findings.total,
    },
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
  if (cold && canDropCaches()) {
    await dropPageCache();
    const coldBefore = await readBoth(tars);
    await dropPageCache();
    const coldOurs = await ourDiff(DiffService, store, caseDir);
    await dropPageCache();
    const coldAfter = await readBoth(tars);
    figures.cold = { baselineMs: Math.min(coldBefore.ms, coldAfter.ms), oursMs: coldOurs.ms };
  }
  return figures;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = await measureCase(JSON.parse(process.argv[2] ?? '{}'));
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
