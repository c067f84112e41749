// `holdcell isolate` and `holdcell release` from a shell: separate processes, the case in between, exit codes scripts can use.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IsolationResult, ReleaseResult } from '../../src/capture/common/containment.js';
import { docker, dockerSocketPath } from '../support/docker-cli.js';
import { startSocketProxy, type SocketProxy } from '../support/socket-proxy.js';
import { ALIAS, engineView, peerReaches, QUARANTINE, Stage } from './isolate-scene.js';
import { runHoldcell } from '../support/holdcell-cli.js';

const holdcell = (args: string[]) => runHoldcell(args);

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const stage = new Stage();
let casesRoot: string;

beforeAll(async () => {
  casesRoot = await stage.caseRoot();
});
afterAll(async () => stage.dispose());

describe('holdcell isolate / release', () => {
  it('given a suspect, when I isolate by name with --json and release in another process, then it is contained, then restored', async () => {
    const scene = await stage.scene('cli');
    const containerName = (await docker(['inspect', '-f', '{{.Name}}', scene.suspect])).trim().replace(/^\//, '');
    const caseDir = join(casesRoot, 'case-cli');

    const isolated = await holdcell(['isolate', containerName, '--case', caseDir, '--json']);
    expect(isolated.code, isolated.stderr).toBe(0);
    const result = JSON.parse(isolated.stdout) as IsolationResult;
    expect(result.contained).toBe(true);
    expect(result.plan.containerId).toBe(scene.suspect);
    expect((await engineView(scene.suspect)).paused).toBe(true);
    expect(Object.keys((await engineView(scene.suspect)).networks)).toEqual([QUARANTINE]);

    const released = await holdcell(['release', scene.suspect.slice(0, 12), '--case', caseDir, '--json']);
    expect(released.code, released.stderr).toBe(0);
    expect((JSON.parse(released.stdout) as ReleaseResult).released).toBe(true);
    const view = await engineView(scene.suspect);
    expect(view.paused).toBe(false);
    expect(view.networks[scene.network]?.Aliases).toContain(ALIAS);
    expect(await peerReaches(scene.peer)).toBe(true);
  });

  it('given text output, then every step is listed with its status and no control byte reaches the terminal', async () => {
    const suspect = await stage.container('cli-text', []);
    const caseDir = join(casesRoot, 'case-cli-text');
    const dry = await holdcell(['isolate', suspect, '--case', caseDir, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^PHASE\s+STEP\s+STATUS\s+DETAIL$/m);
    expect(dry.stdout).toMatch(/^contain\s+pause\s+planned\s+Pause every process/m);
    expect(dry.stdout).toContain('Dry run: nothing was changed');
    expect(existsSync(caseDir)).toBe(false);
    expect((await engineView(suspect)).paused).toBe(false);

    const run = await holdcell(['isolate', suspect, '--case', caseDir, '--mode', 'pause']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^collect\s+inspect\s+done\s+/m);
    expect(run.stdout).toMatch(/^contain\s+pause\s+done\s+every process frozen$/m);
    expect(run.stdout).not.toMatch(/disconnect/);
    expect(run.stdout).not.toMatch(CONTROL);
    expect((await engineView(suspect)).paused).toBe(true);

    const release = await holdcell(['release', suspect, '--case', caseDir]);
    expect(release.code, release.stderr).toBe(0);
    expect(release.stdout).toMatch(/^release\s+unpause\s+done\s+unpaused$/m);
  });

  it('given a host-network container and mode network, then isolate exits 4: it ran but could not contain', async () => {
    const suspect = await stage.container('cli-host', ['--network', 'host']);
    const result = await holdcell([
      'isolate',
      suspect,
      '--case',
      join(casesRoot, 'case-cli-host'),
      '--mode',
      'network',
    ]);
    expect(result.code).toBe(4);
    expect(result.stdout).toMatch(/^warning: Network mode host/m);
    expect(result.stdout).toContain('NOT contained');
  });

  it('given an unknown container, then isolate exits 1 naming it', async () => {
    const result = await holdcell(['isolate', 'hc-test-nobody-here', '--case', join(casesRoot, 'case-cli-none')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No container "hc-test-nobody-here" on engine default');
  });

  describe('with an unreachable engine', () => {
    let proxy: SocketProxy;
    beforeAll(async () => {
      proxy = await startSocketProxy({ target: dockerSocketPath(), mode: 'refuse' });
    });
    afterAll(async () => proxy.dispose());

    it('given an engine that refuses connections, then isolate and release exit 2 naming the endpoint, and no case appears', async () => {
      const caseDir = join(casesRoot, 'case-cli-refused');
      for (const command of ['isolate', 'release']) {
        const result = await holdcell([command, 'anything', '--case', caseDir, '-H', `unix://${proxy.path}`]);
        expect(result.code, command).toBe(2);
        expect(result.stderr).toContain(`Docker engine at unix://${proxy.path}`);
      }
      expect(existsSync(caseDir)).toBe(false);
    });
  });
});
