// Given a fault-injecting proxy in front of the real engine, a broken export or save leaves an honest, incomplete case.
//
// Each request gets its own connection here (keep-alive off for this file's process), so the proxy's per-connection
// fault offset is an offset into exactly one engine answer: its HTTP header plus body.
import http from 'node:http';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotResult } from '../../src/capture/common/containment.js';
import type { Progress } from '../../src/contract/envelope.js';
import type { ManifestItem } from '../../src/forensics/common/case-model.js';
import type { CaseStore } from '../../src/forensics/node/case-store.js';
import { docker, dockerSocketPath } from '../support/docker-cli.js';
import { startSocketProxy, type SocketProxy } from '../support/socket-proxy.js';
import {
  createSuspect,
  dockerStreamHash,
  makeAcquisition,
  readCustody,
  removeEvidenceImages,
  removeSuspect,
  seededRandom,
  sha256sum,
  watchUnhandledRejections,
  type Suspect,
} from './snapshot-rig.js';

const IDLE_MS = 1_500;
const SEED = 0x5eed_3a11;

type Reference = Awaited<ReturnType<typeof dockerStreamHash>>;

function item(result: SnapshotResult, kind: ManifestItem['kind']): ManifestItem {
  const found = result.items.find((candidate) => candidate.kind === kind);
  if (found === undefined) throw new Error(`no ${kind} item in ${result.items.map((i) => i.id).join(', ')}`);
  return found;
}

describe('snapshot through a fault-injecting proxy', () => {
  const savedAgent = http.globalAgent;
  let proxy: SocketProxy;
  let suspect: Suspect;
  let casesRoot: string;
  let exportRef: Reference;
  let saveRef: Reference;
  let imageId: string;
  let store: CaseStore;
  let snapshot: (
    caseName: string,
    onProgress: (progress: Progress) => void,
    container?: string,
  ) => Promise<{ result: SnapshotResult; caseDir: string; elapsedMs: number }>;
  const unhandled = watchUnhandledRejections();

  beforeAll(async () => {
    http.globalAgent = new http.Agent({ keepAlive: false });
    casesRoot = await mkdtemp(join(tmpdir(), 'hc-snap-faults-'));
    suspect = await createSuspect('snap-faults', { keepRunning: false });
    imageId = (await docker(['inspect', '-f', '{{.Image}}', suspect.id])).trim();
    exportRef = await dockerStreamHash(['export', suspect.id]);
    saveRef = await dockerStreamHash(['save', imageId]);
    proxy = await startSocketProxy({ target: dockerSocketPath() });
    const made = makeAcquisition({ socketPath: proxy.path, casesRoot, idleTimeoutMs: IDLE_MS });
    store = made.store;
    snapshot = async (caseName, onProgress, container = suspect.id) => {
      const caseDir = join(casesRoot, caseName);
      const started = performance.now();
      const result = await made.acquisition.snapshot(
        { ref: { engineId: 'default', container }, caseDir },
        { signal: new AbortController().signal, progress: onProgress },
      );
      return { result, caseDir, elapsedMs: performance.now() - started };
    };
  });
  afterEach(async () => {
    proxy.setMode('pass');
    await proxy.start();
  });
  afterAll(async () => {
    unhandled.stop();
    http.globalAgent = savedAgent;
    await proxy?.dispose();
    await removeEvidenceImages(suspect?.id);
    await removeSuspect(suspect);
    await rm(casesRoot, { recursive: true, force: true });
  });

  /** What every broken acquisition must leave: a kept partial file that is an exact prefix of the engine's stream. */
  async function expectKeptPrefix(broken: ManifestItem, caseDir: string, reference: Reference): Promise<void> {
    expect(broken.complete).toBe(false);
    expect(broken.incompleteReason).toBeTruthy();
    expect(broken.bytes).toBeLessThan(reference.bytes);
    const file = join(caseDir, broken.path);
    expect((await stat(file)).size).toBe(broken.bytes);
    expect(await sha256sum(file)).toBe(broken.sha256);
    expect(broken.sha256).toBe(reference.prefixSha256(broken.bytes));
  }

  async function expectUnsealable(caseDir: string, itemId: string): Promise<void> {
    await expect(store.seal(caseDir)).rejects.toMatchObject({
      code: 'FAILED',
      message: expect.stringContaining(`incomplete evidence items: ${itemId}`),
    });
  }

  /**
   * Passes the export's first `bytes` and holds back the rest, so the export is certainly still flowing when the
   * test strikes on its first progress report: the acquisition reads ahead (up to 8 MiB) as fast as the engine
   * sends, and this suspect's whole export can otherwise arrive before that report.
   */
  function holdExportAfter(bytes: number): () => void {
    return proxy.intercept(/\/export /, () => {
      let sent = 0;
      return {
        data: (chunk, io) => {
          if (sent >= bytes) return;
          const part = chunk.subarray(0, bytes - sent);
          sent += part.byteLength;
          io.send(part);
        },
        end: () => undefined,
      };
    });
  }

  const random = seededRandom(SEED);
  const exportOffsets = [0, 1, 2].map(() => 64 * 1024 + Math.floor(random() * 1_800_000));
  const saveOffsets = [0, 1, 2].map(() => 64 * 1024 + Math.floor(random() * 1_800_000));

  it.each(exportOffsets)(
    'given the connection is cut %i bytes into the export, then the export is kept incomplete, the rest still acquired, the case unsealable',
    async (offset) => {
      proxy.setMode('cut', { faultAfterBytes: offset });
      const { result, caseDir, elapsedMs } = await snapshot(`export-cut-${offset}`, (progress) => {
        // The cut is aimed at the export; once it is over, the engine behaves again.
        if (progress.note?.startsWith('mount-archive') === true) proxy.setMode('pass');
      });
      const exported = item(result, 'filesystem-export');
      await expectKeptPrefix(exported, caseDir, exportRef);
      expect(exported.bytes).toBeGreaterThan(0);
      expect(exported.incompleteReason).toMatch(/after \d+ bytes/);
      expect(result.items.filter((i) => i.id !== exported.id).every((i) => i.complete)).toBe(true);
      expect(item(result, 'image-save').sha256).toBe(saveRef.sha256);
      expect(result.complete).toBe(false);
      expect(result.summary).toContain(`${exported.id} incomplete`);
      expect(result.evidenceImage).toBeDefined();
      expect(elapsedMs).toBeLessThan(15_000);
      const lost = (await readCustody(caseDir)).filter((record) => record.action === 'engine.connection-lost');
      expect(lost).toHaveLength(1);
      expect(lost[0]?.params).toMatchObject({ verdict: 'no-restart-sign', restartSuspected: false });
      expect(lost[0]?.detail).toMatch(/connection to the engine lost during GET \/containers\/.*\/export/);
      expect(lost[0]?.detail).toContain('the engine answered again');
      await expectUnsealable(caseDir, exported.id);
      expect(unhandled.rejections).toEqual([]);
    },
  );

  it.each(saveOffsets)(
    'given the connection is cut %i bytes into the image save, then the save is kept incomplete and the commit still happens',
    async (offset) => {
      const { result, caseDir } = await snapshot(`save-cut-${offset}`, (progress) => {
        if (progress.note?.startsWith('image-save') === true && progress.done === 0) {
          proxy.setMode('cut', { faultAfterBytes: offset });
        }
      });
      const saved = item(result, 'image-save');
      await expectKeptPrefix(saved, caseDir, saveRef);
      expect(item(result, 'filesystem-export').sha256).toBe(exportRef.sha256);
      expect(result.complete).toBe(false);
      expect(result.evidenceImage?.reference).toMatch(/^holdcell-evidence\//);
      await expectUnsealable(caseDir, saved.id);
      expect(unhandled.rejections).toEqual([]);
    },
  );

  it('given the engine stalls mid-export, then the idle timeout abandons it within bounds and the rest is acquired', async () => {
    let stalledAt: number | undefined;
    const { result, caseDir, elapsedMs } = await snapshot('export-stall', (progress) => {
      if (stalledAt === undefined && progress.note?.startsWith('filesystem-export') === true && progress.done > 0) {
        stalledAt = performance.now();
        proxy.setMode('stall');
        // The engine recovers a little after our idle timeout: the later steps must then go through.
        setTimeout(() => proxy.setMode('pass'), IDLE_MS + 700);
      }
    });
    const exported = item(result, 'filesystem-export');
    await expectKeptPrefix(exported, caseDir, exportRef);
    expect(exported.incompleteReason).toMatch(/^idle for 1\.5 s: abandoned \(after \d+ bytes\)$/);
    expect(stalledAt).toBeDefined();
    expect(elapsedMs).toBeLessThan(15_000);
    expect(result.items.filter((i) => i.id !== exported.id).every((i) => i.complete)).toBe(true);
    await expectUnsealable(caseDir, exported.id);
    expect(unhandled.rejections).toEqual([]);
  });

  it('given the engine never starts answering the export, then the open deadline makes it an empty incomplete item, not a hang', async () => {
    const { result, caseDir, elapsedMs } = await snapshot('export-silent', (progress) => {
      if (progress.note?.startsWith('filesystem-export') === true && progress.done === 0) {
        proxy.setMode('stall');
        setTimeout(() => proxy.setMode('pass'), IDLE_MS + 700);
      }
    });
    const exported = item(result, 'filesystem-export');
    expect(exported).toMatchObject({ complete: false, bytes: 0 });
    expect(exported.incompleteReason).toContain('the engine sent no response within 1.5 s');
    expect(exported.apiCalls[0]).toMatchObject({ method: 'GET', status: 'error' });
    expect(elapsedMs).toBeLessThan(15_000);
    await expectUnsealable(caseDir, exported.id);
    expect(unhandled.rejections).toEqual([]);
  });

  it('given every connection drops mid-export (an engine crash) and the engine is back at once, then the loss is recorded with the evidence that it answered again', async () => {
    let cut = false;
    const release = holdExportAfter(600_000);
    const { result, caseDir } = await snapshot('export-crash', (progress) => {
      if (!cut && progress.note?.startsWith('filesystem-export') === true && progress.done > 0) {
        cut = true;
        release();
        proxy.cutAll();
      }
    }).finally(release);
    await expectKeptPrefix(item(result, 'filesystem-export'), caseDir, exportRef);
    const [lost] = (await readCustody(caseDir)).filter((record) => record.action === 'engine.connection-lost');
    expect(lost?.outcome).toBe('error');
    expect(lost?.params).toMatchObject({
      verdict: 'no-restart-sign',
      before: { daemonId: expect.stringMatching(/\S/), container: { status: 'exited' } },
      after: { daemonId: expect.stringMatching(/\S/), container: { status: 'exited' } },
    });
    expect(lost?.detail).toMatch(/same daemon ID .*the container's state is unchanged \(exited/);
  });

  it('given the engine goes away mid-export and comes back 0.5 s later (a restart), then the wait for it is recorded', async () => {
    let stopped = false;
    const release = holdExportAfter(600_000);
    const { result, caseDir } = await snapshot('export-restart', (progress) => {
      if (!stopped && progress.note?.startsWith('filesystem-export') === true && progress.done > 0) {
        stopped = true;
        release();
        void proxy.stop().then(() => setTimeout(() => void proxy.start(), 500));
      }
    }).finally(release);
    await expectKeptPrefix(item(result, 'filesystem-export'), caseDir, exportRef);
    const [lost] = (await readCustody(caseDir)).filter((record) => record.action === 'engine.connection-lost');
    expect(lost?.params).toMatchObject({ verdict: 'no-restart-sign' });
    expect(Number(lost?.params['waitedMs'])).toBeGreaterThanOrEqual(400);
    expect(lost?.detail).toMatch(/the engine answered again after \d\.\d s/);
    // Back in time for the rest: mounts and image complete.
    expect(result.items.filter((i) => i.kind !== 'filesystem-export').every((i) => i.complete)).toBe(true);
    expect(unhandled.rejections).toEqual([]);
  });

  it('given the engine goes away mid-export for good, then the snapshot ends within bounds saying so, keeping what it has', async () => {
    let stopped = false;
    const release = holdExportAfter(600_000);
    const { result, caseDir, elapsedMs } = await snapshot('export-gone', (progress) => {
      if (!stopped && progress.note?.startsWith('filesystem-export') === true && progress.done > 0) {
        stopped = true;
        release();
        void proxy.stop();
      }
    }).finally(release);
    expect(elapsedMs).toBeLessThan(15_000);
    await expectKeptPrefix(item(result, 'filesystem-export'), caseDir, exportRef);
    expect(result.complete).toBe(false);
    expect(result.evidenceImage).toBeUndefined();
    expect(result.summary).toMatch(/the engine did not answer again within 1\.5 s/);
    expect(result.summary).toContain('evidence image not committed');
    // The facts gathered before the loss are complete and kept; each later acquisition is an empty incomplete item.
    expect(item(result, 'container-inspect').complete).toBe(true);
    const later = result.items.filter((i) => i.kind === 'mount-archive' || i.kind === 'image-save');
    expect(later).toHaveLength(3);
    expect(later.every((i) => !i.complete && i.bytes === 0)).toBe(true);
    const custody = await readCustody(caseDir);
    const lost = custody.filter((record) => record.action === 'engine.connection-lost');
    expect(lost).toHaveLength(1);
    expect(lost[0]?.params).toMatchObject({ verdict: 'engine-not-back', after: null });
    expect(custody.find((record) => record.action === 'engine.commit')?.outcome).toBe('error');
    expect(custody.at(-1)).toMatchObject({ action: 'snapshot.finish', outcome: 'error' });
    expect(unhandled.rejections).toEqual([]);
  });

  it('given the connection drops and the container was restarted meanwhile (what a daemon restart does), then a restart is suspected and said', async () => {
    const running = await createSuspect('snap-restarted', { keepRunning: true, bulkMiB: 48 });
    try {
      const before = (await docker(['inspect', '-f', '{{.State.StartedAt}}', running.id])).trim();
      let acted = false;
      let restarted: Promise<unknown> = Promise.resolve();
      const { result, caseDir } = await snapshot(
        'export-daemon-restart',
        (progress) => {
          if (!acted && progress.note?.startsWith('filesystem-export') === true && progress.done > 0) {
            acted = true;
            proxy.setMode('stall');
            // Straight to the real engine (not through the proxy): the container restarts under our feet.
            restarted = docker(['restart', '-t', '0', running.id]).then(() => {
              proxy.cutAll();
              proxy.setMode('pass');
            });
          }
        },
        running.id,
      );
      await restarted;
      const after = (await docker(['inspect', '-f', '{{.State.StartedAt}}', running.id])).trim();
      expect(after).not.toBe(before);
      expect(item(result, 'filesystem-export').complete).toBe(false);
      const [lost] = (await readCustody(caseDir)).filter((record) => record.action === 'engine.connection-lost');
      expect(lost?.params).toMatchObject({ verdict: 'container-restarted', restartSuspected: true });
      expect(lost?.detail).toContain(`StartedAt ${before} → ${after}`);
      expect(result.summary).toContain('as happens when the daemon restarts without live-restore');
    } finally {
      await removeEvidenceImages(running.id);
      await removeSuspect(running);
    }
  });
});
