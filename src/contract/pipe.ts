// A message pipe: the only thing the RPC client and server need from IPC, WebSocket or memory.
export interface MessagePipe {
  /** Sends one message; the pipe decides how it is serialised (structured clone, JSON). */
  send(message: unknown): void;
  /** Registers the receiver; returns a function that removes it. */
  onMessage(listener: (message: unknown) => void): () => void;
  /** Registers a callback for when the other side goes away. */
  onClose(listener: () => void): () => void;
}

/** Small helper so every pipe implements listener bookkeeping the same way. */
export class Listeners<T extends unknown[]> {
  private readonly set = new Set<(...args: T) => void>();
  add(listener: (...args: T) => void): () => void {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }
  emit(...args: T): void {
    for (const listener of [...this.set]) listener(...args);
  }
  clear(): void {
    this.set.clear();
  }
}
