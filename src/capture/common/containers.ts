// The container as HoldCell shows it: identity (engine + id), image, state, creation time and risk badges.
import { z } from 'zod';

export const EngineKind = z.enum(['docker']);

export const EngineStatus = z.object({
  engineId: z.string(),
  kind: EngineKind,
  /** Where HoldCell connects, e.g. unix:///var/run/docker.sock or tcp://10.0.0.5:2376. */
  endpoint: z.string(),
  state: z.enum(['connecting', 'connected', 'unreachable']),
  /** Why the engine is unreachable, in words a responder can act on. */
  error: z.string().optional(),
  serverVersion: z.string().optional(),
  apiVersion: z.string().optional(),
  /** UTC, ISO 8601. */
  checkedAt: z.string(),
});
export type EngineStatus = z.infer<typeof EngineStatus>;

export const RISK_KINDS = [
  'privileged',
  'host-network',
  'host-pid',
  'host-ipc',
  'root-user',
  'docker-socket',
  'added-capabilities',
  // Pods (Kubernetes): a hostPath volume reaches the node's filesystem; a mounted service-account token reaches the API.
  'host-path',
  'service-account-token',
] as const;
export const RiskKind = z.enum(RISK_KINDS);
export type RiskKind = z.infer<typeof RiskKind>;

export const Risk = z.object({ kind: RiskKind, detail: z.string() });
export type Risk = z.infer<typeof Risk>;

export const ContainerState = z.enum(['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead']);

export const ContainerSummary = z.object({
  engineId: z.string(),
  /** Full 64-hex container id. */
  id: z.string().regex(/^[0-9a-f]{64}$/),
  name: z.string(),
  image: z.string(),
  imageId: z.string(),
  state: ContainerState,
  /** The engine's human status line, e.g. "Up 5 minutes". */
  status: z.string(),
  /** Creation time as the engine reports it (UTC, RFC 3339 with nanoseconds, kept as a string). */
  created: z.string(),
  risks: z.array(Risk),
});
export type ContainerSummary = z.infer<typeof ContainerSummary>;

/** Stable order for lists: newest first, then by id, so the same engine state always prints the same way. */
export function compareContainers(a: ContainerSummary, b: ContainerSummary): number {
  if (a.created !== b.created) return a.created < b.created ? 1 : -1;
  if (a.engineId !== b.engineId) return a.engineId < b.engineId ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
