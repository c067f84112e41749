// A scripted attacker session traced by the real strace on this machine, replayed: exactly its processes, files, connection and terminal.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceReplay } from '../../src/capture/common/trace/replay.js';
import { ttyStreams } from '../../src/capture/common/trace/replay-report.js';
import { replayTraceFiles } from '../../src/capture/node/trace-files.js';

const CLI = fileURLToPath(new URL('../../bin/holdcell.js', import.meta.url));

/** What the intruder does: read the accounts, drop and run a script, try to call home. */
const SCRIPT = [
  'cat /etc/passwd > /dev/null',
  'printf \'#!/bin/sh\\necho hi\\n\' > "$D/dropper"',
  'chmod +x "$D/dropper"',
  '"$D/dropper"',
  'busybox nc 127.0.0.1 "$PORT" 2>/dev/null',
  'exit 0',
].join('\n');

/** A TCP port on loopback that nothing listens on (bound once, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

interface Run {
  dir: string;
  port: number;
  stdout: string;
  startedAt: number;
  endedAt: number;
}

async function traced(mode: '-f' | '-ff', output: string): Promise<Run> {
  const dir = await mkdtemp(path.join(tmpdir(), 'holdcell-trace-'));
  const port = await closedPort();
  const startedAt = Date.now();
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn(
      'strace',
      [mode, '-tt', '-T', '-yy', '-s', '256', '-o', path.join(dir, output), '/bin/sh', '-c', SCRIPT],
      // strace prints local time of day: pin the zone so the replay's UTC dating is exact.
      { env: { ...process.env, D: dir, PORT: String(port), TZ: 'UTC' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`strace exited ${code}: ${err}`))));
  });
  return { dir, port, stdout, startedAt, endedAt: Date.now() };
}

/** The assertions both capture layouts must satisfy: the session, exactly. */
function expectTheSession(replay: TraceReplay, run: Run): void {
  const dropper = path.join(run.dir, 'dropper');
  const processes = replay.allProcesses();
  expect(processes.map((process) => process.argv)).toEqual([
    ['/bin/sh', '-c', SCRIPT],
    ['cat', '/etc/passwd'],
    ['chmod', '+x', dropper],
    [dropper],
    ['busybox', 'nc', '127.0.0.1', String(run.port)],
  ]);
  const [shell, cat, chmod, dropped, nc] = processes;
  expect(shell).toMatchObject({ exe: '/bin/sh', ppid: null, exitCode: 0 });
  expect(cat?.exe).toMatch(/\/cat$/);
  expect(chmod?.exe).toMatch(/\/chmod$/);
  expect(dropped).toMatchObject({ exe: dropper, exitCode: 0 });
  expect(nc?.exe).toMatch(/\/busybox$/);
  for (const child of [cat, chmod, dropped, nc]) expect(child?.ppid).toBe(shell?.pid);
  // Dated from the file's time and strace's UTC clock: every start lies within the run.
  for (const process of processes) {
    const start = Date.parse(process.start ?? '');
    expect(start).toBeGreaterThanOrEqual(run.startedAt - 1000);
    expect(start).toBeLessThanOrEqual(run.endedAt + 1000);
  }

  const touched = replay
    .fileActivity()
    .filter((file) => file.result === 'ok' && (file.path === '/etc/passwd' || file.path === dropper))
    .map((file) => ({
      pid: file.pid,
      op: file.op,
      path: file.path,
      bytesRead: file.bytesRead,
      bytesWritten: file.bytesWritten,
      mode: file.mode,
    }));
  expect(touched).toEqual([
    {
      pid: cat?.pid,
      op: 'read',
      path: '/etc/passwd',
      bytesRead: expect.any(Number),
      bytesWritten: undefined,
      mode: undefined,
    },
    { pid: shell?.pid, op: 'write', path: dropper, bytesRead: undefined, bytesWritten: 18, mode: '0666' },
    { pid: chmod?.pid, op: 'chmod', path: dropper, bytesRead: undefined, bytesWritten: undefined, mode: '0755' },
    { pid: dropped?.pid, op: 'exec', path: dropper, bytesRead: undefined, bytesWritten: undefined, mode: undefined },
    { pid: dropped?.pid, op: 'read', path: dropper, bytesRead: 18, bytesWritten: undefined, mode: undefined },
  ]);

  const connects = replay.connections().filter((entry) => entry.op === 'connect');
  expect(connects.map((entry) => [entry.pid, entry.address, entry.port, entry.result])).toEqual([
    [nc?.pid, '127.0.0.1', run.port, 'ECONNREFUSED'],
  ]);

  expect(ttyStreams(replay.tty, 'out').map((stream) => [stream.pid, stream.fd, stream.text])).toEqual([
    [dropped?.pid, 1, 'hi\n'],
  ]);

  const who = replay.whoWrote(dropper);
  expect(who.events.map((event) => [event.op, event.ancestry.map((process) => process.pid)])).toEqual([
    ['write', [shell?.pid]],
    ['chmod', [chmod?.pid, shell?.pid]],
  ]);
}

function holdcell(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('a real strace capture of an intruder session', () => {
  let single: Run;
  let perProcess: Run;
  beforeAll(async () => {
    single = await traced('-f', 'session.strace');
    perProcess = await traced('-ff', 'session');
  });
  afterAll(async () => {
    for (const run of [single, perProcess]) if (run !== undefined) await rm(run.dir, { recursive: true, force: true });
  });

  it('given strace -f -tt -T -yy -s 256, then replay shows exactly the processes, files, refused connection and "hi"', async () => {
    expect(single.stdout).toBe('hi\n');
    const { replay, result } = await replayTraceFiles([path.join(single.dir, 'session.strace')]);
    expect(result.skips.count).toBe(0);
    expect(result.dating).toMatch(/from the file's modification time/);
    expectTheSession(replay, single);
  });

  it('given the same session with -ff (one file per process), then the merged replay is the same session', async () => {
    const files = (await readdir(perProcess.dir)).filter((name) => name.startsWith('session.'));
    expect(files).toHaveLength(5);
    const { replay, result } = await replayTraceFiles([path.join(perProcess.dir, 'session')]);
    expect(result.inputs.map((input) => input.pid)).toEqual(
      files.map((name) => Number(name.slice('session.'.length))).sort((a, b) => a - b),
    );
    expect(result.skips.count).toBe(0);
    expectTheSession(replay, perProcess);
  });

  it('given the CLI, then --json has the documented keys and --asciicast writes the session that printed "hi"', async () => {
    const trace = path.join(single.dir, 'session.strace');
    const json = await holdcell(['replay', '--json', trace]);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(Object.keys(report).slice(0, 5)).toEqual(['processes', 'files', 'network', 'tty', 'skipped']);
    expect(report.tty).toEqual([expect.objectContaining({ fd: 1, text: 'hi\n', base64: 'aGkK' })]);
    expect(report.skipped).toBe(0);

    const shell = (report.processes as { pid: number }[])[0]?.pid ?? 0;
    const cast = path.join(single.dir, 'session.cast');
    const written = await holdcell(['replay', trace, '--asciicast', cast, '--pid', String(shell)]);
    expect(written.code).toBe(0);
    const lines = (await readFile(cast, 'utf8')).trimEnd().split('\n');
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ version: 2, width: 80, height: 24 });
    expect(lines.slice(1).map((line) => (JSON.parse(line) as unknown[]).slice(1))).toEqual([['o', 'hi\n']]);
    // Never overwritten.
    const again = await holdcell(['replay', trace, '--asciicast', cast]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists/);
    expect((await stat(cast)).size).toBeGreaterThan(0);

    const text = await holdcell(['replay', trace]);
    expect(text.stdout).toMatch(/ECONNREFUSED/);
    expect(text.stdout).toMatch(/\| hi/);
    // Text mode never writes a raw control byte.
    expect(/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text.stdout)).toBe(false);
  });
});
