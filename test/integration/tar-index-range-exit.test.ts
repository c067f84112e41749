// A process that indexed a large tar with the range-hashing workers exits by itself once the index is done.
//
// An idle worker whose port was ref'd again by a 'message' listener once kept a finished diff's process alive
// forever. This runs the compiled indexer (npm run build first) in a child process and waits for its exit.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { file, tar } from '../support/hostile-tar.js';
import { removeDir, tempDir } from '../unit/tar-index-support.js';
import { writeFile } from 'node:fs/promises';

const INDEXER = path.join(fileURLToPath(new URL('../../', import.meta.url)), 'dist/src/forensics/node/tar-index.js');

let work: string;
let archive: string;

beforeAll(async () => {
  work = await tempDir('hc-range-exit-');
  archive = path.join(work, 'layer.tar');
  // 20 MiB in a few large files (range jobs) and many small ones (hashed beside the parser).
  const members = [
    ...Array.from({ length: 5 }, (_, index) => file(`big-${index}.bin`, randomBytes(4 * 1024 * 1024))),
    ...Array.from({ length: 200 }, (_, index) => file(`small-${index}.txt`, `line ${index}\n`)),
  ];
  await writeFile(archive, tar(members));
});

afterAll(async () => {
  if (work) await removeDir(work);
});

describe('given a 20 MiB tar indexed with the range-hashing workers', () => {
  it('when the index is done, then the process exits on its own (no worker keeps it alive)', async () => {
    const script = `
      const { indexTar } = await import(${JSON.stringify(INDEXER)});
      const index = await indexTar({ file: ${JSON.stringify(archive)} }, { streamSha256: true, parallelHashing: true });
      console.log(JSON.stringify({ entries: index.entries.length, hashed: index.entries.filter((e) => e.sha256).length, sha256: index.sha256 }));
    `;
    const started = Date.now();
    const output = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 30_000 }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      );
    });
    expect(JSON.parse(output)).toEqual({ entries: 205, hashed: 205, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
