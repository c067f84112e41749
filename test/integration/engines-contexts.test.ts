// Docker contexts as engines: made with the real docker CLI, a good one answers and a broken one says why, side by side.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../src/capture/common/containers.js';
import { ContainerCatalog } from '../../src/capture/node/container-catalog.js';
import { DockerEngine } from '../../src/capture/node/docker-engine.js';
import { EngineRegistry } from '../../src/capture/node/engine-registry.js';
import { resolveEngines } from '../../src/host/engine-config.js';
import { docker, dockerSocketPath } from '../support/docker-cli.js';

const CLI = fileURLToPath(new URL('../../bin/holdcell.js', import.meta.url));
const MISSING_SOCKET = '/run/holdcell-engines-test-absent.sock';

let work: string;
let dockerConfig: string;
let brokenFolder: string;
let serverVersion: string;

function holdcell(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

async function probeAll(env: NodeJS.ProcessEnv): Promise<Map<string, EngineStatus>> {
  const engines = resolveEngines(env).map((engine) => new DockerEngine(engine.engineId, engine.endpoint));
  const statuses = await new ContainerCatalog(new EngineRegistry(engines)).listEngines(
    {},
    { signal: AbortSignal.timeout(30_000) },
  );
  return new Map(statuses.map((status) => [status.engineId, status]));
}

describe('docker contexts as engines', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'holdcell-contexts-'));
    dockerConfig = join(work, 'docker-config');
    const cliEnv = { DOCKER_CONFIG: dockerConfig };
    await docker(['context', 'create', 'evidence-lab', '--docker', `host=unix://${dockerSocketPath()}`], {
      env: cliEnv,
    });
    await docker(['context', 'create', 'decommissioned', '--docker', `host=unix://${MISSING_SOCKET}`], { env: cliEnv });
    await docker(['context', 'create', 'mangled', '--docker', 'host=tcp://10.9.9.9:2376'], { env: cliEnv });
    // A context file cut short (disk full, bad sync): the engine must still be listed, with the reason.
    brokenFolder = createHash('sha256').update('mangled').digest('hex');
    writeFileSync(join(dockerConfig, 'contexts', 'meta', brokenFolder, 'meta.json'), '{"Name":"mangled","Endpoi');
    serverVersion = (await docker(['version', '--format', '{{.Server.Version}}'])).trim();
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('given contexts made by the docker CLI, then every one becomes an engine, the good one answers and the others say why', async () => {
    const env = { HOME: work, DOCKER_CONFIG: dockerConfig };
    const engines = resolveEngines(env);
    const brokenId = `context-${brokenFolder.slice(0, 12)}`;
    expect(engines.map((engine) => engine.engineId).sort()).toEqual(
      ['default', 'decommissioned', 'evidence-lab', brokenId].sort(),
    );
    const statuses = await probeAll(env);
    expect(statuses.get('evidence-lab')).toMatchObject({ state: 'connected', serverVersion });
    expect(statuses.get('decommissioned')).toMatchObject({ state: 'unreachable' });
    expect(statuses.get('decommissioned')?.error).toContain(`${MISSING_SOCKET} does not exist`);
    expect(statuses.get(brokenId)).toMatchObject({ state: 'unreachable' });
    expect(statuses.get(brokenId)?.error).toMatch(/meta\.json cannot be read as JSON/);
  });

  it('given a current context, then "default" is that context, as `docker ps` would use, and it is not listed twice', async () => {
    const currentConfig = join(work, 'current');
    await docker(['context', 'create', 'evidence-lab', '--docker', `host=unix://${dockerSocketPath()}`], {
      env: { DOCKER_CONFIG: currentConfig },
    });
    await docker(['context', 'use', 'evidence-lab'], { env: { DOCKER_CONFIG: currentConfig } });
    const names = (await docker(['context', 'ls', '--format', '{{.Name}}'], { env: { DOCKER_CONFIG: currentConfig } }))
      .trim()
      .split('\n');
    expect(names).toEqual(['default', 'evidence-lab']);
    const engines = resolveEngines({ HOME: work, DOCKER_CONFIG: currentConfig });
    expect(engines).toHaveLength(1);
    expect(engines[0]).toMatchObject({
      engineId: 'default',
      source: 'context evidence-lab (currentContext in config.json)',
      aliases: ['evidence-lab'],
      endpoint: { kind: 'unix', socketPath: dockerSocketPath() },
    });
  });

  it('given DOCKER_HOST pointing elsewhere in the process environment, then a unix-socket context still uses its own socket', async () => {
    // docker-modem reads DOCKER_HOST / DOCKER_CERT_PATH from process.env as defaults under explicit options.
    const socketPath = dockerSocketPath();
    const saved = process.env.DOCKER_HOST;
    let engine: DockerEngine;
    process.env.DOCKER_HOST = 'tcp://127.0.0.1:9';
    try {
      engine = new DockerEngine('evidence-lab', { kind: 'unix', socketPath });
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
    expect((await engine.version()).serverVersion).toBe(serverVersion);
  });

  it('given holdcell engines --json, then each engine shows endpoint, kind, source and state, and the exit code says one is down', async () => {
    const { code, stdout, stderr } = await holdcell(['engines', '--json'], { HOME: work, DOCKER_CONFIG: dockerConfig });
    expect(code).toBe(2);
    const reports = JSON.parse(stdout) as Record<string, unknown>[];
    const byId = new Map(reports.map((report) => [report.engineId, report]));
    expect(byId.get('evidence-lab')).toEqual({
      engineId: 'evidence-lab',
      endpoint: `unix://${dockerSocketPath()}`,
      kind: 'unix',
      source: 'context evidence-lab',
      aliases: [],
      state: 'connected',
      serverVersion,
      apiVersion: expect.stringMatching(/^\d+\.\d+$/),
      warnings: [],
    });
    expect(byId.get('default')).toMatchObject({ source: 'local socket', kind: 'unix' });
    expect(byId.get('decommissioned')).toMatchObject({
      kind: 'unix',
      state: 'unreachable',
      error: expect.stringContaining('does not exist'),
    });
    expect(byId.get(`context-${brokenFolder.slice(0, 12)}`)).toMatchObject({
      kind: 'invalid',
      source: expect.stringContaining('meta.json'),
      state: 'unreachable',
      error: expect.stringMatching(/cannot be read as JSON/),
    });
    expect(stderr).toMatch(/engine decommissioned: .*does not exist/);
    expect(stderr).toMatch(/engine context-[0-9a-f]{12}: .*cannot be read as JSON/);
  });

  it('given holdcell engines without --json, then a table names each engine, its kind, source and state', async () => {
    const { stdout } = await holdcell(['engines'], { HOME: work, DOCKER_CONFIG: dockerConfig });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ENGINE\s+KIND\s+ENDPOINT\s+SOURCE\s+STATE\s+VERSION$/);
    expect(stdout).toMatch(/evidence-lab\s+unix\s+unix:\/\/\S+\s+context evidence-lab\s+connected\s+\S+/);
    expect(stdout).toMatch(
      /decommissioned\s+unix\s+unix:\/\/\/run\/holdcell-engines-test-absent\.sock\s+context decommissioned\s+unreachable\s+-/,
    );
    expect(lines).toHaveLength(5);
  });

  it('given a plain tcp:// engine off this machine, then holdcell engines warns that the channel is unauthenticated', async () => {
    const { stderr } = await holdcell(['engines', '--host', 'tcp://192.0.2.1:2375'], {
      HOME: work,
      DOCKER_CONFIG: join(work, 'empty'),
    });
    expect(stderr).toMatch(/warning: engine default: plain TCP to 192\.0\.2\.1: .*neither encrypted nor authenticated/);
  });
});
