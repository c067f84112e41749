// The system service: what host is on the other end of the pipe and how the pipe is doing.
import { z } from 'zod';
import { defineService, method } from './kit.js';

export const HostInfo = z.object({
  product: z.literal('HoldCell'),
  version: z.string(),
  /** Which pipe this client is talking over. */
  pipe: z.enum(['ipc', 'websocket', 'memory']),
  /** Malformed envelopes dropped on this connection so far. */
  droppedMessages: z.number().int().nonnegative(),
  startedAt: z.string(),
});
export type HostInfo = z.infer<typeof HostInfo>;

export const systemService = defineService({
  info: method({ summary: 'Host identity and pipe health', input: z.object({}), output: HostInfo }),
  echo: method({
    summary: 'Returns its input after an optional delay; used to check a pipe end to end',
    input: z.object({ text: z.string().max(10_000), delayMs: z.number().int().min(0).max(60_000).default(0) }),
    output: z.object({ text: z.string() }),
  }),
});
