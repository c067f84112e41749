// `holdcell serve`: web mode, the workbench in a browser on 127.0.0.1 behind a per-start token.
import type { Command } from 'commander';
import { loadHostConfig } from '../../host/config.js';
import { startWebWorkbench } from '../../host/web-workbench.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the workbench in web mode and print the URL to open (127.0.0.1 only, tokened)')
    .option('-p, --port <port>', 'port on 127.0.0.1 (default: a free one)', (value) => Number.parseInt(value, 10), 0)
    .option(
      '-H, --host <address>',
      'engine address (unix:///path, tcp://host:port); default DOCKER_HOST, then the local socket',
    )
    .option('--verbose', 'log refused connections and dropped messages')
    .action(async (options: { port: number; host?: string; verbose?: boolean }) => {
      const workbench = await startWebWorkbench(loadHostConfig(process.env, { dockerHost: options.host }), {
        port: options.port,
        ...(options.verbose ? { log: (line: string) => process.stderr.write(`[host] ${line}\n`) } : {}),
      });
      process.stdout.write(
        `HoldCell web mode is running. Open this URL in a browser:\n\n  ${workbench.bridge.url}\n\n`,
      );
      process.stdout.write('Press Ctrl+C to stop.\n');
      const stop = (): void => {
        void workbench.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
