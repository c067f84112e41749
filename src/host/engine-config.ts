// Which engines HoldCell connects to: "default" as the docker CLI would pick it, plus every docker context by name.
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import {
  DEFAULT_DOCKER_SOCKET,
  endpointWarnings,
  parseDockerHost,
  type DockerEndpoint,
} from '../capture/common/docker-endpoint.js';
import { defaultIdentityFiles, defaultKnownHostsFiles } from '../capture/node/docker-connection.js';
import { readDockerCliConfig, type DockerContextEntry } from '../capture/node/docker-contexts.js';

export interface ResolvedEngine {
  /** "default", a docker context name, or `context-<folder prefix>` for a context whose name is unusable. */
  engineId: string;
  endpoint: DockerEndpoint;
  /** Where the engine came from, as a responder would say it: --host, DOCKER_HOST, context prod, local socket. */
  source: string;
  /** Other ids that name the same engine (the current context's own name, folded into "default"). */
  aliases: string[];
  /** What a responder should know before trusting the channel (plain TCP off this machine, unverified TLS). */
  warnings: string[];
}

export interface EngineResolutionOptions {
  /** An engine address given on the command line (same forms as DOCKER_HOST). */
  dockerHost?: string | undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** The docker CLI's config folder: DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return nonEmpty(env.DOCKER_CONFIG) ?? join(nonEmpty(env.HOME) ?? homedir(), '.docker');
}

/** Fills in what an SSH connection needs from the environment, so the connection layer never reads it. */
function withSshSettings(endpoint: DockerEndpoint, env: NodeJS.ProcessEnv): DockerEndpoint {
  if (endpoint.kind !== 'ssh') return endpoint;
  const home = nonEmpty(env.HOME) ?? homedir();
  const override = nonEmpty(env.HOLDCELL_KNOWN_HOSTS)
    ?.split(delimiter)
    .filter((file) => file !== '');
  const agentSocket = nonEmpty(env.SSH_AUTH_SOCK);
  return {
    ...endpoint,
    knownHostsFiles: override ?? defaultKnownHostsFiles(home),
    identityFiles: endpoint.identityFiles ?? defaultIdentityFiles(home),
    ...(agentSocket === undefined ? {} : { agentSocket }),
  };
}

/** DOCKER_HOST-style address to endpoint; a bad address becomes an engine that reports why instead of a crash. */
function addressEndpoint(address: string, env: NodeJS.ProcessEnv, configDir: string): DockerEndpoint {
  // The docker CLI: any non-empty DOCKER_TLS_VERIFY turns verification on; "0" is read as off here, the usual intent.
  const verify = nonEmpty(env.DOCKER_TLS_VERIFY) !== undefined && env.DOCKER_TLS_VERIFY !== '0';
  const certPath = nonEmpty(env.DOCKER_CERT_PATH) ?? (verify ? configDir : undefined);
  try {
    return parseDockerHost(address, { verify, ...(certPath === undefined ? {} : { certPath }) });
  } catch (error) {
    return { kind: 'invalid', address, reason: error instanceof Error ? error.message : String(error) };
  }
}

interface DefaultChoice {
  endpoint: DockerEndpoint;
  source: string;
  /** The context folded into "default", so it is not listed twice. */
  contextId?: string;
}

/** The docker CLI's precedence: --host, DOCKER_HOST, DOCKER_CONTEXT, config.json currentContext, local socket. */
function chooseDefault(
  env: NodeJS.ProcessEnv,
  options: EngineResolutionOptions,
  cli: ReturnType<typeof readDockerCliConfig>,
): DefaultChoice {
  const flag = nonEmpty(options.dockerHost);
  if (flag !== undefined) return { endpoint: addressEndpoint(flag, env, cli.configDir), source: '--host' };
  const dockerHost = nonEmpty(env.DOCKER_HOST);
  if (dockerHost !== undefined) {
    return { endpoint: addressEndpoint(dockerHost, env, cli.configDir), source: 'DOCKER_HOST' };
  }
  const fromEnv = nonEmpty(env.DOCKER_CONTEXT);
  if (fromEnv === undefined && cli.configProblem !== undefined) {
    // A broken config.json may name a current context we cannot see: guessing the local socket could be the wrong engine.
    return {
      endpoint: {
        kind: 'invalid',
        address: '',
        reason: `cannot tell the current docker context: ${cli.configProblem}`,
      },
      source: 'config.json',
    };
  }
  const current = fromEnv ?? cli.currentContext;
  const how = fromEnv !== undefined ? 'DOCKER_CONTEXT' : 'currentContext in config.json';
  if (current !== undefined && current !== 'default') {
    const context: DockerContextEntry | undefined = cli.contexts.find((entry) => entry.name === current);
    if (context === undefined) {
      return {
        endpoint: {
          kind: 'invalid',
          address: '',
          reason: `the current docker context "${current}" (${how}) does not exist in ${join(cli.configDir, 'contexts')}`,
        },
        source: `context ${current} (${how})`,
      };
    }
    return { endpoint: context.endpoint, source: `context ${current} (${how})`, contextId: context.engineId };
  }
  return { endpoint: { kind: 'unix', socketPath: DEFAULT_DOCKER_SOCKET }, source: 'local socket' };
}

/**
 * Every engine to connect to, "default" first, then the docker contexts sorted by name. Never throws: a malformed
 * address or context becomes an engine with endpoint kind "invalid" that reports the reason when used.
 */
export function resolveEngines(env: NodeJS.ProcessEnv, options: EngineResolutionOptions = {}): ResolvedEngine[] {
  const cli = readDockerCliConfig(dockerConfigDir(env));
  const chosen = chooseDefault(env, options, cli);
  const finish = (engineId: string, endpoint: DockerEndpoint, source: string, aliases: string[]): ResolvedEngine => {
    const complete = withSshSettings(endpoint, env);
    return { engineId, endpoint: complete, source, aliases, warnings: endpointWarnings(complete) };
  };
  return [
    finish('default', chosen.endpoint, chosen.source, chosen.contextId === undefined ? [] : [chosen.contextId]),
    ...cli.contexts
      .filter((context) => context.engineId !== chosen.contextId)
      .map((context) => finish(context.engineId, context.endpoint, `context ${context.name ?? context.metaFile}`, [])),
  ];
}
