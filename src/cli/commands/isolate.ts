// `holdcell isolate` and `holdcell release`: contain a suspect (collect, then pause/quarantine) and undo it from the case.
import { Option, type Command } from 'commander';
import type { IsolationResult, ReleaseResult, StepOutcome } from '../../capture/common/containment.js';
import { visibleText } from '../../contract/visible-text.js';
import { loadHostConfig } from '../../host/config.js';
import { createHost, type Host } from '../../host/create-host.js';
import { printJson, printTable } from '../output.js';
import { caseDirArgument, EXIT_PARTIAL, reportFailure, runWithSignal } from '../run.js';
import {
  isPodArgument,
  partialUnless,
  podRef,
  printPodIsolation,
  printPodRelease,
  runPodCommand,
} from './kubernetes-pod.js';

/** The command ran but left the container partly contained (isolate) or partly released (release). */

const CASE_HELP = 'case folder: an absolute path, a path starting with ./ or ../, or a name under the cases root';
const HOST_HELP = 'engine address (unix:///path, tcp://host:port); default DOCKER_HOST, then the local socket';

interface EngineOptions {
  case: string;
  engine: string;
  host?: string;
  json?: boolean;
  /** Pods only: the kubeconfig context (default: its current-context). */
  context?: string;
}

const CONTEXT_HELP = 'pods: kubeconfig context (default: the current-context)';

function line(text: string): void {
  process.stdout.write(`${visibleText(text)}\n`);
}

function printSteps(steps: readonly StepOutcome[]): void {
  printTable(
    ['PHASE', 'STEP', 'STATUS', 'DETAIL'],
    steps.map((step) => [step.phase, step.id.replace(/^(collect|contain|release)-/, ''), step.status, step.detail]),
  );
}

function printIsolation(result: IsolationResult): void {
  const { plan } = result;
  line(
    `${result.dryRun ? 'Plan for' : 'Isolation of'} ${plan.containerName} (${plan.containerId.slice(0, 12)}) on engine ${plan.engineId}, mode ${plan.mode}`,
  );
  printSteps(result.steps);
  for (const warning of plan.warnings) line(`warning: ${warning}`);
  line(result.summary);
}

function printRelease(result: ReleaseResult): void {
  line(`Release of ${result.containerId.slice(0, 12)} on engine ${result.engineId}`);
  printSteps(result.steps);
  line(result.summary);
}

/** Runs one service call with Ctrl+C wired to cancel it; maps failures to exit codes (2: engine unreachable). */
async function runCommand<T>(
  options: EngineOptions,
  call: (host: Host, signal: AbortSignal) => Promise<T>,
  report: (result: T) => void,
  succeeded: (result: T) => boolean,
): Promise<void> {
  const host = createHost(loadHostConfig(process.env, { dockerHost: options.host }));
  try {
    const result = await runWithSignal((signal) => call(host, signal));
    if (options.json) printJson(result);
    else report(result);
    if (!succeeded(result)) process.exitCode = EXIT_PARTIAL;
  } catch (error) {
    reportFailure(error);
  } finally {
    await host.close();
  }
}

const noProgress = (): void => undefined;

export function registerIsolate(program: Command): void {
  program
    .command('isolate')
    .description(
      "Record a container's volatile state into a case (inspect, processes, host /proc, network state, logs), then " +
        'pause it and/or move it to the internal quarantine network; every engine call goes into the custody log. ' +
        'Exit 0 when contained, 4 when only partly, 2 when the engine is unreachable',
    )
    .argument('<container>', 'container id, unique id prefix or name, or pod/<namespace>/<name>')
    .requiredOption('--case <dir>', `${CASE_HELP} (created when absent)`)
    .addOption(
      new Option('--mode <mode>', 'pause (freeze), network (quarantine), or both')
        .choices(['pause', 'network', 'both'])
        .default('both'),
    )
    .option('--dry-run', 'print the plan; change nothing on the engine and write nothing to the case')
    .option(
      '--cordon',
      'pods: also cordon the node (quarantine label, deny-all NetworkPolicy and detachment from controllers and Services always apply)',
    )
    .option('--context <ctx>', CONTEXT_HELP)
    .option('--engine <id>', 'engine the container runs on', 'default')
    .option('-H, --host <address>', HOST_HELP)
    .option('--json', 'print the isolation result as JSON')
    .action(
      async (
        container: string,
        options: EngineOptions & { mode: 'pause' | 'network' | 'both'; dryRun?: boolean; cordon?: boolean },
      ) => {
        if (isPodArgument(container)) {
          await runPodCommand(
            options.json,
            (host, signal) =>
              host.services.kubernetes.isolatePod(
                {
                  ref: podRef(container, options.context),
                  caseDir: caseDirArgument(options.case),
                  cordon: options.cordon === true,
                  dryRun: options.dryRun === true,
                },
                { signal, progress: noProgress },
              ),
            printPodIsolation,
            (result) => partialUnless(result.dryRun || result.contained),
          );
          return;
        }
        await runCommand(
          options,
          (host, signal) =>
            host.services.capture.isolate(
              {
                ref: { engineId: options.engine, container },
                caseDir: caseDirArgument(options.case),
                mode: options.mode,
                dryRun: options.dryRun === true,
              },
              { signal, progress: noProgress },
            ),
          printIsolation,
          (result) => result.dryRun || result.contained,
        );
      },
    );
}

export function registerRelease(program: Command): void {
  program
    .command('release')
    .description(
      'Undo exactly what isolate changed, as recorded in the case: leave the quarantine, reconnect the same ' +
        'networks with the same aliases, unpause only if isolate paused. Exit 0 when released, 4 when only partly, ' +
        '2 when the engine is unreachable',
    )
    .argument('<container>', 'container id, unique id prefix or name, or pod/<namespace>/<name>')
    .requiredOption('--case <dir>', `${CASE_HELP} (the case isolate recorded into)`)
    .option('--context <ctx>', CONTEXT_HELP)
    .option('--engine <id>', 'engine the container runs on', 'default')
    .option('-H, --host <address>', HOST_HELP)
    .option('--json', 'print the release result as JSON')
    .action(async (container: string, options: EngineOptions) => {
      if (isPodArgument(container)) {
        await runPodCommand(
          options.json,
          (host, signal) =>
            host.services.kubernetes.releasePod(
              { ref: podRef(container, options.context), caseDir: caseDirArgument(options.case) },
              { signal, progress: noProgress },
            ),
          printPodRelease,
          (result) => partialUnless(result.released),
        );
        return;
      }
      await runCommand(
        options,
        (host, signal) =>
          host.services.capture.release(
            { ref: { engineId: options.engine, container }, caseDir: caseDirArgument(options.case) },
            { signal, progress: noProgress },
          ),
        printRelease,
        (result) => result.released,
      );
    });
}
