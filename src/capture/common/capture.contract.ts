// The capture domain's contract: engines, containers and their live changes, containment, acquisition, sandboxes.
import { z } from 'zod';
import { defineService, event, method } from '../../contract/kit.js';
import { ContainerSummary, EngineStatus } from './containers.js';
import {
  ContainerRef,
  IsolationMode,
  IsolationPlan,
  IsolationResult,
  ReleaseResult,
  SandboxInfo,
  SnapshotResult,
  TerminalOutput,
} from './containment.js';
import { CapturePlan, CaptureResult, TracerPreference } from './trace-capture.js';

const EngineFilter = z.object({
  /** Restrict to one engine; all configured engines when absent. */
  engineId: z.string().min(1).optional(),
});

/** A case folder: absolute, or relative to the host's cases root. */
const CaseDir = z.string().min(1).max(4096);

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
  planIsolation: method({
    summary: 'What isolate would do to this container, step by step, without doing it',
    input: z.object({ ref: ContainerRef, mode: IsolationMode.default('both') }),
    output: IsolationPlan,
  }),
  isolate: method({
    summary: 'Collect volatile state, then pause and/or quarantine the container; every call in the custody log',
    input: z.object({
      ref: ContainerRef,
      caseDir: CaseDir,
      mode: IsolationMode.default('both'),
      dryRun: z.boolean().default(false),
    }),
    output: IsolationResult,
  }),
  release: method({
    summary: 'Undo exactly what isolate changed: reconnect the same networks with the same aliases, unpause',
    input: z.object({ ref: ContainerRef, caseDir: CaseDir }),
    output: ReleaseResult,
  }),
  snapshot: method({
    summary: 'Export filesystem and image into the case, hashed while streaming; commit a tagged evidence image',
    input: z.object({ ref: ContainerRef, caseDir: CaseDir }),
    output: SnapshotResult,
  }),
  startSandbox: method({
    summary: "Run the case's evidence image with no network and no privileges (idle unless detonate)",
    input: z.object({ caseDir: CaseDir, engineId: z.string().min(1).optional(), detonate: z.boolean().default(false) }),
    output: SandboxInfo,
  }),
  stopSandbox: method({
    summary: 'Remove a sandbox container HoldCell started',
    input: z.object({ engineId: z.string().min(1), containerId: z.string().min(1) }),
    output: z.object({ removed: z.boolean() }),
  }),
  openTerminal: event({
    summary: 'A TTY shell in a HoldCell sandbox (never in a suspect): ready, then output until exit',
    input: z.object({
      engineId: z.string().min(1),
      containerId: z.string().min(1),
      columns: z.number().int().min(10).max(1000),
      rows: z.number().int().min(5).max(500),
    }),
    data: TerminalOutput,
  }),
  terminalInput: method({
    summary: 'Keystrokes for an open terminal session',
    input: z.object({ sessionId: z.string().min(1), base64: z.string().max(64 * 1024) }),
    output: z.object({}),
  }),
  planCapture: method({
    summary: 'Which tracer would record this container here, why, and what it would run',
    input: z.object({ ref: ContainerRef, tracer: TracerPreference.default('auto') }),
    output: CapturePlan,
  }),
  capture: method({
    summary:
      "Record the container's syscalls into the case for N seconds (or until stopCapture); hashed, custody logged",
    input: z.object({
      ref: ContainerRef,
      caseDir: CaseDir,
      seconds: z
        .number()
        .int()
        .min(1)
        .max(24 * 3600),
      tracer: TracerPreference.default('auto'),
      /** Chosen by the caller so that it can stop this capture early. */
      captureId: z.string().uuid().optional(),
    }),
    output: CaptureResult,
  }),
  stopCapture: method({
    summary: 'End a running capture now; it still finishes writing and hashing what was recorded',
    input: z.object({ captureId: z.string().uuid() }),
    output: z.object({ stopping: z.boolean() }),
  }),
  terminalResize: method({
    summary: 'New size of an open terminal session',
    input: z.object({
      sessionId: z.string().min(1),
      columns: z.number().int().min(10).max(1000),
      rows: z.number().int().min(5).max(500),
    }),
    output: z.object({}),
  }),
});
