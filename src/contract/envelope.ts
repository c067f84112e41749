// The one message envelope every pipe carries: call/cancel/subscribe/unsubscribe in, ok/err/event/progress out.
import { z } from 'zod';

export const ERROR_CODES = [
  'BAD_INPUT',
  'NOT_FOUND',
  'CANCELLED',
  'FAILED',
  'UNAVAILABLE',
  'UNAUTHORIZED',
  'TIMEOUT',
] as const;
export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** An error a responder can act on: a code automation can branch on, a sentence a human can read. */
export const WireError = z.object({
  code: ErrorCode,
  message: z.string(),
  /** Dotted path of the offending input field, when the error is about one. */
  field: z.string().optional(),
});
export type WireError = z.infer<typeof WireError>;

// Ids are chosen by the client; they only need to be unique per connection.
const Id = z.string().min(1).max(128);
const Name = z.string().regex(/^[a-z][A-Za-z0-9]*\.[a-z][A-Za-z0-9]*$/, 'expected "<service>.<name>"');

export const ClientMessage = z.discriminatedUnion('t', [
  z.object({ t: z.literal('call'), id: Id, method: Name, input: z.unknown() }),
  z.object({ t: z.literal('cancel'), id: Id }),
  z.object({ t: z.literal('subscribe'), id: Id, event: Name, input: z.unknown() }),
  z.object({ t: z.literal('unsubscribe'), id: Id }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

export const Progress = z.object({
  done: z.number().nonnegative(),
  total: z.number().nonnegative().optional(),
  note: z.string().optional(),
});
export type Progress = z.infer<typeof Progress>;

export const HostMessage = z.discriminatedUnion('t', [
  z.object({ t: z.literal('ok'), id: Id, output: z.unknown() }),
  z.object({ t: z.literal('err'), id: Id, error: WireError }),
  z.object({ t: z.literal('event'), id: Id, data: z.unknown() }),
  z.object({ t: z.literal('progress'), id: Id, progress: Progress }),
]);
export type HostMessage = z.infer<typeof HostMessage>;

/** Thrown by services and rethrown by clients: carries a WireError across any pipe. */
export class ContractError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  constructor(code: ErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'ContractError';
    this.code = code;
    this.field = field;
  }
  toWire(): WireError {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
}
