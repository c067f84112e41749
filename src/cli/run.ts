// Shared plumbing for CLI commands: exit codes and an AbortSignal tied to Ctrl+C.
export const EXIT_FAILURE = 1;
/** The engine could not be reached; distinct so scripts can retry instead of treating it as a bad command. */
export const EXIT_ENGINE_UNREACHABLE = 2;

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
