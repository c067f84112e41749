// The text-search worker: scans a timeline's search-text column off the main thread, so typing in the search box
// never stalls scrolling or the histogram. Messages: { id, dbName, total, terms, scope } → { id, keys } | { id, error }.
import { searchColumn, type SearchScope } from './text-search-core.js';

export interface SearchRequest {
  id: number;
  dbName: string;
  total: number;
  terms: string[];
  scope: SearchScope;
}

export type SearchReply = { id: number; keys: Uint32Array } | { id: number; error: string };

const worker = self as unknown as {
  onmessage: ((event: MessageEvent<SearchRequest>) => void) | null;
  postMessage(message: SearchReply, transfer?: Transferable[]): void;
};

worker.onmessage = (event) => {
  const { id, dbName, total, terms, scope } = event.data;
  searchColumn(dbName, total, terms, scope).then(
    (keys) => worker.postMessage({ id, keys }, [keys.buffer]),
    (error: unknown) => worker.postMessage({ id, error: error instanceof Error ? error.message : String(error) }),
  );
};
