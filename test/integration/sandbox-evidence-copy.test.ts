// Given a case holding a snapshot's evidence image, the sandbox runs that copy hardened on the real engine and opens terminals only into it.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evidenceRepository } from '../../src/capture/common/acquisition-naming.js';
import type { TerminalOutput } from '../../src/capture/common/containment.js';
import { sandboxName } from '../../src/capture/common/sandbox-spec.js';
import { Acquisition } from '../../src/capture/node/acquisition.js';
import { DockerEngine } from '../../src/capture/node/docker-engine.js';
import { EngineRegistry } from '../../src/capture/node/engine-registry.js';
import { Sandboxes } from '../../src/capture/node/sandboxes.js';
import { ContractError } from '../../src/contract/envelope.js';
import type { CustodyRecord } from '../../src/forensics/common/case-model.js';
import type { CaseRecorder } from '../../src/forensics/common/case-recorder.js';
import { CaseStore } from '../../src/forensics/node/case-store.js';
import { createTestContainer, docker, dockerSocketPath } from '../support/docker-cli.js';
import { startSocketProxy, type SocketProxy } from '../support/socket-proxy.js';

const call = () => ({ signal: new AbortController().signal, progress: () => undefined });
const SOCKET = dockerSocketPath();

/** The suspect plants a dropper, then idles; run again read-only (detonated) it says what it could and could not do. */
const SUSPECT_SCRIPT =
  'mkdir -p /opt 2>/dev/null; [ -f /opt/dropper ] || echo dropper-payload-7731 > /opt/dropper; ' +
  'touch /opt/beacon 2>/dev/null && echo beacon-written || echo beacon-blocked; ' +
  'echo "detonated with $(cat /opt/dropper)"; exec sleep 600';

interface EvidenceImage {
  imageId: string;
  reference: string;
}

/**
 * What snapshot (src/capture/node/acquisition-run.ts) leaves for the image part, done with the docker CLI: the
 * suspect's original image saved by id (image-save), the container committed as holdcell-evidence/<case>:<id12> with
 * the case labels (an engine.commit custody record), and that image's inspect as an item flagged evidence-image.
 */
async function commitEvidence(recorder: CaseRecorder, containerId: string): Promise<EvidenceImage> {
  const repo = evidenceRepository(recorder.caseId);
  const tag = containerId.slice(0, 12);
  const reference = `${repo}:${tag}`;
  const labels = { 'org.holdcell.case': recorder.caseId, 'org.holdcell.source-container': containerId };
  const source = { engineId: 'default', endpoint: `unix://${SOCKET}`, containerId };
  const originalId = (await inspectJson(containerId)).Image;
  const save = spawn('docker', ['save', originalId], { stdio: ['ignore', 'pipe', 'inherit'] });
  const saved = await recorder.addStream(
    {
      id: `image-save-${originalId.slice(7, 19)}`,
      kind: 'image-save',
      fileName: `image-save-${originalId.slice(7, 19)}.tar`,
      format: 'tar',
      source: { ...source, imageId: originalId },
    },
    save.stdout,
  );
  expect(saved.complete).toBe(true);
  const changes = Object.entries(labels).flatMap(([key, value]) => ['--change', `LABEL ${key}=${value}`]);
  const imageId = (await docker(['commit', '--pause=false', ...changes, containerId, reference])).trim();
  await recorder.record({
    action: 'engine.commit',
    target: { engineId: 'default', containerId },
    params: { container: containerId, repo, tag, pause: false, comment: 'test scene', labels },
    outcome: 'ok',
    detail: `committed as ${imageId} (${reference})`,
  });
  await recorder.addJson(
    {
      id: `evidence-image-${tag}`,
      kind: 'image-inspect',
      fileName: `evidence-image-${tag}.json`,
      format: 'json',
      flags: ['evidence-image'],
      source: { ...source, imageId },
    },
    await inspectJson(imageId),
  );
  return { imageId, reference };
}

/** `docker save` of the reference by the CLI, hashed: what an independent transfer of the same image would carry. */
async function cliSaveSha256(reference: string): Promise<{ sha256: string; bytes: number }> {
  const save = spawn('docker', ['save', reference], { stdio: ['ignore', 'pipe', 'inherit'] });
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of save.stdout as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.byteLength;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** The parts of `docker inspect` (containers and images) these tests look at, as the engine writes them. */
interface InspectJson {
  Id: string;
  Image: string;
  Path: string;
  Args: string[];
  ExecIDs: string[] | null;
  State: { Running: boolean };
  Config: {
    NetworkDisabled?: boolean;
    Labels: Record<string, string> | null;
    Healthcheck?: { Test: string[] };
  };
  HostConfig: {
    NetworkMode: string;
    CapDrop: string[] | null;
    CapAdd: string[] | null;
    SecurityOpt: string[] | null;
    Privileged: boolean;
    ReadonlyRootfs: boolean;
    Tmpfs: Record<string, string>;
    PidsLimit: number;
    Memory: number;
    NanoCpus: number;
    Binds: string[] | null;
    Devices: unknown[] | null;
    AutoRemove: boolean;
  };
  Mounts: { Type: string }[];
}

async function inspectJson(id: string): Promise<InspectJson> {
  const [first] = JSON.parse(await docker(['inspect', id])) as InspectJson[];
  if (!first) throw new Error(`docker inspect ${id} returned nothing`);
  return first;
}

async function custodyOf(store: CaseStore, caseDir: string): Promise<CustodyRecord[]> {
  return (await store.custody(caseDir, 0, 1000)).records;
}

/** Where the latest sandbox start began in the custody log. */
function lastRequest(records: CustodyRecord[]): number {
  return records.map((record) => record.action).lastIndexOf('sandbox.request');
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A subscriber of openTerminal, as the renderer is: collects what arrives, can leave. */
function terminalSubscriber() {
  const controller = new AbortController();
  const events: TerminalOutput[] = [];
  return {
    sink: { signal: controller.signal, emit: (data: TerminalOutput) => events.push(data) },
    events,
    leave: () => controller.abort(),
    text: () =>
      Buffer.concat(
        events.flatMap((event) => (event.type === 'output' ? [Buffer.from(event.base64, 'base64')] : [])),
      ).toString('utf8'),
    sessionId: () => events.find((event) => event.type === 'ready')?.sessionId,
    exit: () => events.find((event) => event.type === 'exit'),
  };
}

const keys = (text: string) => Buffer.from(text, 'utf8').toString('base64');

async function rejection(promise: Promise<unknown>): Promise<ContractError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ContractError);
  return error as ContractError;
}

describe('the sandbox of a case evidence image, on the real engine', () => {
  let casesRoot: string;
  let store: CaseStore;
  let caseDir: string;
  let recorder: CaseRecorder;
  let suspect: string;
  let evidence: EvidenceImage;
  let proxy: SocketProxy;
  let engines: EngineRegistry;
  let sandboxes: Sandboxes;
  const imagesMade: string[] = [];
  const containersMade: string[] = [];

  beforeAll(async () => {
    casesRoot = await mkdtemp(join(tmpdir(), 'holdcell-sandbox-'));
    store = new CaseStore({ casesRoot, operator: 'responder-sbx', toolVersion: 'holdcell test' });
    caseDir = join(casesRoot, 'incident-sandbox');
    recorder = await store.openOrCreate(caseDir);
    suspect = await createTestContainer({
      name: 'sbx-suspect',
      args: ['--network', 'none'],
      command: ['sh', '-c', SUSPECT_SCRIPT],
      start: true,
    });
    containersMade.push(suspect);
    await until('the suspect to plant its dropper', async () =>
      (await docker(['diff', suspect])).includes('/opt/dropper'),
    );
    evidence = await commitEvidence(recorder, suspect);
    imagesMade.push(evidence.imageId);
    proxy = await startSocketProxy({ target: SOCKET });
    // A second engine entry reaching the same dockerd through the proxy: another engine id, another connection.
    engines = new EngineRegistry([
      new DockerEngine('default', { kind: 'unix', socketPath: SOCKET }),
      new DockerEngine('mirror', { kind: 'unix', socketPath: proxy.path }),
    ]);
    // Sandboxes open existing cases only: a typo must not create an empty case (the wiring asked of create-host).
    sandboxes = new Sandboxes({ engines, openCase: (dir) => store.open(dir) });
  });

  afterAll(async () => {
    await sandboxes?.closeAll();
    const ours = (
      await docker(['ps', '-a', '-q', '--no-trunc', '--filter', 'label=org.holdcell.sandbox=1']).catch(() => '')
    )
      .split('\n')
      .filter((id) => id !== '');
    for (const id of ours) {
      const labels = (await inspectJson(id).catch(() => undefined))?.Config.Labels ?? {};
      if (labels['org.holdcell.case-dir']?.startsWith(casesRoot)) containersMade.push(id);
    }
    if (containersMade.length > 0) await docker(['rm', '-f', '-v', ...containersMade]).catch(() => undefined);
    // Newest first: an image with a child (the bare base under its commit) cannot be removed before the child.
    if (imagesMade.length > 0) await docker(['rmi', '-f', ...imagesMade.reverse()]).catch(() => undefined);
    await proxy?.dispose();
    if (casesRoot) await rm(casesRoot, { recursive: true, force: true });
  });

  describe('given the evidence image on the engine the snapshot used, when I start an idle sandbox', () => {
    let sandboxId: string;
    beforeAll(async () => {
      const info = await sandboxes.startSandbox({ caseDir, detonate: false }, call());
      sandboxId = info.containerId;
      expect(info).toMatchObject({
        engineId: 'default',
        name: sandboxName(recorder.caseId, suspect),
        image: evidence.reference,
        detonated: false,
      });
      expect(info.hardening).toEqual(
        expect.arrayContaining([
          'network: none (networking disabled)',
          'capabilities: all dropped',
          'no-new-privileges',
          'read-only root filesystem',
          'entrypoint replaced by idle command: /bin/sleep 2147483647',
        ]),
      );
    });

    it('then docker inspect shows no network, no capabilities, no new privileges, read-only, tmpfs, limits and labels', async () => {
      const inspect = await inspectJson(sandboxId);
      expect(inspect.Image).toBe(evidence.imageId);
      expect(inspect.State.Running).toBe(true);
      expect(inspect.Config.NetworkDisabled).toBe(true);
      expect(inspect.HostConfig.NetworkMode).toBe('none');
      expect(inspect.HostConfig.CapDrop).toEqual(['ALL']);
      expect(inspect.HostConfig.CapAdd ?? []).toEqual([]);
      expect(inspect.HostConfig.SecurityOpt).toContain('no-new-privileges:true');
      expect(inspect.HostConfig.Privileged).toBe(false);
      expect(inspect.HostConfig.ReadonlyRootfs).toBe(true);
      expect(Object.keys(inspect.HostConfig.Tmpfs).sort()).toEqual(['/run', '/scratch', '/tmp']);
      expect(inspect.HostConfig.Tmpfs['/tmp']).toContain('noexec');
      expect(inspect.HostConfig.PidsLimit).toBe(256);
      expect(inspect.HostConfig.Memory).toBe(512 * 1024 * 1024);
      expect(inspect.HostConfig.NanoCpus).toBe(1_000_000_000);
      expect(inspect.HostConfig.Binds ?? []).toEqual([]);
      expect(inspect.HostConfig.Devices ?? []).toEqual([]);
      expect(inspect.Mounts.filter((mount: { Type: string }) => mount.Type !== 'tmpfs')).toEqual([]);
      expect(inspect.HostConfig.AutoRemove).toBe(false);
      expect(inspect.Config.Labels).toMatchObject({
        'org.holdcell.case': recorder.caseId,
        'org.holdcell.sandbox': '1',
        'org.holdcell.source-container': suspect,
      });
      expect([inspect.Path, ...inspect.Args]).toEqual(['/bin/sleep', '2147483647']);
      expect(inspect.Config.Healthcheck?.Test).toEqual(['NONE']);
    });

    it('then inside it a write to / fails, /tmp works but cannot execute, no capability is held and only loopback exists', async () => {
      const sh = (script: string) => docker(['exec', sandboxId, 'sh', '-c', script]);
      await expect(sh('touch /planted')).rejects.toThrow(/Read-only file system/);
      expect((await sh('echo scratch > /tmp/note && cat /tmp/note')).trim()).toBe('scratch');
      await expect(sh('cp /bin/busybox /tmp/bb && /tmp/bb true')).rejects.toThrow(/Permission denied/);
      const status = await sh('grep -E "^(CapEff|CapBnd|NoNewPrivs)" /proc/self/status');
      expect(status).toMatch(/CapEff:\s+0{16}/);
      expect(status).toMatch(/CapBnd:\s+0{16}/);
      expect(status).toMatch(/NoNewPrivs:\s+1/);
      const interfaces = (await sh('tail -n +3 /proc/net/dev | cut -d: -f1'))
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '');
      expect(interfaces).toEqual(['lo']);
    });

    it('then the dropper the suspect planted is there: the sandbox runs the evidence copy', async () => {
      expect((await docker(['exec', sandboxId, 'cat', '/opt/dropper'])).trim()).toBe('dropper-payload-7731');
    });

    it('then every engine call is in the custody log, each with its outcome, and the case still verifies', async () => {
      const records = await custodyOf(store, caseDir);
      const started = records.findIndex((record) => record.action === 'sandbox.request');
      const actions = records.slice(started).map((record) => `${record.action}:${record.outcome}`);
      expect(actions).toEqual([
        'sandbox.request:planned',
        'engine.image-inspect:ok',
        'engine.info:ok',
        'engine.create:ok',
        'engine.archive-stat:ok',
        'engine.start:ok',
        'engine.inspect:ok',
        'sandbox.start:ok',
      ]);
      const create = records.find((record) => record.action === 'engine.create');
      expect(create?.params).toMatchObject({ method: 'POST', name: sandboxName(recorder.caseId, suspect) });
      expect(create?.detail).toBe(`created ${sandboxId}`);
      expect((await store.verify(caseDir)).ok).toBe(true);
    });

    it('when I open a terminal and type, then the shell answers in the evidence copy, and resize reaches the tty', async () => {
      const subscriber = terminalSubscriber();
      const running = sandboxes.openTerminal(
        { engineId: 'default', containerId: sandboxId, columns: 80, rows: 24 },
        subscriber.sink,
      );
      await until('the terminal to be ready', () => subscriber.sessionId() !== undefined);
      const sessionId = subscriber.sessionId() ?? '';
      await sandboxes.terminalInput({ sessionId, base64: keys('echo hel""lo; cat /opt/dropper\n') });
      await until('the shell to answer', () => /hello[\s\S]*dropper-payload-7731/.test(subscriber.text()));
      await sandboxes.terminalResize({ sessionId, columns: 132, rows: 43 });
      await sandboxes.terminalInput({ sessionId, base64: keys('stty size\n') });
      await until('the new size', () => subscriber.text().includes('43 132'));
      await sandboxes.terminalInput({ sessionId, base64: keys('exit\n') });
      await running;
      expect(subscriber.exit()).toEqual({ type: 'exit', reason: 'the shell exited' });
      const error = await rejection(sandboxes.terminalInput({ sessionId, base64: keys('ls\n') }));
      expect(error.code).toBe('NOT_FOUND');
      const records = await custodyOf(store, caseDir);
      expect(records.filter((record) => record.action === 'engine.exec').at(-1)?.params).toMatchObject({
        cmd: ['/bin/sh'],
      });
      expect(records.at(-1)).toMatchObject({ action: 'sandbox.terminal-close', detail: 'the shell exited' });
    });

    it('when the subscriber leaves, or the host closes, then the session ends and its input is refused', async () => {
      const leaving = terminalSubscriber();
      const first = sandboxes.openTerminal(
        { engineId: 'default', containerId: sandboxId, columns: 80, rows: 24 },
        leaving.sink,
      );
      await until('the first terminal', () => leaving.sessionId() !== undefined);
      leaving.leave();
      await first;
      await expect(
        sandboxes.terminalInput({ sessionId: leaving.sessionId() ?? '', base64: keys('id\n') }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });

      const staying = terminalSubscriber();
      const second = sandboxes.openTerminal(
        { engineId: 'default', containerId: sandboxId, columns: 80, rows: 24 },
        staying.sink,
      );
      await until('the second terminal', () => staying.sessionId() !== undefined);
      expect(sandboxes.openSessions().map((session) => session.sessionId)).toEqual([staying.sessionId()]);
      await sandboxes.closeAll();
      await second;
      expect(staying.exit()).toEqual({ type: 'exit', reason: 'HoldCell is closing' });
      expect(sandboxes.openSessions()).toEqual([]);
    });

    it('when a terminal, input or stop is pointed at the suspect itself, then HoldCell refuses and never execs into it', async () => {
      const subscriber = terminalSubscriber();
      const refused = await rejection(
        sandboxes.openTerminal({ engineId: 'default', containerId: suspect, columns: 80, rows: 24 }, subscriber.sink),
      );
      expect(refused.code).toBe('BAD_INPUT');
      expect(refused.message).toContain('is not a HoldCell sandbox');
      expect(subscriber.events).toEqual([]);
      const stop = await rejection(sandboxes.stopSandbox({ engineId: 'default', containerId: suspect }, call()));
      expect(stop.code).toBe('BAD_INPUT');
      const after = await inspectJson(suspect);
      expect(after.ExecIDs).toBeNull();
      expect(after.State.Running).toBe(true);
      await expect(sandboxes.terminalInput({ sessionId: 'f'.repeat(32), base64: keys('id\n') })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
    });

    it('when I start the same sandbox again, then it is refused by name, naming how to stop the running one', async () => {
      const error = await rejection(sandboxes.startSandbox({ caseDir, detonate: false }, call()));
      expect(error.code).toBe('BAD_INPUT');
      expect(error.message).toContain(`${sandboxName(recorder.caseId, suspect)} already exists`);
    });

    it('when I stop it, then the container is gone, and stopping again removes nothing', async () => {
      expect(await sandboxes.stopSandbox({ engineId: 'default', containerId: sandboxId }, call())).toEqual({
        removed: true,
      });
      await expect(docker(['inspect', sandboxId])).rejects.toThrow(/No such object/);
      expect(await sandboxes.stopSandbox({ engineId: 'default', containerId: sandboxId }, call())).toEqual({
        removed: false,
      });
      expect((await custodyOf(store, caseDir)).at(-1)).toMatchObject({
        action: 'engine.remove',
        outcome: 'ok',
        target: { containerId: sandboxId },
      });
    });
  });

  describe('when I detonate the evidence copy', () => {
    it("then the suspect's own command runs, still without network, capabilities or a writable root", async () => {
      const info = await sandboxes.startSandbox({ caseDir, detonate: true }, call());
      try {
        expect(info.detonated).toBe(true);
        const inspect = await inspectJson(info.containerId);
        expect([inspect.Path, ...inspect.Args]).toEqual(['sh', '-c', SUSPECT_SCRIPT]);
        expect(inspect.HostConfig).toMatchObject({ NetworkMode: 'none', CapDrop: ['ALL'], ReadonlyRootfs: true });
        expect(inspect.Config.Labels?.['org.holdcell.sandbox-mode']).toBe('detonate');
        await until('the detonated command to report', async () =>
          (await docker(['logs', info.containerId])).includes('detonated with'),
        );
        const logs = await docker(['logs', info.containerId]);
        expect(logs).toContain('beacon-blocked');
        expect(logs).toContain('detonated with dropper-payload-7731');
      } finally {
        await sandboxes.stopSandbox({ engineId: info.engineId, containerId: info.containerId }, call());
      }
    });
  });

  describe('given another engine (same daemon, reached through a proxy under another engine id)', () => {
    it('when the target already holds the image by id, then no transfer happens', async () => {
      const info = await sandboxes.startSandbox({ caseDir, engineId: 'mirror', detonate: false }, call());
      try {
        expect(info.engineId).toBe('mirror');
        const records = await custodyOf(store, caseDir);
        const started = lastRequest(records);
        expect(records.slice(started).some((record) => record.action === 'engine.image-transfer')).toBe(false);
      } finally {
        await sandboxes.stopSandbox({ engineId: 'mirror', containerId: info.containerId }, call());
      }
    });

    it('when transfer is forced, then the image is streamed save→load, hashed, its id checked, and its hash equals an independent docker save', async () => {
      const transferring = new Sandboxes({ engines, openCase: (dir) => store.open(dir), transfer: 'always' });
      const progress: number[] = [];
      // docker save of one name on one engine is deterministic, so an independent save gives the same hash.
      const independent = await cliSaveSha256(evidence.reference);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const since = (Date.now() / 1000).toFixed(3);
      const info = await transferring.startSandbox(
        { caseDir, engineId: 'mirror', detonate: false },
        { signal: new AbortController().signal, progress: (p) => progress.push(p.done) },
      );
      try {
        expect(info.engineId).toBe('mirror');
        expect((await inspectJson(info.containerId)).Image).toBe(evidence.imageId);
        const records = await custodyOf(store, caseDir);
        const started = lastRequest(records);
        const run = records.slice(started);
        const transfer = run.find((record) => record.action === 'engine.image-transfer');
        expect(transfer).toMatchObject({
          outcome: 'ok',
          target: { engineId: 'mirror' },
          params: { image: evidence.reference, imageId: evidence.imageId, from: 'default', to: 'mirror' },
          sha256: independent.sha256,
        });
        expect(transfer?.detail).toContain(`streamed ${independent.bytes} bytes`);
        expect(progress.at(-1)).toBe(independent.bytes);
        // The daemon's own event log proves the bytes really went out as a save and came back in as a load.
        const events = await docker([
          'events',
          '--since',
          since,
          '--until',
          (Date.now() / 1000 + 1).toFixed(3),
          '--filter',
          'type=image',
          '--format',
          '{{.Action}} {{.Actor.ID}}',
        ]);
        expect(events).toContain(`save ${evidence.imageId}`);
        expect(events).toContain(`load ${evidence.imageId}`);
        expect(run.find((record) => record.action === 'sandbox.transfer-verify')).toMatchObject({
          outcome: 'ok',
          sha256: independent.sha256,
          params: { imageId: evidence.imageId, bytes: independent.bytes },
        });
        expect(run.at(-1)).toMatchObject({
          action: 'sandbox.start',
          params: { transferredFrom: 'default', transferSha256: independent.sha256 },
        });
      } finally {
        await transferring.stopSandbox({ engineId: 'mirror', containerId: info.containerId }, call());
      }
    });

    it('when the source connection is cut mid-transfer, then the start fails, the cut is in custody and no sandbox is left', async () => {
      // Here the snapshot's engine id ("default") is the one behind the proxy, so the save stream crosses it.
      const cutter = await startSocketProxy({ target: SOCKET });
      try {
        const viaProxy = new EngineRegistry([
          new DockerEngine('default', { kind: 'unix', socketPath: cutter.path }),
          new DockerEngine('direct', { kind: 'unix', socketPath: SOCKET }),
        ]);
        const transferring = new Sandboxes({
          engines: viaProxy,
          openCase: (dir) => store.open(dir),
          transfer: 'always',
        });
        // Inspect answers are a few KiB; the image tar is megabytes: the cut lands inside the save stream.
        cutter.setMode('cut', { faultAfterBytes: 256 * 1024 });
        const error = await rejection(
          transferring.startSandbox({ caseDir, engineId: 'direct', detonate: false }, call()),
        );
        expect(['FAILED', 'UNAVAILABLE']).toContain(error.code);
        const records = await custodyOf(store, caseDir);
        const run = records.slice(lastRequest(records)).map((record) => `${record.action}:${record.outcome}`);
        expect(run).toContain('engine.image-transfer:error');
        expect(run.at(-1)).toBe('sandbox.start:error');
        expect(run).not.toContain('engine.create:ok');
      } finally {
        await cutter.dispose();
      }
    });

    it('when the target engine cannot be reached, then the start fails as unavailable and leaves no sandbox', async () => {
      proxy.setMode('refuse');
      proxy.cutAll();
      try {
        const error = await rejection(sandboxes.startSandbox({ caseDir, engineId: 'mirror', detonate: false }, call()));
        expect(error.code).toBe('UNAVAILABLE');
        expect(error.message).toContain(proxy.path);
      } finally {
        proxy.setMode('pass');
      }
      const left = await docker([
        'ps',
        '-a',
        '-q',
        '--filter',
        `label=org.holdcell.case=${recorder.caseId}`,
        '--filter',
        'label=org.holdcell.sandbox=1',
      ]);
      expect(left.trim()).toBe('');
    });
  });

  describe('given a case made by the real snapshot service', () => {
    it('when I start its sandbox, then it runs the committed evidence image with the dropper in it', async () => {
      const acquisition = new Acquisition({ engines, openCase: store.openOrCreate });
      const snapshotDir = join(casesRoot, 'snapshot-made');
      const snapshot = await acquisition.snapshot(
        { ref: { engineId: 'default', container: suspect }, caseDir: snapshotDir },
        call(),
      );
      if (snapshot.evidenceImage) imagesMade.push(snapshot.evidenceImage.id);
      expect(snapshot.evidenceImage, snapshot.summary).toBeDefined();
      const info = await sandboxes.startSandbox({ caseDir: snapshotDir, detonate: false }, call());
      try {
        expect(info.image).toBe(snapshot.evidenceImage?.reference);
        expect((await inspectJson(info.containerId)).Image).toBe(snapshot.evidenceImage?.id);
        expect((await docker(['exec', info.containerId, 'cat', '/opt/dropper'])).trim()).toBe('dropper-payload-7731');
        expect((await store.verify(snapshotDir)).ok).toBe(true);
      } finally {
        await sandboxes.stopSandbox({ engineId: 'default', containerId: info.containerId }, call());
      }
    });
  });

  describe('given cases the sandbox cannot run', () => {
    it('when the case has no snapshot, then it says to snapshot first', async () => {
      const empty = await store.create(join(casesRoot, 'no-snapshot-yet'), { title: 'not yet' });
      const error = await rejection(sandboxes.startSandbox({ caseDir: empty.caseDir, detonate: false }, call()));
      expect(error.code).toBe('NOT_FOUND');
      expect(error.message).toContain('holdcell snapshot');
    });

    it('when the case folder does not exist, then it is not found and no case is created', async () => {
      const missing = join(casesRoot, 'typo-in-the-name');
      const error = await rejection(sandboxes.startSandbox({ caseDir: missing, detonate: false }, call()));
      expect(error.code).toBe('NOT_FOUND');
      await expect(access(missing)).rejects.toThrow(/ENOENT/);
    });

    it('when the evidence has no sleep program, then it refuses instead of bringing one, and leaves no container', async () => {
      const bare = await store.openOrCreate(join(casesRoot, 'bare-evidence'));
      const rootfs = await mkdtemp(join(tmpdir(), 'holdcell-bare-'));
      await mkdir(join(rootfs, 'opt'));
      await writeFile(join(rootfs, 'opt', 'dropper'), 'bare-payload\n');
      const tar = await new Promise<Buffer>((resolve, reject) => {
        const child = spawn('tar', ['-C', rootfs, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
        const chunks: Buffer[] = [];
        child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`tar ${code}`))));
      });
      await rm(rootfs, { recursive: true, force: true });
      const base = `holdcell-evidence/bare-${bare.caseId.slice(0, 8)}:base`;
      imagesMade.push((await docker(['import', '--change', 'CMD ["/opt/dropper"]', '-', base], { input: tar })).trim());
      const bareSuspect = await createTestContainer({ name: 'sbx-bare', image: base, args: ['--network', 'none'] });
      containersMade.push(bareSuspect);
      const bareEvidence = await commitEvidence(bare, bareSuspect);
      imagesMade.push(bareEvidence.imageId);

      const error = await rejection(sandboxes.startSandbox({ caseDir: bare.caseDir, detonate: false }, call()));
      expect(error.code).toBe('FAILED');
      expect(error.message).toContain('no sleep program');
      expect(error.message).toContain('/bin/sleep, /usr/bin/sleep, /bin/busybox, /usr/bin/busybox');
      const left = await docker(['ps', '-a', '-q', '--filter', `label=org.holdcell.case=${bare.caseId}`]);
      expect(left.trim()).toBe('');
      const actions = (await custodyOf(store, bare.caseDir)).map((record) => `${record.action}:${record.outcome}`);
      expect(actions.slice(-4)).toEqual([
        'engine.create:ok',
        'engine.archive-stat:ok',
        'engine.remove:ok',
        'sandbox.start:error',
      ]);
    });
  });
});
