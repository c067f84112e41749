// Host configuration from the environment and CLI flags: which engines to reach, where cases live, who operates.
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DOCKER_SOCKET, parseDockerHost, type DockerEndpoint } from '../capture/common/docker-endpoint.js';

export interface EngineConfig {
  engineId: string;
  endpoint: DockerEndpoint;
}

export interface HostConfig {
  engines: EngineConfig[];
  version: string;
  /** Where relative case folders are created and listed; HOLDCELL_CASES or ~/HoldCell/cases. */
  casesRoot: string;
  /** Who is acting, recorded in every custody record and manifest item; HOLDCELL_OPERATOR or the OS user. */
  operator: string;
}

export interface ConfigOverrides {
  /** An engine address given on the command line (same forms as DOCKER_HOST). */
  dockerHost?: string | undefined;
  operator?: string | undefined;
}

export const HOLDCELL_VERSION = '0.1.0';

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Same precedence as the docker CLI's "default" context: explicit flag, then DOCKER_HOST, then the local socket. */
export function loadHostConfig(env: NodeJS.ProcessEnv, overrides: ConfigOverrides = {}): HostConfig {
  const address = overrides.dockerHost ?? env.DOCKER_HOST;
  const tls = {
    verify: env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== '' && env.DOCKER_TLS_VERIFY !== '0',
    ...(env.DOCKER_CERT_PATH ? { certPath: env.DOCKER_CERT_PATH } : {}),
  };
  const endpoint: DockerEndpoint =
    address === undefined || address === ''
      ? { kind: 'unix', socketPath: DEFAULT_DOCKER_SOCKET }
      : parseDockerHost(address, tls);
  return {
    engines: [{ engineId: 'default', endpoint }],
    version: HOLDCELL_VERSION,
    casesRoot: env.HOLDCELL_CASES || join(homedir(), 'HoldCell', 'cases'),
    operator: overrides.operator ?? (env.HOLDCELL_OPERATOR || osUser()),
  };
}
