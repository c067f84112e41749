// The bpftrace tracer: one bpftrace on this host, scoped to a container's PID namespace, streaming HoldCell JSONL.
//
// start() reads the namespace, mounts tracefs when needed, writes the generated program into a private temp
// directory and runs `bpftrace -f json <program>` as root. Its stdout goes through the pure converter
// (common/trace/bpftrace-events.ts) into one stream of HoldCell trace JSONL, written as lines are released, so
// what was traced reaches the case even if HoldCell dies mid-capture. bpftrace's stderr and the converter's
// findings (lost events, malformed lines) are warnings. The tracee is never touched: no ptrace, no signals.
import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { CALLS } from '../common/trace/bpftrace-calls.js';
import { BpftraceConverter } from '../common/trace/bpftrace-events.js';
import type { TraceEvent } from '../common/trace/trace-event.js';
import { metaLine, toJsonLine } from '../common/trace/trace-jsonl.js';
import { formatIso } from '../common/trace/trace-time.js';
import type { TracerProbe } from '../common/trace-capture.js';
import { clockNote, monotonicToRealtimeOffset } from './bpftrace-clock.js';
import { ensureTracefs, findBinary, pidNamespaceOf, probeBpftrace } from './bpftrace-probe.js';
import { AsyncQueue, delay, eachLine } from './async-plumbing.js';
import { bpftraceEnv, stderrWarning } from './bpftrace-run.js';
import { buildScript } from './bpftrace-script.js';
import type { RunningTrace, TraceStream, TraceTarget, Tracer } from './tracer.js';

const run = promisify(execFile);

const PROGRAM = 'holdcell-capture.bt';

export interface BpftraceTracerOptions {
  /** The bpftrace binary (name on PATH or absolute path); default "bpftrace". */
  binary?: string;
  /** How long compiling and attaching may take (~8 s for this program on a busy 2-core machine). */
  startTimeoutMs?: number;
  /**
   * After SIGINT, how long bpftrace may take to detach before it is killed. It detaches its ~150 probes one by
   * one, each waiting for an RCU grace period: ~11 s on this VM, while tracing goes on until the last one.
   */
  stopTimeoutMs?: number;
  /** After the container's init exits, how long to keep tracing for the last exits of the others. */
  exitGraceMs?: number;
}

export class BpftraceTracer implements Tracer {
  readonly kind = 'bpftrace' as const;
  private readonly binary: string;
  private readonly startTimeoutMs: number;
  private readonly stopTimeoutMs: number;
  private readonly exitGraceMs: number;

  constructor(options: BpftraceTracerOptions = {}) {
    this.binary = options.binary ?? 'bpftrace';
    this.startTimeoutMs = options.startTimeoutMs ?? 120_000;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 60_000;
    this.exitGraceMs = options.exitGraceMs ?? 1000;
  }

  probe(target: TraceTarget): Promise<TracerProbe[]> {
    return probeBpftrace(this.binary, target);
  }

  command(_target: TraceTarget): string[] {
    return this.fullCommand(this.binary, path.join(tmpdir(), 'holdcell-bpftrace-…', PROGRAM));
  }

  /** The command as it runs (its environment written `env`-style, so the manifest shows all of it). */
  private fullCommand(binary: string, program: string): string[] {
    const env = Object.entries(bpftraceEnv()).map(([key, value]) => `${key}=${value}`);
    return ['env', ...env, binary, '-f', 'json', program];
  }

  async start(target: TraceTarget, signal: AbortSignal): Promise<RunningTrace> {
    if (signal.aborted) throw new Error('the capture was cancelled before bpftrace started');
    if (target.initPid <= 0) throw new Error('the container is not running: there is no PID namespace to trace');
    const namespace = await pidNamespaceOf(target.initPid);
    if (namespace === undefined) throw new Error(`cannot read /proc/${target.initPid}/ns/pid (the container stopped?)`);
    const binary = await findBinary(this.binary);
    if (binary === undefined) throw new Error(`bpftrace is not installed (no ${this.binary} on PATH)`);
    const tracefs = await ensureTracefs();
    if ('error' in tracefs) throw new Error(tracefs.error);
    const available = new Set<string>();
    for (const call of CALLS) {
      const events = path.join(tracefs.dir, 'events', 'syscalls');
      const present = await Promise.all(
        [`sys_enter_${call.name}`, `sys_exit_${call.name}`].map((name) =>
          stat(path.join(events, name)).then(
            () => true,
            () => false,
          ),
        ),
      );
      if (present.every(Boolean)) available.add(call.name);
    }
    const script = buildScript({ pidNamespace: namespace, available: (name) => available.has(name) });
    const version = await run(binary, ['--version'], { timeout: 10_000 }).then(
      ({ stdout }) => stdout.trim(),
      () => 'bpftrace (version unknown)',
    );
    if (signal.aborted) throw new Error('the capture was cancelled before bpftrace started');
    const dir = await mkdtemp(path.join(tmpdir(), 'holdcell-bpftrace-'));
    const program = path.join(dir, PROGRAM);
    await writeFile(program, script.text, { mode: 0o600 });
    return this.launch({ target, signal, binary, namespace, script, version, dir, program });
  }

  private async launch(setup: {
    target: TraceTarget;
    signal: AbortSignal;
    binary: string;
    namespace: number;
    script: ReturnType<typeof buildScript>;
    version: string;
    dir: string;
    program: string;
  }): Promise<RunningTrace> {
    const { target, signal, binary, namespace, script, version, dir, program } = setup;
    const command = this.fullCommand(binary, program);
    const offset = monotonicToRealtimeOffset();
    const startNs = process.hrtime.bigint() + offset;
    // A 2 s window: lines from another CPU's ring buffer have been seen arriving well after their neighbours.
    const converter = new BpftraceConverter({
      clockOffsetNs: offset,
      initPid: target.initPid,
      reorderWindowNs: 2_000_000_000n,
    });
    const data = new AsyncQueue<Uint8Array>();
    const warnings: string[] = [];
    if (script.missing.length > 0) {
      warnings.push(`this kernel has no tracepoints for ${script.missing.join(', ')}: those calls are not traced`);
    }
    const notes = [
      clockNote(offset),
      `PID namespace pid:[${namespace}] of init pid ${target.initPid}`,
      `${script.calls.length} syscalls traced`,
      "exec argv is read from the new image (what ps shows: a script's argv is its interpreter's)",
    ];
    data.push(
      Buffer.from(
        `${metaLine({
          tool: version,
          source: 'holdcell capture: bpftrace on the engine host',
          container: target.containerId,
          startedAt: formatIso(Number(startNs / 1_000_000_000n), Number(startNs % 1_000_000_000n)),
          note: notes.join('; '),
        })}\n`,
      ),
    );
    const write = (events: TraceEvent[]): void => {
      if (events.length === 0) return;
      data.push(Buffer.from(events.map((event) => `${toJsonLine(event)}\n`).join('')));
    };

    const child: ChildProcessByStdio<null, Readable, Readable> = spawn(binary, ['-f', 'json', program], {
      env: { ...process.env, ...bpftraceEnv() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stopping = false;
    let attached!: () => void;
    const attachedOnce = new Promise<void>((resolve) => (attached = resolve));
    let resolveEnded!: (value: { reason: 'tracees-exited' | 'tracer-exit'; detail: string }) => void;
    const ended = new Promise<{ reason: 'tracees-exited' | 'tracer-exit'; detail: string }>(
      (resolve) => (resolveEnded = resolve),
    );
    let lastStderr = '';
    let initGone = false;

    const stdoutDone = eachLine(child.stdout, (line) => {
      write(converter.push(line));
      // Not bpftrace's "attached_probes" record: it comes before the probes are attached; BEGIN comes after.
      if (converter.started().namespace !== undefined) attached();
      if (!initGone && converter.exited(target.initPid)) {
        initGone = true;
        // Everything else in the namespace is killed with its init: give their exits a moment, then stop.
        void delay(this.exitGraceMs, undefined).then(async () => {
          await stop();
          resolveEnded({ reason: 'tracees-exited', detail: `the container's init (pid ${target.initPid}) exited` });
        });
      }
    });
    const stderrDone = eachLine(child.stderr, (line) => {
      const warning = stderrWarning(line);
      if (warning === undefined) return;
      lastStderr = line;
      warnings.push(warning);
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('error', (error) => {
        warnings.push(`bpftrace could not run: ${error.message}`);
        resolve({ code: 127, signal: null });
      });
      child.once('close', (code, killedBy) => resolve({ code, signal: killedBy }));
    });
    // The stream ends only after the last line bpftrace printed has been converted and written.
    const finished = exited.then(async (exit) => {
      await Promise.all([stdoutDone, stderrDone]);
      write(converter.finish());
      data.close();
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      if (!stopping) {
        const how = exit.signal === null ? `exited with code ${exit.code}` : `was killed by ${exit.signal}`;
        resolveEnded({ reason: 'tracer-exit', detail: `bpftrace ${how}${lastStderr === '' ? '' : `: ${lastStderr}`}` });
      }
      return exit;
    });

    const stop = async (): Promise<void> => {
      if (!stopping) {
        stopping = true;
        // Until BEGIN ran, bpftrace drops SIGINT (it would attach and then run on forever); nothing is traced
        // yet, so nothing is lost by killing it. Afterwards SIGINT makes it drain its buffers and detach.
        child.kill(converter.started().namespace === undefined ? 'SIGKILL' : 'SIGINT');
      }
      const done = await Promise.race([finished.then(() => true), delay(this.stopTimeoutMs, false)]);
      if (!done) {
        warnings.push(`bpftrace did not exit within ${this.stopTimeoutMs} ms of SIGINT: killed`);
        child.kill('SIGKILL');
        await finished;
      }
    };

    const abort = (): void => void stop();
    signal.addEventListener('abort', abort, { once: true });
    const outcome = await Promise.race([
      attachedOnce.then(() => 'attached' as const),
      finished.then(() => 'exited' as const),
      delay(this.startTimeoutMs, 'timeout' as const),
      new Promise<'aborted'>((resolve) => {
        if (signal.aborted) resolve('aborted');
        else signal.addEventListener('abort', () => resolve('aborted'), { once: true });
      }),
    ]);
    if (outcome !== 'attached') {
      await stop();
      signal.removeEventListener('abort', abort);
      const why =
        outcome === 'timeout'
          ? `bpftrace did not attach within ${this.startTimeoutMs} ms`
          : outcome === 'aborted'
            ? 'the capture was cancelled while bpftrace was starting'
            : `bpftrace exited before attaching: ${warnings.filter((w) => !w.includes('RLIMIT_MEMLOCK')).join(' | ') || 'no message'}`;
      throw new Error(why);
    }
    void finished.then(() => signal.removeEventListener('abort', abort));

    const stream: TraceStream = { name: 'bpftrace', format: 'jsonl', command, data };
    async function* streams(): AsyncGenerator<TraceStream> {
      yield stream;
      await finished;
    }
    return {
      streams: streams(),
      stop,
      ended,
      pids: () => converter.pids(),
      warnings: () => [...warnings, ...converter.warnings()],
    };
  }
}
