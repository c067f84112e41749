// `npm run bench:timeline`: the renderer's timeline store at a million events, in Debian's Chromium.
//
// The page (bench/timeline-page.tsx, bundled here by esbuild from the renderer's own modules, served from
// 127.0.0.1 with the workbench's CSP) generates 1,000,000 synthetic but incident-shaped events deterministically
// (bench/timeline-synthetic.ts) and:
//   1. loads them into the case's Dexie database exactly as the Timeline view does (20,000-event pages, one bulkPut
//      transaction each, every index and the search words) — time printed — and, in the same run, writes the same
//      events to a plain IndexedDB object store with no index (the baseline) — ratio printed; generating the events
//      alone is timed too, since both loads include it;
//   2. filters by technique and by text through the view's query planner (ms; first run and median of 3);
//   3. mounts the Timeline view's own event list (EventList: the view's list component, rows, row cache) over all
//      1,000,000 events, scrolls it by 97 px per frame for 600 frames and prints the p50 and p95 of the
//      requestAnimationFrame deltas (target < 16.7 ms), and the CPU time Chromium's processes used over the scroll
//      with the load average (on a busy machine a frame's wall time includes waiting for a core). Chromium runs with
//      the frame-rate limit and vsync off, so a delta is what a frame costs, not the display's 60 Hz tick;
//   4. prints the peak JS heap (CDP Performance.getMetrics, sampled every 100 ms).
//
// Alone: node bench/timeline.mjs [--events=N] [--profile=<dir>] [--scroll-only] [--trace=<file>] [--js-profile=<file>]
// --profile keeps Chromium's profile in <dir>: a later run with the same N reuses the loaded database and skips the
// load figures (for working on the filters or the list without waiting for a million-event load each time); use
// another <dir> for another N (a different N replaces the kept database).
// --trace writes a Chromium trace of the scroll (open in chrome://tracing or summarize: node bench/timeline-trace.mjs).
// --js-profile writes V8's CPU profile of the scroll (.cpuprofile, the page bundled unminified so names show).
// --scroll-only skips the filters (with --profile: a quick loop on the list).
import { build } from 'esbuild';
import { createServer } from 'node:http';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { median } from './bench-support.mjs';

const PROFILE = process.argv.find((arg) => arg.startsWith('--profile='))?.slice('--profile='.length);
const EVENTS = Number(process.argv.find((arg) => arg.startsWith('--events='))?.slice('--events='.length) ?? 1_000_000);
const TRACE = process.argv.find((arg) => arg.startsWith('--trace='))?.slice('--trace='.length);
const JS_PROFILE = process.argv.find((arg) => arg.startsWith('--js-profile='))?.slice('--js-profile='.length);
const SCROLL_ONLY = process.argv.includes('--scroll-only');
const TARGET_FRAME_MS = 16.7;
const SCROLL_FRAMES = 600;
const SCROLL_STEP_PX = 97;
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; object-src 'none'";
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

const fmt = (value) => Math.round(value).toLocaleString('en-US');
const ms = (value) => `${value < 10 ? value.toFixed(1) : fmt(value)} ms`;

async function bundle(dir) {
  await build({
    // The page, and the search worker under the name the page's `new URL('./text-search.worker.ts', …)` asks for.
    entryPoints: {
      page: fileURLToPath(new URL('./timeline-page.tsx', import.meta.url)),
      'text-search.worker': fileURLToPath(
        new URL('../renderer/src/features/timeline/text-search.worker.ts', import.meta.url),
      ),
    },
    bundle: true,
    format: 'esm',
    jsx: 'automatic',
    minify: JS_PROFILE === undefined,
    target: 'chrome120',
    outdir: dir,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  await writeFile(
    join(dir, 'index.html'),
    '<!doctype html><html><head><meta charset="utf-8"><title>bench:timeline</title>' +
      '<link rel="stylesheet" href="page.css"></head><body><main><div id="root"></div></main>' +
      '<script type="module" src="page.js"></script></body></html>',
  );
}

function serve(dir) {
  const server = createServer(async (request, response) => {
    const name = new URL(request.url ?? '/', 'http://localhost').pathname.replace(/^\/$/, '/index.html');
    // The worker is asked for by its source name (.ts): it is the bundled .js.
    const file = name.replace(/\.ts$/, '.js');
    if (!/^\/[a-z.-]+\.(html|js|css)$/.test(file)) return void response.writeHead(404).end();
    try {
      const body = await readFile(join(dir, file));
      response.writeHead(200, { 'content-type': TYPES[extname(file)], 'content-security-policy': CSP });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  // A kept profile's IndexedDB belongs to the page's origin: the same port every run, or it is never found again.
  const port = PROFILE === undefined ? 0 : 47_615;
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

/** Chromium's tracing over CDP, for --trace: what each frame of the scroll spends its time on. */
async function startTrace(cdp) {
  await cdp.send('Tracing.start', {
    transferMode: 'ReturnAsStream',
    traceConfig: {
      includedCategories: [
        'devtools.timeline',
        'disabled-by-default-devtools.timeline',
        'disabled-by-default-devtools.timeline.frame',
        'blink',
        'cc',
        'viz',
        'gpu',
        'v8.execute',
        'disabled-by-default-v8.cpu_profiler',
      ],
    },
  });
}

async function stopTrace(cdp) {
  const done = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.end');
  const { stream } = await done;
  let text = '';
  for (;;) {
    const { data, eof, base64Encoded } = await cdp.send('IO.read', { handle: stream, size: 1 << 20 });
    text += base64Encoded ? Buffer.from(data, 'base64').toString('utf8') : data;
    if (eof) break;
  }
  await cdp.send('IO.close', { handle: stream });
  return text;
}

/**
 * CPU time (ms, user + system) used so far by this process's descendants — Chromium's browser, renderer, GPU and
 * utility processes. On a busy machine a frame's wall time includes waiting for a core; this is what the frames cost.
 */
async function chromiumCpuMs() {
  const stats = new Map();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const text = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // Fields after the command name (which may hold spaces) : state ppid … utime(14) stime(15).
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (fields.length > 13)
      stats.set(Number(name), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
  }
  let ticks = 0;
  for (const [pid, { ticks: own }] of stats) {
    let parent = stats.get(pid)?.ppid;
    while (parent !== undefined && parent !== process.pid && parent > 1) parent = stats.get(parent)?.ppid;
    if (parent === process.pid) ticks += own;
  }
  // Linux reports in clock ticks of 10 ms (USER_HZ 100).
  return ticks * 10;
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export async function benchTimeline() {
  const dir = await mkdtemp(join(tmpdir(), 'holdcell-bench-timeline-'));
  const profile = PROFILE ?? join(dir, 'profile');
  const server = await serve(dir);
  let context;
  try {
    await bundle(dir);
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-frame-rate-limit',
        '--disable-gpu-vsync',
      ],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const problems = [];
    page.on('console', (message) => {
      // Chromium asks for /favicon.ico on its own; the page has none.
      if (message.location().url.endsWith('/favicon.ico')) return;
      if (message.type() === 'error' || message.text().includes('Content Security Policy'))
        problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    let peakHeap = 0;
    const sampler = setInterval(async () => {
      const { metrics } = await cdp.send('Performance.getMetrics').catch(() => ({ metrics: [] }));
      const used = metrics.find((metric) => metric.name === 'JSHeapUsedSize')?.value ?? 0;
      peakHeap = Math.max(peakHeap, used);
    }, 100);

    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => 'bench' in globalThis);
    const call = (name, ...args) =>
      page.evaluate(([method, params]) => globalThis.bench[method](...params), [name, args]);

    console.log(
      `bench:timeline — ${fmt(EVENTS)} synthetic events in ${await page.evaluate(() => navigator.userAgent.match(/Chrom\w+\/[\d.]+/)?.[0])}`,
    );
    const generateMs = await call('generate', EVENTS);
    console.log(`  generating the events alone: ${ms(generateMs)}`);
    const dexie = await call('loadDexie', EVENTS);
    if (dexie.loaded !== EVENTS) throw new Error(`Dexie load stopped at ${dexie.loaded} of ${EVENTS}`);
    if (dexie.reused) console.log(`  reused the database loaded in ${PROFILE}: no load figures this run`);
    const plain = dexie.reused ? undefined : await call('loadPlain', EVENTS);
    if (plain) {
      console.log(
        `  load into Dexie (8 indexes + search-text column, 20,000-event transactions): ${ms(dexie.ms)} (${fmt(EVENTS / (dexie.ms / 1000))} events/s)`,
      );
      console.log(
        `  baseline, same events into a plain IndexedDB object store (no index):  ${ms(plain.ms)} (${fmt(EVENTS / (plain.ms / 1000))} events/s)`,
      );
      console.log(
        `  ratio Dexie / plain: ${(dexie.ms / plain.ms).toFixed(2)} (without generation: ${((dexie.ms - generateMs) / (plain.ms - generateMs)).toFixed(2)})`,
      );
    }

    const opened = await call('open');
    console.log(`  open the loaded timeline (filter columns read back and merged): ${ms(opened.ms)}`);
    const queries = [
      ['technique T1059.004', { technique: 'T1059.004' }],
      ['technique T1098 (+ sub-techniques)', { technique: 'T1098' }],
      ['text "curl"', { text: 'curl' }],
      ['text "authorized_keys"', { text: 'authorized_keys' }],
      ['text "203.0.113.7 kworker"', { text: '203.0.113.7 kworker' }],
      ['technique T1105 + text "curl"', { technique: 'T1105', text: 'curl' }],
      [
        'source syscall + kind network.* + process nginx',
        { sources: ['syscall'], kind: 'network.*', process: 'nginx' },
      ],
      ['source syscall (most events)', { sources: ['syscall'] }],
      ['process 4242 + text "passwd"', { process: '4242', text: 'passwd' }],
    ];
    if (!SCROLL_ONLY) console.log('  filters (first run, then median of 3):');
    for (const [label, filters] of SCROLL_ONLY ? [] : queries) {
      const runs = [];
      let count = 0;
      for (let run = 0; run < 4; run += 1) {
        const answer = await call('filter', filters);
        runs.push(answer.ms);
        count = answer.count;
      }
      console.log(
        `    ${label.padEnd(48)} ${fmt(count).padStart(9)} events  ${ms(runs[0]).padStart(8)}  median ${ms(median(runs.slice(1)))}`,
      );
    }

    await call('mountList');
    if (TRACE) await startTrace(cdp);
    if (JS_PROFILE) await cdp.send('Profiler.enable').then(() => cdp.send('Profiler.start'));
    const cpuBefore = await chromiumCpuMs();
    const scroll = await call('scroll', SCROLL_FRAMES, SCROLL_STEP_PX);
    const scrollCpu = (await chromiumCpuMs()) - cpuBefore;
    if (TRACE) await writeFile(TRACE, await stopTrace(cdp));
    if (JS_PROFILE) await writeFile(JS_PROFILE, JSON.stringify((await cdp.send('Profiler.stop')).profile));
    const p95 = percentile(scroll.deltas, 95);
    console.log(
      `  scroll ${fmt(EVENTS)} rows, ${SCROLL_STEP_PX} px/frame × ${SCROLL_FRAMES} frames: p50 ${ms(percentile(scroll.deltas, 50))}, ` +
        `p95 ${ms(p95)}, max ${ms(Math.max(...scroll.deltas))} (target p95 < ${TARGET_FRAME_MS} ms: ${p95 < TARGET_FRAME_MS ? 'met' : 'NOT met'}); ` +
        `rows drawn before their data arrived: ${fmt(scroll.blankRows)} row-frames`,
    );
    console.log(
      `  Chromium's CPU time over the scroll (all its processes): ${ms(scrollCpu)}, ${ms(scrollCpu / SCROLL_FRAMES)} per frame; ` +
        `load average ${loadavg()
          .map((value) => value.toFixed(2))
          .join(' ')}`,
    );
    clearInterval(sampler);
    console.log(`  peak JS heap: ${(peakHeap / 1024 / 1024).toFixed(0)} MiB`);
    if (problems.length > 0) throw new Error(`the page reported problems:\n${problems.join('\n')}`);
    return { dexieMs: dexie.ms, plainMs: plain?.ms, p95, peakHeap };
  } finally {
    await context?.close();
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchTimeline().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
