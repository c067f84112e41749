// Given the engine connection cut at hundreds of random offsets during export and save, every item is honest.
//
// Each run acquires one stream through the real path (dockerode → acquireStream → the case's addStream) with a
// fault proxy in front of the real socket that destroys the connection after N engine bytes (HTTP head and chunk
// framing included). The offsets come from a seeded PRNG: the seed is printed and HC_FAULT_SEED=<seed> replays it.
// Keep-alive is off for this file so each request has its own connection and N is an offset into one answer.
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerEngine } from '../../src/capture/node/docker-engine.js';
import type { CaseRecorder } from '../../src/forensics/common/case-recorder.js';
import { CaseStore } from '../../src/forensics/node/case-store.js';
import { docker, dockerSocketPath } from '../support/docker-cli.js';
import { startSocketProxy, type SocketProxy } from '../support/socket-proxy.js';
import {
  acquireOnce,
  createSmallSuspect,
  spliceProblem,
  watchProcessFaults,
  type Reference,
  type StreamKind,
} from './acquisition-faults-rig.js';
import { dockerStreamHash, seededRandom } from './snapshot-rig.js';

const IDLE_MS = 2_000;
/** A run may take the idle timeout plus this much (case writes, fsyncs, a slow engine on a busy machine). */
const RUN_SLACK_MS = 3_000;
const RUNS: Record<StreamKind, number> = { export: 160, save: 140 };
const SEED = Number(process.env['HC_FAULT_SEED'] ?? Math.floor(Math.random() * 0xffff_ffff));

interface RunRecord {
  kind: StreamKind;
  offset: number;
  complete: boolean;
  bytes: number;
  elapsedMs: number;
  reason?: string;
  problem?: string;
}

/**
 * Offsets over the whole raw answer, with extra weight where faults hide: inside the HTTP head and first chunk,
 * and in the last 2 KiB (the tar's end blocks and the chunked terminator). One in twenty falls past the end: those
 * runs must come out complete and identical to the reference.
 */
function offsets(random: () => number, count: number, total: number): number[] {
  // Fixed edges first: before the status line, mid-head, 1 and 5 bytes before the end (inside the chunked
  // terminator, after the tar's last byte), and past the end.
  const edges = [0, 17, 120, total - 5, total - 1, total + 100];
  return edges.concat(
    Array.from({ length: count - edges.length }, () => {
      const pick = random();
      if (pick < 0.15) return Math.floor(random() * 600);
      if (pick < 0.3) return Math.max(0, total - 2_100 + Math.floor(random() * 2_120));
      if (pick < 0.35) return total + 64 + Math.floor(random() * 4_096);
      return Math.floor(random() * total);
    }),
  );
}

describe('acquisition cut at random offsets through a fault proxy in front of the real engine', () => {
  const savedAgent = http.globalAgent;
  const faults = watchProcessFaults();
  const random = seededRandom(SEED);
  const references = {} as Record<StreamKind, Reference>;
  /** Raw engine bytes of an uncut answer (head, chunk framing, body), as the proxy counted them. */
  const rawTotals = {} as Record<StreamKind, number>;
  /** The part of rawTotals that is not body: HTTP head and chunk framing. */
  const overheads = {} as Record<StreamKind, number>;
  const records: RunRecord[] = [];
  let proxy: SocketProxy;
  let engine: DockerEngine;
  let recorder: CaseRecorder;
  let caseDir: string;
  let casesRoot: string;
  let suspect: { id: string; imageId: string } | undefined;

  beforeAll(async () => {
    console.log(`acquisition-faults-cuts: seed ${SEED} (replay with HC_FAULT_SEED=${SEED})`);
    http.globalAgent = new http.Agent({ keepAlive: false });
    casesRoot = await mkdtemp(join(tmpdir(), 'hc-acq-cuts-'));
    suspect = await createSmallSuspect('acq-cuts');
    references.export = await dockerStreamHash(['export', suspect.id]);
    references.save = await dockerStreamHash(['save', suspect.imageId]);
    proxy = await startSocketProxy({ target: dockerSocketPath() });
    engine = new DockerEngine('default', { kind: 'unix', socketPath: proxy.path });
    const store = new CaseStore({ casesRoot, operator: 'responder-under-test', toolVersion: 'holdcell test' });
    caseDir = join(casesRoot, 'cuts');
    recorder = await store.openOrCreate(caseDir);
    // One uncut run of each through the proxy: the proxy itself must not change a byte, and it measures the answer.
    for (const kind of ['export', 'save'] as const) {
      const { outcome } = await acquireOnce({
        engine,
        recorder,
        suspect,
        kind,
        id: `uncut-${kind}`,
        idleTimeoutMs: IDLE_MS,
      });
      expect(outcome.item.complete, outcome.item.incompleteReason).toBe(true);
      expect(outcome.item.sha256).toBe(references[kind].sha256);
      const last = proxy.history().at(-1);
      expect(last?.request).toContain(kind === 'export' ? '/export' : '/get');
      rawTotals[kind] = last?.engineBytes ?? 0;
      expect(rawTotals[kind]).toBeGreaterThan(references[kind].bytes);
      overheads[kind] = rawTotals[kind] - references[kind].bytes;
    }
  }, 120_000);

  afterAll(async () => {
    faults.stop();
    http.globalAgent = savedAgent;
    await proxy?.dispose();
    if (suspect) await docker(['rm', '-f', suspect.id]).catch(() => undefined);
    await rm(casesRoot, { recursive: true, force: true });
    if (process.env['HC_FAULT_DEBUG']) {
      for (const r of [...records].sort((a, b) => b.elapsedMs - a.elapsedMs).slice(0, 400))
        console.log(`${r.kind} ${r.offset} ${Math.round(r.elapsedMs)}ms ${r.bytes} ${r.reason ?? 'complete'}`);
    }
    const complete = records.filter((record) => record.complete).length;
    const slowest = Math.max(0, ...records.map((record) => record.elapsedMs));
    console.log(
      `acquisition-faults-cuts: seed ${SEED}, ${records.length} cut runs (${complete} complete, ` +
        `${records.length - complete} incomplete), slowest run ${Math.round(slowest)} ms, ` +
        `process faults ${faults.count}`,
    );
  });

  async function cutRuns(kind: StreamKind): Promise<RunRecord[]> {
    const runs: RunRecord[] = [];
    const only = kind === 'export' ? /\/export / : /\/get /;
    for (const [index, offset] of offsets(random, RUNS[kind], rawTotals[kind]).entries()) {
      proxy.setMode('cut', { faultAfterBytes: offset, only });
      const id = `${kind}-cut-${String(index).padStart(3, '0')}-at-${offset}`;
      try {
        const { outcome, elapsedMs } = await acquireOnce({
          engine,
          recorder,
          suspect: suspect as { id: string; imageId: string },
          kind,
          id,
          idleTimeoutMs: IDLE_MS,
        });
        const { item } = outcome;
        const problem = await spliceProblem(caseDir, item, references[kind]);
        runs.push({
          kind,
          offset,
          complete: item.complete,
          bytes: item.bytes,
          elapsedMs,
          ...(item.incompleteReason === undefined ? {} : { reason: item.incompleteReason }),
          ...(problem === undefined ? {} : { problem }),
        });
      } finally {
        proxy.setMode('pass');
      }
    }
    records.push(...runs);
    return runs;
  }

  /** Everything a cut run must satisfy, as one list of violations (empty when all runs were honest). */
  function violations(runs: RunRecord[], kind: StreamKind): string[] {
    const total = rawTotals[kind];
    return runs.flatMap((run) => {
      const found: string[] = [];
      const at = `seed ${SEED}, ${kind} cut at ${run.offset}`;
      if (run.problem) found.push(`${at}: ${run.problem}`);
      if (run.elapsedMs > IDLE_MS + RUN_SLACK_MS) found.push(`${at}: took ${Math.round(run.elapsedMs)} ms`);
      // Well before the end of the answer the cut must show; past the end of it nothing was cut. (Chunk framing
      // varies by a few bytes between answers, so the last 64 bytes before the measured end may go either way.)
      if (run.offset < total - 64 && run.complete) found.push(`${at}: cut before the end, yet complete`);
      if (run.offset > total + 64 && !run.complete) found.push(`${at}: not cut, yet incomplete: ${run.reason ?? ''}`);
      // Every body byte that reached HoldCell is kept: of the N bytes let through, at most the answer's head and
      // chunk framing (measured on the uncut answer) are not body.
      const reached = Math.min(run.offset, total) - overheads[kind];
      if (!run.complete && run.bytes < reached) {
        found.push(`${at}: kept ${run.bytes} bytes, but at least ${reached} body bytes had arrived`);
      }
      return found;
    });
  }

  it.each(['export', 'save'] as const)(
    'given the %s connection is cut at random offsets, then each item is complete and identical to the reference, or incomplete, kept, with a reason and an exact prefix; never late, never spliced',
    async (kind) => {
      const runs = await cutRuns(kind);
      expect(runs).toHaveLength(RUNS[kind]);
      expect(violations(runs, kind)).toEqual([]);
      // The offsets reach every part of the answer: some runs keep nothing, some keep a part, some are whole.
      expect(runs.some((run) => !run.complete && run.bytes === 0)).toBe(true);
      expect(runs.some((run) => !run.complete && run.bytes > 0)).toBe(true);
      // Each incomplete item says why, in words a responder can act on.
      for (const run of runs.filter((r) => !r.complete)) {
        expect(run.reason, `seed ${SEED}, ${kind} cut at ${run.offset}`).toMatch(
          /after \d+ bytes|failed: |end-of-archive|ended after/,
        );
      }
      expect(faults.seen).toEqual([]);
    },
    120_000,
  );
});
