// The configured engines by id, and resolution of a responder's container reference (id, prefix or name) to one container.
import { ContractError } from '../../contract/envelope.js';
import type { ContainerRef } from '../common/containment.js';
import type { DockerContainerInspect } from '../common/docker-inspect.js';
import type { ContainerEngine } from './container-engine.js';

export interface ResolvedContainer {
  engine: ContainerEngine;
  inspect: DockerContainerInspect;
}

export class EngineRegistry {
  private readonly byId: ReadonlyMap<string, ContainerEngine>;

  constructor(engines: readonly ContainerEngine[]) {
    this.byId = new Map(engines.map((engine) => [engine.engineId, engine]));
  }

  all(): ContainerEngine[] {
    return [...this.byId.values()];
  }

  get(engineId: string): ContainerEngine {
    const engine = this.byId.get(engineId);
    if (!engine) {
      const known = [...this.byId.keys()].join(', ') || 'none';
      throw new ContractError('NOT_FOUND', `No engine "${engineId}" is configured (configured: ${known})`, 'engineId');
    }
    return engine;
  }

  /** The engine itself resolves names and unique id prefixes, exactly as the docker CLI does. */
  async resolve(ref: ContainerRef, signal?: AbortSignal): Promise<ResolvedContainer> {
    const engine = this.get(ref.engineId);
    const inspect = await engine.inspectContainer(ref.container, signal);
    if (!inspect) {
      throw new ContractError(
        'NOT_FOUND',
        `No container "${ref.container}" on engine ${engine.engineId} (${engine.endpoint})`,
        'ref.container',
      );
    }
    return { engine, inspect };
  }
}
