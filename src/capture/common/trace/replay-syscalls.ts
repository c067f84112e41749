// What each syscall does to replay's state: one handler per syscall name, gathered from the replay-calls-* modules.
//
// Calls not listed here change nothing replay tracks (mmap, fstat, futex…) and cost one map lookup.
import type { Handler } from './replay-call-kit.js';
import { fdCalls } from './replay-calls-fds.js';
import { networkCalls } from './replay-calls-network.js';
import { pathCalls } from './replay-calls-paths.js';
import { processCalls } from './replay-calls-process.js';

export { resultOf } from './replay-call-kit.js';
export { applySignal } from './replay-calls-process.js';

export const SYSCALL_HANDLERS = new Map<string, Handler>();

const register = (names: readonly string[], handler: Handler): void => {
  for (const name of names) SYSCALL_HANDLERS.set(name, handler);
};
processCalls(register);
fdCalls(register);
networkCalls(register);
pathCalls(register);
