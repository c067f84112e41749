// Where a Docker engine is reached: parsed from DOCKER_HOST-style strings into one typed endpoint.
export type DockerEndpoint =
  | { kind: 'unix'; socketPath: string }
  | {
      kind: 'tcp';
      host: string;
      port: number;
      tls: boolean;
      /** Folder holding ca.pem / cert.pem / key.pem (DOCKER_CERT_PATH, or a context's TLS folder). */
      certPath?: string;
      /** A docker context's SkipTLSVerify: encrypt, but accept any server certificate. */
      skipVerify?: boolean;
    }
  | {
      kind: 'ssh';
      host: string;
      port: number;
      user?: string;
      /** known_hosts files the server's host key is checked against; unset = OpenSSH's default files. */
      knownHostsFiles?: string[];
      /** Private keys tried after the agent; unset = ~/.ssh/id_ed25519, id_ecdsa, id_rsa. */
      identityFiles?: string[];
      /** ssh-agent socket (SSH_AUTH_SOCK); unset = no agent. */
      agentSocket?: string;
    }
  /** An engine that was configured but cannot be used (e.g. a malformed docker context): every call fails with `reason`. */
  | { kind: 'invalid'; address: string; reason: string };

/** How the bytes travel, as `holdcell engines` shows it. */
export type TransportKind = 'unix' | 'tcp' | 'tls' | 'ssh' | 'invalid';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** URL.hostname keeps IPv6 brackets; connections and known_hosts lookups want the bare address. */
function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Parses unix://, tcp://, http(s):// and ssh:// engine addresses; throws an Error naming what is wrong. */
export function parseDockerHost(
  value: string,
  tls: { verify: boolean; certPath?: string } = { verify: false },
): DockerEndpoint {
  const trimmed = value.trim();
  if (trimmed.startsWith('/')) return { kind: 'unix', socketPath: trimmed };
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new Error(
      `Not a Docker engine address: "${value}" (expected unix:///path, tcp://host:port or ssh://user@host)`,
    );
  }
  switch (url.protocol) {
    case 'unix:': {
      const socketPath = decodeURIComponent(url.pathname);
      if (!socketPath.startsWith('/')) throw new Error(`Docker socket path must be absolute: "${value}"`);
      return { kind: 'unix', socketPath };
    }
    case 'tcp:':
    case 'http:':
    case 'https:': {
      if (url.hostname === '') throw new Error(`Docker engine address has no host: "${value}"`);
      const useTls = url.protocol === 'https:' || tls.verify;
      const port = url.port === '' ? (useTls ? 2376 : 2375) : Number(url.port);
      return {
        kind: 'tcp',
        host: bareHost(url.hostname),
        port,
        tls: useTls,
        ...(tls.certPath === undefined ? {} : { certPath: tls.certPath }),
      };
    }
    case 'ssh:':
      if (url.hostname === '') throw new Error(`SSH engine address has no host: "${value}"`);
      // Like the docker CLI: the remote side always runs `docker system dial-stdio`, so a path means a typo.
      if (url.pathname !== '' && url.pathname !== '/') {
        throw new Error(`SSH engine address must not have a path: "${value}" (expected ssh://user@host:port)`);
      }
      if (url.password !== '') {
        throw new Error(`SSH engine address must not carry a password: "${value}" (use ssh-agent or a key file)`);
      }
      return {
        kind: 'ssh',
        host: bareHost(url.hostname),
        port: url.port === '' ? 22 : Number(url.port),
        ...(url.username === '' ? {} : { user: decodeURIComponent(url.username) }),
      };
    default:
      throw new Error(`Unsupported Docker engine scheme "${url.protocol}" in "${value}"`);
  }
}

/** The address as a responder would type it, for messages and the UI. */
export function describeEndpoint(endpoint: DockerEndpoint): string {
  switch (endpoint.kind) {
    case 'unix':
      return `unix://${endpoint.socketPath}`;
    case 'tcp':
      return `tcp://${hostForUrl(endpoint.host)}:${endpoint.port}${endpoint.tls ? ' (TLS)' : ''}`;
    case 'ssh':
      return `ssh://${endpoint.user === undefined ? '' : `${endpoint.user}@`}${hostForUrl(endpoint.host)}:${endpoint.port}`;
    case 'invalid':
      return endpoint.address === '' ? '(no address)' : endpoint.address;
  }
}

export function transportKind(endpoint: DockerEndpoint): TransportKind {
  if (endpoint.kind === 'tcp') return endpoint.tls ? 'tls' : 'tcp';
  return endpoint.kind;
}

/** 127.0.0.0/8, ::1 and localhost: traffic that never leaves the machine. */
export function isLoopbackHost(host: string): boolean {
  const lower = host.toLowerCase();
  return (
    lower === 'localhost' ||
    lower.endsWith('.localhost') ||
    lower === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(lower) ||
    /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(lower)
  );
}

/** What a responder should know before trusting this channel with evidence and containment commands. */
export function endpointWarnings(endpoint: DockerEndpoint): string[] {
  if (endpoint.kind !== 'tcp') return [];
  if (!endpoint.tls) {
    return isLoopbackHost(endpoint.host)
      ? []
      : [
          `plain TCP to ${endpoint.host}: the channel is neither encrypted nor authenticated, so anyone on the path can read evidence and issue engine commands (use TLS or SSH)`,
        ];
  }
  return endpoint.skipVerify === true
    ? [
        `TLS without server verification (SkipTLSVerify): the engine's certificate is not checked, so the peer is not authenticated`,
      ]
    : [];
}
