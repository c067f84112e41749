// The built import lexes large strace files on a worker thread: it must give exactly what lexing on the main thread gives.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The worker script exists only in the build: this test imports the compiled modules (npm run build first).
const DIST = new URL('../../dist/src/', import.meta.url);
const SAMPLES = fileURLToPath(new URL('../fixtures/samples/strace/', import.meta.url));
const CLI = fileURLToPath(new URL('../../bin/holdcell.js', import.meta.url));

interface Built {
  replayTraceFiles: typeof import('../../src/capture/node/trace-files.js').replayTraceFiles;
  buildReplayReport: typeof import('../../src/capture/common/trace/replay-report.js').buildReplayReport;
}

async function built(): Promise<Built> {
  const files = (await import(new URL('capture/node/trace-files.js', DIST).href)) as Pick<Built, 'replayTraceFiles'>;
  const report = (await import(new URL('capture/common/trace/replay-report.js', DIST).href)) as Pick<
    Built,
    'buildReplayReport'
  >;
  return { ...files, ...report };
}

async function report(code: Built, files: string[], lexer: 'worker' | 'thread') {
  const { replay, result } = await code.replayTraceFiles(files, { baseDate: '2026-11-22', lexer });
  expect(result.inputs.every((input) => input.lexer === (lexer === 'worker' ? 'worker thread' : 'main thread'))).toBe(
    true,
  );
  const skips = { count: result.skips.count, lines: result.skips.lines, byReason: result.skips.byReason() };
  return code.buildReplayReport(replay, skips, [], {});
}

describe('strace lexing on a worker thread', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'holdcell-lexer-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('given the shared samples, then the worker and the main thread give identical replays', async () => {
    const code = await built();
    for (const sample of ['generated/network.strace', 'generated/threads.strace', 'posix-omni-parser/useradd.strace']) {
      const file = path.join(SAMPLES, sample);
      expect(await report(code, [file], 'worker')).toEqual(await report(code, [file], 'thread'));
    }
  });

  it('given a multi-block trace with unfinished pairs split across blocks and a cut last line, then nothing differs', async () => {
    const code = await built();
    // Repeat the threads sample (pairs, clones, exits) with shifted pids until it spans several 512 KiB blocks.
    const sample = await readFile(path.join(SAMPLES, 'generated/threads.strace'), 'latin1');
    const copies: string[] = [];
    for (let copy = 0; copy < 6; copy++)
      copies.push(sample.replace(/^(\d+)/gm, (pid) => String(Number(pid) + copy * 1000)));
    const file = path.join(dir, 'big.strace');
    await writeFile(file, `${copies.join('')}7619  22:08:27.000000 write(1, "cut`, 'latin1');
    const worker = await report(code, [file], 'worker');
    expect(worker.skipped).toBe(1);
    expect(worker.skippedLines[0]?.reason).toBe('truncated last line');
    expect(worker).toEqual(await report(code, [file], 'thread'));

    // The CLI on the same (worker-sized) file: it finishes and exits while the lexer thread idles.
    const run = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        [CLI, 'replay', '--json', file],
        { timeout: 60_000, maxBuffer: 1 << 28 },
        (error, stdout) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout }),
      );
    });
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { skipped: number }).skipped).toBe(1);
  });
});
