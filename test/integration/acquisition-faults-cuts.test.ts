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
import { startSocketProxy, type ConnectionRecord, type SocketProxy } from '../support/socket-proxy.js';
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
  /** Whether the cut certainly truncated the answer (undefined: it fell exactly at the end). */
  truncated?: boolean;
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
      const last = await lastConnection(kind === 'export' ? /\/export / : /\/get /);
      expect(last).toMatchObject({ engineEnded: true, faulted: false });
      rawTotals[kind] = last.engineBytes;
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
    // HC_FAULT_DEBUG=1 lists every run, slowest first: offset, time, bytes kept, outcome.
    if (process.env['HC_FAULT_DEBUG']) {
      for (const r of [...records].sort((a, b) => b.elapsedMs - a.elapsedMs)) {
        console.log(`${r.kind} ${r.offset} ${Math.round(r.elapsedMs)}ms ${r.bytes} ${r.reason ?? 'complete'}`);
      }
    }
    const complete = records.filter((record) => record.complete).length;
    const slowest = Math.max(0, ...records.map((record) => record.elapsedMs));
    console.log(
      `acquisition-faults-cuts: seed ${SEED}, ${records.length} cut runs (${complete} complete, ` +
        `${records.length - complete} incomplete), slowest run ${Math.round(slowest)} ms, ` +
        `process faults ${faults.count}`,
    );
  });

  /** The proxy's record of the run's connection, once it has closed. */
  async function lastConnection(only: RegExp): Promise<ConnectionRecord> {
    for (let waited = 0; proxy.connections() > 0 && waited < 2_000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const found = [...proxy.history()].reverse().find((record) => only.test(record.request));
    if (found === undefined) throw new Error(`the proxy saw no connection matching ${String(only)}`);
    return found;
  }

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
        const connection = await lastConnection(only);
        // Certainly cut short: the offset is inside the body's length alone, or the proxy held engine bytes back.
        // Certainly whole: the fault never struck and the engine ended its answer. Otherwise (the cut fell exactly
        // at the end) either outcome is honest, and only the splice rules apply.
        const truncated =
          offset < references[kind].bytes || (connection.faulted && connection.engineBytes > offset)
            ? true
            : !connection.faulted && connection.engineEnded
              ? false
              : undefined;
        runs.push({
          kind,
          offset,
          ...(truncated === undefined ? {} : { truncated }),
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
      if (run.truncated === true && run.complete) found.push(`${at}: cut before the end, yet complete`);
      if (run.truncated === false && !run.complete) found.push(`${at}: not cut, yet incomplete: ${run.reason ?? ''}`);
      // Every body byte that reached HoldCell is kept: of the N bytes let through, only the answer's head and chunk
      // framing are not body. Framing varies a little between answers (chunk sizes follow the engine's reads), so
      // twice the uncut answer's overhead is allowed; the bug this guards against lost whole 64 KiB reads.
      const reached = Math.min(run.offset, total) - 2 * overheads[kind];
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
      expect(runs.some((run) => run.complete)).toBe(true);
      // Nearly every run has a certain verdict (cut short, or not cut at all) that its outcome was checked against.
      expect(runs.filter((run) => run.truncated === undefined).length).toBeLessThan(runs.length / 10);
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
