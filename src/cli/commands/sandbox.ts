// `holdcell sandbox <caseDir>`: runs the case's evidence image hardened (idle unless --detonate), or stops a sandbox.
import type { Command } from 'commander';
import type { SandboxInfo } from '../../capture/common/containment.js';
import { loadHostConfig } from '../../host/config.js';
import { createHost } from '../../host/create-host.js';
import { printJson } from '../output.js';
import { caseDirArgument, reportFailure, runWithSignal } from '../run.js';
import { visibleText } from '../../contract/visible-text.js';

interface SandboxOptions {
  engine?: string;
  detonate?: boolean;
  stop?: string;
  host?: string;
  json?: boolean;
}

function printStarted(info: SandboxInfo, caseDir: string): void {
  const lines = [
    `Sandbox ${info.name} started on engine ${info.engineId}`,
    `  container  ${info.containerId}`,
    `  image      ${info.image}`,
    `  runs       ${info.detonated ? "the evidence's own command (detonated)" : 'an idle command (entrypoint replaced)'}`,
    '  hardening',
    ...info.hardening.map((line) => `    - ${line}`),
    `Attach (a sandbox, never the suspect): docker exec -it ${info.containerId.slice(0, 12)} sh`,
    `Stop: holdcell sandbox ${caseDir} --stop ${info.containerId.slice(0, 12)}${info.engineId === 'default' ? '' : ` --engine ${info.engineId}`}`,
  ];
  process.stdout.write(`${lines.map((line) => visibleText(line)).join('\n')}\n`);
}

export function registerSandbox(program: Command): void {
  program
    .command('sandbox')
    .description(
      "Run the case's evidence image with no network, no capabilities, no new privileges, read-only, limited " +
        '(idle unless --detonate); or remove a sandbox with --stop',
    )
    .argument(
      '<caseDir>',
      'case folder holding a snapshot (absolute; ./relative to here; a bare name is under the cases root)',
    )
    .option('--engine <id>', 'engine to run the sandbox on (default: the engine the snapshot was taken on)')
    .option('--detonate', "run the evidence's own entrypoint and command instead of an idle command (still hardened)")
    .option('--stop <container>', 'remove this sandbox (id, prefix or name); refuses anything that is not a sandbox')
    .option(
      '-H, --host <address>',
      'engine address (unix:///path, tcp://host:port); default DOCKER_HOST, then the local socket',
    )
    .option('--json', 'print the result as JSON')
    .action(async (caseArgument: string, options: SandboxOptions) => {
      const caseDir = caseDirArgument(caseArgument);
      const host = createHost(loadHostConfig(process.env, { dockerHost: options.host }));
      try {
        await runWithSignal(async (signal) => {
          const context = { signal, progress: () => undefined };
          const { capture } = host.services;
          if (options.stop !== undefined) {
            const result = await capture.stopSandbox(
              { engineId: options.engine ?? 'default', containerId: options.stop },
              context,
            );
            if (options.json) printJson(result);
            else
              process.stdout.write(
                `${visibleText(result.removed ? `Sandbox ${options.stop} removed` : `No container ${options.stop}: nothing to remove`)}\n`,
              );
            return;
          }
          const info = await capture.startSandbox(
            { caseDir, ...(options.engine ? { engineId: options.engine } : {}), detonate: options.detonate ?? false },
            context,
          );
          if (options.json) printJson(info);
          else printStarted(info, caseDir);
        });
      } catch (error) {
        reportFailure(error);
      } finally {
        await host.close();
      }
    });
}
