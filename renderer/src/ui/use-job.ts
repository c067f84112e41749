// Runs one long host call at a time with progress, cancellation and an error a responder can read.
import { useCallback, useRef, useState } from 'react';
import type { CallOptions } from '../../../src/contract/kit.js';
import type { Progress } from '../../../src/contract/envelope.js';

export type JobState<T> =
  | { status: 'idle' }
  | { status: 'running'; progress?: Progress }
  | { status: 'done'; result: T }
  | { status: 'failed'; error: string };

export function useJob<T>(): {
  state: JobState<T>;
  run(call: (options: CallOptions) => Promise<T>): Promise<T | undefined>;
  cancel(): void;
  reset(): void;
} {
  const [state, setState] = useState<JobState<T>>({ status: 'idle' });
  const controller = useRef<AbortController | undefined>(undefined);
  const run = useCallback(async (call: (options: CallOptions) => Promise<T>) => {
    controller.current?.abort();
    const current = new AbortController();
    controller.current = current;
    setState({ status: 'running' });
    try {
      const result = await call({
        signal: current.signal,
        onProgress: (progress) => setState({ status: 'running', progress }),
      });
      setState({ status: 'done', result });
      return result;
    } catch (error) {
      setState({ status: 'failed', error: error instanceof Error ? error.message : String(error) });
      return undefined;
    }
  }, []);
  return {
    state,
    run,
    cancel: useCallback(() => controller.current?.abort(), []),
    reset: useCallback(() => setState({ status: 'idle' }), []),
  };
}
