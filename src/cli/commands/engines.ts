// `holdcell engines`: every configured engine with its endpoint, transport, where it came from and whether it answers.
import type { Command } from 'commander';
import type { EngineStatus } from '../../capture/common/containers.js';
import { describeEndpoint, transportKind, type TransportKind } from '../../capture/common/docker-endpoint.js';
import { loadHostConfig } from '../../host/config.js';
import { createHost } from '../../host/create-host.js';
import { resolveEngines, type ResolvedEngine } from '../../host/engine-config.js';
import { printError, printJson, printTable } from '../output.js';
import { EXIT_ENGINE_UNREACHABLE, runWithSignal } from '../run.js';

/** One line of `holdcell engines --json`; keys in a fixed order so the output is stable. */
export interface EngineReport {
  engineId: string;
  endpoint: string;
  kind: TransportKind;
  source: string;
  aliases: string[];
  state: EngineStatus['state'];
  error?: string;
  serverVersion?: string;
  apiVersion?: string;
  warnings: string[];
}

function report(engine: ResolvedEngine, status: EngineStatus | undefined): EngineReport {
  return {
    engineId: engine.engineId,
    endpoint: status?.endpoint ?? describeEndpoint(engine.endpoint),
    kind: transportKind(engine.endpoint),
    source: engine.source,
    aliases: engine.aliases,
    state: status?.state ?? 'unreachable',
    ...(status?.state === 'connected' ? {} : { error: status?.error ?? 'the host did not report this engine' }),
    ...(status?.serverVersion === undefined ? {} : { serverVersion: status.serverVersion }),
    ...(status?.apiVersion === undefined ? {} : { apiVersion: status.apiVersion }),
    warnings: engine.warnings,
  };
}

function printReports(reports: readonly EngineReport[]): void {
  printTable(
    ['ENGINE', 'KIND', 'ENDPOINT', 'SOURCE', 'STATE', 'VERSION'],
    reports.map((engine) => [
      engine.aliases.length === 0 ? engine.engineId : `${engine.engineId} (${engine.aliases.join(', ')})`,
      engine.kind,
      engine.endpoint,
      engine.source,
      engine.state,
      engine.serverVersion ?? '-',
    ]),
  );
}

export function registerEngines(program: Command): void {
  program
    .command('engines')
    .description('List the configured engines (--host or DOCKER_HOST, docker contexts) and whether each answers')
    .option('--json', 'print [ { engineId, endpoint, kind, source, state, error?, serverVersion?, … } ] as JSON')
    .option(
      '-H, --host <address>',
      'address of engine "default" (unix:///path, tcp://host:port, ssh://user@host); default DOCKER_HOST, then the current docker context, then the local socket',
    )
    .action(async (options: { json?: boolean; host?: string }) => {
      const engines = resolveEngines(process.env, { dockerHost: options.host });
      const host = createHost(loadHostConfig(process.env, { dockerHost: options.host }));
      try {
        const statuses = await runWithSignal((signal) =>
          host.services.capture.listEngines({}, { signal, progress: () => undefined }),
        );
        const reports = engines.map((engine) =>
          report(
            engine,
            statuses.find((status) => status.engineId === engine.engineId),
          ),
        );
        if (options.json) printJson(reports);
        else printReports(reports);
        for (const engine of reports) {
          for (const warning of engine.warnings) printError(`warning: engine ${engine.engineId}: ${warning}`);
          if (engine.state !== 'connected') printError(`engine ${engine.engineId}: ${engine.error ?? 'not reachable'}`);
        }
        if (reports.some((engine) => engine.state !== 'connected')) process.exitCode = EXIT_ENGINE_UNREACHABLE;
      } finally {
        await host.close();
      }
    });
}
