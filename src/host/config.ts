// Host configuration from the environment and CLI flags: which engines to reach, where cases live, who operates.
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { DockerEndpoint } from '../capture/common/docker-endpoint.js';
import { kubeconfigFiles } from '../capture/node/kubernetes-kubeconfig.js';
import { resolveEngines } from './engine-config.js';

export interface EngineConfig {
  engineId: string;
  /** Kind "invalid" for an engine that was configured but cannot be used; it reports why on every call. */
  endpoint: DockerEndpoint;
  /** Other names for this engine: the current docker context's own name when it became "default". */
  aliases?: string[];
}

export interface HostConfig {
  engines: EngineConfig[];
  version: string;
  /** Where relative case folders are created and listed; HOLDCELL_CASES or ~/HoldCell/cases. */
  casesRoot: string;
  /** Who is acting, recorded in every custody record and manifest item; HOLDCELL_OPERATOR or the OS user. */
  operator: string;
  /** Tools image (with strace) for helper containers that trace a remote engine's containers; HOLDCELL_TRACER_IMAGE. */
  tracerImage?: string;
  /** Kubeconfig files (KUBECONFIG, else ~/.kube/config when present); every context in them is a cluster. */
  kubeconfigFiles?: string[];
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

/**
 * Engine "default" with the docker CLI's precedence (flag, DOCKER_HOST, current context, local socket), then every
 * docker context by name (see engine-config.ts). Never throws for a bad engine address: that engine reports it.
 */
export function loadHostConfig(env: NodeJS.ProcessEnv, overrides: ConfigOverrides = {}): HostConfig {
  return {
    engines: resolveEngines(env, { dockerHost: overrides.dockerHost }).map(({ engineId, endpoint, aliases }) => ({
      engineId,
      endpoint,
      ...(aliases.length === 0 ? {} : { aliases }),
    })),
    version: HOLDCELL_VERSION,
    casesRoot: env.HOLDCELL_CASES || join(homedir(), 'HoldCell', 'cases'),
    operator: overrides.operator ?? (env.HOLDCELL_OPERATOR || osUser()),
    ...(env.HOLDCELL_TRACER_IMAGE ? { tracerImage: env.HOLDCELL_TRACER_IMAGE } : {}),
    kubeconfigFiles: kubeconfigFiles(env),
  };
}
