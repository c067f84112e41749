// `holdcell isolate|release|snapshot|capture pod/<ns>/<name>`: the pod forms of those commands, through the kubernetes service.
import { ContractError } from '../../contract/envelope.js';
import type { StepOutcome } from '../../capture/common/containment.js';
import type {
  PodCaptureResult,
  PodIsolationResult,
  PodRef,
  PodReleaseResult,
  PodSnapshotResult,
} from '../../capture/common/kubernetes.contract.js';
import { visibleText } from '../../contract/visible-text.js';
import { loadHostConfig } from '../../host/config.js';
import { createHost, type Host } from '../../host/create-host.js';
import { printJson, printTable } from '../output.js';
import { EXIT_INCOMPLETE, EXIT_PARTIAL, reportFailure, runWithSignal } from '../run.js';

export const POD_PREFIX = 'pod/';

export function isPodArgument(argument: string): boolean {
  return argument.startsWith(POD_PREFIX);
}

/** `pod/<namespace>/<name>` in the context given (or kubeconfig's current-context when none is). */
export function podRef(argument: string, context: string | undefined): PodRef {
  const [, namespace, name, ...rest] = argument.split('/');
  if (!namespace || !name || rest.length > 0) {
    throw new ContractError('BAD_INPUT', `"${argument}" is not pod/<namespace>/<name>`, 'pod');
  }
  return { clusterId: context ?? '', namespace, name };
}

function line(text: string): void {
  process.stdout.write(`${visibleText(text)}\n`);
}

function printSteps(steps: readonly StepOutcome[]): void {
  printTable(
    ['PHASE', 'STEP', 'STATUS', 'DETAIL'],
    steps.map((step) => [step.phase, step.action, step.status, step.detail]),
  );
}

export function printPodIsolation(result: PodIsolationResult): void {
  const { plan } = result;
  line(
    `${result.dryRun ? 'Plan for' : 'Isolation of'} pod ${plan.ref.namespace}/${plan.ref.name} in context ${plan.ref.clusterId} (node ${plan.node || '-'})`,
  );
  line('Preflight (SelfSubjectAccessReview):');
  printTable(
    ['ACCESS', 'ALLOWED', 'FOR', 'REASON'],
    plan.preflight.map((check) => [
      check.description,
      check.allowed ? 'yes' : 'NO',
      check.steps.join(','),
      check.reason,
    ]),
  );
  printSteps(result.steps);
  for (const warning of plan.warnings) line(`warning: ${warning}`);
  line(result.summary);
}

export function printPodRelease(result: PodReleaseResult): void {
  line(`Release of pod ${result.ref.namespace}/${result.ref.name} in context ${result.ref.clusterId}`);
  printSteps(result.steps);
  line(result.summary);
}

export function printPodSnapshot(result: PodSnapshotResult): void {
  printTable(
    ['ITEM', 'KIND', 'BYTES', 'SHA256', 'COMPLETE', 'FLAGS'],
    result.items.map((item) => [
      item.id,
      item.kind,
      String(item.bytes),
      item.sha256,
      item.complete ? 'yes' : `no: ${item.incompleteReason ?? ''}`,
      item.flags.join(',') || '-',
    ]),
  );
  for (const note of result.checkpoint.notes) line(`checkpoint ${note.container}: ${note.note}`);
  line(result.summary);
}

export function printPodCapture(result: PodCaptureResult): void {
  line(
    `Capture of pod ${result.ref.namespace}/${result.ref.name} container ${result.targetContainer} through ephemeral container ${result.ephemeralContainer} (${result.image})`,
  );
  line(`command: ${result.command.join(' ')}`);
  for (const item of result.items)
    line(`${item.id}: ${item.bytes} bytes, sha256 ${item.sha256}${item.complete ? '' : ' (incomplete)'}`);
  line(result.summary);
}

/** Runs one kubernetes service call with Ctrl+C wired to cancel it; exit 2 when the cluster is unreachable. */
export async function runPodCommand<T>(
  json: boolean | undefined,
  call: (host: Host, signal: AbortSignal) => Promise<T>,
  report: (result: T) => void,
  exitCode: (result: T) => number,
): Promise<void> {
  const host = createHost(loadHostConfig(process.env));
  try {
    const result = await runWithSignal((signal) => call(host, signal));
    if (json) printJson(result);
    else report(result);
    const code = exitCode(result);
    if (code !== 0) process.exitCode = code;
  } catch (error) {
    reportFailure(error);
  } finally {
    await host.close();
  }
}

export const partialUnless = (ok: boolean): number => (ok ? 0 : EXIT_PARTIAL);
export const incompleteUnless = (ok: boolean): number => (ok ? 0 : EXIT_INCOMPLETE);
