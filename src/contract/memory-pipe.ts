// In-memory pipe pair for contract tests: each hop structured-clones, so nothing shares references across the pipe.
import { Listeners, type MessagePipe } from './pipe.js';

export function createMemoryPipePair(): { client: MessagePipe; host: MessagePipe; close(): void } {
  const toClient = new Listeners<[unknown]>();
  const toHost = new Listeners<[unknown]>();
  const closed = new Listeners<[]>();
  let open = true;
  const hop = (target: Listeners<[unknown]>, message: unknown): void => {
    if (!open) return;
    // Clone synchronously (so later mutation by the sender cannot leak) and deliver asynchronously, like a real pipe.
    const copy = structuredClone(message);
    queueMicrotask(() => open && target.emit(copy));
  };
  const side = (out: Listeners<[unknown]>, inbox: Listeners<[unknown]>): MessagePipe => ({
    send: (message) => hop(out, message),
    onMessage: (listener) => inbox.add(listener),
    onClose: (listener) => closed.add(listener),
  });
  return {
    client: side(toHost, toClient),
    host: side(toClient, toHost),
    close() {
      if (!open) return;
      open = false;
      closed.emit();
    },
  };
}
