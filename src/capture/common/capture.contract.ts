// The capture domain's contract: engines, containers and their live changes.
import { z } from 'zod';
import { defineService, event, method } from '../../contract/kit.js';
import { ContainerSummary, EngineStatus } from './containers.js';

const EngineFilter = z.object({
  /** Restrict to one engine; all configured engines when absent. */
  engineId: z.string().min(1).optional(),
});

export const ContainerChange = z.discriminatedUnion('type', [
  /** Everything the engine holds right now; sent first and again after every reconnect. */
  z.object({ type: z.literal('snapshot'), engineId: z.string(), containers: z.array(ContainerSummary) }),
  z.object({ type: z.literal('upsert'), container: ContainerSummary, action: z.string() }),
  z.object({ type: z.literal('remove'), engineId: z.string(), id: z.string() }),
  z.object({ type: z.literal('engine'), engine: EngineStatus }),
]);
export type ContainerChange = z.infer<typeof ContainerChange>;

export const ContainerListing = z.object({
  containers: z.array(ContainerSummary),
  /** Every engine asked, with why it failed when it did: a list is never silently partial. */
  engines: z.array(EngineStatus),
});
export type ContainerListing = z.infer<typeof ContainerListing>;

export const captureService = defineService({
  listEngines: method({
    summary: 'Configured engines and whether each answers now',
    input: z.object({}),
    output: z.array(EngineStatus),
  }),
  listContainers: method({
    summary: 'Every container (running or not) with its risk badges',
    input: EngineFilter,
    output: ContainerListing,
  }),
  watchContainers: event({
    summary: "A snapshot, then each change from the engine's event stream; reconnects on its own",
    input: EngineFilter,
    data: ContainerChange,
  }),
});
