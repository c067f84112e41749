// A worker thread whose code is a module given as text (no separate file to locate after bundling or in tests).
//
// The text is loaded as an ES module from a data: URL, not with `eval: true`: an eval'd worker is CommonJS or
// ESM depending on the parent's flags (under `node --input-type=module` its `require` was undefined and every
// hash failed), while a data: URL module is ESM whatever the parent was started with.
import { Worker } from 'node:worker_threads';

export function inlineWorker(moduleSource: string): Worker {
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(moduleSource)}`));
}
