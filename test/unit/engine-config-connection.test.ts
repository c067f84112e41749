// How each endpoint becomes docker-modem options: the process environment never redirects an engine, and a bad engine fails alone.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Modem from 'docker-modem';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerodeOptions, type DockerConnectionOptions } from '../../src/capture/node/docker-connection.js';
import { SshDockerAgent } from '../../src/capture/node/ssh-docker-agent.js';

const work = mkdtempSync(join(tmpdir(), 'holdcell-connection-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Sends one request through the options' agent; resolves with the error it fails with. */
function failureOf(options: DockerConnectionOptions): Promise<Error> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: options.socketPath, path: '/version', agent: options.agent }, () =>
      reject(new Error('the request was answered')),
    );
    req.on('error', resolve);
    req.end();
  });
}

/** docker-modem as dockerode builds it, with DOCKER_HOST and DOCKER_CERT_PATH set in the process environment. */
function modemUnderHostileEnv(options: DockerConnectionOptions): {
  socketPath?: unknown;
  host?: unknown;
  ca?: unknown;
} {
  const saved = { host: process.env.DOCKER_HOST, verify: process.env.DOCKER_TLS_VERIFY };
  process.env.DOCKER_HOST = 'tcp://203.0.113.9:2376';
  process.env.DOCKER_TLS_VERIFY = '1';
  try {
    return new Modem(options as unknown as ConstructorParameters<typeof Modem>[0]) as unknown as {
      socketPath?: unknown;
      host?: unknown;
      ca?: unknown;
    };
  } finally {
    for (const [key, value] of [
      ['DOCKER_HOST', saved.host],
      ['DOCKER_TLS_VERIFY', saved.verify],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

describe('docker-modem options per endpoint', () => {
  it('given a unix socket while DOCKER_HOST names another engine, then the modem still uses the socket', () => {
    const modem = modemUnderHostileEnv(dockerodeOptions({ kind: 'unix', socketPath: '/run/evidence.sock' }));
    expect(modem.host).toBeUndefined();
    expect(modem.socketPath).toBe('/run/evidence.sock');
  });

  it('given plain TCP while DOCKER_HOST names another engine, then the modem dials the configured host', () => {
    const options = dockerodeOptions({ kind: 'tcp', host: '10.0.0.5', port: 2375, tls: false });
    expect(options).toMatchObject({ host: '10.0.0.5', port: 2375, protocol: 'http', ca: undefined });
    expect(modemUnderHostileEnv(options).host).toBe('10.0.0.5');
  });

  it('given TLS material, then ca/cert/key are read from the folder; given SkipTLSVerify, then an agent carries them unverified', () => {
    const certs = mkdtempSync(join(work, 'certs-'));
    writeFileSync(join(certs, 'ca.pem'), 'CA');
    writeFileSync(join(certs, 'cert.pem'), 'CERT');
    writeFileSync(join(certs, 'key.pem'), 'KEY');
    const verified = dockerodeOptions({ kind: 'tcp', host: 'h', port: 2376, tls: true, certPath: certs });
    expect(verified).toMatchObject({ protocol: 'https', agent: undefined });
    expect([verified.ca?.toString(), verified.cert?.toString(), verified.key?.toString()]).toEqual([
      'CA',
      'CERT',
      'KEY',
    ]);
    const unverified = dockerodeOptions({
      kind: 'tcp',
      host: 'h',
      port: 2376,
      tls: true,
      certPath: certs,
      skipVerify: true,
    });
    expect(unverified.agent).toBeInstanceOf(HttpsAgent);
    expect((unverified.agent as HttpsAgent).options.rejectUnauthorized).toBe(false);
  });

  it('given a cert folder with a certificate but no key, then the engine fails with that reason on first use', async () => {
    const certs = mkdtempSync(join(work, 'half-'));
    writeFileSync(join(certs, 'cert.pem'), 'CERT');
    const options = dockerodeOptions({ kind: 'tcp', host: 'h', port: 2376, tls: true, certPath: certs });
    expect((await failureOf(options)).message).toBe(
      `${certs} holds only one of cert.pem and key.pem; a client certificate needs both`,
    );
  });

  it('given an invalid engine, then every request fails with its reason and no socket is opened', async () => {
    const options = dockerodeOptions({
      kind: 'invalid',
      address: 'ftp://x',
      reason: 'Unsupported Docker engine scheme',
    });
    const failure = await failureOf(options);
    expect(failure).toMatchObject({ code: 'HOLDCELL_ENGINE_CONFIG', message: 'Unsupported Docker engine scheme' });
  });

  it('given SSH without agent or key file, then the engine says which credentials it looked for', async () => {
    const options = dockerodeOptions({
      kind: 'ssh',
      host: 'bastion',
      port: 22,
      user: 'ir',
      identityFiles: [join(work, 'absent_ed25519')],
      knownHostsFiles: [],
    });
    expect((await failureOf(options)).message).toBe(
      `no SSH credentials for ir@bastion: start ssh-agent (SSH_AUTH_SOCK) or put a key in ${join(work, 'absent_ed25519')} (passwords are not used)`,
    );
  });

  it("given SSH with a key file, then requests go through HoldCell's SSH agent as plain HTTP inside the tunnel", () => {
    writeFileSync(join(work, 'id_ed25519'), 'not parsed here');
    const options = dockerodeOptions({
      kind: 'ssh',
      host: 'bastion',
      port: 2222,
      identityFiles: [join(work, 'id_ed25519')],
      knownHostsFiles: [],
    });
    expect(options).toMatchObject({ protocol: 'http', socketPath: undefined, port: undefined });
    expect(options.agent).toBeInstanceOf(SshDockerAgent);
    (options.agent as SshDockerAgent).close();
  });
});
