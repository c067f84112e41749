// The main thread's handle on the text-search worker: one worker per open timeline, requests matched to replies by
// id; a cancelled search is simply never waited for.
import { searchColumn, type SearchScope } from './text-search-core.js';
import type { SearchReply, SearchRequest } from './text-search.worker.js';

export class TextSearch {
  private worker: Worker | undefined;
  private next = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (keys: Uint32Array) => void; reject: (error: Error) => void }
  >();

  constructor(
    private readonly dbName: string,
    private readonly total: number,
  ) {}

  search(terms: readonly string[], scope: SearchScope, signal?: AbortSignal): Promise<Uint32Array> {
    // Where no worker can start (a test page without one), the same scan runs here.
    if (typeof Worker === 'undefined') return searchColumn(this.dbName, this.total, terms, scope);
    this.worker ??= this.start();
    const id = (this.next += 1);
    const worker = this.worker;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      signal?.addEventListener('abort', () => {
        this.waiting.delete(id);
        reject(signal.reason instanceof Error ? signal.reason : new Error('cancelled'));
      });
      // A copy of the candidates (they may be a view into a larger list) moves to the worker without another copy.
      const candidates = scope.candidates?.slice();
      const request: SearchRequest = {
        id,
        dbName: this.dbName,
        total: this.total,
        terms: [...terms],
        scope: { lo: scope.lo, hi: scope.hi, candidates },
      };
      worker.postMessage(request, candidates ? [candidates.buffer] : []);
    });
  }

  close(): void {
    this.worker?.terminate();
    this.worker = undefined;
    for (const { reject } of this.waiting.values()) reject(new Error('the timeline was closed'));
    this.waiting.clear();
  }

  private start(): Worker {
    const worker = new Worker(new URL('./text-search.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent<SearchReply>) => {
      const waiting = this.waiting.get(event.data.id);
      if (!waiting) return;
      this.waiting.delete(event.data.id);
      if ('keys' in event.data) waiting.resolve(event.data.keys);
      else waiting.reject(new Error(`text search failed: ${event.data.error}`));
    };
    worker.onerror = (event) => {
      for (const { reject } of this.waiting.values()) reject(new Error(`text search worker failed: ${event.message}`));
      this.waiting.clear();
    };
    return worker;
  }
}
