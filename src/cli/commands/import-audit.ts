// `holdcell import-audit <file> --case <dir>`: a Kubernetes API server audit log into the case, unchanged, for the timeline.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { visibleText } from '../../contract/visible-text.js';
import { caseDirArgument } from '../run.js';
import { runPodCommand } from './kubernetes-pod.js';

export function registerImportAudit(program: Command): void {
  program
    .command('import-audit')
    .description(
      'Copy an API server audit log (JSON lines, audit.k8s.io Events) into the case byte for byte, hashed while ' +
        'copied (a kubernetes-object item flagged imported, kubernetes-audit-log) so the timeline can place its events',
    )
    .argument('<file>', 'the audit log (e.g. the file of --audit-log-path)')
    .requiredOption('--case <dir>', 'case folder (created when absent)')
    .option('--context <ctx>', 'kubeconfig context the log belongs to (recorded as the source)')
    .option('--json', 'print the evidence item as JSON')
    .action(async (file: string, options: { case: string; context?: string; json?: boolean }) => {
      await runPodCommand(
        options.json,
        (host, signal) =>
          host.services.kubernetes.importAuditLog(
            {
              caseDir: caseDirArgument(options.case),
              file: resolve(file),
              ...(options.context ? { clusterId: options.context } : {}),
            },
            { signal, progress: () => undefined },
          ),
        (item) =>
          process.stdout.write(
            `${visibleText(`${item.id}: ${item.bytes} bytes, sha256 ${item.sha256}${item.complete ? '' : ` (incomplete: ${item.incompleteReason ?? ''})`}`)}\n`,
          ),
        (item) => (item.complete ? 0 : 5),
      );
    });
}
