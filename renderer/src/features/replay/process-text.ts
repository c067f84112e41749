// One-line descriptions of a traced process for tables: command line, how it ended. Raw: pass through SafeText.
import type { ProcessView } from '../../../../src/capture/common/trace/replay-model.js';

/**
 * argv as a shell would show it: arguments that need it in single quotes, which add no backslashes of their own
 * (SafeText already doubles the argument's backslashes); the exe when argv is unknown.
 */
export function commandLine(process: Pick<ProcessView, 'exe' | 'argv'>): string {
  if (process.argv.length === 0) return process.exe ?? '?';
  return process.argv.map(shellQuote).join(' ');
}

function shellQuote(argument: string): string {
  if (/^[\w@%+=:,./-]+$/.test(argument)) return argument;
  return `'${argument.split("'").join(`'"'"'`)}'`;
}

/** alive, "exit 0", "killed by SIGKILL" or "exited" (end seen without a status). */
export function processFate(process: Pick<ProcessView, 'exitCode' | 'signal'> & { alive: boolean }): string {
  if (process.alive) return 'alive';
  if (process.signal !== undefined) return `killed by ${process.signal}`;
  if (process.exitCode !== undefined) return `exit ${process.exitCode}`;
  return 'exited';
}
