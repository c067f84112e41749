// Given a stall, corrupt framing, damaged JSON progress or an HTTP 500 between HoldCell and the real engine, nothing is lost.
//
// The proxy sits in front of the real socket. Where a healthy dockerd cannot be made to misbehave on demand, the
// proxy edits its real answer (acquisition-faults-http.ts): each such forgery is named in its test. Keep-alive is
// off so each request has its own connection and a fault aimed at one call hits only that call.
import http from 'node:http';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotResult } from '../../src/capture/common/containment.js';
import { DockerEngine } from '../../src/capture/node/docker-engine.js';
import type { Progress } from '../../src/contract/envelope.js';
import type { ManifestItem } from '../../src/forensics/common/case-model.js';
import type { CaseRecorder } from '../../src/forensics/common/case-recorder.js';
import { CaseStore } from '../../src/forensics/node/case-store.js';
import { createTestContainer, docker, dockerSocketPath, TEST_IMAGES } from '../support/docker-cli.js';
import { startSocketProxy, type SocketProxy } from '../support/socket-proxy.js';
import { editResponse, insertAt, patchAt } from './acquisition-faults-http.js';
import {
  acquireOnce,
  createSmallSuspect,
  fileFacts,
  spliceProblem,
  watchProcessFaults,
  type Reference,
} from './acquisition-faults-rig.js';
import { call, containment, caseStore } from './isolate-scene.js';
import { dockerStreamHash, makeAcquisition, removeEvidenceImages, run } from './snapshot-rig.js';

const IDLE_MS = 1_500;
const MIB = 1024 * 1024;
/** A frame size no engine sends: every byte after the header is claimed by one 4 GiB frame. */
const FOUR_GIB = Buffer.from([0xff, 0xff, 0xff, 0xff]);

function itemOf(result: SnapshotResult, kind: ManifestItem['kind']): ManifestItem {
  const found = result.items.find((candidate) => candidate.kind === kind);
  if (found === undefined) throw new Error(`no ${kind} item: ${result.summary}`);
  return found;
}

/** Reads a stream to its end or failure, counting bytes and sampling this process's arrayBuffers as it goes. */
async function consume(stream: PassThrough | AsyncIterable<unknown>): Promise<{ bytes: number; error?: Error }> {
  let bytes = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Uint8Array>) bytes += chunk.byteLength;
    return { bytes };
  } catch (error) {
    return { bytes, error: error as Error };
  }
}

/** Peak growth of Buffer/ArrayBuffer memory while `work` runs, sampled every 5 ms. */
async function peakArrayBuffers<T>(work: () => Promise<T>): Promise<{ value: T; peak: number }> {
  const base = process.memoryUsage().arrayBuffers;
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
  }, 5);
  try {
    const value = await work();
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
    return { value, peak };
  } finally {
    clearInterval(timer);
  }
}

describe('acquisition faults beyond a cut: stalls, corrupt framing, damaged JSON, HTTP 500', () => {
  const savedAgent = http.globalAgent;
  const faults = watchProcessFaults();
  let proxy: SocketProxy;
  let engine: DockerEngine;
  let casesRoot: string;
  let recorder: CaseRecorder;
  let suspect: { id: string; imageId: string };
  /** A running container (stdout and stderr written) for logs and exec. */
  let talker: string;
  let exportRef: Reference;
  let saveRef: Reference;
  const removeLater: string[] = [];

  beforeAll(async () => {
    http.globalAgent = new http.Agent({ keepAlive: false });
    casesRoot = await mkdtemp(join(tmpdir(), 'hc-acq-streams-'));
    suspect = await createSmallSuspect('acq-streams');
    removeLater.push(suspect.id);
    talker = await createTestContainer({
      name: 'acq-talker',
      args: ['--network', 'none'],
      command: ['sh', '-c', 'echo "started on stdout"; echo "warning on stderr" >&2; exec sleep 600'],
      start: true,
    });
    removeLater.push(talker);
    exportRef = await dockerStreamHash(['export', suspect.id]);
    saveRef = await dockerStreamHash(['save', suspect.imageId]);
    proxy = await startSocketProxy({ target: dockerSocketPath() });
    engine = new DockerEngine('default', { kind: 'unix', socketPath: proxy.path });
    const store = new CaseStore({ casesRoot, operator: 'responder-under-test', toolVersion: 'holdcell test' });
    recorder = await store.openOrCreate(join(casesRoot, 'streams'));
  }, 120_000);

  afterAll(async () => {
    faults.stop();
    http.globalAgent = savedAgent;
    await proxy?.dispose();
    if (suspect) await removeEvidenceImages(suspect.id);
    for (const id of removeLater) await docker(['rm', '-f', id]).catch(() => undefined);
    await rm(casesRoot, { recursive: true, force: true });
  });

  describe('given the engine stalls mid-stream (forged: the proxy passes part of the body, then nothing, connection open)', () => {
    it('when the export stalls after 600,000 bytes in a snapshot, then the idle timeout abandons it, the item and the summary the UI renders say so, and the rest is acquired', async () => {
      const { acquisition } = makeAcquisition({ socketPath: proxy.path, casesRoot, idleTimeoutMs: IDLE_MS });
      const stop = proxy.intercept(/\/export /, editResponse({ truncateAt: 600_000, ending: 'stall' }));
      const progress: Progress[] = [];
      const caseDir = join(casesRoot, 'stall-export');
      const started = performance.now();
      const result = await acquisition
        .snapshot(
          { ref: { engineId: 'default', container: suspect.id }, caseDir },
          { signal: new AbortController().signal, progress: (event) => progress.push(event) },
        )
        .finally(stop);
      const elapsedMs = performance.now() - started;
      const exported = itemOf(result, 'filesystem-export');
      expect(exported).toMatchObject({
        complete: false,
        bytes: 600_000,
        incompleteReason: 'idle for 1.5 s: abandoned (after 600000 bytes)',
      });
      expect(await spliceProblem(caseDir, exported, exportRef)).toBeUndefined();
      // What ContainerActions renders: the summary (warning style, as complete is false) and, per item,
      // "incomplete: <reason>"; while running, JobStatus shows each progress note.
      expect(result.complete).toBe(false);
      expect(result.summary).toMatch(/ INCOMPLETE: /);
      expect(result.summary).toContain(`${exported.id} incomplete: idle for 1.5 s: abandoned (after 600000 bytes)`);
      const notes = progress.map((event) => event.note ?? '');
      expect(notes).toContain(`filesystem-export ${exported.id}.tar`);
      expect(
        progress.some((event) => event.note?.startsWith('filesystem-export') === true && event.done === 600_000),
      ).toBe(true);
      expect(notes.some((note) => note.startsWith('image-save'))).toBe(true);
      // The stall cost the idle timeout (plus the wait to see the engine answer again), not a hang.
      expect(itemOf(result, 'image-save').sha256).toBe(saveRef.sha256);
      expect(result.evidenceImage).toBeDefined();
      expect(elapsedMs).toBeLessThan(2 * IDLE_MS + 8_000);
    });

    it('when the save stalls after 300,000 bytes, then the idle timeout fires on the save too, every byte received kept', async () => {
      const stop = proxy.intercept(/\/get /, editResponse({ truncateAt: 300_000, ending: 'stall' }));
      const { outcome, elapsedMs } = await acquireOnce({
        engine,
        recorder,
        suspect,
        kind: 'save',
        id: 'save-stalled',
        idleTimeoutMs: IDLE_MS,
      }).finally(stop);
      expect(outcome.item).toMatchObject({
        complete: false,
        bytes: 300_000,
        incompleteReason: 'idle for 1.5 s: abandoned (after 300000 bytes)',
      });
      expect(await spliceProblem(recorder.caseDir, outcome.item, saveRef)).toBeUndefined();
      expect(elapsedMs).toBeGreaterThanOrEqual(IDLE_MS - 50);
      expect(elapsedMs).toBeLessThan(IDLE_MS + 3_000);
    });
  });

  describe('given multiplexed streams whose frame header claims 4 GiB (forged: the proxy rewrites the size field)', () => {
    it('when isolate collects the logs, then the logs item is kept as received but incomplete, naming the header; the step says so', async () => {
      const stop = proxy.intercept(/\/logs\?/, editResponse({ body: patchAt(4, FOUR_GIB) }));
      const store = caseStore(casesRoot);
      const caseDir = join(casesRoot, 'logs-4gib');
      try {
        const result = await containment(store, { socketPath: proxy.path }).isolate(
          { ref: { engineId: 'default', container: talker }, caseDir, mode: 'pause', dryRun: false },
          call(),
        );
        const logs = result.steps.find((step) => step.action === 'logs');
        expect(logs?.status).toBe('failed');
        expect(logs?.detail).toContain('declared 4294967295 bytes: cut short, or the header is corrupt');
        const item = (await store.summary(caseDir)).items.find((candidate) => candidate.kind === 'container-logs');
        expect(item).toMatchObject({ complete: false, incompleteReason: expect.stringContaining('at byte 0') });
        const kept = await readFile(join(caseDir, item?.path ?? ''));
        // Kept exactly as it came: the forged size, then the real log bytes.
        // (The first frame is stdout's or stderr's line, whichever the engine logged first.)
        expect([1, 2]).toContain(kept[0]);
        expect(kept.subarray(1, 8)).toEqual(Buffer.from([0, 0, 0, 0xff, 0xff, 0xff, 0xff]));
        expect(kept.toString('latin1')).toContain('started on stdout');
        expect((await fileFacts(caseDir, item as ManifestItem)).sha256).toBe(item?.sha256);
      } finally {
        stop();
        await docker(['unpause', talker]).catch(() => undefined);
      }
    });

    it('when an exec streams 96 MiB behind the forged header, then the output flows in bounded memory and ends with an error naming the frame', async () => {
      const stop = proxy.intercept(/\/exec\/[0-9a-f]+\/start/, editResponse({ body: patchAt(4, FOUR_GIB) }));
      try {
        const started = performance.now();
        const { value, peak } = await peakArrayBuffers(async () => {
          const exec = await engine.execStreams(talker, { cmd: ['head', '-c', String(96 * MIB), '/dev/zero'] });
          const [out, err] = await Promise.all([consume(exec.stdout), consume(exec.stderr)]);
          return { out, err, exit: await exec.exitCode() };
        });
        expect(value.out.error?.message).toMatch(
          /ended \d+ bytes into a frame whose header \(at byte 0\) declared 4294967295 bytes/,
        );
        // Every byte after the forged header came through as stdout (the real later headers included): none held back.
        expect(value.out.bytes).toBeGreaterThanOrEqual(96 * MIB);
        expect(value.err).toEqual({ bytes: 0 });
        expect(value.exit).toBe(0);
        expect(peak).toBeLessThan(64 * MIB);
        console.log(
          `4 GiB exec frame: 96 MiB through in ${Math.round(performance.now() - started)} ms, peak arrayBuffers +${(peak / MIB).toFixed(1)} MiB`,
        );
      } finally {
        stop();
      }
    });

    it('when the header is not a header at all (stream type 7), then the exec output ends with that error instead of mixing streams', async () => {
      const stop = proxy.intercept(/\/exec\/[0-9a-f]+\/start/, editResponse({ body: patchAt(0, Buffer.from([7])) }));
      try {
        const exec = await engine.execStreams(talker, { cmd: ['sh', '-c', 'echo out; echo err >&2'] });
        const [out, err] = await Promise.all([consume(exec.stdout), consume(exec.stderr)]);
        expect(out.error?.message).toContain('not a multiplexed frame header at byte 0 (stream type 0x07');
        expect(out.bytes).toBe(0);
        expect(err.bytes).toBe(0);
      } finally {
        stop();
      }
    });
  });

  describe('given JSON progress streams with lines that are not JSON (forged: the proxy inserts them)', () => {
    it('when docker load answers with a non-JSON line first, then the load fails clearly instead of reading past a possible error', async () => {
      const image = await savedImage();
      const stop = proxy.intercept(
        /\/images\/load/,
        editResponse({ body: insertAt(0, Buffer.from('<html>502 Bad Gateway</html>\n')) }),
      );
      try {
        await expect(engine.loadImage(chunks(image))).rejects.toThrow(
          /answered the image load with a damaged report \(line 1 of the engine's report is not JSON \(28 bytes\)\): whether the image loaded cannot be confirmed/,
        );
      } finally {
        stop();
      }
      // Undamaged, the same load goes through and its report is kept.
      expect(await engine.loadImage(chunks(image))).toMatch(/Loaded image/);
    });

    it('when a snapshot commits and the answer is not JSON, then the snapshot says the image cannot be named, and everything else is complete', async () => {
      const { acquisition } = makeAcquisition({ socketPath: proxy.path, casesRoot, idleTimeoutMs: IDLE_MS });
      const stop = proxy.intercept(
        /\/commit\?/,
        editResponse({ body: () => Buffer.alloc(0), append: Buffer.from('{"Id": "sha256:trunc') }),
      );
      try {
        const result = await acquisition.snapshot(
          { ref: { engineId: 'default', container: suspect.id }, caseDir: join(casesRoot, 'commit-garbled') },
          { signal: new AbortController().signal, progress: () => undefined },
        );
        expect(result.evidenceImage).toBeUndefined();
        expect(result.summary).toContain(
          'the answer is not the {"Id": …} document it should be, so the new image cannot be named (it may exist anyway)',
        );
        expect(result.items.every((item) => item.complete)).toBe(true);
        expect(itemOf(result, 'filesystem-export').sha256).toBe(exportRef.sha256);
      } finally {
        stop();
      }
    });
  });

  describe('given an HTTP 500 or a broken body after the headers were sent', () => {
    it('when the chunked body breaks after 700,000 bytes of export (a chunk size that is not hex), then every byte before it is kept, incomplete, an exact prefix', async () => {
      const stop = proxy.intercept(/\/export /, editResponse({ truncateAt: 700_000, ending: 'bad-chunk' }));
      try {
        const { outcome } = await acquireOnce({
          engine,
          recorder,
          suspect,
          kind: 'export',
          id: 'export-bad-chunk',
          idleTimeoutMs: IDLE_MS,
        });
        expect(outcome.item.complete).toBe(false);
        expect(outcome.item.bytes).toBe(700_000);
        expect(outcome.item.incompleteReason).toMatch(/after 700000 bytes/);
        expect(await spliceProblem(recorder.caseDir, outcome.item, exportRef)).toBeUndefined();
      } finally {
        stop();
      }
    });

    it('when the engine fails mid-export the way dockerd does (its error text written into the 200 body, then a clean end), then the item is incomplete: no tar end', async () => {
      const message = Buffer.from('{"message":"write /var/lib/docker/overlay2/x/diff: input/output error"}\n');
      const stop = proxy.intercept(/\/export /, editResponse({ truncateAt: 512 * 1000, append: message }));
      try {
        const { outcome } = await acquireOnce({
          engine,
          recorder,
          suspect,
          kind: 'export',
          id: 'export-error-text',
          idleTimeoutMs: IDLE_MS,
        });
        const { item } = outcome;
        expect(item.complete).toBe(false);
        expect(item.incompleteReason).toBe(
          `stream ended after ${512_000 + message.length} bytes without tar end-of-archive blocks (${512_000 + message.length} is not a whole number of 512-byte blocks)`,
        );
        // The file is what the engine sent: the real tar's first 512,000 bytes, then its error text.
        const kept = await readFile(join(recorder.caseDir, item.path));
        expect(createHash('sha256').update(kept.subarray(0, 512_000)).digest('hex')).toBe(
          exportRef.prefixSha256(512_000),
        );
        expect(kept.subarray(512_000)).toEqual(message);
      } finally {
        stop();
      }
    });

    it("when a snapshot's later call (the save) is answered 500, then that item is empty and incomplete naming the 500, no connection loss is suspected, and the commit still happens", async () => {
      const { acquisition } = makeAcquisition({ socketPath: proxy.path, casesRoot, idleTimeoutMs: IDLE_MS });
      const stop = proxy.intercept(
        /\/images\/[^ ]+\/get /,
        editResponse({
          status: '500 Internal Server Error',
          body: () => Buffer.alloc(0),
          append: Buffer.from('{"message":"simulated by the fault proxy: layer does not exist"}\n'),
        }),
      );
      const caseDir = join(casesRoot, 'save-500');
      try {
        const result = await acquisition.snapshot(
          { ref: { engineId: 'default', container: suspect.id }, caseDir },
          { signal: new AbortController().signal, progress: () => undefined },
        );
        const saved = itemOf(result, 'image-save');
        expect(saved).toMatchObject({ complete: false, bytes: 0 });
        expect(saved.apiCalls.at(-1)).toMatchObject({ method: 'GET', status: 500 });
        expect(saved.incompleteReason).toContain('answered HTTP 500');
        expect(saved.incompleteReason).toContain('simulated by the fault proxy: layer does not exist');
        expect(itemOf(result, 'filesystem-export').sha256).toBe(exportRef.sha256);
        expect(result.evidenceImage).toBeDefined();
        expect(result.summary).toContain(`${saved.id} incomplete:`);
        const custody = (await readFile(join(caseDir, 'custody.jsonl'), 'utf8')).split('\n').filter(Boolean);
        expect(custody.some((line) => line.includes('"engine.connection-lost"'))).toBe(false);
      } finally {
        stop();
      }
    });

    it('when the connection breaks before HoldCell starts reading the export, then the stream reports the break at once rather than after the idle timeout', async () => {
      proxy.setMode('cut', { faultAfterBytes: 50_000, only: /\/export / });
      try {
        const stream = await engine.exportContainer(suspect.id);
        await new Promise((resolve) => setTimeout(resolve, 300));
        const started = performance.now();
        const ended = await new Promise<string>((resolve) => {
          const timer = setTimeout(() => resolve('no news within 1 s'), 1_000);
          stream.listen?.({
            data: () => undefined,
            end: () => resolve('end'),
            error: (error) => {
              clearTimeout(timer);
              resolve(`error: ${(error as Error).message}`);
            },
          });
        });
        expect(ended).toMatch(/^error: /);
        expect(performance.now() - started).toBeLessThan(500);
      } finally {
        proxy.setMode('pass');
      }
    });
  });

  it('and across all of it, no promise rejection went unhandled and no exception was uncaught', () => {
    expect(faults.count).toBe(0);
  });
});

/** `docker save` of the busybox test image, straight from the CLI (not through the proxy). */
async function savedImage(): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'hc-acq-load-'));
  try {
    const file = join(dir, 'busybox.tar');
    await run('docker', ['save', '-o', file, TEST_IMAGES.busybox]);
    return await readFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function* chunks(bytes: Buffer): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += 256 * 1024) yield bytes.subarray(at, at + 256 * 1024);
}
