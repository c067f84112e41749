// Shared plumbing for CLI commands: exit codes, how a failure maps to one, case-folder arguments, Ctrl+C.
import path from 'node:path';
import { ContractError } from '../contract/envelope.js';
import { printError } from './output.js';

export const EXIT_FAILURE = 1;
/** The engine could not be reached; distinct so scripts can retry instead of treating it as a bad command. */
export const EXIT_ENGINE_UNREACHABLE = 2;
/** `verify` found a broken item, record or manifest. */
export const EXIT_VERIFY_FAILED = 3;
/** isolate/release did part of the work: the output says what was and was not done. */
export const EXIT_PARTIAL = 4;
/** snapshot kept everything it got, but at least one item is incomplete (the case cannot be sealed). */
export const EXIT_INCOMPLETE = 5;

export async function runWithSignal<T>(job: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onInterrupt = (): void => controller.abort();
  process.once('SIGINT', onInterrupt);
  try {
    return await job(controller.signal);
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}

/** Prints why a command failed and sets the exit code: 2 when the engine is unreachable, 1 otherwise. */
export function reportFailure(error: unknown): void {
  printError(error instanceof Error ? error.message : String(error));
  process.exitCode =
    error instanceof ContractError && error.code === 'UNAVAILABLE' ? EXIT_ENGINE_UNREACHABLE : EXIT_FAILURE;
}

/**
 * What a person typing a path means: "./case-7" is here, "case-7" is the case of that name under the cases
 * root (as in the workbench), "/media/usb/case-7" is exactly there.
 */
export function caseDirArgument(argument: string): string {
  const explicitlyRelative = argument === '.' || argument === '..' || /^\.\.?[/\\]/.test(argument);
  return explicitlyRelative ? path.resolve(argument) : argument;
}
