// Containment and acquisition as data: isolation plans and their outcomes, snapshots, sandboxes (shared by UI and CLI).
import { z } from 'zod';
import { ManifestItem } from '../../forensics/common/case-model.js';

/** A container is always named by engine + id (a unique id prefix or a name is resolved by the host). */
export const ContainerRef = z.object({ engineId: z.string().min(1), container: z.string().min(1) });
export type ContainerRef = z.infer<typeof ContainerRef>;

export const IsolationMode = z.enum(['pause', 'network', 'both']);
export type IsolationMode = z.infer<typeof IsolationMode>;

/** Order of volatility first (collect), then containment (contain). */
export const StepPhase = z.enum(['collect', 'contain', 'release']);

export const PlannedStep = z.object({
  id: z.string(),
  phase: StepPhase,
  /** Machine name of the action, e.g. "inspect", "top", "host-proc", "logs", "pause", "disconnect", "quarantine". */
  action: z.string(),
  /** What will happen, in a responder's words (escaped for display by the UI). */
  description: z.string(),
  /** Already true on the engine (e.g. already paused): idempotent isolate skips it. */
  alreadyDone: z.boolean(),
});
export type PlannedStep = z.infer<typeof PlannedStep>;

export const IsolationPlan = z.object({
  engineId: z.string(),
  containerId: z.string(),
  containerName: z.string(),
  mode: IsolationMode,
  steps: z.array(PlannedStep),
  warnings: z.array(z.string()),
});
export type IsolationPlan = z.infer<typeof IsolationPlan>;

export const StepOutcome = z.object({
  id: z.string(),
  phase: StepPhase,
  action: z.string(),
  status: z.enum(['done', 'skipped', 'failed', 'planned']),
  detail: z.string(),
  /** Evidence item written by this step, if any. */
  itemId: z.string().optional(),
});
export type StepOutcome = z.infer<typeof StepOutcome>;

export const IsolationResult = z.object({
  plan: IsolationPlan,
  steps: z.array(StepOutcome),
  /** True only when every containment step of the mode is in effect on the engine. */
  contained: z.boolean(),
  dryRun: z.boolean(),
  /** What was and was not done, one sentence, for partial failures. */
  summary: z.string(),
});
export type IsolationResult = z.infer<typeof IsolationResult>;

export const ReleaseResult = z.object({
  engineId: z.string(),
  containerId: z.string(),
  steps: z.array(StepOutcome),
  released: z.boolean(),
  summary: z.string(),
});
export type ReleaseResult = z.infer<typeof ReleaseResult>;

export const SnapshotResult = z.object({
  engineId: z.string(),
  containerId: z.string(),
  items: z.array(ManifestItem),
  /** The image committed from the container and tagged for the case, e.g. holdcell-evidence/<case>:<container>. */
  evidenceImage: z.object({ id: z.string(), reference: z.string() }).optional(),
  complete: z.boolean(),
  summary: z.string(),
});
export type SnapshotResult = z.infer<typeof SnapshotResult>;

export const SandboxInfo = z.object({
  engineId: z.string(),
  containerId: z.string(),
  name: z.string(),
  image: z.string(),
  detonated: z.boolean(),
  /** The hardening actually applied, for the record and the UI. */
  hardening: z.array(z.string()),
});
export type SandboxInfo = z.infer<typeof SandboxInfo>;

export const TerminalOutput = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), sessionId: z.string() }),
  /** Terminal bytes, base64: evidence output may hold any byte sequence. */
  z.object({ type: z.literal('output'), base64: z.string() }),
  z.object({ type: z.literal('exit'), reason: z.string() }),
]);
export type TerminalOutput = z.infer<typeof TerminalOutput>;
