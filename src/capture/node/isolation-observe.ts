// One inspect of the suspect serves resolution, planning and evidence; engine failures become errors a responder can act on.
import { ContractError } from '../../contract/envelope.js';
import type { ContainerRef } from '../common/containment.js';
import { DockerNetworkSettings, type DockerEndpointSettings } from '../common/docker-api.js';
import { DockerContainerInspect } from '../common/docker-inspect.js';
import type { IsolationFacts } from '../common/isolation-plan.js';
import type { ContainerEngine } from './container-engine.js';
import type { EngineRegistry } from './engine-registry.js';

export interface ObservedContainer {
  engine: ContainerEngine;
  /** The engine's answer exactly as sent: the container-inspect evidence. */
  raw: unknown;
  inspect: DockerContainerInspect;
  networks: Record<string, DockerEndpointSettings>;
  /** NetworkSettings.Networks exactly as the engine sent it: the network-state evidence. */
  rawNetworks: unknown;
  tty: boolean;
  /** When the inspect call was made (UTC), for the custody record written once the case is open. */
  calledAt: string;
}

const UNREACHABLE_CODES = new Set([
  'ENOENT',
  'EACCES',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Maps an engine failure to the envelope's codes: unreachable engines are UNAVAILABLE (the CLI exits 2 on it). */
export function engineFailure(
  engine: ContainerEngine,
  error: unknown,
  doing: string,
  signal?: AbortSignal,
): ContractError {
  if (error instanceof ContractError) return error;
  if (signal?.aborted) return new ContractError('CANCELLED', `${doing} was cancelled`);
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  const explained = `${doing}: ${engine.explainFailure(error)}`;
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return new ContractError('UNAVAILABLE', explained);
  if (code === 'ETIMEDOUT' || name === 'TimeoutError') return new ContractError('TIMEOUT', explained);
  return new ContractError('FAILED', explained);
}

export function isolationFacts(observed: ObservedContainer): IsolationFacts {
  const { engine, inspect } = observed;
  return {
    engineId: engine.engineId,
    endpoint: engine.endpoint,
    isLocal: engine.isLocal,
    containerId: inspect.Id,
    containerName: inspect.Name.replace(/^\//, ''),
    status: inspect.State.Status,
    networkMode: inspect.HostConfig.NetworkMode,
    networks: Object.keys(observed.networks),
  };
}

/**
 * Inspects the container named by ref (id, unique prefix or name — the engine resolves them as the docker CLI does).
 * Throws NOT_FOUND naming the container and the engine, or the mapped engine failure.
 */
export async function observeContainer(
  engines: EngineRegistry,
  ref: ContainerRef,
  doing: string,
  now: () => Date,
  signal?: AbortSignal,
): Promise<ObservedContainer> {
  const engine = engines.get(ref.engineId);
  const calledAt = now().toISOString();
  let raw: unknown;
  try {
    raw = await engine.inspectContainerRaw(ref.container, signal);
  } catch (error) {
    throw engineFailure(engine, error, doing, signal);
  }
  if (raw === undefined) {
    throw new ContractError(
      'NOT_FOUND',
      `No container "${ref.container}" on engine ${engine.engineId} (${engine.endpoint})`,
      'ref.container',
    );
  }
  const inspect = DockerContainerInspect.parse(raw);
  const settings = DockerNetworkSettings.safeParse(raw);
  if (!settings.success) {
    throw new ContractError(
      'FAILED',
      `${doing}: ${engine.endpoint} described container ${inspect.Id.slice(0, 12)} without usable NetworkSettings`,
    );
  }
  const rawNetworks = (raw as { NetworkSettings?: { Networks?: unknown } }).NetworkSettings?.Networks ?? {};
  return {
    engine,
    raw,
    inspect,
    networks: settings.data.NetworkSettings.Networks,
    rawNetworks,
    tty: settings.data.Config.Tty,
    calledAt,
  };
}
