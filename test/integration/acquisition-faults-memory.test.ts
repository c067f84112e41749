// Given large or hostile streams through the fault proxy, each stream holds at most 64 MiB of HoldCell's memory.
//
// Each stream runs in a child process (acquisition-faults-memory-child.ts, bundled with esbuild) that samples its
// own rss and arrayBuffers every 5 ms, so the figures are the product's alone; the proxy, and the forgeries it
// makes, stay in this process. Before the fixes, a 4 GiB frame header made the exec demultiplexer hold every
// later byte (re-copying them all on each chunk), and a load report was held whole: those are measured next to a
// 256 MiB export.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContainer, docker, dockerSocketPath, TEST_IMAGES } from '../support/docker-cli.js';
import { startSocketProxy, type SocketProxy } from '../support/socket-proxy.js';
import { editResponse, patchAt } from './acquisition-faults-http.js';
import type { ChildReport, ChildSpec } from './acquisition-faults-memory-child.js';
import { run } from './snapshot-rig.js';

const MIB = 1024 * 1024;
const LIMIT = 64 * MIB;
/**
 * The process's resident growth, a coarser bound. Measured on this machine: the first large stream after a small
 * warm-up grows rss by 4–58 MiB (malloc keeps what Buffers freed, and reuses it: a second 256 MiB export grows it
 * by 2–8 MiB); a stream held whole would need at least its own size, 96–256 MiB here.
 */
const RSS_LIMIT = 2 * LIMIT;

/**
 * The per-stream figure: Buffer memory (live, plus garbage not yet collected) at most 64 MiB above the baseline
 * during the stream; and resident growth under RSS_LIMIT.
 */
function expectBounded(report: ChildReport): void {
  expect(report.arrayBuffers).toBeLessThan(LIMIT);
  expect(report.rss).toBeLessThan(RSS_LIMIT);
}
const EXPORT_FILE_MIB = 256;
const HOSTILE_BYTES = 96 * MIB;

describe('memory per stream through the fault proxy', () => {
  let work: string;
  let child: string;
  let proxy: SocketProxy;
  let big: string | undefined;
  let talker: string | undefined;
  const figures: string[] = [];

  function runChild(spec: ChildSpec): Promise<ChildReport> {
    return new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        [child, JSON.stringify(spec)],
        {
          encoding: 'utf8',
          maxBuffer: 4 * MIB,
          timeout: 120_000,
          env: { ...process.env, NODE_PATH: join(import.meta.dirname, '..', '..', 'node_modules') },
        },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`memory child (${spec.scenario}) failed: ${stderr || error.message}`));
          else resolve(JSON.parse(stdout) as ChildReport);
        },
      );
    });
  }

  function note(name: string, report: ChildReport): void {
    figures.push(
      `${name}: peak rss +${(report.rss / MIB).toFixed(1)} MiB, arrayBuffers +${(report.arrayBuffers / MIB).toFixed(1)} MiB, heap +${(report.heapTotal / MIB).toFixed(1)} MiB, ${Math.round(report.ms)} ms`,
    );
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hc-acq-memory-'));
    child = join(work, 'child.cjs');
    await build({
      entryPoints: [join(import.meta.dirname, 'acquisition-faults-memory-child.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: child,
      // Libraries load from the project's node_modules (NODE_PATH below): some carry native addons.
      packages: 'external',
      logLevel: 'silent',
    });
    // A sparse file: cheap to make, but `docker export` sends every one of its bytes (as zeros).
    big = await createTestContainer({
      name: 'acq-memory-big',
      args: ['--network', 'none'],
      command: ['sh', '-c', `dd if=/dev/zero of=/big bs=1M seek=${EXPORT_FILE_MIB - 1} count=1 2>/dev/null`],
    });
    await docker(['start', big]);
    await docker(['wait', big]);
    talker = await createTestContainer({
      name: 'acq-memory-exec',
      args: ['--network', 'none'],
      command: ['sleep', '600'],
      start: true,
    });
    proxy = await startSocketProxy({ target: dockerSocketPath() });
  }, 120_000);

  afterAll(async () => {
    await proxy?.dispose();
    for (const id of [big, talker]) if (id) await docker(['rm', '-f', id]).catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true });
    console.log(`acquisition-faults-memory (limit ${LIMIT / MIB} MiB per stream):\n  ${figures.join('\n  ')}`);
  });

  it(`given a ${EXPORT_FILE_MIB} MiB export through the proxy, then it is acquired complete and identical within the limit`, async () => {
    const [reference] = (await run('sh', ['-c', `docker export ${big ?? ''} | sha256sum`])).split(/\s+/);
    const report = await runChild({
      scenario: 'export',
      socketPath: proxy.path,
      caseDir: join(work, 'case-export'),
      containerId: big ?? '',
      warmUpId: talker ?? '',
      idleTimeoutMs: 30_000,
    });
    note(`${EXPORT_FILE_MIB} MiB export`, report);
    expect(report.outcome).toMatchObject({ complete: true, sha256: reference });
    expect(report.outcome['bytes']).toBeGreaterThan(EXPORT_FILE_MIB * MIB);
    expectBounded(report);
  });

  it('given an exec whose first frame header claims 4 GiB (forged) with 96 MiB behind it, then the output ends with the framing error within the limit', async () => {
    const stop = proxy.intercept(
      /\/exec\/[0-9a-f]+\/start/,
      editResponse({ body: patchAt(4, Buffer.from([0xff, 0xff, 0xff, 0xff])) }),
    );
    try {
      const report = await runChild({
        scenario: 'exec',
        socketPath: proxy.path,
        containerId: talker ?? '',
        bytes: HOSTILE_BYTES,
      });
      note('exec, 4 GiB frame header, 96 MiB', report);
      const stdout = report.outcome['stdout'] as { bytes: number; error?: string };
      expect(stdout.error).toContain('declared 4294967295 bytes');
      expect(stdout.bytes).toBeGreaterThanOrEqual(HOSTILE_BYTES);
      expectBounded(report);
    } finally {
      stop();
    }
  });

  it('given a docker load answered with one 96 MiB line that is not JSON (forged), then the load fails clearly within the limit', async () => {
    const tarFile = join(work, 'busybox.tar');
    await run('docker', ['save', '-o', tarFile, TEST_IMAGES.busybox]);
    const stop = proxy.intercept(
      /\/images\/load/,
      editResponse({ truncateAt: 0, fill: { bytes: HOSTILE_BYTES, byte: 0x41 } }),
    );
    try {
      const report = await runChild({ scenario: 'load', socketPath: proxy.path, tarFile });
      note('load report, one 96 MiB line', report);
      expect(report.outcome['error']).toMatch(
        /damaged report \(line 1 of the engine's report is longer than 65536 bytes: not a progress line\)/,
      );
      expectBounded(report);
    } finally {
      stop();
    }
  });

  it('given a save answered HTTP 500 with a 96 MiB body (forged), then it fails naming the 500 within the limit', async () => {
    const stop = proxy.intercept(
      /\/images\/[^ ]+\/get /,
      editResponse({ status: '500 Internal Server Error', truncateAt: 0, fill: { bytes: HOSTILE_BYTES, byte: 0x42 } }),
    );
    try {
      const report = await runChild({ scenario: 'save', socketPath: proxy.path, image: TEST_IMAGES.busybox });
      note('save answered 500, 96 MiB body', report);
      expect(report.outcome).toMatchObject({
        statusCode: 500,
        error: expect.stringMatching(/^\(HTTP code 500\) B{100}/),
      });
      expectBounded(report);
    } finally {
      stop();
    }
  });
});
