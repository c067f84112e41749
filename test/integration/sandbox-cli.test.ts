// `holdcell sandbox` from a shell: starts the evidence copy of a snapshot hardened, prints how to attach, stops only sandboxes.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxInfo } from '../../src/capture/common/containment.js';
import { Acquisition } from '../../src/capture/node/acquisition.js';
import { DockerEngine } from '../../src/capture/node/docker-engine.js';
import { EngineRegistry } from '../../src/capture/node/engine-registry.js';
import { CaseStore } from '../../src/forensics/node/case-store.js';
import { createTestContainer, docker, dockerSocketPath } from '../support/docker-cli.js';

const CLI = fileURLToPath(new URL('../../bin/holdcell.js', import.meta.url));

describe('holdcell sandbox', () => {
  let casesRoot: string;
  let caseDir: string;
  let suspect: string;
  let evidenceImage: string | undefined;

  function holdcell(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [CLI, ...args],
        { encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOLDCELL_CASES: casesRoot } },
        (error, stdout, stderr) => {
          resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
        },
      );
    });
  }

  beforeAll(async () => {
    casesRoot = await mkdtemp(join(tmpdir(), 'holdcell-sandbox-cli-'));
    caseDir = join(casesRoot, 'incident-cli');
    suspect = await createTestContainer({
      name: 'sbx-cli-suspect',
      args: ['--network', 'none'],
      command: ['sh', '-c', 'mkdir -p /opt; echo cli-dropper > /opt/dropper; exec sleep 600'],
      start: true,
    });
    const deadline = Date.now() + 10_000;
    while (!(await docker(['diff', suspect])).includes('/opt/dropper')) {
      if (Date.now() > deadline) throw new Error('the suspect never planted its dropper');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    // The case as `holdcell snapshot` leaves it, made by the same service in-process.
    const store = new CaseStore({ casesRoot, operator: 'responder-cli', toolVersion: 'holdcell test' });
    const engines = new EngineRegistry([new DockerEngine('default', { kind: 'unix', socketPath: dockerSocketPath() })]);
    const snapshot = await new Acquisition({ engines, openCase: store.openOrCreate }).snapshot(
      { ref: { engineId: 'default', container: suspect }, caseDir },
      { signal: new AbortController().signal, progress: () => undefined },
    );
    evidenceImage = snapshot.evidenceImage?.id;
    expect(evidenceImage).toBeDefined();
  });

  afterAll(async () => {
    const sandboxes = (
      await docker([
        'ps',
        '-a',
        '-q',
        '--filter',
        'label=org.holdcell.sandbox=1',
        '--filter',
        `label=org.holdcell.source-container=${suspect}`,
      ])
    )
      .split('\n')
      .filter((id) => id !== '');
    await docker(['rm', '-f', '-v', suspect, ...sandboxes]).catch(() => undefined);
    if (evidenceImage) await docker(['rmi', '-f', evidenceImage]).catch(() => undefined);
    await rm(casesRoot, { recursive: true, force: true });
  });

  it('given a snapshot in the case, when I run sandbox --json, then it prints the sandbox and docker shows it hardened', async () => {
    const { code, stdout, stderr } = await holdcell(['sandbox', caseDir, '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const info = JSON.parse(stdout) as SandboxInfo;
    expect(info).toMatchObject({ engineId: 'default', detonated: false });
    const inspect = JSON.parse(
      await docker(['inspect', '--format', '{{json .HostConfig}}', info.containerId]),
    ) as Record<string, unknown>;
    expect(inspect).toMatchObject({ NetworkMode: 'none', CapDrop: ['ALL'], ReadonlyRootfs: true, Privileged: false });
    expect((await docker(['exec', info.containerId, 'cat', '/opt/dropper'])).trim()).toBe('cli-dropper');

    const stopped = await holdcell(['sandbox', caseDir, '--stop', info.containerId.slice(0, 12), '--json']);
    expect(stopped.code).toBe(0);
    expect(JSON.parse(stopped.stdout)).toEqual({ removed: true });
    await expect(docker(['inspect', info.containerId])).rejects.toThrow(/No such object/);
  });

  it('when I run sandbox without --json, then it lists the hardening and says how to attach and stop', async () => {
    const { code, stdout } = await holdcell(['sandbox', caseDir]);
    expect(code).toBe(0);
    const id12 = /docker exec -it ([0-9a-f]{12}) sh/.exec(stdout)?.[1];
    expect(id12).toBeDefined();
    expect(stdout).toMatch(/^Sandbox holdcell-sandbox-[a-z0-9]{8}-[0-9a-f]{12} started on engine default$/m);
    expect(stdout).toContain('    - capabilities: all dropped');
    expect(stdout).toContain('    - entrypoint replaced by idle command: /bin/sleep 2147483647');
    expect(stdout).toContain(`Stop: holdcell sandbox ${caseDir} --stop ${id12}`);
    const stopped = await holdcell(['sandbox', caseDir, '--stop', id12 ?? '']);
    expect(stopped.code).toBe(0);
    expect(stopped.stdout.trim()).toBe(`Sandbox ${id12} removed`);
  });

  it('when I point --stop at the suspect, then it refuses with exit 1 and the suspect keeps running', async () => {
    const { code, stderr } = await holdcell(['sandbox', caseDir, '--stop', suspect.slice(0, 12)]);
    expect(code).toBe(1);
    expect(stderr).toContain('is not a HoldCell sandbox');
    expect((await docker(['inspect', '--format', '{{.State.Running}}', suspect])).trim()).toBe('true');
  });

  it('given an engine that is not there, then sandbox exits 2 and names the endpoint', async () => {
    const { code, stderr } = await holdcell(['sandbox', caseDir, '-H', 'unix:///run/holdcell-no-such.sock']);
    expect(code).toBe(2);
    expect(stderr).toContain('Docker engine at unix:///run/holdcell-no-such.sock is not reachable');
  });
});
