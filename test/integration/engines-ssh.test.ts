// SSH engines against a real OpenSSH sshd: known hosts are trusted, unknown / changed / revoked keys are refused pre-auth.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerCatalog } from '../../src/capture/node/container-catalog.js';
import { DockerEngine } from '../../src/capture/node/docker-engine.js';
import { EngineRegistry } from '../../src/capture/node/engine-registry.js';
import { resolveEngines } from '../../src/host/engine-config.js';
import { createTestContainer, docker, dockerSocketPath, removeTestContainers } from '../support/docker-cli.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../bin/holdcell.js', import.meta.url));
const SSHD = ['/usr/sbin/sshd', '/usr/bin/sshd'].find((path) => existsSync(path));

interface Sshd {
  port: number;
  process: ChildProcess;
  log: string[];
}

let work: string;
let sshd: Sshd;
let agent: ChildProcess | undefined;
let agentSocket: string;
/** The server's real host keys (`type base64`) and the fingerprints ssh-keygen -lf prints for them. */
const hostKeys: Record<'ed25519' | 'rsa', { line: string; fingerprint: string }> = {
  ed25519: { line: '', fingerprint: '' },
  rsa: { line: '', fingerprint: '' },
};
let impostorKey: string;
/** More containers than sshd's MaxStartups (10): a transport opening one SSH connection per request fails here. */
const SUSPECTS = 12;
let suspectIds: string[];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function keygen(type: 'ed25519' | 'rsa', file: string): Promise<{ line: string; fingerprint: string }> {
  await run('ssh-keygen', [
    '-q',
    '-t',
    type,
    ...(type === 'rsa' ? ['-b', '2048'] : []),
    '-N',
    '',
    '-C',
    '',
    '-f',
    file,
  ]);
  const line = readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${file}.pub`]);
  return { line, fingerprint: stdout.split(/\s+/)[1] ?? '' };
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A private sshd on 127.0.0.1 that lets in root with the test client key only, logging every step to `log`. */
async function startSshd(): Promise<Sshd> {
  if (SSHD === undefined) {
    throw new Error('sshd is not installed: run bash test/setup/setup.sh (it installs openssh-server)');
  }
  // sshd's privilege separation needs this directory even for a private instance.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const port = await freePort();
  writeFileSync(
    join(work, 'authorized_keys'),
    // The remote `docker system dial-stdio` must reach the engine under test, wherever its socket is.
    `environment="DOCKER_HOST=unix://${dockerSocketPath()}" ${readFileSync(join(work, 'client.pub'), 'utf8')}` +
      // A second key whose forced command stands for a remote host without the docker CLI.
      `command="echo 'sh: docker: not found' >&2; exit 127" ${readFileSync(join(work, 'nodocker.pub'), 'utf8')}` +
      // A third whose command closes its output before it exits, so sshd sends the EOF well before the exit status.
      `command="echo 'sh: docker: not found' >&2; exec >&- 2>&-; sleep 0.5; exit 127" ${readFileSync(join(work, 'eoffirst.pub'), 'utf8')}`,
    { mode: 0o600 },
  );
  writeFileSync(
    join(work, 'sshd_config'),
    [
      'ListenAddress 127.0.0.1',
      `HostKey ${join(work, 'host_ed25519')}`,
      `HostKey ${join(work, 'host_rsa')}`,
      `PidFile ${join(work, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(work, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitUserEnvironment DOCKER_HOST',
      'UsePAM no',
      'StrictModes no',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  const child = spawn(SSHD, ['-D', '-e', '-f', join(work, 'sshd_config'), '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const log: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => log.push(...chunk.split('\n').filter(Boolean)));
  await waitFor('sshd to listen', () => {
    if (child.exitCode !== null) throw new Error(`sshd exited: ${log.join('\n')}`);
    return log.some((line) => line.includes(`Server listening on 127.0.0.1 port ${port}`));
  });
  return { port, process: child, log };
}

/** A responder's home folder holding only what the test puts there. */
function makeHome(name: string, files: { knownHosts?: string; identity?: boolean; identityFile?: string }): string {
  const home = join(work, name);
  mkdirSync(join(home, '.ssh'), { recursive: true });
  if (files.knownHosts !== undefined) writeFileSync(join(home, '.ssh', 'known_hosts'), files.knownHosts);
  const identity = files.identityFile ?? (files.identity ? 'client' : undefined);
  if (identity !== undefined) {
    writeFileSync(join(home, '.ssh', 'id_ed25519'), readFileSync(join(work, identity)), { mode: 0o600 });
  }
  return home;
}

function sshEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    HOME: home,
    DOCKER_HOST: `ssh://root@127.0.0.1:${sshd.port}`,
    DOCKER_CONFIG: join(home, '.docker'),
    SSH_AUTH_SOCK: '',
    ...extra,
  };
}

function sshEngine(env: NodeJS.ProcessEnv): DockerEngine {
  const [engine] = resolveEngines(env);
  if (engine === undefined) throw new Error('no engine resolved');
  return new DockerEngine(engine.engineId, engine.endpoint);
}

async function listIds(engine: DockerEngine): Promise<string[]> {
  const catalog = new ContainerCatalog(new EngineRegistry([engine]));
  const listing = await catalog.listContainers({}, { signal: AbortSignal.timeout(30_000) });
  const status = listing.engines[0];
  if (status?.state !== 'connected') throw new Error(status?.error ?? 'engine not connected');
  return listing.containers.map((container) => container.id).sort();
}

/**
 * Runs `attempt` and returns sshd's log lines for the connections it opened (matched by client port), once each of
 * them has ended; lines of other, slower connections never leak in.
 */
async function sshdLogDuring(attempt: () => Promise<unknown>): Promise<string> {
  const before = sshd.log.length;
  await attempt();
  const ports = (): string[] =>
    sshd.log.slice(before).flatMap((line) => /^Connection from 127\.0\.0\.1 port (\d+)/.exec(line)?.[1] ?? []);
  const ended = (port: string): boolean =>
    sshd.log
      .slice(before)
      .some((line) =>
        new RegExp(`(Disconnected from|Connection closed by|Connection reset by) .*port ${port}\\b`).test(line),
      );
  await waitFor('sshd to log the end of each connection', () => ports().length > 0 && ports().every(ended));
  const mine = new Set(ports());
  return sshd.log
    .slice(before)
    .filter((line) => [...mine].some((port) => new RegExp(`port ${port}\\b`).test(line)))
    .join('\n');
}

function holdcell(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
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

describe('SSH engines with host-key verification against a real sshd', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'holdcell-ssh-'));
    hostKeys.ed25519 = await keygen('ed25519', join(work, 'host_ed25519'));
    hostKeys.rsa = await keygen('rsa', join(work, 'host_rsa'));
    impostorKey = (await keygen('ed25519', join(work, 'impostor'))).line;
    await keygen('ed25519', join(work, 'client'));
    await keygen('ed25519', join(work, 'nodocker'));
    await keygen('ed25519', join(work, 'eoffirst'));
    sshd = await startSshd();
    await removeTestContainers();
    suspectIds = [];
    for (let index = 0; index < SUSPECTS; index++) {
      suspectIds.push(await createTestContainer({ name: `ssh-listed-${index}`, command: ['true'] }));
    }
  });

  afterAll(async () => {
    sshd?.process.kill('SIGTERM');
    agent?.kill('SIGTERM');
    await removeTestContainers();
    rmSync(work, { recursive: true, force: true });
  });

  it('given known_hosts holding the server key, when I list over ssh://, then I see the same containers as the local socket', async () => {
    const home = makeHome('trusted', {
      knownHosts: `[127.0.0.1]:${sshd.port} ${hostKeys.ed25519.line}\n`,
      identity: true,
    });
    const overSsh = sshEngine(sshEnv(home));
    const local = new DockerEngine('local', { kind: 'unix', socketPath: dockerSocketPath() });
    let log = '';
    // Other suites share this engine; retry until two consecutive listings agree instead of racing them.
    let viaSsh: string[] = [];
    let viaSocket: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      log = await sshdLogDuring(async () => {
        viaSsh = await listIds(overSsh);
      });
      viaSocket = await listIds(local);
      if (viaSsh.join() === viaSocket.join()) break;
    }
    expect(viaSsh).toEqual(expect.arrayContaining(suspectIds));
    expect(viaSsh).toEqual(viaSocket);
    // The positive control for the refusal tests below: a trusted connection does authenticate and open a session.
    expect(log).toMatch(/Accepted publickey for root/);
    expect(log).toMatch(/Starting session: command/);
    expect((await overSsh.version()).serverVersion).toBe(
      (await docker(['version', '--format', '{{.Server.Version}}'])).trim(),
    );
  });

  it('given a hashed known_hosts line (ssh-keygen -H), then the host is recognised', async () => {
    const home = makeHome('hashed', {
      knownHosts: `[127.0.0.1]:${sshd.port} ${hostKeys.ed25519.line}\n`,
      identity: true,
    });
    await run('ssh-keygen', ['-H', '-f', join(home, '.ssh', 'known_hosts')]);
    expect(readFileSync(join(home, '.ssh', 'known_hosts'), 'utf8')).toMatch(/^\|1\|/);
    await expect(sshEngine(sshEnv(home)).version()).resolves.toHaveProperty('serverVersion');
  });

  it('given only the server RSA key in known_hosts, then HoldCell asks for RSA first, as OpenSSH does, and connects', async () => {
    const home = makeHome('rsa-only', {
      knownHosts: `[127.0.0.1]:${sshd.port} ${hostKeys.rsa.line}\n`,
      identity: true,
    });
    await expect(sshEngine(sshEnv(home)).version()).resolves.toHaveProperty('serverVersion');
  });

  it('given no key file but an ssh-agent holding the client key, then the agent authenticates', async () => {
    agentSocket = join(work, 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', agentSocket], { stdio: 'ignore' });
    await waitFor('ssh-agent socket', () => existsSync(agentSocket));
    await run('ssh-add', [join(work, 'client')], { env: { ...process.env, SSH_AUTH_SOCK: agentSocket } });
    const home = makeHome('agent', { knownHosts: `[127.0.0.1]:${sshd.port} ${hostKeys.ed25519.line}\n` });
    await expect(sshEngine(sshEnv(home, { SSH_AUTH_SOCK: agentSocket })).version()).resolves.toHaveProperty(
      'serverVersion',
    );
  });

  it('given an empty known_hosts, then the connection is refused before authentication, printing the fingerprint', async () => {
    const home = makeHome('unknown', { knownHosts: '', identity: true });
    let failure: unknown;
    const log = await sshdLogDuring(async () => {
      failure = await sshEngine(sshEnv(home))
        .version()
        .catch((error: unknown) => error);
    });
    expect(failure).toMatchObject({ code: 'SSH_HOST_KEY_UNKNOWN' });
    const message = (failure as Error).message;
    expect(message).toContain(`key fingerprint is ${hostKeys.ed25519.fingerprint}`);
    expect(message).toContain(`[127.0.0.1]:${sshd.port} ${hostKeys.ed25519.line}`);
    expect(message).toContain(join(home, '.ssh', 'known_hosts'));
    // sshd saw a connection that never authenticated, so no command (docker system dial-stdio) could have run.
    expect(log).toMatch(/Connection from 127\.0\.0\.1/);
    expect(log).toMatch(/\[preauth\]/);
    expect(log).not.toMatch(/Accepted publickey|Starting session/);
  });

  it('given a different key for this host, then the connection is refused loudly as a possible man-in-the-middle', async () => {
    const home = makeHome('changed', { knownHosts: `[127.0.0.1]:${sshd.port} ${impostorKey}\n`, identity: true });
    let failure: unknown;
    const log = await sshdLogDuring(async () => {
      failure = await sshEngine(sshEnv(home))
        .version()
        .catch((error: unknown) => error);
    });
    expect(failure).toMatchObject({ code: 'SSH_HOST_KEY_CHANGED' });
    expect((failure as Error).message).toMatch(/HAS CHANGED.*man-in-the-middle/);
    expect((failure as Error).message).toContain(hostKeys.ed25519.fingerprint);
    expect(log).not.toMatch(/Accepted publickey|Starting session/);
  });

  it('given the server key marked @revoked in HOLDCELL_KNOWN_HOSTS, then it is refused although another line trusts it', async () => {
    const home = makeHome('revoked', {
      knownHosts: `[127.0.0.1]:${sshd.port} ${hostKeys.ed25519.line}\n`,
      identity: true,
    });
    const revocations = join(work, 'revoked_hosts');
    writeFileSync(revocations, `@revoked * ${hostKeys.ed25519.line}\n`);
    const env = sshEnv(home, { HOLDCELL_KNOWN_HOSTS: `${join(home, '.ssh', 'known_hosts')}:${revocations}` });
    let failure: unknown;
    const log = await sshdLogDuring(async () => {
      failure = await sshEngine(env)
        .version()
        .catch((error: unknown) => error);
    });
    expect(failure).toMatchObject({ code: 'SSH_HOST_KEY_REVOKED' });
    expect(log).not.toMatch(/Accepted publickey|Starting session/);
  });

  it('given a remote host without the docker CLI, then the error carries its stderr instead of a bare hang-up', async () => {
    const home = makeHome('no-docker', {
      knownHosts: `[127.0.0.1]:${sshd.port} ${hostKeys.ed25519.line}\n`,
      identityFile: 'nodocker',
    });
    const engine = sshEngine(sshEnv(home));
    const failure = await engine.version().catch((error: unknown) => error);
    expect(engine.explainFailure(failure)).toMatch(
      /the remote "docker system dial-stdio" failed \(exit 127\): sh: docker: not found/,
    );
  });

  it('given a remote dial-stdio that closes its output before its exit status arrives, then the error still carries its stderr', async () => {
    const home = makeHome('eof-first', {
      knownHosts: `[127.0.0.1]:${sshd.port} ${hostKeys.ed25519.line}\n`,
      identityFile: 'eoffirst',
    });
    const engine = sshEngine(sshEnv(home));
    const failure = await engine.version().catch((error: unknown) => error);
    expect(engine.explainFailure(failure)).toMatch(
      /the remote "docker system dial-stdio" failed \(exit 127\): sh: docker: not found/,
    );
  });

  it('given holdcell engines --json, then the SSH engine answers when known and names the fingerprint when not', async () => {
    const trusted = makeHome('cli-trusted', {
      knownHosts: `[127.0.0.1]:${sshd.port} ${hostKeys.ed25519.line}\n`,
      identity: true,
    });
    const ok = await holdcell(['engines', '--json'], sshEnv(trusted));
    expect(ok.stderr).not.toMatch(/engine default:/);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual([
      expect.objectContaining({
        engineId: 'default',
        kind: 'ssh',
        endpoint: `ssh://root@127.0.0.1:${sshd.port}`,
        source: 'DOCKER_HOST',
        state: 'connected',
        serverVersion: (await docker(['version', '--format', '{{.Server.Version}}'])).trim(),
      }),
    ]);

    const stranger = makeHome('cli-unknown', { knownHosts: '', identity: true });
    const refused = await holdcell(['engines', '--json'], sshEnv(stranger));
    expect(refused.code).toBe(2);
    const [engine] = JSON.parse(refused.stdout) as { state: string; error: string }[];
    expect(engine?.state).toBe('unreachable');
    expect(engine?.error).toContain(hostKeys.ed25519.fingerprint);
    expect(refused.stderr).toContain('is not in known_hosts');
  });
});
