// TCP+TLS engines through a TLS-terminating stand-in in front of the real engine: mutual TLS works, a wrong CA is refused.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, copyFileSync } from 'node:fs';
import { connect as connectUnix } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerCatalog } from '../../src/capture/node/container-catalog.js';
import { DockerEngine } from '../../src/capture/node/docker-engine.js';
import { EngineRegistry } from '../../src/capture/node/engine-registry.js';
import { resolveEngines } from '../../src/host/engine-config.js';
import { issueCertificate, makeCa } from '../support/test-pki.js';
import { createTestContainer, docker, dockerSocketPath, removeTestContainers } from '../support/docker-cli.js';

const CLI = fileURLToPath(new URL('../../bin/holdcell.js', import.meta.url));

let work: string;
let serverVersion: string;
let suspectId: string;

/**
 * Test stand-in for a TLS-protected dockerd (`dockerd --tlsverify`): terminates mutual TLS with the test CA and
 * forwards the decrypted bytes to the real engine's unix socket. It counts what it forwarded, so a test can show
 * that a refused client never reached the engine.
 */
interface TlsEngineStandIn {
  port: number;
  forwarded: number;
  refusedHandshakes: string[];
  server: TlsServer;
  /** Tears down every open connection (keep-alive clients would otherwise hold close() open), then stops. */
  stop(): Promise<void>;
}
let standIn: TlsEngineStandIn;

/** A CA (and a rogue one), then a server certificate (SAN 127.0.0.1) and a client one signed by the CA. */
async function makePki(): Promise<void> {
  for (const ca of ['ca', 'rogue-ca']) await makeCa(work, ca);
  for (const who of ['server', 'client'] as const) await issueCertificate(work, who);
}

/** A DOCKER_CERT_PATH-style folder: ca.pem, cert.pem, key.pem (each only when given). */
function certFolder(name: string, files: { ca?: string; cert?: string; key?: string }): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const [target, source] of Object.entries(files)) copyFileSync(join(work, source), join(dir, `${target}.pem`));
  return dir;
}

async function startStandIn(): Promise<TlsEngineStandIn> {
  const state = { forwarded: 0, refusedHandshakes: [] as string[] };
  const open = new Set<{ destroy(): void }>();
  const server = createTlsServer(
    {
      key: readFileSync(join(work, 'server-key.pem')),
      cert: readFileSync(join(work, 'server.pem')),
      ca: readFileSync(join(work, 'ca.pem')),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (tlsSocket) => {
      const engine = connectUnix(dockerSocketPath());
      open.add(tlsSocket).add(engine);
      tlsSocket.on('data', (chunk: Buffer) => {
        state.forwarded += chunk.length;
      });
      tlsSocket.pipe(engine).pipe(tlsSocket);
      const close = (): void => {
        tlsSocket.destroy();
        engine.destroy();
        open.delete(tlsSocket);
        open.delete(engine);
      };
      tlsSocket.on('error', close).on('close', close);
      engine.on('error', close).on('close', close);
    },
  );
  server.on('tlsClientError', (error) => state.refusedHandshakes.push(error.message));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('stand-in has no port');
  const stop = async (): Promise<void> => {
    for (const socket of open) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return Object.assign(state, { port: address.port, server, stop });
}

function tlsEnv(certPath: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    HOME: work,
    DOCKER_CONFIG: join(work, 'no-docker-config'),
    DOCKER_HOST: `tcp://127.0.0.1:${standIn.port}`,
    DOCKER_TLS_VERIFY: '1',
    DOCKER_CERT_PATH: certPath,
    ...extra,
  };
}

function engineFrom(env: NodeJS.ProcessEnv, engineId = 'default'): DockerEngine {
  const engine = resolveEngines(env).find((candidate) => candidate.engineId === engineId);
  if (engine === undefined) throw new Error(`no engine ${engineId}`);
  return new DockerEngine(engine.engineId, engine.endpoint);
}

async function listIds(engine: DockerEngine): Promise<string[]> {
  const catalog = new ContainerCatalog(new EngineRegistry([engine]));
  const listing = await catalog.listContainers({}, { signal: AbortSignal.timeout(30_000) });
  const status = listing.engines[0];
  if (status?.state !== 'connected') throw new Error(status?.error ?? 'engine not connected');
  return listing.containers.map((container) => container.id).sort();
}

describe('TCP+TLS engines (mutual TLS through a test stand-in)', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'holdcell-tls-'));
    await makePki();
    standIn = await startStandIn();
    serverVersion = (await docker(['version', '--format', '{{.Server.Version}}'])).trim();
    await removeTestContainers();
    suspectId = await createTestContainer({ name: 'tls-listed', command: ['true'] });
  });

  afterAll(async () => {
    await standIn?.stop();
    await removeTestContainers();
    rmSync(work, { recursive: true, force: true });
  });

  it('given DOCKER_HOST tcp:// with DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH, then the engine answers over TLS with its containers', async () => {
    const good = certFolder('good', { ca: 'ca.pem', cert: 'client.pem', key: 'client-key.pem' });
    const [resolved] = resolveEngines(tlsEnv(good));
    expect(resolved).toMatchObject({ source: 'DOCKER_HOST', warnings: [], endpoint: { kind: 'tcp', tls: true } });
    const engine = engineFrom(tlsEnv(good));
    expect(engine.endpoint).toBe(`tcp://127.0.0.1:${standIn.port} (TLS)`);
    expect((await engine.version()).serverVersion).toBe(serverVersion);
    const local = new DockerEngine('local', { kind: 'unix', socketPath: dockerSocketPath() });
    let viaTls: string[] = [];
    let viaSocket: string[] = [];
    // Other suites share this engine: retry until both views agree instead of racing them.
    for (let attempt = 0; attempt < 3 && (viaTls.length === 0 || viaTls.join() !== viaSocket.join()); attempt++) {
      viaTls = await listIds(engine);
      viaSocket = await listIds(local);
    }
    expect(viaTls).toContain(suspectId);
    expect(viaTls).toEqual(viaSocket);
  });

  it('given a ca.pem from another CA, then the server certificate is refused and nothing reaches the engine', async () => {
    const rogue = certFolder('rogue', { ca: 'rogue-ca.pem', cert: 'client.pem', key: 'client-key.pem' });
    const forwardedBefore = standIn.forwarded;
    const engine = engineFrom(tlsEnv(rogue));
    const failure = await engine.version().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(engine.explainFailure(failure)).toMatch(/certificate/i);
    expect(standIn.forwarded).toBe(forwardedBefore);
  });

  it('given no client certificate, then the engine side refuses the handshake', async () => {
    const caOnly = certFolder('ca-only', { ca: 'ca.pem' });
    const refusedBefore = standIn.refusedHandshakes.length;
    const forwardedBefore = standIn.forwarded;
    await expect(engineFrom(tlsEnv(caOnly)).version()).rejects.toBeInstanceOf(Error);
    expect(standIn.refusedHandshakes.length).toBeGreaterThan(refusedBefore);
    expect(standIn.forwarded).toBe(forwardedBefore);
  });

  it('given a DOCKER_CERT_PATH that does not exist, then the engine reports it and no connection is attempted', async () => {
    const refusedBefore = standIn.refusedHandshakes.length;
    const engine = engineFrom(tlsEnv(join(work, 'typo')));
    const failure = await engine.version().catch((error: unknown) => error);
    expect(engine.explainFailure(failure)).toContain(`TLS cert path ${join(work, 'typo')} does not exist`);
    expect(standIn.refusedHandshakes.length).toBe(refusedBefore);
  });

  it('given docker contexts made by the docker CLI (TLS material; skip-tls-verify), then both answer and the insecure one is flagged', async () => {
    const dockerConfig = join(work, 'docker-config');
    const cliEnv = { DOCKER_CONFIG: dockerConfig };
    const host = `tcp://127.0.0.1:${standIn.port}`;
    const files = `ca=${join(work, 'ca.pem')},cert=${join(work, 'client.pem')},key=${join(work, 'client-key.pem')}`;
    await docker(['context', 'create', 'tls-engine', '--docker', `host=${host},${files}`], { env: cliEnv });
    await docker(
      [
        'context',
        'create',
        'no-verify',
        '--docker',
        `host=${host},cert=${join(work, 'client.pem')},key=${join(work, 'client-key.pem')},skip-tls-verify=true`,
      ],
      { env: cliEnv },
    );
    // The docker CLI itself accepts the stand-in through the same context: it is a faithful TLS endpoint.
    expect(
      (await docker(['--context', 'tls-engine', 'version', '--format', '{{.Server.Version}}'], { env: cliEnv })).trim(),
    ).toBe(serverVersion);
    const env = { HOME: work, DOCKER_CONFIG: dockerConfig };
    const engines = resolveEngines(env);
    expect(engines.map((engine) => [engine.engineId, engine.source])).toEqual([
      ['default', 'local socket'],
      ['no-verify', 'context no-verify'],
      ['tls-engine', 'context tls-engine'],
    ]);
    expect(engines[1]?.warnings[0]).toMatch(/not checked/);
    expect(engines[2]?.warnings).toEqual([]);
    expect((await engineFrom(env, 'tls-engine').version()).serverVersion).toBe(serverVersion);
    expect((await engineFrom(env, 'no-verify').version()).serverVersion).toBe(serverVersion);
  });

  it('given holdcell engines --json, then the TLS engine shows kind "tls", its source and the server version', async () => {
    const good = certFolder('cli-good', { ca: 'ca.pem', cert: 'client.pem', key: 'client-key.pem' });
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [CLI, 'engines', '--json'],
        { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...tlsEnv(good) } },
        (error, stdout, stderr) =>
          resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      {
        engineId: 'default',
        endpoint: `tcp://127.0.0.1:${standIn.port} (TLS)`,
        kind: 'tls',
        source: 'DOCKER_HOST',
        aliases: [],
        state: 'connected',
        serverVersion,
        apiVersion: expect.stringMatching(/^\d+\.\d+$/),
        warnings: [],
      },
    ]);
  });
});
