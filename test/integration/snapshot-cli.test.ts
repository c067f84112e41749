// `holdcell snapshot` from a shell: items with hashes and completeness, exit 0/5/2 as scripts need them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotResult } from '../../src/capture/common/containment.js';
import { docker, dockerSocketPath } from '../support/docker-cli.js';
import { startSocketProxy, type SocketProxy } from '../support/socket-proxy.js';
import {
  createSuspect,
  readManifest,
  removeEvidenceImages,
  removeSuspect,
  sha256sum,
  type Suspect,
} from './snapshot-rig.js';
import { runHoldcell } from '../support/holdcell-cli.js';

const holdcell = (args: string[], env: Record<string, string>) => runHoldcell(args, { env });

describe('holdcell snapshot', () => {
  let casesRoot: string;
  let suspect: Suspect;
  let proxy: SocketProxy;
  let env: Record<string, string>;
  beforeAll(async () => {
    casesRoot = await mkdtemp(join(tmpdir(), 'hc-snap-cli-'));
    env = { HOLDCELL_CASES: casesRoot, HOLDCELL_OPERATOR: 'cli-responder' };
    suspect = await createSuspect('snap-cli', { keepRunning: false });
    proxy = await startSocketProxy({ target: dockerSocketPath() });
  });
  afterAll(async () => {
    await proxy?.dispose();
    await removeEvidenceImages(suspect?.id);
    await removeSuspect(suspect);
    await rm(casesRoot, { recursive: true, force: true });
  });

  it('given a stopped suspect, when I snapshot it by name, then each item is printed with its hash and the exit is 0', async () => {
    const name = (await docker(['inspect', '-f', '{{.Name}}', suspect.id])).trim().replace(/^\//, '');
    expect(name).toMatch(/^hc-test-snap-cli-/);
    const { code, stdout, stderr } = await holdcell(['snapshot', name, '--case', 'cli-complete'], env);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const caseDir = join(casesRoot, 'cli-complete');
    const manifest = await readManifest(caseDir);
    expect(stdout.split('\n')[0]).toMatch(/^KIND\s+FILE\s+BYTES\s+SHA256\s+STATUS\s+FLAGS$/);
    for (const item of manifest.items) {
      expect(await sha256sum(join(caseDir, item.path))).toBe(item.sha256);
      expect(stdout).toMatch(new RegExp(`${item.kind}\\s+${item.path}\\s+${item.bytes}\\s+${item.sha256}\\s+complete`));
    }
    expect(stdout).toMatch(/mount-archive .* complete\s+not-in-export,acquired-via-archive-api/);
    expect(stdout).toMatch(/^evidence image holdcell-evidence\/[0-9a-f-]+:[0-9a-f]{12} \(sha256:[0-9a-f]{64}\)$/m);
    expect(stdout).toContain('complete: 8 of 8 items complete');
    expect(manifest.items.every((item) => item.operator === 'cli-responder')).toBe(true);
  });

  it('given --json, then the output is the snapshot result', async () => {
    const { code, stdout } = await holdcell(['snapshot', suspect.id, '--case', 'cli-json', '--json'], env);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as SnapshotResult;
    expect(result).toMatchObject({ engineId: 'default', containerId: suspect.id, complete: true });
    expect(result.items).toEqual((await readManifest(join(casesRoot, 'cli-json'))).items);
  });

  it('given the engine connection is cut during the streams, then the incomplete items say why and the exit is 5', async () => {
    proxy.setMode('cut', { faultAfterBytes: 300_000 });
    try {
      const { code, stdout } = await holdcell(
        ['snapshot', suspect.id, '--case', 'cli-cut', '-H', `unix://${proxy.path}`],
        env,
      );
      expect(code).toBe(5);
      expect(stdout).toMatch(/filesystem-export\s+evidence\/fs-export-\S+\s+\d+\s+[0-9a-f]{64}\s+INCOMPLETE: /);
      expect(stdout).toMatch(/INCOMPLETE: \d+ of 8 items complete/);
      const manifest = await readManifest(join(casesRoot, 'cli-cut'));
      expect(manifest.items.find((item) => item.kind === 'filesystem-export')?.complete).toBe(false);
    } finally {
      proxy.setMode('pass');
    }
  });

  it('given an engine that is not there, then the exit is 2, the reason names the endpoint, and no case is created', async () => {
    const { code, stderr } = await holdcell(
      ['snapshot', 'anything', '--case', 'cli-unreachable', '-H', 'unix:///run/holdcell-no-such.sock'],
      env,
    );
    expect(code).toBe(2);
    expect(stderr).toContain('Docker engine at unix:///run/holdcell-no-such.sock is not reachable');
    await expect(readManifest(join(casesRoot, 'cli-unreachable'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('given a container that does not exist, then the exit is 1 and the message names it', async () => {
    const { code, stderr } = await holdcell(['snapshot', 'hc-test-no-such', '--case', 'cli-none'], env);
    expect(code).toBe(1);
    expect(stderr).toContain('No container "hc-test-no-such"');
  });

  it('given --help, then the usage names the case option', async () => {
    const { code, stdout } = await holdcell(['snapshot', '--help'], env);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: holdcell snapshot [options] <container>');
    expect(stdout).toContain('--case <dir>');
  });
});
