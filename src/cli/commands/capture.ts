// `holdcell capture <container> --case <dir> --seconds N`: record a live container's syscalls into the case.
// `holdcell import-trace <file> --case <dir>`: bring a trace recorded elsewhere into the case as evidence.
import { Option, type Command } from 'commander';
import type { CapturePlan, CaptureResult } from '../../capture/common/trace-capture.js';
import { TracerPreference } from '../../capture/common/trace-capture.js';
import { visibleText } from '../../contract/visible-text.js';
import { loadHostConfig } from '../../host/config.js';
import { createHost } from '../../host/create-host.js';
import { printJson, printTable } from '../output.js';
import { caseDirArgument, EXIT_INCOMPLETE, reportFailure, runWithSignal } from '../run.js';
import { isPodArgument, podRef, printPodCapture, runPodCommand, incompleteUnless } from './kubernetes-pod.js';

interface CaptureOptions {
  case: string;
  seconds: string;
  tracer: TracerPreference;
  engine: string;
  host?: string;
  dryRun?: boolean;
  json?: boolean;
  /** Pods only. */
  context?: string;
  podContainer?: string;
  image?: string;
}

const say = (text: string): void => void process.stdout.write(`${visibleText(text)}\n`);

function printPlan(plan: CapturePlan): void {
  say(`container ${plan.containerName} (${plan.containerId.slice(0, 12)}) on ${plan.engineId}`);
  say(`tracer    ${plan.tracer ?? 'NONE'}: ${plan.reason}`);
  if (plan.command.length > 0) say(`command   ${plan.command.join(' ')}`);
  printTable(
    ['PROBE', 'USABLE', 'DETAIL'],
    plan.probes.map((probe) => [probe.tool, probe.usable ? 'yes' : 'no', probe.detail]),
  );
  for (const warning of plan.warnings) say(`warning   ${warning}`);
}

function printResult(result: CaptureResult): void {
  say(`tracer    ${result.tracer}: ${result.reason}`);
  say(
    `traced    ${result.startedAt} → ${result.endedAt}, stopped by ${result.stoppedBy}, pids ${result.pids.join(' ')}`,
  );
  printTable(
    ['ITEM', 'FILE', 'BYTES', 'SHA256', 'STATUS'],
    result.items.map((item) => [
      item.id,
      item.path,
      String(item.bytes),
      item.sha256,
      item.complete ? 'complete' : `INCOMPLETE: ${item.incompleteReason ?? 'no reason recorded'}`,
    ]),
  );
  for (const warning of result.warnings) say(`warning   ${warning}`);
}

function secondsArgument(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 86_400) {
    throw new Error(`--seconds ${text}: expected a whole number of seconds from 1 to 86400`);
  }
  return Number(text);
}

export function registerCapture(program: Command): void {
  program
    .command('capture')
    .description(
      "Record a running container's syscalls into the case: bpftrace or strace on this host for a local engine " +
        '(chosen automatically, the reason printed), a SYS_PTRACE-only helper container for a remote one; ' +
        'never anything inside the suspect. Ctrl-C stops early and keeps what was recorded.',
    )
    .argument('<container>', 'container id, unique id prefix or name, or pod/<namespace>/<name>')
    .requiredOption('--case <dir>', 'case folder (created when absent)')
    .option('--seconds <n>', 'how long to record', '60')
    .addOption(new Option('--tracer <kind>', 'which tracer').choices(TracerPreference.options).default('auto'))
    .option('--engine <id>', 'engine the container runs on', 'default')
    .option('-H, --host <address>', 'engine address; default DOCKER_HOST, then the local socket')
    .option('--dry-run', 'print which tracer would run and why, and record nothing')
    .option('--json', 'print the plan or the capture result as JSON')
    .option('--context <ctx>', 'pods: kubeconfig context (default: the current-context)')
    .option('--pod-container <name>', "pods: the container to trace (default: the pod's first)")
    .option('--image <ref>', 'pods: tools image of the ephemeral container (default HOLDCELL_TRACER_IMAGE)')
    .action(async (container: string, options: CaptureOptions) => {
      if (isPodArgument(container)) {
        await runPodCommand(
          options.json,
          (host, signal) =>
            host.services.kubernetes.capturePod(
              {
                ref: podRef(container, options.context),
                caseDir: caseDirArgument(options.case),
                seconds: secondsArgument(options.seconds),
                ...(options.podContainer ? { container: options.podContainer } : {}),
                ...(options.image ? { image: options.image } : {}),
              },
              { signal, progress: () => undefined },
            ),
          printPodCapture,
          (result) => incompleteUnless(result.complete),
        );
        return;
      }
      const host = createHost(loadHostConfig(process.env, { dockerHost: options.host }));
      try {
        const ref = { engineId: options.engine, container };
        if (options.dryRun === true) {
          const plan = await runWithSignal((signal) =>
            host.services.capture.planCapture({ ref, tracer: options.tracer }, { signal, progress: () => undefined }),
          );
          if (options.json === true) printJson(plan);
          else printPlan(plan);
          return;
        }
        const seconds = secondsArgument(options.seconds);
        const result = await runWithSignal((signal) =>
          host.services.capture.capture(
            { ref, caseDir: caseDirArgument(options.case), seconds, tracer: options.tracer },
            { signal, progress: () => undefined },
          ),
        );
        if (options.json === true) printJson(result);
        else printResult(result);
        if (result.items.some((item) => !item.complete)) process.exitCode = EXIT_INCOMPLETE;
      } catch (error) {
        reportFailure(error);
      } finally {
        await host.close();
      }
    });

  program
    .command('import-trace')
    .description(
      'Copy a strace, HoldCell JSONL, Falco or Tetragon trace into the case as evidence (hashed, custody logged)',
    )
    .argument('<file>', 'the trace file')
    .requiredOption('--case <dir>', 'an existing case folder')
    .addOption(
      new Option('--format <format>', 'trace format')
        .choices(['auto', 'strace', 'jsonl', 'falco', 'tetragon'])
        .default('auto'),
    )
    .option('--json', 'print the evidence item as JSON')
    .action(async (file: string, options: { case: string; format: 'auto'; json?: boolean }) => {
      const host = createHost(loadHostConfig(process.env, {}));
      try {
        const item = await runWithSignal((signal) =>
          host.services.replay.importTrace(
            { caseDir: caseDirArgument(options.case), path: file, format: options.format },
            { signal, progress: () => undefined },
          ),
        );
        if (options.json === true) printJson(item);
        else say(`${item.id}  ${item.path}  ${item.bytes} bytes  sha256 ${item.sha256}`);
      } catch (error) {
        reportFailure(error);
      } finally {
        await host.close();
      }
    });
}
