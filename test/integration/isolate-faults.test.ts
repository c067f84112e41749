// Isolate when the engine fails: an unreachable engine is a clear error with nothing recorded; an outage mid-way is reported truthfully.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalProcReader, type HostProcReader } from '../../src/capture/node/host-proc.js';
import type { CaseStore } from '../../src/forensics/node/case-store.js';
import { dockerSocketPath } from '../support/docker-cli.js';
import { startSocketProxy, type SocketProxy } from '../support/socket-proxy.js';
import { call, caseStore, containment, custody, engineView, fileSha256, peerReaches, Stage } from './isolate-scene.js';

const stage = new Stage();
let proxy: SocketProxy;
let store: CaseStore;
let casesRoot: string;

beforeAll(async () => {
  proxy = await startSocketProxy({ target: dockerSocketPath() });
  casesRoot = await stage.caseRoot();
  store = caseStore(casesRoot);
});
afterAll(async () => {
  await proxy.dispose();
  await stage.dispose();
});

describe('isolate through a failing engine connection', () => {
  it('given an engine that refuses connections, then isolate fails UNAVAILABLE naming the endpoint, and no case or change exists', async () => {
    const scene = await stage.scene('refused');
    proxy.setMode('refuse');
    const caseDir = join(casesRoot, 'case-refused');
    try {
      await expect(
        containment(store, { socketPath: proxy.path }).isolate(
          { ref: { engineId: 'default', container: scene.suspect }, caseDir, mode: 'both', dryRun: false },
          call(),
        ),
      ).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining(`unix://${proxy.path}`) });
    } finally {
      proxy.setMode('pass');
    }
    expect(existsSync(caseDir)).toBe(false);
    const view = await engineView(scene.suspect);
    expect(view.paused).toBe(false);
    expect(Object.keys(view.networks)).toEqual([scene.network]);
  });

  it('given the engine goes away right after the volatile state is collected, then isolate reports NOT contained without throwing, and the case records only failures for containment', async () => {
    const scene = await stage.scene('outage');
    const caseDir = join(casesRoot, 'case-outage');
    const local = new LocalProcReader();
    // A real /proc reader; the engine connection drops as soon as it has finished, i.e. just before pausing.
    const dropAfterCollection: HostProcReader = {
      collect: async (request, signal) => {
        const document = await local.collect(request, signal);
        proxy.setMode('refuse');
        proxy.cutAll();
        return document;
      },
    };
    const result = await containment(store, { socketPath: proxy.path, hostProc: dropAfterCollection })
      .isolate({ ref: { engineId: 'default', container: scene.suspect }, caseDir, mode: 'both', dryRun: false }, call())
      .finally(() => proxy.setMode('pass'));
    expect(result.contained).toBe(false);
    expect(result.summary).toMatch(/^NOT contained/);
    expect(Object.fromEntries(result.steps.map((step) => [step.action, step.status]))).toEqual({
      inspect: 'done',
      'network-state': 'done',
      top: 'done',
      'host-proc': 'done',
      pause: 'failed',
      disconnect: 'failed',
      quarantine: 'failed',
      logs: 'failed',
    });
    expect(result.steps.find((step) => step.action === 'pause')?.detail).toContain(`unix://${proxy.path}`);

    // Nothing is recorded as done that was not: every containment call is in custody as an error.
    const records = (await custody(caseDir)).filter((record) => record.target.containerId === scene.suspect);
    const containCalls = records.filter((record) =>
      ['engine.pause', 'engine.network.disconnect', 'engine.network.connect', 'engine.network.list'].includes(
        record.action,
      ),
    );
    expect(containCalls.map((record) => `${record.action}:${record.outcome}`)).toEqual([
      'engine.pause:error',
      'engine.network.disconnect:error',
      'engine.network.list:error',
    ]);
    // What was collected before the outage is intact.
    const items = (await store.summary(caseDir)).items;
    expect(items.map((item) => item.kind).sort()).toEqual([
      'container-inspect',
      'host-proc',
      'network-state',
      'process-list',
    ]);
    for (const item of items) expect(await fileSha256(caseDir, item)).toBe(item.sha256);
    // And the engine agrees: the suspect is untouched and still talking.
    const view = await engineView(scene.suspect);
    expect(view.paused).toBe(false);
    expect(Object.keys(view.networks)).toEqual([scene.network]);
    expect(await peerReaches(scene.peer)).toBe(true);

    // Release checks the engine for each attempted change and finds nothing to undo.
    const released = await containment(store).release(
      { ref: { engineId: 'default', container: scene.suspect }, caseDir },
      call(),
    );
    expect(released.released).toBe(true);
    expect(released.steps.map((step) => `${step.action}:${step.status}`)).toEqual([
      'reconnect:skipped',
      'unpause:skipped',
    ]);
  });
  it('given the responder cancels right after the volatile state is collected, then nothing is contained and the rest is reported as not attempted', async () => {
    const scene = await stage.scene('cancel');
    const caseDir = join(casesRoot, 'case-cancel');
    const controller = new AbortController();
    const local = new LocalProcReader();
    const cancelAfterCollection: HostProcReader = {
      collect: async (request, signal) => {
        const document = await local.collect(request, signal);
        controller.abort();
        return document;
      },
    };
    const result = await containment(store, { hostProc: cancelAfterCollection }).isolate(
      { ref: { engineId: 'default', container: scene.suspect }, caseDir, mode: 'both', dryRun: false },
      call(controller.signal),
    );
    expect(result.contained).toBe(false);
    const notAttempted = result.steps.filter((step) => step.detail === 'not attempted: the isolation was cancelled');
    expect(notAttempted.map((step) => step.action)).toEqual(['pause', 'disconnect', 'quarantine', 'logs']);
    const actions = (await custody(caseDir)).map((record) => record.action);
    expect(actions).not.toContain('engine.pause');
    expect(actions).not.toContain('engine.network.disconnect');
    const view = await engineView(scene.suspect);
    expect(view.paused).toBe(false);
    expect(Object.keys(view.networks)).toEqual([scene.network]);
  });
});
