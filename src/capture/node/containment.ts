// The capture service's containment: plan, isolate (collect volatile state, then pause/quarantine) and release.
import { ContractError } from '../../contract/envelope.js';
import type { CallContext, ServiceImpl } from '../../contract/kit.js';
import type { CaseOpener, CaseRecorder } from '../../forensics/common/case-recorder.js';
import type { captureService } from '../common/capture.contract.js';
import type {
  ContainerRef,
  IsolationMode,
  IsolationPlan,
  IsolationResult,
  ReleaseResult,
  StepOutcome,
} from '../common/containment.js';
import { isContained, summarizeIsolation } from '../common/isolation-outcome.js';
import { buildIsolationPlan, TOP_PS_ARGS } from '../common/isolation-plan.js';
import { planRelease, replayIsolation } from '../common/isolation-release.js';
import type { EngineRegistry } from './engine-registry.js';
import { LocalProcReader, type HostProcReader } from './host-proc.js';
import { custodyOf } from './isolation-case.js';
import { isolationFacts, observeContainer } from './isolation-observe.js';
import { IsolationRun } from './isolation-run.js';
import { ReleaseRun } from './isolation-undo.js';

export interface ContainmentOptions {
  engines: EngineRegistry;
  openCase: CaseOpener;
  /**
   * Opens an existing case only (CaseStore.open). Release uses it when given, so a mistyped case folder is an
   * error instead of a new empty case; without it release falls back to openCase.
   */
  openExistingCase?: CaseOpener;
  /** Reads a local engine's container processes from /proc; default: this host's /proc, environ not read. */
  hostProc?: HostProcReader;
  /** ps arguments for `docker top` (default TOP_PS_ARGS); when the engine's ps refuses them, its defaults are used. */
  topPsArgs?: string;
  now?: () => Date;
}

type ContainmentMethods = Pick<ServiceImpl<typeof captureService>, 'planIsolation' | 'isolate' | 'release'>;

function releaseSummary(name: string, steps: readonly StepOutcome[], released: boolean): string {
  const done = steps.filter((step) => step.status === 'done').map((step) => step.detail);
  const failed = steps.filter((step) => step.status === 'failed').map((step) => `${step.action} (${step.detail})`);
  if (steps.every((step) => step.status === 'skipped')) {
    return `Released ${name}: nothing left to undo, every change isolate made is already undone.`;
  }
  const head = released ? `Released ${name}` : `NOT fully released ${name}`;
  const parts = [`${head}${done.length > 0 ? `: ${done.join('; ')}` : ''}.`];
  if (failed.length > 0) parts.push(`Failed: ${failed.join('; ')}.`);
  return parts.join(' ');
}

export class Containment implements ContainmentMethods {
  private readonly engines: EngineRegistry;
  private readonly openCase: CaseOpener;
  private readonly openExistingCase: CaseOpener;
  private readonly hostProc: HostProcReader;
  private readonly psArgs: string;
  private readonly now: () => Date;

  constructor(options: ContainmentOptions) {
    this.engines = options.engines;
    this.openCase = options.openCase;
    this.openExistingCase = options.openExistingCase ?? options.openCase;
    this.hostProc = options.hostProc ?? new LocalProcReader();
    this.psArgs = options.topPsArgs ?? TOP_PS_ARGS;
    this.now = options.now ?? (() => new Date());
  }

  planIsolation = async (
    { ref, mode }: { ref: ContainerRef; mode: IsolationMode },
    { signal }: CallContext,
  ): Promise<IsolationPlan> => {
    const observed = await observeContainer(
      this.engines,
      ref,
      `Planning the isolation of ${ref.container}`,
      this.now,
      signal,
    );
    return buildIsolationPlan(isolationFacts(observed), mode, this.psArgs);
  };

  /**
   * One inspect resolves the container, plans the steps and becomes the first evidence item. The case is opened
   * only after that inspect succeeded, so an unknown container or an unreachable engine leaves no case behind.
   * A dry run never opens the case at all: it returns the plan and writes nothing anywhere, because a preview that
   * created folders or custody records would itself be an unrequested change (the plan is in the answer).
   */
  isolate = async (
    input: { ref: ContainerRef; caseDir: string; mode: IsolationMode; dryRun: boolean },
    context: CallContext,
  ): Promise<IsolationResult> => {
    const observed = await observeContainer(
      this.engines,
      input.ref,
      `Isolating ${input.ref.container}`,
      this.now,
      context.signal,
    );
    const facts = isolationFacts(observed);
    const plan = buildIsolationPlan(facts, input.mode, this.psArgs);
    if (input.dryRun) {
      return {
        plan,
        steps: plan.steps.map((step) => ({
          id: step.id,
          phase: step.phase,
          action: step.action,
          status: 'planned' as const,
          detail: step.alreadyDone ? `${step.description} — already in effect, would be skipped` : step.description,
        })),
        contained: false,
        dryRun: true,
        summary: `Dry run: nothing was changed and nothing recorded; ${plan.steps.length} steps would run on ${plan.containerName}.`,
      };
    }
    const recorder = await this.open(input.caseDir, this.openCase);
    const run = await IsolationRun.nextRun(recorder, facts.containerId);
    const steps = await new IsolationRun(
      observed,
      recorder,
      { hostProc: this.hostProc, now: this.now, psArgs: this.psArgs },
      run,
    ).execute(plan, context);
    const contained = isContained({ mode: input.mode, status: facts.status, networkMode: facts.networkMode }, steps);
    return { plan, steps, contained, dryRun: false, summary: summarizeIsolation(plan, steps, contained) };
  };

  /**
   * Undoes exactly what the case says isolate changed on this container (its custody records and network-state
   * items), after checking the engine for what is already undone. Works from the case alone, so it can run in
   * another process or on another machine than the isolation.
   */
  release = async (
    { ref, caseDir }: { ref: ContainerRef; caseDir: string },
    context: CallContext,
  ): Promise<ReleaseResult> => {
    const observed = await observeContainer(this.engines, ref, `Releasing ${ref.container}`, this.now, context.signal);
    const facts = isolationFacts(observed);
    const recorder = await this.open(caseDir, this.openExistingCase);
    const history = replayIsolation(await custodyOf(recorder, facts.containerId));
    if (!history.touched) {
      throw new ContractError(
        'NOT_FOUND',
        `The case ${recorder.caseDir} records no isolation of ${facts.containerName} (${facts.containerId.slice(0, 12)}); nothing to release — is it the right case folder?`,
        'caseDir',
      );
    }
    const current = {
      status: facts.status,
      networks: Object.fromEntries(
        Object.entries(observed.networks).map(([name, endpoint]) => [name, endpoint.NetworkID]),
      ),
    };
    const undo = new ReleaseRun(observed, recorder, this.now);
    await undo.recordInspect();
    const steps = await undo.execute(planRelease(history, current), context);
    const released = steps.every((step) => step.status === 'done' || step.status === 'skipped');
    return {
      engineId: facts.engineId,
      containerId: facts.containerId,
      steps,
      released,
      summary: releaseSummary(facts.containerName, steps, released),
    };
  };

  private async open(caseDir: string, opener: CaseOpener): Promise<CaseRecorder> {
    try {
      return await opener(caseDir);
    } catch (error) {
      if (error instanceof ContractError) throw error;
      throw new ContractError(
        'FAILED',
        `Cannot open the case ${caseDir}: ${error instanceof Error ? error.message : String(error)}`,
        'caseDir',
      );
    }
  }
}
