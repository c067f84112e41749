// `holdcell snapshot <container> --case <dir>`: filesystem, mounts and image into the case; exit 5 when incomplete.
import type { Command } from 'commander';
import type { SnapshotResult } from '../../capture/common/containment.js';
import type { Progress } from '../../contract/envelope.js';
import { visibleText } from '../../contract/visible-text.js';
import { loadHostConfig } from '../../host/config.js';
import { createHost } from '../../host/create-host.js';
import { printJson, printTable } from '../output.js';
import { caseDirArgument, EXIT_INCOMPLETE, reportFailure, runWithSignal } from '../run.js';
import { incompleteUnless, isPodArgument, podRef, printPodSnapshot, runPodCommand } from './kubernetes-pod.js';

/** The snapshot ran, but some evidence is incomplete or missing: the case holds what arrived and cannot be sealed. */

interface SnapshotOptions {
  case: string;
  engine: string;
  host?: string;
  json?: boolean;
  context?: string;
  suspectTar?: boolean;
}

function printResult(result: SnapshotResult): void {
  printTable(
    ['KIND', 'FILE', 'BYTES', 'SHA256', 'STATUS', 'FLAGS'],
    result.items.map((item) => [
      item.kind,
      item.path,
      String(item.bytes),
      item.sha256,
      item.complete ? 'complete' : `INCOMPLETE: ${item.incompleteReason ?? 'no reason recorded'}`,
      item.flags.join(',') || '-',
    ]),
  );
  const image = result.evidenceImage;
  const lines = [...(image ? [`evidence image ${image.reference} (${image.id})`] : []), result.summary];
  process.stdout.write(`${lines.map((line) => visibleText(line)).join('\n')}\n`);
}

/** A one-line, rewritten progress indicator, only where a person watches (a terminal on stderr). */
function progressLine(enabled: boolean): (progress: Progress) => void {
  if (!enabled) return () => undefined;
  return (progress) => {
    const megabytes = (progress.done / 1e6).toFixed(1);
    process.stderr.write(`\r\u001b[K${visibleText(progress.note ?? '')} ${megabytes} MB`);
  };
}

export function registerSnapshot(program: Command): void {
  program
    .command('snapshot')
    .description(
      "Preserve a container as evidence: engine and container facts, `docker export`, each mount's content via " +
        'the archive API, `docker save` of its image, and a committed evidence image; all hashed while streaming',
    )
    .argument('<container>', 'container id, unique id prefix or name, or pod/<namespace>/<name>')
    .requiredOption(
      '--case <dir>',
      'case folder (created when absent): an absolute path, a path starting with ./ or ../, or a name under the cases root',
    )
    .option('--engine <id>', 'engine the container runs on', 'default')
    .option(
      '-H, --host <address>',
      'engine address (unix:///path, tcp://host:port); default DOCKER_HOST, then the local socket',
    )
    .option('--context <ctx>', 'pods: kubeconfig context (default: the current-context)')
    .option(
      '--suspect-tar',
      "pods: when no kubelet checkpoint is possible, archive each container's filesystem with its own tar " +
        '(flagged acquired-through-suspect-tar: a compromised container can lie)',
    )
    .option('--json', 'print the snapshot result as JSON')
    .action(async (container: string, options: SnapshotOptions) => {
      if (isPodArgument(container)) {
        await runPodCommand(
          options.json,
          (host, signal) =>
            host.services.kubernetes.snapshotPod(
              {
                ref: podRef(container, options.context),
                caseDir: caseDirArgument(options.case),
                suspectTar: options.suspectTar === true,
              },
              { signal, progress: () => undefined },
            ),
          printPodSnapshot,
          (result) => incompleteUnless(result.complete),
        );
        return;
      }
      const host = createHost(loadHostConfig(process.env, { dockerHost: options.host }));
      const showProgress = options.json !== true && process.stderr.isTTY === true;
      try {
        const result = await runWithSignal((signal) =>
          host.services.capture.snapshot(
            { ref: { engineId: options.engine, container }, caseDir: caseDirArgument(options.case) },
            { signal, progress: progressLine(showProgress) },
          ),
        );
        if (showProgress) process.stderr.write('\r\u001b[K');
        if (options.json) printJson(result);
        else printResult(result);
        if (!result.complete) process.exitCode = EXIT_INCOMPLETE;
      } catch (error) {
        if (showProgress) process.stderr.write('\n');
        reportFailure(error);
      } finally {
        await host.close();
      }
    });
}
