#!/usr/bin/env node
// The holdcell command: runs the compiled CLI (build first with `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (!existsSync(entry)) {
  process.stderr.write('holdcell: not built yet; run `npm run build` in the HoldCell folder first\n');
  process.exit(1);
}
await import(entry);
