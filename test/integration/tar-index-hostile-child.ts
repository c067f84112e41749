// Child process for the hostile-tree test: indexes a case's tar evidence exactly as the host would, under strace.
//
// Bundled by the test with esbuild and run as `strace -f node child.cjs <caseDir>`, so every file syscall the
// indexer makes (and nothing of the test runner's) is on record. Prints one JSON line: memory and timings.
import { readFile } from 'node:fs/promises';
import { Manifest } from '../../src/forensics/common/case-model.js';
import { evidenceIndex } from '../../src/forensics/node/tar-index-store.js';

async function main(): Promise<void> {
  const caseDir = process.argv[2];
  if (caseDir === undefined) throw new Error('usage: child <caseDir>');
  const manifest = Manifest.parse(JSON.parse(await readFile(`${caseDir}/manifest.json`, 'utf8')));
  const rssBefore = process.memoryUsage().rss;
  const results = [];
  for (const item of manifest.items) {
    if (item.kind !== 'filesystem-export' && item.kind !== 'image-save') continue;
    const started = performance.now();
    const outcome = await evidenceIndex(caseDir, item, { rebuild: true });
    results.push({
      itemId: item.id,
      kind: item.kind,
      ms: performance.now() - started,
      saveProblem: outcome.saveProblem,
    });
  }
  process.stdout.write(`${JSON.stringify({ rssBefore, maxRss: process.resourceUsage().maxRSS * 1024, results })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
