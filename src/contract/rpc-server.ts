// Host end of the contract over one pipe: validates every envelope and input, runs calls and subscriptions, cancels.
import type { z } from 'zod';
import { ClientMessage, ContractError, type HostMessage, type WireError } from './envelope.js';
import { lookupSpec, type ContractImpl, type ContractSpec, type EventSpec, type MethodSpec } from './kit.js';
import type { MessagePipe } from './pipe.js';

export interface RpcServerOptions {
  /** Called for every envelope that is dropped because it is not a valid client message. */
  onDropped?: (reason: string) => void;
  /** Called for unexpected failures inside implementations (the client only sees a FAILED code). */
  onInternalError?: (error: unknown, qualifiedName: string) => void;
}

export interface RpcServer {
  /** Envelopes dropped as malformed, and calls plus subscriptions currently running. */
  stats(): { dropped: number; active: number };
  close(): void;
}

export function createRpcServer<C extends ContractSpec>(
  contract: C,
  implementation: ContractImpl<C>,
  pipe: MessagePipe,
  options: RpcServerOptions = {},
): RpcServer {
  const running = new Map<string, AbortController>();
  let dropped = 0;
  let closed = false;

  const send = (message: HostMessage): void => {
    if (!closed) pipe.send(message);
  };
  const fail = (id: string, error: WireError): void => send({ t: 'err', id, error });

  const implFor = (qualifiedName: string): ((...args: unknown[]) => unknown) => {
    const [serviceName = '', name = ''] = qualifiedName.split('.');
    const service = (implementation as Record<string, Record<string, unknown>>)[serviceName];
    return service?.[name] as (...args: unknown[]) => unknown;
  };

  const validateInput = (
    id: string,
    schema: z.ZodType,
    input: unknown,
  ): { ok: true; value: unknown } | { ok: false } => {
    const parsed = schema.safeParse(input);
    if (parsed.success) return { ok: true, value: parsed.data };
    const issue = parsed.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : undefined;
    const where = field === undefined ? 'input' : `input field "${field}"`;
    fail(id, {
      code: 'BAD_INPUT',
      message: `Invalid ${where}: ${issue?.message ?? 'does not match the contract'}`,
      ...(field === undefined ? {} : { field }),
    });
    return { ok: false };
  };

  const toWireError = (error: unknown, aborted: boolean, qualifiedName: string): WireError => {
    if (error instanceof ContractError) return error.toWire();
    if (aborted) return { code: 'CANCELLED', message: `${qualifiedName} was cancelled` };
    options.onInternalError?.(error, qualifiedName);
    const detail = error instanceof Error ? error.message : String(error);
    return { code: 'FAILED', message: `${qualifiedName} failed: ${detail}` };
  };

  const startCall = async (id: string, qualifiedName: string, spec: MethodSpec, input: unknown): Promise<void> => {
    const checked = validateInput(id, spec.input, input);
    if (!checked.ok) return;
    const controller = new AbortController();
    running.set(id, controller);
    try {
      const result = await implFor(qualifiedName)(checked.value, {
        signal: controller.signal,
        progress: (progress: unknown) =>
          !controller.signal.aborted && send({ t: 'progress', id, progress } as HostMessage),
      });
      if (controller.signal.aborted) throw new ContractError('CANCELLED', `${qualifiedName} was cancelled`);
      // The host checks its own answers: a drifted implementation fails loudly here, not in the renderer.
      const output = spec.output.safeParse(result);
      if (!output.success) {
        options.onInternalError?.(output.error, qualifiedName);
        fail(id, { code: 'FAILED', message: `${qualifiedName} produced output that breaks the contract` });
        return;
      }
      send({ t: 'ok', id, output: output.data });
    } catch (error) {
      fail(id, toWireError(error, controller.signal.aborted, qualifiedName));
    } finally {
      running.delete(id);
    }
  };

  const startSubscription = async (
    id: string,
    qualifiedName: string,
    spec: EventSpec,
    input: unknown,
  ): Promise<void> => {
    const checked = validateInput(id, spec.input, input);
    if (!checked.ok) return;
    const controller = new AbortController();
    running.set(id, controller);
    const emit = (data: unknown): void => {
      if (controller.signal.aborted) return;
      const parsed = spec.data.safeParse(data);
      if (parsed.success) send({ t: 'event', id, data: parsed.data });
      else options.onInternalError?.(parsed.error, qualifiedName);
    };
    try {
      await implFor(qualifiedName)(checked.value, { signal: controller.signal, emit });
    } catch (error) {
      if (!controller.signal.aborted) {
        running.delete(id);
        fail(id, toWireError(error, false, qualifiedName));
      }
    }
  };

  const onMessage = (raw: unknown): void => {
    const parsed = ClientMessage.safeParse(raw);
    if (!parsed.success) {
      dropped += 1;
      options.onDropped?.(parsed.error.issues[0]?.message ?? 'malformed envelope');
      return;
    }
    const message = parsed.data;
    switch (message.t) {
      case 'cancel':
      case 'unsubscribe': {
        const controller = running.get(message.id);
        running.delete(message.id);
        controller?.abort();
        return;
      }
      case 'call':
      case 'subscribe': {
        if (running.has(message.id)) {
          dropped += 1;
          options.onDropped?.(`duplicate id ${message.id}`);
          return;
        }
        const name = message.t === 'call' ? message.method : message.event;
        const spec = lookupSpec(contract, name);
        const wanted = message.t === 'call' ? 'method' : 'event';
        if (!spec || spec.kind !== wanted) {
          fail(message.id, { code: 'NOT_FOUND', message: `No ${wanted} named ${name} in this host's contract` });
          return;
        }
        if (spec.kind === 'method') void startCall(message.id, name, spec, message.input);
        else void startSubscription(message.id, name, spec, message.input);
        return;
      }
    }
  };

  const removeMessage = pipe.onMessage(onMessage);
  const close = (): void => {
    if (closed) return;
    closed = true;
    removeMessage();
    for (const controller of running.values()) controller.abort();
    running.clear();
  };
  const removeClose = pipe.onClose(() => {
    removeClose();
    close();
  });

  return {
    stats: () => ({ dropped, active: running.size }),
    close,
  };
}
