// `holdcell ps`: every container of the configured engines with its risk badges, like `docker ps -a`.
import type { Command } from 'commander';
import type { ContainerListing } from '../../capture/common/capture.contract.js';
import { loadHostConfig } from '../../host/config.js';
import { createHost } from '../../host/create-host.js';
import { printError, printJson, printTable } from '../output.js';
import { EXIT_ENGINE_UNREACHABLE, runWithSignal } from '../run.js';

function printListing(listing: ContainerListing): void {
  printTable(
    ['CONTAINER ID', 'NAME', 'IMAGE', 'STATE', 'CREATED', 'RISKS'],
    listing.containers.map((container) => [
      container.id.slice(0, 12),
      container.name,
      container.image,
      container.state,
      container.created,
      container.risks.map((risk) => risk.kind).join(',') || '-',
    ]),
  );
}

export function registerPs(program: Command): void {
  program
    .command('ps')
    .description('List every container (running or not) with its risk badges')
    .option('--json', 'print { containers, engines } as JSON')
    .option(
      '-H, --host <address>',
      'engine address (unix:///path, tcp://host:port); default DOCKER_HOST, then the local socket',
    )
    .action(async (options: { json?: boolean; host?: string }) => {
      const host = createHost(loadHostConfig(process.env, { dockerHost: options.host }));
      const listing = await runWithSignal((signal) =>
        host.services.capture.listContainers({}, { signal, progress: () => undefined }),
      );
      if (options.json) printJson(listing);
      else printListing(listing);
      const unreachable = listing.engines.filter((engine) => engine.state !== 'connected');
      for (const engine of unreachable) printError(engine.error ?? `${engine.endpoint} is not reachable`);
      if (unreachable.length > 0) process.exitCode = EXIT_ENGINE_UNREACHABLE;
      await host.close();
    });
}
