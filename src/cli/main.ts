// The holdcell command line: the same host services as the workbench, without a UI.
import { Command, CommanderError } from 'commander';
import { HOLDCELL_VERSION } from '../host/config.js';
import { registerCapture } from './commands/capture.js';
import { registerCase } from './commands/case.js';
import { registerDiff } from './commands/diff.js';
import { registerEngines } from './commands/engines.js';
import { registerImportAudit } from './commands/import-audit.js';
import { registerIsolate, registerRelease } from './commands/isolate.js';
import { registerPs } from './commands/ps.js';
import { registerReplay } from './commands/replay.js';
import { registerReport } from './commands/report.js';
import { registerSandbox } from './commands/sandbox.js';
import { registerServe } from './commands/serve.js';
import { registerSnapshot } from './commands/snapshot.js';
import { registerTimeline } from './commands/timeline.js';
import { registerVerify } from './commands/verify.js';
import { printError } from './output.js';
import { EXIT_FAILURE } from './run.js';

export function buildProgram(): Command {
  const program = new Command()
    .name('holdcell')
    .description('Incident response and forensics for containers: contain, preserve, analyse, timeline, report')
    .version(HOLDCELL_VERSION)
    .showHelpAfterError()
    .exitOverride();
  registerPs(program);
  registerEngines(program);
  registerIsolate(program);
  registerRelease(program);
  registerSnapshot(program);
  registerVerify(program);
  registerCase(program);
  registerSandbox(program);
  registerDiff(program);
  registerCapture(program);
  registerImportAudit(program);
  registerReplay(program);
  registerTimeline(program);
  registerReport(program);
  registerServe(program);
  return program;
}

// `holdcell replay … | head`: the reader left; stop quietly instead of dying on an unhandled EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else {
    printError(error instanceof Error ? error.message : String(error));
    process.exitCode = EXIT_FAILURE;
  }
}
