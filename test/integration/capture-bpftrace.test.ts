// A responder records a live suspect container with bpftrace on the host: the intruder's session and a docker exec, replayed exactly.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ttyStreams } from '../../src/capture/common/trace/replay-report.js';
import type { TraceReplay } from '../../src/capture/common/trace/replay.js';
import { BpftraceTracer } from '../../src/capture/node/bpftrace-tracer.js';
import { DockerEngine } from '../../src/capture/node/docker-engine.js';
import { replayTraceFiles } from '../../src/capture/node/trace-files.js';
import type { RunningTrace, TraceTarget } from '../../src/capture/node/tracer.js';
import { createTestContainer, docker, dockerSocketPath } from '../support/docker-cli.js';

/**
 * What the intruder does once inside: read the accounts, drop a script and make it executable, run it, try to
 * call home. Commands by path, so busybox runs each as its own program (bare names may run as shell built-ins).
 */
const SESSION = [
  '/bin/cat /etc/passwd',
  'printf "#!/bin/sh\\necho dropped-and-run\\n" > /tmp/dropper.sh',
  '/bin/chmod +x /tmp/dropper.sh',
  '/tmp/dropper.sh',
  '/usr/bin/nc 10.255.255.1 4444',
  'echo done',
].join('; ');

/**
 * The suspect waits behind a FIFO instead of a fixed ~2 s: compiling and attaching the program takes seconds on
 * this machine, and a sleep would race it. The `docker exec` that opens the gate is the extra command whose
 * process must show up in the trace although it enters the namespace from outside.
 */
const GATE = 'mkfifo /tmp/go; read x < /tmp/go; eval "$SESSION"; exit 0';
const EXEC = 'id; echo go > /tmp/go';

const run = promisify(execFile);
const engine = new DockerEngine('default', { kind: 'unix', socketPath: dockerSocketPath() });
const own: string[] = [];
let work: string;

async function target(command: string[], extra: string[] = []): Promise<TraceTarget> {
  const containerId = await createTestContainer({
    name: 'bpftrace',
    args: ['--network', 'none', ...extra],
    command,
    start: true,
  });
  own.push(containerId);
  const initPid = Number((await docker(['inspect', '-f', '{{.State.Pid}}', containerId])).trim());
  return { engine, containerId, initPid };
}

/** Reads the one JSONL stream to its end, as the capture service would write it into the case. */
async function collect(
  running: RunningTrace,
): Promise<{ name: string; format: string; command: string[]; text: string }[]> {
  const out: { name: string; format: string; command: string[]; text: string }[] = [];
  for await (const stream of running.streams) {
    const chunks: Buffer[] = [];
    for await (const chunk of stream.data) chunks.push(Buffer.from(chunk));
    out.push({
      name: stream.name,
      format: stream.format,
      command: stream.command,
      text: Buffer.concat(chunks).toString('utf8'),
    });
  }
  return out;
}

async function replayed(text: string, name: string): Promise<TraceReplay> {
  const file = path.join(work, `${name}.jsonl`);
  await writeFile(file, text);
  const { replay, result } = await replayTraceFiles([file]);
  expect(result.inputs.map((input) => input.format)).toEqual(['jsonl']);
  expect(result.skips.count).toBe(0);
  return replay;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'holdcell-bpftrace-it-'));
});

afterAll(async () => {
  // Only this file's containers: other suites share the engine.
  if (own.length > 0) await docker(['rm', '-f', '-v', ...own]).catch(() => undefined);
  await rm(work, { recursive: true, force: true });
});

describe('live capture with bpftrace on the engine host', () => {
  it(
    'given a suspect that runs a dropper session after a docker exec, when bpftrace records it until the container ' +
      'ends, then the replay shows exactly those processes, files, the connection attempt and the terminal output',
    async () => {
      const suspect = await target(['sh', '-c', GATE], ['-e', `SESSION=${SESSION}`]);
      const tracer = new BpftraceTracer();
      const probes = await tracer.probe(suspect);
      expect(probes.filter((probe) => !probe.usable)).toEqual([]);
      expect(probes.find((probe) => probe.tool === 'pid namespace')?.detail).toMatch(/^pid:\[\d+\]/);

      const startedAt = Date.now();
      const running = await tracer.start(suspect, new AbortController().signal);
      const streams = collect(running);
      // The exec enters the running container from outside, then opens the gate for the session.
      expect(await docker(['exec', suspect.containerId, 'sh', '-c', EXEC])).toBe(
        'uid=0(root) gid=0(root) groups=0(root)\n',
      );
      await docker(['wait', suspect.containerId], { timeoutMs: 60_000 });
      expect(await running.ended).toEqual({
        reason: 'tracees-exited',
        detail: `the container's init (pid ${suspect.initPid}) exited`,
      });
      await running.stop();
      const endedAt = Date.now();

      const [stream, ...others] = await streams;
      expect(others).toEqual([]);
      expect(stream?.name).toBe('bpftrace');
      expect(stream?.format).toBe('jsonl');
      expect(stream?.command.slice(0, 4)).toEqual([
        'env',
        'BPFTRACE_STRLEN=128',
        expect.stringMatching(/^BPFTRACE_PERF_RB_PAGES=\d+$/),
        'BPFTRACE_MAP_KEYS_MAX=65536',
      ]);
      const meta = JSON.parse(stream?.text.split('\n')[0] ?? '{}') as Record<string, string>;
      expect(meta).toMatchObject({ kind: 'meta', format: 'holdcell-trace', container: suspect.containerId });
      expect(meta['tool']).toMatch(/^bpftrace v\d/);
      // Allowed: the memlock note, and the guard that drops a new container's tasks when the engine hands the dead
      // namespace's id to it while bpftrace detaches (other suites create containers on this engine meanwhile).
      const expected = /RLIMIT_MEMLOCK|^lines of tasks first seen after the container's init exited/;
      expect(running.warnings().filter((warning) => !expected.test(warning))).toEqual([]);
      expect(running.pids()).toContain(suspect.initPid);

      const replay = await replayed(stream?.text ?? '', 'session');
      const processes = replay.allProcesses();
      const init = suspect.initPid;
      expect(
        processes
          .filter((process) => process.ppid === init)
          .map(({ exe, argv, exitCode }) => ({ exe, argv, exitCode })),
      ).toEqual([
        { exe: '/bin/cat', argv: ['/bin/cat', '/etc/passwd'], exitCode: 0 },
        { exe: '/bin/chmod', argv: ['/bin/chmod', '+x', '/tmp/dropper.sh'], exitCode: 0 },
        // The new image's argv: the kernel ran the script through its #! interpreter.
        { exe: '/tmp/dropper.sh', argv: ['/bin/sh', '/tmp/dropper.sh'], exitCode: 0 },
        { exe: '/usr/bin/nc', argv: ['/usr/bin/nc', '10.255.255.1', '4444'], exitCode: 1 },
      ]);
      expect(processes.find((process) => process.pid === init)).toMatchObject({ ppid: null, exitCode: 0 });
      // The docker exec's shell: not a child of the container's init, caught because it joined the namespace.
      const exec = processes.find((process) => process.argv.join(' ') === `sh -c ${EXEC}`);
      expect(exec).toMatchObject({ exe: '/bin/sh', exitCode: 0 });
      expect(exec?.ppid).not.toBe(init);
      for (const process of processes) {
        const start = Date.parse(process.start ?? '');
        expect(start).toBeGreaterThanOrEqual(startedAt - 1000);
        expect(start).toBeLessThanOrEqual(endedAt + 1000);
      }

      const pidOf = (exe: string): number | undefined => processes.find((process) => process.exe === exe)?.pid;
      const touched = replay
        .fileActivity()
        .filter((file) => file.path === '/etc/passwd' || file.path === '/tmp/dropper.sh')
        .filter((file) => file.pid === init || processes.find((process) => process.pid === file.pid)?.ppid === init)
        .map(({ pid, op, path: file, result, mode, bytesRead, bytesWritten }) => ({
          pid,
          op,
          file,
          result,
          mode,
          bytesRead,
          bytesWritten,
        }));
      const passwd = (
        await docker(['run', '--rm', '--network', 'none', 'holdcell-test/busybox:1', 'cat', '/etc/passwd'])
      ).length;
      expect(touched).toEqual([
        {
          pid: pidOf('/bin/cat'),
          op: 'read',
          file: '/etc/passwd',
          result: 'ok',
          mode: undefined,
          bytesRead: passwd,
          bytesWritten: undefined,
        },
        {
          pid: init,
          op: 'write',
          file: '/tmp/dropper.sh',
          result: 'ok',
          mode: '0666',
          bytesRead: undefined,
          bytesWritten: 31,
        },
        {
          pid: pidOf('/bin/chmod'),
          op: 'chmod',
          file: '/tmp/dropper.sh',
          result: 'ok',
          mode: '0755',
          bytesRead: undefined,
          bytesWritten: undefined,
        },
        {
          pid: pidOf('/tmp/dropper.sh'),
          op: 'exec',
          file: '/tmp/dropper.sh',
          result: 'ok',
          mode: undefined,
          bytesRead: undefined,
          bytesWritten: undefined,
        },
        {
          pid: pidOf('/tmp/dropper.sh'),
          op: 'read',
          file: '/tmp/dropper.sh',
          result: 'ok',
          mode: undefined,
          bytesRead: 31,
          bytesWritten: undefined,
        },
      ]);

      const connects = replay.connections().filter((entry) => entry.op === 'connect');
      expect(
        connects.map(({ pid, family, address, port, result }) => ({ pid, family, address, port, result })),
      ).toEqual([
        { pid: pidOf('/usr/bin/nc'), family: 'AF_INET', address: '10.255.255.1', port: 4444, result: 'ENETUNREACH' },
      ]);

      // What reached the terminal (the container's stdout/stderr): busybox cat copies with sendfile, inside the
      // kernel, so its bytes are counted above but not readable here; everything written by a process is.
      expect(ttyStreams(replay.tty, 'out').map(({ pid, fd, text }) => ({ pid, fd, text }))).toEqual([
        { pid: expect.any(Number), fd: 1, text: 'uid=0(root) gid=0(root) groups=0(root)\n' },
        { pid: pidOf('/tmp/dropper.sh'), fd: 1, text: 'dropped-and-run\n' },
        {
          pid: pidOf('/usr/bin/nc'),
          fd: 2,
          text: "nc: can't connect to remote host (10.255.255.1): Network is unreachable\n",
        },
        { pid: init, fd: 1, text: 'done\n' },
      ]);
    },
    240_000,
  );

  it(
    'given a running container, when the responder stops the capture, then the stream ends with what was traced ' +
      'and the suspect keeps running, never ptrace-attached',
    async () => {
      const suspect = await target(['sleep', '600']);
      const running = await new BpftraceTracer().start(suspect, new AbortController().signal);
      const streams = collect(running);
      await docker(['exec', suspect.containerId, '/bin/echo', 'seen from outside']);
      const status = await docker(['exec', suspect.containerId, 'cat', `/proc/1/status`]);
      expect(status).toMatch(/^TracerPid:\s+0$/m);
      await running.stop();
      const [stream] = await streams;

      const replay = await replayed(stream?.text ?? '', 'stopped');
      expect(replay.allProcesses().map((process) => process.argv)).toContainEqual(['/bin/echo', 'seen from outside']);
      expect(ttyStreams(replay.tty, 'out').map((chunk) => chunk.text)).toContain('seen from outside\n');
      expect((await docker(['inspect', '-f', '{{.State.Running}}', suspect.containerId])).trim()).toBe('true');
    },
    240_000,
  );

  it('given a cancelled capture, when bpftrace is still starting, then start rejects and leaves nothing running', async () => {
    const suspect = await target(['sleep', '600']);
    const controller = new AbortController();
    const starting = new BpftraceTracer().start(suspect, controller.signal);
    // Three seconds in, bpftrace is compiling (attaching takes ~8–18 s here), when it would ignore SIGINT.
    setTimeout(() => controller.abort(), 3000);
    const cancelledAt = Date.now();
    await expect(starting).rejects.toThrow(/cancelled/);
    expect(Date.now() - cancelledAt).toBeLessThan(15_000);
    // pgrep exits 1 when no process matches: no bpftrace of ours is left running.
    const left = await run('pgrep', ['-f', 'holdcell-capture.bt']).then(
      ({ stdout }) => stdout.trim(),
      () => '',
    );
    expect(left).toBe('');
  }, 120_000);
});
