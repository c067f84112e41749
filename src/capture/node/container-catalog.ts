// The capture service's container view: lists every engine's containers with risks and follows their event streams.
import type { ServiceImpl } from '../../contract/kit.js';
import type { captureService, ContainerChange } from '../common/capture.contract.js';
import { compareContainers, type ContainerSummary, type EngineStatus } from '../common/containers.js';
import type { DockerContainerInspect } from '../common/docker-inspect.js';
import { assessRisks } from '../common/risk.js';
import type { ContainerEngine } from './container-engine.js';
import type { EngineRegistry } from './engine-registry.js';

export interface CatalogOptions {
  /** First and longest wait between reconnection attempts to an engine that went away. */
  reconnectDelayMs?: { first: number; max: number };
  now?: () => Date;
}

function summarize(engineId: string, inspect: DockerContainerInspect, status: string): ContainerSummary {
  return {
    engineId,
    id: inspect.Id,
    name: inspect.Name.replace(/^\//, ''),
    image: inspect.Config.Image,
    imageId: inspect.Image,
    state: inspect.State.Status,
    status,
    created: inspect.Created,
    risks: assessRisks(inspect),
  };
}

/** A human status line for containers seen through events, where the list endpoint's "Up 3 minutes" is not at hand. */
function statusFromInspect(inspect: DockerContainerInspect): string {
  const state = inspect.State.Status;
  return state.charAt(0).toUpperCase() + state.slice(1);
}

function sleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, milliseconds);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

type CatalogMethods = Pick<ServiceImpl<typeof captureService>, 'listEngines' | 'listContainers' | 'watchContainers'>;

export class ContainerCatalog implements CatalogMethods {
  private readonly delays: { first: number; max: number };
  private readonly now: () => Date;

  constructor(
    private readonly engines: EngineRegistry,
    options: CatalogOptions = {},
  ) {
    this.delays = options.reconnectDelayMs ?? { first: 500, max: 5_000 };
    this.now = options.now ?? (() => new Date());
  }

  listEngines = async (_input: object, { signal }: { signal: AbortSignal }): Promise<EngineStatus[]> =>
    Promise.all(this.engines.all().map((engine) => this.probe(engine, signal)));

  listContainers = async (
    { engineId }: { engineId?: string | undefined },
    { signal }: { signal: AbortSignal },
  ): Promise<{ containers: ContainerSummary[]; engines: EngineStatus[] }> => {
    const selected = this.select(engineId);
    const results = await Promise.all(selected.map((engine) => this.listOne(engine, signal)));
    return {
      containers: results.flatMap((result) => result.containers).sort(compareContainers),
      engines: results.map((result) => result.engine),
    };
  };

  watchContainers = async (
    { engineId }: { engineId?: string | undefined },
    sink: { signal: AbortSignal; emit(change: ContainerChange): void },
  ): Promise<void> => {
    await Promise.all(this.select(engineId).map((engine) => this.follow(engine, sink)));
  };

  private select(engineId: string | undefined): ContainerEngine[] {
    return engineId === undefined ? this.engines.all() : [this.engines.get(engineId)];
  }

  private status(
    engine: ContainerEngine,
    state: EngineStatus['state'],
    extra: Partial<EngineStatus> = {},
  ): EngineStatus {
    return {
      engineId: engine.engineId,
      kind: engine.kind,
      endpoint: engine.endpoint,
      state,
      checkedAt: this.now().toISOString(),
      ...extra,
    };
  }

  private async probe(engine: ContainerEngine, signal: AbortSignal): Promise<EngineStatus> {
    try {
      const version = await engine.version(signal);
      return this.status(engine, 'connected', version);
    } catch (error) {
      return this.status(engine, 'unreachable', { error: engine.explainFailure(error) });
    }
  }

  private async listOne(
    engine: ContainerEngine,
    signal: AbortSignal,
  ): Promise<{ containers: ContainerSummary[]; engine: EngineStatus }> {
    const status = await this.probe(engine, signal);
    if (status.state !== 'connected') return { containers: [], engine: status };
    try {
      return { containers: await this.listNow(engine, signal), engine: status };
    } catch (error) {
      return { containers: [], engine: this.status(engine, 'unreachable', { error: engine.explainFailure(error) }) };
    }
  }

  private async listNow(engine: ContainerEngine, signal: AbortSignal): Promise<ContainerSummary[]> {
    const entries = await engine.listContainers(signal);
    const inspected = await Promise.all(
      entries.map(async (entry) => {
        const inspect = await engine.inspectContainer(entry.id, signal);
        return inspect === undefined ? [] : [summarize(engine.engineId, inspect, entry.status)];
      }),
    );
    return inspected.flat().sort(compareContainers);
  }

  /** Follows one engine until the subscriber leaves: snapshot, then deltas; on any break, report and reconnect. */
  private async follow(
    engine: ContainerEngine,
    sink: { signal: AbortSignal; emit(change: ContainerChange): void },
  ): Promise<void> {
    let delay = this.delays.first;
    while (!sink.signal.aborted) {
      const attempt = new AbortController();
      const stopAttempt = (): void => attempt.abort();
      sink.signal.addEventListener('abort', stopAttempt, { once: true });
      try {
        sink.emit({ type: 'engine', engine: this.status(engine, 'connecting') });
        const version = await engine.version(attempt.signal);
        // Open the event stream before listing so nothing that happens during the listing is missed.
        const events = engine.containerEvents(attempt.signal)[Symbol.asyncIterator]();
        const first = events.next();
        first.catch(() => undefined);
        const containers = await this.listNow(engine, attempt.signal);
        sink.emit({ type: 'engine', engine: this.status(engine, 'connected', version) });
        sink.emit({ type: 'snapshot', engineId: engine.engineId, containers });
        delay = this.delays.first;
        for (let next = await first; !next.done; next = await events.next()) {
          const { Action: action, Actor } = next.value;
          if (action === 'destroy') {
            sink.emit({ type: 'remove', engineId: engine.engineId, id: Actor.ID });
            continue;
          }
          const inspect = await engine.inspectContainer(Actor.ID, attempt.signal);
          if (inspect === undefined) sink.emit({ type: 'remove', engineId: engine.engineId, id: Actor.ID });
          else
            sink.emit({
              type: 'upsert',
              action,
              container: summarize(engine.engineId, inspect, statusFromInspect(inspect)),
            });
        }
      } catch (error) {
        if (sink.signal.aborted) break;
        sink.emit({
          type: 'engine',
          engine: this.status(engine, 'unreachable', { error: engine.explainFailure(error) }),
        });
        await sleep(delay, sink.signal);
        delay = Math.min(delay * 2, this.delays.max);
      } finally {
        attempt.abort();
        sink.signal.removeEventListener('abort', stopAttempt);
      }
    }
  }
}
