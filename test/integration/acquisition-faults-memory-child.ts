// Child process for the memory suite: one product stream through the fault proxy, its memory sampled, one JSON line out.
//
// Bundled by the test with esbuild and run as `node child.cjs '<spec JSON>'`, so the figures are HoldCell's own:
// not the test runner's, not the proxy's (which stays in the parent). Baselines are taken once the engine and
// the case are open, right before the stream starts; peaks are sampled every 5 ms and at the end.
import { createReadStream } from 'node:fs';
import http from 'node:http';
import { DockerEngine } from '../../src/capture/node/docker-engine.js';
import { CaseStore } from '../../src/forensics/node/case-store.js';
import { acquireOnce } from './acquisition-faults-rig.js';

export type ChildSpec =
  | {
      scenario: 'export';
      socketPath: string;
      caseDir: string;
      containerId: string;
      /** A small container exported first, so one-time costs (HTTP parser, module loads) are not the stream's. */
      warmUpId: string;
      idleTimeoutMs: number;
    }
  | { scenario: 'exec'; socketPath: string; containerId: string; bytes: number }
  | { scenario: 'load'; socketPath: string; tarFile: string }
  | { scenario: 'save'; socketPath: string; image: string };

export interface ChildReport {
  /** Peak growth over the baseline, in bytes. */
  rss: number;
  arrayBuffers: number;
  /** The JS heap's reserved size (young generation growth shows here, not in live data). */
  heapTotal: number;
  ms: number;
  /** What the product said: an item's facts, bytes read, or the error message. */
  outcome: Record<string, unknown>;
}

function sampler(): { stop: () => { rss: number; arrayBuffers: number; heapTotal: number } } {
  const base = process.memoryUsage();
  let rss = 0;
  let arrayBuffers = 0;
  let heapTotal = 0;
  const sample = (): void => {
    const now = process.memoryUsage();
    rss = Math.max(rss, now.rss - base.rss);
    arrayBuffers = Math.max(arrayBuffers, now.arrayBuffers - base.arrayBuffers);
    heapTotal = Math.max(heapTotal, now.heapTotal - base.heapTotal);
  };
  const timer = setInterval(sample, 5);
  return {
    stop: () => {
      sample();
      clearInterval(timer);
      return { rss, arrayBuffers, heapTotal };
    },
  };
}

async function drain(stream: AsyncIterable<unknown>): Promise<{ bytes: number; error?: string }> {
  let bytes = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Uint8Array>) bytes += chunk.byteLength;
    return { bytes };
  } catch (error) {
    return { bytes, error: (error as Error).message };
  }
}

async function run(spec: ChildSpec): Promise<ChildReport> {
  // One connection per request, as in the parent's suites, so the proxy's per-request faults land where aimed.
  http.globalAgent = new http.Agent({ keepAlive: false });
  const engine = new DockerEngine('default', { kind: 'unix', socketPath: spec.socketPath });
  let work: () => Promise<Record<string, unknown>>;
  if (spec.scenario === 'export') {
    const store = new CaseStore({ casesRoot: spec.caseDir, operator: 'memory-child', toolVersion: 'holdcell test' });
    const recorder = await store.openOrCreate(spec.caseDir);
    const suspect = { id: spec.containerId, imageId: '' };
    await acquireOnce({
      engine,
      recorder,
      suspect: { id: spec.warmUpId, imageId: '' },
      kind: 'export',
      id: 'warm-up',
      idleTimeoutMs: spec.idleTimeoutMs,
    });
    work = async () => {
      const { outcome } = await acquireOnce({
        engine,
        recorder,
        suspect,
        kind: 'export',
        id: 'large-export',
        idleTimeoutMs: spec.idleTimeoutMs,
      });
      const { complete, bytes, sha256, incompleteReason } = outcome.item;
      return { complete, bytes, sha256, ...(incompleteReason === undefined ? {} : { incompleteReason }) };
    };
  } else if (spec.scenario === 'exec') {
    work = async () => {
      const exec = await engine.execStreams(spec.containerId, { cmd: ['head', '-c', String(spec.bytes), '/dev/zero'] });
      const [stdout, stderr] = await Promise.all([drain(exec.stdout), drain(exec.stderr)]);
      return { stdout, stderr };
    };
  } else if (spec.scenario === 'load') {
    work = async () => {
      try {
        return { loaded: await engine.loadImage(createReadStream(spec.tarFile)) };
      } catch (error) {
        return { error: (error as Error).message };
      }
    };
  } else {
    work = async () => {
      try {
        const stream = await engine.saveImage(spec.image);
        return { opened: await drain(stream) };
      } catch (error) {
        return { error: (error as Error).message, statusCode: (error as { statusCode?: number }).statusCode };
      }
    };
  }
  const memory = sampler();
  const started = performance.now();
  const outcome = await work();
  const ms = performance.now() - started;
  return { ...memory.stop(), ms, outcome };
}

run(JSON.parse(process.argv[2] ?? '{}') as ChildSpec).then(
  (report) => process.stdout.write(`${JSON.stringify(report)}\n`),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
