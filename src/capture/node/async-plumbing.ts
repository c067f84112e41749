// Small async pieces the tracers share: a push-fed async iterable, a stream split into lines, an unref'd delay.
import type { Readable } from 'node:stream';

/** An async iterable a producer feeds and ends; items pushed after close are dropped. */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private closed = false;

  push(item: T): void {
    if (this.closed) return;
    const waiter = this.waiting;
    this.waiting = undefined;
    if (waiter !== undefined) waiter({ value: item, done: false });
    else this.items.push(item);
  }

  close(): void {
    this.closed = true;
    const waiter = this.waiting;
    this.waiting = undefined;
    waiter?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.items.length > 0) return Promise.resolve({ value: this.items.shift() as T, done: false });
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiting = resolve));
      },
    };
  }
}

/** Splits a stream's text into lines, handing each complete line over (and the last one without a newline). */
export function eachLine(stream: Readable, onLine: (line: string) => void): Promise<void> {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (text: string) => {
    const lines = (pending + text).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  return new Promise((resolve) =>
    stream.once('close', () => {
      if (pending !== '') onLine(pending);
      resolve();
    }),
  );
}

/** Resolves with `value` after `ms`; the timer never keeps the process alive on its own. */
export const delay = <T>(ms: number, value: T): Promise<T> =>
  new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());

/**
 * The work's result, or a rejection with `message` once `ms` have passed: for engine calls that must not hold a
 * capture forever (an exec whose stream the engine never closes). The work itself is not cancelled.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  const late = Symbol('late');
  const result = await Promise.race([work, delay(ms, late)]);
  if (result === late) {
    work.catch(() => undefined);
    throw new Error(message);
  }
  return result as T;
}
