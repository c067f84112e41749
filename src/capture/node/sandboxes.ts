// The capture service's sandboxes: run a case's evidence image hardened, and terminal sessions into it (never a suspect).
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ContractError } from '../../contract/envelope.js';
import type { CallContext, EventSink, ServiceImpl } from '../../contract/kit.js';
import type { CaseOpener, CaseRecorder } from '../../forensics/common/case-recorder.js';
import type { captureService } from '../common/capture.contract.js';
import type { SandboxInfo, TerminalOutput } from '../common/containment.js';
import {
  hardenedCreateBody,
  IDLE_COMMANDS,
  InspectConfig,
  LABEL_CASE,
  LABEL_CASE_DIR,
  LABEL_SANDBOX,
  sandboxName,
  TERMINAL_SHELLS,
} from '../common/sandbox-spec.js';
import type { ContainerEngine } from './container-engine.js';
import type { EngineRegistry } from './engine-registry.js';
import { asContractError, SandboxTrail } from './sandbox-custody.js';
import { prepareImage, type TransferPolicy } from './sandbox-image.js';
import { findProgram } from './sandbox-probe.js';
import { TerminalSessions } from './sandbox-terminals.js';

export interface SandboxesOptions {
  engines: EngineRegistry;
  openCase: CaseOpener;
  now?: () => Date;
  /** When to stream the image to another engine; default when-missing (see TransferPolicy). */
  transfer?: TransferPolicy;
}

type SandboxMethods = Pick<
  ServiceImpl<typeof captureService>,
  'startSandbox' | 'stopSandbox' | 'openTerminal' | 'terminalInput' | 'terminalResize'
>;

/** A container HoldCell may touch here: one it started as a sandbox, told apart by its label, never a suspect. */
interface SandboxContainer {
  engine: ContainerEngine;
  id: string;
  labels: Record<string, string>;
  running: boolean;
}

const ContainerState = z.object({ State: z.object({ Running: z.boolean().default(false) }).optional() });

export class Sandboxes implements SandboxMethods {
  private readonly engines: EngineRegistry;
  private readonly openCase: CaseOpener;
  private readonly now: () => Date;
  private readonly policy: TransferPolicy;
  private readonly terminals = new TerminalSessions();

  constructor(options: SandboxesOptions) {
    this.engines = options.engines;
    this.openCase = options.openCase;
    this.now = options.now ?? (() => new Date());
    this.policy = options.transfer ?? 'when-missing';
  }

  startSandbox = async (
    input: { caseDir: string; engineId?: string | undefined; detonate: boolean },
    { signal, progress }: CallContext,
  ): Promise<SandboxInfo> => {
    const recorder = await this.openCase(input.caseDir);
    const trail = new SandboxTrail(recorder);
    await trail
      .note({
        action: 'sandbox.request',
        ...(input.engineId === undefined ? {} : { target: { engineId: input.engineId } }),
        params: { detonate: input.detonate, transferPolicy: this.policy },
        outcome: 'planned',
        detail: input.detonate ? 'run the evidence image as committed, hardened' : 'run the evidence image idle',
      })
      .catch((error: unknown) => {
        throw new ContractError(
          'FAILED',
          `A sandbox records every engine call in the case's custody log, and this case cannot take records: ${(error as Error).message}`,
          'caseDir',
        );
      });
    try {
      return await this.start(recorder, trail, input, { signal, progress });
    } catch (error) {
      // The request record above says what was asked; this one closes it with why nothing runs now.
      await trail
        .note({
          action: 'sandbox.start',
          ...(input.engineId === undefined ? {} : { target: { engineId: input.engineId } }),
          params: { detonate: input.detonate },
          outcome: 'error',
          detail: error instanceof Error ? error.message : String(error),
        })
        .catch(() => undefined);
      throw error;
    }
  };

  private async start(
    recorder: CaseRecorder,
    trail: SandboxTrail,
    input: { engineId?: string | undefined; detonate: boolean },
    { signal, progress }: CallContext,
  ): Promise<SandboxInfo> {
    const prepared = await prepareImage({
      engines: this.engines,
      recorder,
      trail,
      targetEngineId: input.engineId,
      policy: this.policy,
      signal,
      onProgress: (bytes) => progress({ done: bytes, note: 'transferring the evidence image' }),
    });
    const { target: engine, evidence, config } = prepared;
    const info = await trail.call(
      { action: 'engine.info', engine, method: 'GET', path: '/info', params: {} },
      () => engine.info(signal),
      () => ({ detail: 'to learn whether the engine has an init binary' }),
    );
    const initBinary = (info.raw as { InitBinary?: unknown } | undefined)?.InitBinary;
    const name = sandboxName(recorder.caseId, evidence.sourceContainerId);
    const build = (idleCommand: string[] | undefined): ReturnType<typeof hardenedCreateBody> =>
      hardenedCreateBody({
        imageId: evidence.imageId,
        caseId: recorder.caseId,
        caseDir: recorder.caseDir,
        sourceContainerId: evidence.sourceContainerId,
        idleCommand,
        init: typeof initBinary === 'string' && initBinary !== '',
        imageVolumes: config.Config.Volumes,
      });
    if (input.detonate && config.Config.Entrypoint.length === 0 && config.Config.Cmd.length === 0) {
      throw new ContractError(
        'BAD_INPUT',
        `Evidence image ${evidence.imageId} has no entrypoint or command to detonate`,
      );
    }
    const firstIdle = IDLE_COMMANDS[0]?.command ?? [];
    let planned = build(input.detonate ? undefined : firstIdle);
    let containerId = await this.create(trail, engine, name, planned.body, signal);
    try {
      if (!input.detonate) {
        // The idle command must exist in the evidence's own filesystem; look (archive stat) before running anything.
        const found = await trail.call(
          {
            action: 'engine.archive-stat',
            engine,
            containerId,
            method: 'GET',
            path: `/containers/${containerId}/archive`,
            params: { paths: IDLE_COMMANDS.map((c) => c.probe) },
          },
          () => findProgram(engine, containerId, IDLE_COMMANDS, signal),
          ({ choice, checked }) => ({
            detail: choice ? `idle command ${choice.command.join(' ')}` : `none of ${checked.join(', ')} is executable`,
          }),
        );
        if (found.choice === undefined) {
          throw new ContractError(
            'FAILED',
            `The evidence image has no sleep program (looked for ${found.checked.join(', ')}) to idle with, and ` +
              'HoldCell brings none into it; start it with detonate to run its own command under the same hardening',
          );
        }
        if (found.choice.command !== firstIdle) {
          await this.remove(trail, engine, containerId, signal);
          planned = build(found.choice.command);
          containerId = await this.create(trail, engine, name, planned.body, signal);
        }
      }
      await trail.call(
        {
          action: 'engine.start',
          engine,
          containerId,
          method: 'POST',
          path: `/containers/${containerId}/start`,
          params: {},
        },
        () => engine.startContainer(containerId, signal),
      );
      const state = await trail.call(
        {
          action: 'engine.inspect',
          engine,
          containerId,
          method: 'GET',
          path: `/containers/${containerId}/json`,
          params: {},
        },
        () => engine.inspectContainer(containerId, signal),
        (inspect) => ({ detail: inspect ? `state ${inspect.State.Status}` : 'gone' }),
      );
      if (!input.detonate && state?.State.Status !== 'running') {
        throw new ContractError(
          'FAILED',
          `The sandbox stopped right after starting (state ${state?.State.Status ?? 'gone'}): its idle command did not stay up`,
        );
      }
    } catch (error) {
      // Not under the caller's signal: a cancelled start must still take its half-made container away.
      await this.remove(trail, engine, containerId, undefined).catch(() => undefined);
      throw error;
    }
    await trail.note({
      action: 'sandbox.start',
      target: { engineId: engine.engineId, containerId },
      params: {
        name,
        imageId: evidence.imageId,
        sourceContainerId: evidence.sourceContainerId,
        detonate: input.detonate,
        hardening: planned.hardening,
        ...(prepared.transfer ? { transferredFrom: evidence.engineId, transferSha256: prepared.transfer.sha256 } : {}),
      },
      outcome: 'ok',
      detail: `sandbox ${name} runs ${evidence.imageId} (${evidence.foundIn})`,
    });
    return {
      engineId: engine.engineId,
      containerId,
      name,
      image: evidence.reference ?? evidence.imageId,
      detonated: input.detonate,
      hardening: planned.hardening,
    };
  }

  stopSandbox = async (
    input: { engineId: string; containerId: string },
    { signal }: CallContext,
  ): Promise<{ removed: boolean }> => {
    const sandbox = await this.sandbox(input.engineId, input.containerId, signal, 'stop');
    if (sandbox === undefined) return { removed: false };
    const recorder = await this.caseOf(sandbox);
    const remove = (): Promise<void> => sandbox.engine.removeContainer(sandbox.id, { force: true }, signal);
    if (recorder === undefined) {
      await remove().catch((error: unknown) => {
        throw asContractError(sandbox.engine, error, 'engine.remove');
      });
    } else {
      await new SandboxTrail(recorder).call(
        {
          action: 'engine.remove',
          engine: sandbox.engine,
          containerId: sandbox.id,
          method: 'DELETE',
          path: `/containers/${sandbox.id}?force=1&v=1`,
          params: {},
        },
        remove,
        () => ({ detail: 'sandbox removed' }),
      );
    }
    return { removed: true };
  };

  openTerminal = async (
    input: { engineId: string; containerId: string; columns: number; rows: number },
    sink: EventSink<TerminalOutput>,
  ): Promise<void> => {
    const sandbox = await this.sandbox(input.engineId, input.containerId, sink.signal, 'open a terminal in');
    if (sandbox === undefined) {
      throw new ContractError('NOT_FOUND', `No container "${input.containerId}" on engine ${input.engineId}`);
    }
    if (!sandbox.running) {
      throw new ContractError('BAD_INPUT', `Sandbox ${sandbox.id.slice(0, 12)} is not running; start a new one`);
    }
    const { engine, id } = sandbox;
    const recorder = await this.caseOf(sandbox);
    const { choice, checked } = await findProgram(engine, id, TERMINAL_SHELLS, sink.signal).catch((error: unknown) => {
      throw asContractError(engine, error, 'engine.archive-stat');
    });
    if (choice === undefined) {
      throw new ContractError('FAILED', `The sandbox has no shell (looked for ${checked.join(', ')})`);
    }
    const exec = await engine
      .execTty(id, { cmd: choice.command, columns: input.columns, rows: input.rows })
      .catch((error: unknown) => {
        throw asContractError(engine, error, 'engine.exec');
      });
    const openedAt = this.now().toISOString();
    // Custody of the sandbox's case, best effort: the copy is ours, and a case sealed since must not block a look.
    const record = (action: string, detail: string): Promise<unknown> =>
      recorder
        ?.record({
          action,
          target: { engineId: engine.engineId, containerId: id },
          params: {
            method: 'POST',
            path: `/containers/${id}/exec`,
            cmd: choice.command,
            tty: true,
            execId: exec.execId,
            shellProbed: checked,
            openedAt,
          },
          outcome: 'ok',
          detail,
        })
        .catch(() => undefined) ?? Promise.resolve();
    await record('engine.exec', `terminal session (tty ${input.columns}x${input.rows}) in the sandbox`);
    const reason = await this.terminals.run(exec, { engineId: engine.engineId, containerId: id }, sink);
    await record('sandbox.terminal-close', reason);
  };

  terminalInput = async (input: { sessionId: string; base64: string }): Promise<Record<string, never>> => {
    this.terminals.write(input.sessionId, input.base64);
    return {};
  };

  terminalResize = async (input: {
    sessionId: string;
    columns: number;
    rows: number;
  }): Promise<Record<string, never>> => {
    await this.terminals.resize(input.sessionId, input.columns, input.rows);
    return {};
  };

  /** Ends every terminal session this host opened (the sandboxes themselves stay until stopped). */
  async closeAll(): Promise<void> {
    await this.terminals.closeAll('HoldCell is closing');
  }

  /** Open terminal sessions, for diagnostics and tests. */
  openSessions(): ReturnType<TerminalSessions['list']> {
    return this.terminals.list();
  }

  private async create(
    trail: SandboxTrail,
    engine: ContainerEngine,
    name: string,
    body: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<string> {
    try {
      return await trail.call(
        {
          action: 'engine.create',
          engine,
          method: 'POST',
          path: `/containers/create?name=${name}`,
          params: { name, body },
        },
        () => engine.createContainer(name, body, signal),
        (id) => ({ detail: `created ${id}` }),
      );
    } catch (error) {
      if (error instanceof ContractError && / 409[: ]|Conflict/i.test(error.message)) {
        throw new ContractError(
          'BAD_INPUT',
          `A sandbox named ${name} already exists on engine ${engine.engineId}: stop it first ` +
            `(holdcell sandbox <case> --stop ${name}) or use the one that runs`,
        );
      }
      throw error;
    }
  }

  private async remove(
    trail: SandboxTrail,
    engine: ContainerEngine,
    id: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    await trail.call(
      {
        action: 'engine.remove',
        engine,
        containerId: id,
        method: 'DELETE',
        path: `/containers/${id}?force=1&v=1`,
        params: {},
      },
      () => engine.removeContainer(id, { force: true }, signal),
    );
  }

  /**
   * The container if it is a HoldCell sandbox, undefined if it does not exist; anything else is refused, so these
   * APIs can never be pointed at a suspect.
   */
  private async sandbox(
    engineId: string,
    containerId: string,
    signal: AbortSignal,
    verb: string,
  ): Promise<SandboxContainer | undefined> {
    const engine = this.engines.get(engineId);
    const raw = await engine.inspectContainerRaw(containerId, signal).catch((error: unknown) => {
      throw asContractError(engine, error, 'engine.inspect');
    });
    if (raw === undefined) return undefined;
    const parsed = InspectConfig.safeParse(raw);
    if (!parsed.success)
      throw new ContractError('FAILED', `${engine.endpoint} answered an inspect HoldCell cannot read`);
    const labels = parsed.data.Config.Labels;
    if (labels[LABEL_SANDBOX] !== '1' || labels[LABEL_CASE] === undefined) {
      throw new ContractError(
        'BAD_INPUT',
        `Container ${parsed.data.Id.slice(0, 12)} is not a HoldCell sandbox (no ${LABEL_SANDBOX}=1 label): HoldCell ` +
          `will not ${verb} it. Terminals and stop act only on sandboxes, never on a suspect container`,
        'containerId',
      );
    }
    const running = ContainerState.safeParse(raw).data?.State?.Running ?? false;
    return { engine, id: parsed.data.Id, labels, running };
  }

  /** The case that started this sandbox, when its folder is still here (never creates one from a stale label). */
  private async caseOf(sandbox: SandboxContainer): Promise<CaseRecorder | undefined> {
    const caseDir = sandbox.labels[LABEL_CASE_DIR];
    if (caseDir === undefined || caseDir === '') return undefined;
    try {
      await access(join(caseDir, 'case.json'));
      const recorder = await this.openCase(caseDir);
      return recorder.caseId === sandbox.labels[LABEL_CASE] ? recorder : undefined;
    } catch {
      return undefined;
    }
  }
}
