// Host configuration from the environment and CLI flags: which engines to reach, nothing read from elsewhere.
import { DEFAULT_DOCKER_SOCKET, parseDockerHost, type DockerEndpoint } from '../capture/common/docker-endpoint.js';

export interface EngineConfig {
  engineId: string;
  endpoint: DockerEndpoint;
}

export interface HostConfig {
  engines: EngineConfig[];
  version: string;
}

export interface ConfigOverrides {
  /** An engine address given on the command line (same forms as DOCKER_HOST). */
  dockerHost?: string | undefined;
}

export const HOLDCELL_VERSION = '0.1.0';

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
  return { engines: [{ engineId: 'default', endpoint }], version: HOLDCELL_VERSION };
}
