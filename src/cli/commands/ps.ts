// `holdcell ps`: every container of the configured engines with its risk badges, like `docker ps -a`, then every pod.
import type { Command } from 'commander';
import type { ContainerListing } from '../../capture/common/capture.contract.js';
import type { PodListing } from '../../capture/common/kubernetes.contract.js';
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

/** Pods of every kubeconfig context: namespace/name, node, phase, risks (printed only when a kubeconfig exists). */
function printPods(listing: PodListing): void {
  if (listing.pods.length === 0 && listing.clusters.length === 0) return;
  process.stdout.write('\n');
  printTable(
    ['POD', 'CONTEXT', 'NODE', 'PHASE', 'CREATED', 'RISKS'],
    listing.pods.map((pod) => [
      `pod/${pod.namespace}/${pod.name}`,
      pod.clusterId,
      pod.node || '-',
      pod.quarantine === undefined ? pod.phase : `${pod.phase} (quarantined)`,
      pod.created,
      pod.risks.map((risk) => risk.kind).join(',') || '-',
    ]),
  );
}

export function registerPs(program: Command): void {
  program
    .command('ps')
    .description('List every container (running or not) with its risk badges')
    .option('--json', 'print { containers, engines, pods, clusters } as JSON')
    .option(
      '-H, --host <address>',
      'engine address (unix:///path, tcp://host:port); default DOCKER_HOST, then the local socket',
    )
    .action(async (options: { json?: boolean; host?: string }) => {
      const host = createHost(loadHostConfig(process.env, { dockerHost: options.host }));
      const [listing, pods] = await runWithSignal((signal) =>
        Promise.all([
          host.services.capture.listContainers({}, { signal, progress: () => undefined }),
          host.services.kubernetes.listPods({}, { signal, progress: () => undefined }),
        ]),
      );
      // Pods and clusters are added after the existing fields, which keep their shape.
      if (options.json) printJson({ ...listing, pods: pods.pods, clusters: pods.clusters });
      else {
        printListing(listing);
        printPods(pods);
      }
      const unreachable = listing.engines.filter((engine) => engine.state !== 'connected');
      for (const engine of unreachable) printError(engine.error ?? `${engine.endpoint} is not reachable`);
      const lost = pods.clusters.filter((cluster) => cluster.state !== 'connected');
      for (const cluster of lost) printError(cluster.error ?? `${cluster.server} is not reachable`);
      if (unreachable.length > 0 || lost.length > 0) process.exitCode = EXIT_ENGINE_UNREACHABLE;
      await host.close();
    });
}
