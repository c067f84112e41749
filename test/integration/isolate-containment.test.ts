// Isolate on the real engine: volatile state into the case first, then the suspect frozen and cut off; release undoes it.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IsolationResult } from '../../src/capture/common/containment.js';
import type { HostProcDocument } from '../../src/capture/node/host-proc.js';
import type { CaseStore } from '../../src/forensics/node/case-store.js';
import { docker } from '../support/docker-cli.js';
import {
  ALIAS,
  call,
  caseStore,
  containment,
  custody,
  engineEvents,
  engineView,
  fileSha256,
  peerReaches,
  QUARANTINE,
  addressOn,
  reaches,
  SERVER_COMMAND,
  Stage,
  waitFor,
} from './isolate-scene.js';

const stage = new Stage();
let store: CaseStore;
let casesRoot: string;

beforeAll(async () => {
  casesRoot = await stage.caseRoot();
  store = caseStore(casesRoot);
});
afterAll(async () => stage.dispose());

const statuses = (result: { steps: { id: string; status: string }[] }) =>
  Object.fromEntries(result.steps.map((step) => [step.id, step.status]));

describe('isolate a running suspect on a user network (mode both)', () => {
  let scene: { network: string; suspect: string; peer: string };
  let caseDir: string;
  let first: IsolationResult;
  let window: { start: number; end: number };

  beforeAll(async () => {
    scene = await stage.scene('both');
    caseDir = join(casesRoot, 'case-both');
    expect(await peerReaches(scene.peer)).toBe(true);
    const start = Date.now();
    first = await containment(store).isolate(
      { ref: { engineId: 'default', container: scene.suspect.slice(0, 12) }, caseDir, mode: 'both', dryRun: false },
      call(),
    );
    window = { start, end: Date.now() + 1 };
  });

  it('given the isolation ran, then docker shows the suspect paused with only the internal quarantine network', async () => {
    expect(first.contained).toBe(true);
    expect(first.summary).toMatch(/^Contained hc-test-both-suspect-\w+: paused, disconnected from hc-test-iso-both-/);
    const view = await engineView(scene.suspect);
    expect(view.paused).toBe(true);
    expect(Object.keys(view.networks)).toEqual([QUARANTINE]);
    const [network] = JSON.parse(await docker(['network', 'inspect', QUARANTINE])) as [
      { Internal: boolean; Labels: Record<string, string> },
    ];
    expect(network.Internal).toBe(true);
    expect(network.Labels['org.holdcell.quarantine']).toBe('1');
  });

  it('given the isolation ran, then the peer can no longer reach the suspect by its alias', async () => {
    expect(await peerReaches(scene.peer)).toBe(false);
  });

  it('given the isolation ran, then every step is done in order: collect, contain, then logs', () => {
    expect(first.steps.map((step) => `${step.id}:${step.status}`)).toEqual([
      'collect-inspect:done',
      'collect-network-state:done',
      'collect-top:done',
      'collect-host-proc:done',
      'contain-pause:done',
      `contain-disconnect-${scene.network}:done`,
      'contain-quarantine:done',
      'collect-logs:done',
    ]);
  });

  it('given the case, then it holds complete inspect, process-list, host-proc, network-state and logs items whose files match their hashes', async () => {
    const summary = await store.summary(caseDir);
    const items = summary.items.filter((item) => item.source.containerId === scene.suspect);
    expect(items.map((item) => item.kind).sort()).toEqual([
      'container-inspect',
      'container-logs',
      'host-proc',
      'network-state',
      'process-list',
    ]);
    for (const item of items) {
      expect(item.complete, item.id).toBe(true);
      expect(await fileSha256(caseDir, item), item.id).toBe(item.sha256);
    }
    expect(items.find((item) => item.kind === 'container-logs')?.note).toContain('multiplexed: true');
    const verify = await store.verify(caseDir);
    expect(verify.ok).toBe(true);
  });

  it("given the host-proc item, then it holds the suspect's sleep and httpd with httpd's listening socket on 8080", async () => {
    const items = (await store.summary(caseDir)).items;
    const item = items.find((candidate) => candidate.kind === 'host-proc');
    if (!item) throw new Error('no host-proc item');
    const document = JSON.parse(await readFile(join(caseDir, item.path), 'utf8')) as HostProcDocument;
    expect(document.environ).toBe('not-collected');
    expect(document.unverified).toEqual([]);
    const statePid = Number((await docker(['inspect', '-f', '{{.State.Pid}}', scene.suspect])).trim());
    const sleep = document.processes.find((entry) => JSON.stringify(entry.cmdline) === '["sleep","600"]');
    expect(sleep?.pid).toBe(statePid);
    expect(sleep?.exe).toBe('/bin/busybox');
    const httpd = document.processes.find((entry) => Array.isArray(entry.cmdline) && entry.cmdline[0] === 'httpd');
    if (!httpd) throw new Error('httpd not in host-proc');
    const [namespace] = document.networkNamespaces;
    if (!namespace || 'error' in namespace.tcp || 'error' in namespace.tcp6) throw new Error('no tcp tables');
    // busybox httpd listens on the IPv6 wildcard (dual stack) where the kernel has IPv6, else on IPv4.
    const listener = [...namespace.tcp.sockets, ...namespace.tcp6.sockets].find(
      (socket) => socket.state === 'LISTEN' && socket.localPort === 8080,
    );
    expect(listener?.owners.map((owner) => owner.pid)).toEqual([httpd.pid]);
    expect(namespace.netns).toMatch(/^net:\[\d+\]$/);
  });

  it('given the engine events of the isolation, then each state-changing call has exactly one custody record', async () => {
    const events = await engineEvents(scene.suspect, window.start, window.end);
    const records = (await custody(caseDir)).filter((record) => record.target.containerId === scene.suspect);
    const ok = (action: string) => records.filter((record) => record.action === action && record.outcome === 'ok');
    expect(ok('engine.pause')).toHaveLength(events.filter((event) => event === 'pause').length);
    expect(ok('engine.pause')).toHaveLength(1);
    expect(ok('engine.top')).toHaveLength(events.filter((event) => event === 'top').length);
    expect(ok('engine.network.connect').map((record) => record.params['network'])).toEqual([QUARANTINE]);
    expect(events.filter((event) => event.startsWith('network connect'))).toEqual([`network connect ${QUARANTINE}`]);
    expect(
      new Set(
        ok('engine.network.disconnect').map((record) => `network disconnect ${String(record.params['network'])}`),
      ),
    ).toEqual(new Set(events.filter((event) => event.startsWith('network disconnect'))));
    expect(ok('engine.inspect')).toHaveLength(1);
    expect(ok('engine.logs')).toHaveLength(1);
    // Volatile state before containment, logs after it.
    const seq = (action: string) => ok(action)[0]?.seq ?? -1;
    expect(seq('engine.top')).toBeLessThan(seq('engine.pause'));
    expect(seq('engine.pause')).toBeLessThan(seq('engine.network.disconnect'));
    expect(seq('engine.network.connect')).toBeLessThan(seq('engine.logs'));
  });

  it('given a second isolate, then nothing is redone on the engine: containment steps are skipped and recorded as such', async () => {
    const before = await custody(caseDir);
    const second = await containment(store).isolate(
      { ref: { engineId: 'default', container: scene.suspect }, caseDir, mode: 'both', dryRun: false },
      call(),
    );
    expect(second.contained).toBe(true);
    expect(statuses(second)).toMatchObject({ 'contain-pause': 'skipped', 'contain-quarantine': 'skipped' });
    expect(second.steps.some((step) => step.action === 'disconnect')).toBe(false);
    const added = (await custody(caseDir)).slice(before.length);
    expect(
      added
        .filter((record) => record.outcome === 'skipped')
        .map((record) => record.action)
        .sort(),
    ).toEqual(['engine.network.connect', 'engine.pause']);
    expect(
      added.filter(
        (record) => ['engine.pause', 'engine.network.connect'].includes(record.action) && record.outcome === 'ok',
      ),
    ).toEqual([]);
    const view = await engineView(scene.suspect);
    expect(view.paused).toBe(true);
    expect(Object.keys(view.networks)).toEqual([QUARANTINE]);
  });

  it('given release from a fresh store (as another process would), then the same network with the same alias is back, unpaused and reachable', async () => {
    const released = await containment(caseStore(casesRoot, 'responder-2')).release(
      { ref: { engineId: 'default', container: scene.suspect }, caseDir },
      call(),
    );
    expect(released.released).toBe(true);
    expect(released.steps.map((step) => `${step.id}:${step.status}`)).toEqual([
      'release-unquarantine:done',
      `release-reconnect-${scene.network}:done`,
      'release-unpause:done',
    ]);
    const view = await engineView(scene.suspect);
    expect(view.paused).toBe(false);
    expect(Object.keys(view.networks)).toEqual([scene.network]);
    expect(view.networks[scene.network]?.Aliases).toContain(ALIAS);
    expect(await peerReaches(scene.peer)).toBe(true);
  });

  it('given a second release, then there is nothing left to undo and it says so', async () => {
    const again = await containment(store).release(
      { ref: { engineId: 'default', container: scene.suspect }, caseDir },
      call(),
    );
    expect(again.released).toBe(true);
    expect(again.steps).toEqual([]);
    expect(again.summary).toContain('nothing left to undo');
    expect((await engineView(scene.suspect)).paused).toBe(false);
  });
});

describe('isolate edge cases on the real engine', () => {
  it('given a container paused before isolate, when isolated and released, then it stays paused and gets its network back', async () => {
    const scene = await stage.scene('prepaused');
    await docker(['pause', scene.suspect]);
    const caseDir = join(casesRoot, 'case-prepaused');
    const result = await containment(store).isolate(
      { ref: { engineId: 'default', container: scene.suspect }, caseDir, mode: 'both', dryRun: false },
      call(),
    );
    expect(statuses(result)['contain-pause']).toBe('skipped');
    expect(result.contained).toBe(true);
    const released = await containment(store).release(
      { ref: { engineId: 'default', container: scene.suspect }, caseDir },
      call(),
    );
    expect(released.released).toBe(true);
    expect(released.steps.map((step) => step.action)).not.toContain('unpause');
    const view = await engineView(scene.suspect);
    expect(view.paused).toBe(true);
    expect(Object.keys(view.networks)).toEqual([scene.network]);
    expect(view.networks[scene.network]?.Aliases).toContain(ALIAS);
  });

  it('given a container on the default bridge, then network mode cuts its egress, keeps it running, and release restores both', async () => {
    const outside = await stage.container('outside', [], SERVER_COMMAND);
    const suspect = await stage.container('bridged', []);
    const target = await addressOn(outside);
    await waitFor(() => reaches(suspect, target), 'the suspect to reach a server on the default bridge');
    const caseDir = join(casesRoot, 'case-bridge');
    const result = await containment(store).isolate(
      { ref: { engineId: 'default', container: suspect }, caseDir, mode: 'network', dryRun: false },
      call(),
    );
    expect(result.contained).toBe(true);
    expect(statuses(result)).toMatchObject({ 'contain-disconnect-bridge': 'done', 'contain-quarantine': 'done' });
    expect(result.plan.warnings.join(' ')).toContain('keeps running');
    let view = await engineView(suspect);
    expect(view.paused).toBe(false);
    expect(Object.keys(view.networks)).toEqual([QUARANTINE]);
    expect(await reaches(suspect, target)).toBe(false);
    const released = await containment(store).release(
      { ref: { engineId: 'default', container: suspect }, caseDir },
      call(),
    );
    expect(released.released).toBe(true);
    view = await engineView(suspect);
    expect(Object.keys(view.networks)).toEqual(['bridge']);
    expect(await reaches(suspect, target)).toBe(true);
  });

  it('given a host-network container, then the plan warns that only pausing contains it, and isolate pauses it only', async () => {
    const suspect = await stage.container('hostnet', ['--network', 'host']);
    const caseDir = join(casesRoot, 'case-hostnet');
    const both = await containment(store).isolate(
      { ref: { engineId: 'default', container: suspect }, caseDir, mode: 'both', dryRun: false },
      call(),
    );
    expect(both.plan.warnings.join(' ')).toContain("host's network stack");
    expect(
      both.steps.filter((step) => step.phase === 'contain').map((step) => `${step.action}:${step.status}`),
    ).toEqual(['pause:done']);
    expect(both.contained).toBe(true);
    expect(both.summary).toContain('pausing only');
    const view = await engineView(suspect);
    expect(view.paused).toBe(true);
    expect(Object.keys(view.networks)).toEqual(['host']);
    const networkOnly = await containment(store).isolate(
      { ref: { engineId: 'default', container: suspect }, caseDir, mode: 'network', dryRun: false },
      call(),
    );
    expect(networkOnly.contained).toBe(false);
  });

  it("given ps arguments the engine's ps refuses, then the process list falls back to the engine's defaults and custody keeps both attempts", async () => {
    const suspect = await stage.container('ps-fallback', []);
    const caseDir = join(casesRoot, 'case-ps-fallback');
    const result = await containment(store, { topPsArgs: '--holdcell-no-such-option' }).isolate(
      { ref: { engineId: 'default', container: suspect }, caseDir, mode: 'pause', dryRun: false },
      call(),
    );
    const top = result.steps.find((step) => step.action === 'top');
    expect(top?.status).toBe('done');
    expect(top?.detail).toContain('(default ps arguments)');
    const attempts = (await custody(caseDir)).filter((record) => record.action === 'engine.top');
    expect(attempts.map((record) => [record.params['psArgs'], record.outcome])).toEqual([
      ['--holdcell-no-such-option', 'error'],
      ['', 'ok'],
    ]);
    const item = (await store.summary(caseDir)).items.find((candidate) => candidate.kind === 'process-list');
    expect(item?.note).toContain('ps_args "--holdcell-no-such-option" failed');
    expect(item?.apiCalls.map((apiCall) => apiCall.status)).toEqual([500, 200]);
    const listed = JSON.parse(await readFile(join(caseDir, item?.path ?? ''), 'utf8')) as { Processes: string[][] };
    expect(listed.Processes.some((row) => row.join(' ').includes('sleep 600'))).toBe(true);
    expect(result.contained).toBe(true);
  });

  it('given a dry run, then the plan comes back as planned steps, the engine is untouched and no case folder appears', async () => {
    const scene = await stage.scene('dry');
    const caseDir = join(casesRoot, 'case-dry');
    const before = await engineView(scene.suspect);
    const result = await containment(store).isolate(
      { ref: { engineId: 'default', container: scene.suspect }, caseDir, mode: 'both', dryRun: true },
      call(),
    );
    expect(result.dryRun).toBe(true);
    expect(result.contained).toBe(false);
    expect(new Set(result.steps.map((step) => step.status))).toEqual(new Set(['planned']));
    expect(result.steps.map((step) => step.action)).toEqual([
      'inspect',
      'network-state',
      'top',
      'host-proc',
      'pause',
      'disconnect',
      'quarantine',
      'logs',
    ]);
    expect(existsSync(caseDir)).toBe(false);
    expect(await engineView(scene.suspect)).toEqual(before);
    expect(await peerReaches(scene.peer)).toBe(true);
  });

  it('given an unknown container, then NOT_FOUND names it and no case is created', async () => {
    const caseDir = join(casesRoot, 'case-unknown');
    await expect(
      containment(store).isolate(
        { ref: { engineId: 'default', container: 'hc-test-no-such-container' }, caseDir, mode: 'both', dryRun: false },
        call(),
      ),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('"hc-test-no-such-container"') });
    expect(existsSync(caseDir)).toBe(false);
  });

  it('given a case that never isolated the container, then release refuses instead of guessing', async () => {
    const suspect = await stage.container('never', []);
    const caseDir = join(casesRoot, 'case-never');
    await store.create(caseDir, { title: 'unrelated' });
    await expect(
      containment(store).release({ ref: { engineId: 'default', container: suspect }, caseDir }, call()),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('records no isolation') });
    await expect(
      containment(store).release(
        { ref: { engineId: 'default', container: suspect }, caseDir: join(casesRoot, 'no-case') },
        call(),
      ),
    ).rejects.toMatchObject({ message: expect.stringContaining('no case folder') });
    expect(existsSync(join(casesRoot, 'no-case'))).toBe(false);
  });
});
