// Where a Docker engine is reached: parsed from DOCKER_HOST-style strings into one typed endpoint.
export type DockerEndpoint =
  | { kind: 'unix'; socketPath: string }
  | { kind: 'tcp'; host: string; port: number; tls: boolean; certPath?: string }
  | { kind: 'ssh'; host: string; port: number; user?: string };

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

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
      const useTls = url.protocol === 'https:' || tls.verify;
      const port = url.port === '' ? (useTls ? 2376 : 2375) : Number(url.port);
      return {
        kind: 'tcp',
        host: url.hostname,
        port,
        tls: useTls,
        ...(tls.certPath === undefined ? {} : { certPath: tls.certPath }),
      };
    }
    case 'ssh:':
      return {
        kind: 'ssh',
        host: url.hostname,
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
      return `tcp://${endpoint.host}:${endpoint.port}${endpoint.tls ? ' (TLS)' : ''}`;
    case 'ssh':
      return `ssh://${endpoint.user === undefined ? '' : `${endpoint.user}@`}${endpoint.host}:${endpoint.port}`;
  }
}
