// How dockerode reaches an endpoint (unix socket, TCP, TLS, SSH with known_hosts checks), as a plain options object.
import { readFileSync, statSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { DockerEndpoint } from '../common/docker-endpoint.js';
import { SshDockerAgent, type SshDockerTarget } from './ssh-docker-agent.js';
import { hostKeyRefusal, preferredHostKeyAlgorithms, readKnownHostsFiles, verifyHostKey } from './ssh-known-hosts.js';

/**
 * The docker-modem options HoldCell sets. Every key is always present (undefined when unused) because docker-modem
 * merges its own defaults from process.env (DOCKER_HOST, DOCKER_CERT_PATH…) under ours: an engine configured as a
 * unix socket must not silently become the DOCKER_HOST one.
 */
export interface DockerConnectionOptions {
  socketPath: string | undefined;
  host: string | undefined;
  port: number | undefined;
  protocol: 'http' | 'https' | undefined;
  ca: Buffer | undefined;
  cert: Buffer | undefined;
  key: Buffer | undefined;
  username: string | undefined;
  /** Set for SSH (HoldCell's own transport, ssh-docker-agent.ts), unverified TLS, and engines that cannot work. */
  agent: HttpAgent | undefined;
}

/** A configuration problem that can only surface when the engine is used (so one bad engine never stops the host). */
export class EngineConnectionError extends Error {
  readonly code = 'HOLDCELL_ENGINE_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'EngineConnectionError';
  }
}

/** Every connection field unset: each endpoint kind sets only its own (tests build theirs from it too). */
export const CLEAR: DockerConnectionOptions = {
  socketPath: undefined,
  host: undefined,
  port: undefined,
  protocol: undefined,
  ca: undefined,
  cert: undefined,
  key: undefined,
  username: undefined,
  agent: undefined,
};

const SSH_READY_TIMEOUT_MS = 10_000;

export function defaultKnownHostsFiles(home: string = homedir()): string[] {
  return [
    join(home, '.ssh', 'known_hosts'),
    join(home, '.ssh', 'known_hosts2'),
    '/etc/ssh/ssh_known_hosts',
    '/etc/ssh/ssh_known_hosts2',
  ];
}

export function defaultIdentityFiles(home: string = homedir()): string[] {
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((name) => join(home, '.ssh', name));
}

/** An agent whose every connection fails with `reason`: how a broken engine reports itself on first use. */
function failingAgent(reason: string): HttpAgent {
  const agent = new HttpAgent();
  // Node's Agent accepts a createConnection that answers through the callback and returns nothing.
  agent.createConnection = ((_options: unknown, callback: (error: Error | null) => void) => {
    process.nextTick(() => callback(new EngineConnectionError(reason)));
    return undefined;
  }) as unknown as HttpAgent['createConnection'];
  return agent;
}

function failing(reason: string): DockerConnectionOptions {
  // A socket path is needed for docker-modem to accept the options; the agent answers before it is ever opened.
  return {
    ...CLEAR,
    socketPath: '/nonexistent/holdcell-unusable-engine.sock',
    protocol: 'http',
    agent: failingAgent(reason),
  };
}

function readOptional(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw new EngineConnectionError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

/** Like the docker CLI: each of ca.pem, cert.pem, key.pem is used when present; the folder itself must exist. */
function tlsMaterial(certPath: string): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  try {
    if (!statSync(certPath).isDirectory()) throw new EngineConnectionError(`TLS cert path ${certPath} is not a folder`);
  } catch (error) {
    if (error instanceof EngineConnectionError) throw error;
    throw new EngineConnectionError(
      `TLS cert path ${certPath} does not exist (DOCKER_CERT_PATH or context TLS folder)`,
    );
  }
  const ca = readOptional(join(certPath, 'ca.pem'));
  const cert = readOptional(join(certPath, 'cert.pem'));
  const key = readOptional(join(certPath, 'key.pem'));
  if ((cert === undefined) !== (key === undefined)) {
    throw new EngineConnectionError(
      `${certPath} holds only one of cert.pem and key.pem; a client certificate needs both`,
    );
  }
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

function tcpOptions(endpoint: Extract<DockerEndpoint, { kind: 'tcp' }>): DockerConnectionOptions {
  const base = { ...CLEAR, host: endpoint.host, port: endpoint.port };
  if (!endpoint.tls) return { ...base, protocol: 'http' };
  const material = endpoint.certPath === undefined ? {} : tlsMaterial(endpoint.certPath);
  if (endpoint.skipVerify === true) {
    // docker-modem does not pass rejectUnauthorized through, so the agent carries the TLS settings.
    return { ...base, protocol: 'https', agent: new HttpsAgent({ ...material, rejectUnauthorized: false }) };
  }
  return { ...base, protocol: 'https', ca: material.ca, cert: material.cert, key: material.key };
}

function sshAuthMethods(endpoint: Extract<DockerEndpoint, { kind: 'ssh' }>, username: string): SshDockerTarget['auth'] {
  const agent = endpoint.agentSocket;
  const keys = (endpoint.identityFiles ?? defaultIdentityFiles()).flatMap((file) => {
    const key = readOptional(file);
    // ssh2 skips keys it cannot use (encrypted without a passphrase, public halves), so no parsing here.
    return key === undefined ? [] : [{ type: 'publickey' as const, username, key }];
  });
  return [...(agent === undefined || agent === '' ? [] : [{ type: 'agent' as const, username, agent }]), ...keys];
}

function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'root';
  }
}

/** The Host header inside the tunnel (the docker CLI uses the same placeholder); no DNS lookup is made for it. */
const SSH_HTTP_HOST = 'docker.example.com';

function sshOptions(endpoint: Extract<DockerEndpoint, { kind: 'ssh' }>): DockerConnectionOptions {
  const files = endpoint.knownHostsFiles ?? defaultKnownHostsFiles();
  const username = endpoint.user ?? localUser();
  const auth = sshAuthMethods(endpoint, username);
  if (auth.length === 0) {
    const keyFiles = endpoint.identityFiles ?? defaultIdentityFiles();
    return failing(
      `no SSH credentials for ${username}@${endpoint.host}: start ssh-agent (SSH_AUTH_SOCK) or put a key in ${keyFiles.join(', ')} (passwords are not used)`,
    );
  }
  const agent = new SshDockerAgent({
    host: endpoint.host,
    port: endpoint.port,
    username,
    auth,
    preferredHostKeyAlgorithms: preferredHostKeyAlgorithms(endpoint.host, endpoint.port, readKnownHostsFiles(files)),
    // known_hosts is read again on every connection: a key revoked or removed while HoldCell runs counts at once.
    checkHostKey: (key) =>
      hostKeyRefusal(verifyHostKey(key, endpoint.host, endpoint.port, readKnownHostsFiles(files)), {
        checked: files,
        addTo: files[0] ?? '~/.ssh/known_hosts',
      }),
    readyTimeoutMs: SSH_READY_TIMEOUT_MS,
  });
  return { ...CLEAR, protocol: 'http', host: SSH_HTTP_HOST, agent };
}

/**
 * docker-modem options for an endpoint. Never throws: a problem (unreadable TLS files, no SSH credentials, an
 * invalid context) becomes an engine whose every call fails with that reason, so the other engines keep working.
 */
export function dockerodeOptions(endpoint: DockerEndpoint): DockerConnectionOptions {
  try {
    switch (endpoint.kind) {
      case 'unix':
        return { ...CLEAR, socketPath: endpoint.socketPath, protocol: 'http' };
      case 'tcp':
        return tcpOptions(endpoint);
      case 'ssh':
        return sshOptions(endpoint);
      case 'invalid':
        return failing(endpoint.reason);
    }
  } catch (error) {
    return failing(error instanceof Error ? error.message : String(error));
  }
}
