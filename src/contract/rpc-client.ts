// Client end of the contract over one pipe: a typed proxy whose calls become envelopes and whose errors are ContractErrors.
import { ContractError, HostMessage, type Progress } from './envelope.js';
import type { CallOptions, ContractClient, ContractSpec, Unsubscribe } from './kit.js';
import type { MessagePipe } from './pipe.js';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onProgress?: ((progress: Progress) => void) | undefined;
}
interface Subscription {
  listener(data: unknown): void;
  onError?: ((error: Error) => void) | undefined;
}

export interface RpcClient<C extends ContractSpec> {
  readonly api: ContractClient<C>;
  /** Rejects everything pending and stops listening to the pipe. */
  close(): void;
}

export function createRpcClient<C extends ContractSpec>(contract: C, pipe: MessagePipe): RpcClient<C> {
  const pending = new Map<string, Pending>();
  const subscriptions = new Map<string, Subscription>();
  let counter = 0;
  let closed = false;
  const nextId = (): string => `c${(counter += 1).toString(36)}`;

  const removeMessage = pipe.onMessage((raw) => {
    const parsed = HostMessage.safeParse(raw);
    if (!parsed.success) return; // a host never sends these; ignoring keeps a bad frame from breaking the UI
    const message = parsed.data;
    const call = pending.get(message.id);
    const subscription = subscriptions.get(message.id);
    switch (message.t) {
      case 'ok':
        pending.delete(message.id);
        call?.resolve(message.output);
        return;
      case 'progress':
        call?.onProgress?.(message.progress);
        return;
      case 'event':
        subscription?.listener(message.data);
        return;
      case 'err': {
        const error = new ContractError(message.error.code, message.error.message, message.error.field);
        pending.delete(message.id);
        subscriptions.delete(message.id);
        call?.reject(error);
        subscription?.onError?.(error);
        return;
      }
    }
  });

  const shutDown = (reason: string): void => {
    if (closed) return;
    closed = true;
    removeMessage();
    removeClose();
    const error = new ContractError('UNAVAILABLE', reason);
    for (const call of pending.values()) call.reject(error);
    for (const subscription of subscriptions.values()) subscription.onError?.(error);
    pending.clear();
    subscriptions.clear();
  };
  const removeClose = pipe.onClose(() => shutDown('The connection to the HoldCell host was lost'));

  const call = (qualifiedName: string, input: unknown, options: CallOptions = {}): Promise<unknown> => {
    if (closed)
      return Promise.reject(new ContractError('UNAVAILABLE', 'The connection to the HoldCell host is closed'));
    const { signal, onProgress } = options;
    if (signal?.aborted) return Promise.reject(new ContractError('CANCELLED', `${qualifiedName} was cancelled`));
    const id = nextId();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        if (!pending.delete(id)) return;
        pipe.send({ t: 'cancel', id });
        reject(new ContractError('CANCELLED', `${qualifiedName} was cancelled`));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle =
        <T>(fn: (value: T) => void) =>
        (value: T): void => {
          signal?.removeEventListener('abort', onAbort);
          fn(value);
        };
      pending.set(id, { resolve: settle(resolve), reject: settle(reject), onProgress });
      pipe.send({ t: 'call', id, method: qualifiedName, input });
    });
  };

  const subscribe = (
    qualifiedName: string,
    input: unknown,
    listener: (data: unknown) => void,
    onError?: (error: Error) => void,
  ): Unsubscribe => {
    if (closed) {
      onError?.(new ContractError('UNAVAILABLE', 'The connection to the HoldCell host is closed'));
      return () => undefined;
    }
    const id = nextId();
    subscriptions.set(id, { listener, onError });
    pipe.send({ t: 'subscribe', id, event: qualifiedName, input });
    return () => {
      if (subscriptions.delete(id) && !closed) pipe.send({ t: 'unsubscribe', id });
    };
  };

  // Built from the contract's own keys, so the client exposes exactly what the host declares.
  const api: Record<string, Record<string, unknown>> = {};
  for (const [serviceName, service] of Object.entries(contract)) {
    const methods: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(service)) {
      const qualifiedName = `${serviceName}.${name}`;
      methods[name] =
        spec.kind === 'method'
          ? (input: unknown, options?: CallOptions) => call(qualifiedName, input, options)
          : (input: unknown, listener: (data: unknown) => void, onError?: (error: Error) => void) =>
              subscribe(qualifiedName, input, listener, onError);
    }
    api[serviceName] = methods;
  }

  return { api: api as ContractClient<C>, close: () => shutDown('The client closed the connection') };
}
