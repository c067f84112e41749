// strace from a helper container that shares the suspect's PID namespace: for engines whose processes this host cannot see.
//
// The helper is HoldCell's own container from a configurable tools image: SYS_PTRACE is its only capability, it
// has no network and a read-only root, and nothing is ever run inside the suspect. Its processes share the
// suspect's PID namespace, so they are told apart by cgroup (the helper's own id) and never traced.
import { randomUUID } from 'node:crypto';
import type { TracerProbe } from '../common/trace-capture.js';
import { withDeadline } from './async-plumbing.js';
import type { ContainerEngine } from './container-engine.js';
import { runAttachLoop, type LaunchedStrace, type ListedProcess, type StraceLauncher } from './strace-attach-loop.js';
import { STRACE_ARGS } from './strace-host-tracer.js';
import type { RunningTrace, TraceTarget, Tracer } from './tracer.js';

export const DEFAULT_TRACER_IMAGE = 'holdcell/tracer:1';
export const HELPER_ROLE_LABEL = 'org.holdcell.role';

/** One line per process in the shared namespace: "pid tracerPid cgroup-line" (busybox and coreutils sh both run it). */
const LIST_SCRIPT =
  'for d in /proc/[0-9]*; do p=${d#/proc/}; ' +
  't=$(sed -n "s/^TracerPid:[[:space:]]*//p" "$d/status" 2>/dev/null); ' +
  'c=$(head -n 1 "$d/cgroup" 2>/dev/null); ' +
  '[ -n "$t" ] && echo "$p $t $c"; done';

/** How long one listing of the container's processes (an exec in the helper) may take. */
const LIST_DEADLINE_MS = 10_000;

async function text(stream: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** The body of POST /containers/create for the helper: everything it may do is written here. */
export function helperContainerBody(image: string, target: TraceTarget): Record<string, unknown> {
  return {
    Image: image,
    Cmd: ['sleep', '2147483647'],
    User: '0',
    Labels: { [HELPER_ROLE_LABEL]: 'tracer', 'org.holdcell.target': target.containerId },
    NetworkDisabled: true,
    HostConfig: {
      PidMode: `container:${target.containerId}`,
      CapDrop: ['ALL'],
      CapAdd: ['SYS_PTRACE'],
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      SecurityOpt: ['no-new-privileges'],
      Privileged: false,
      // Bounded, so a forgotten helper cannot grow; strace needs little.
      Memory: 256 * 1024 * 1024,
      PidsLimit: 256,
    },
  };
}

export class HelperStraceTracer implements Tracer {
  readonly kind = 'helper-strace' as const;
  private readonly image: string;

  constructor(options: { image?: string } = {}) {
    this.image = options.image ?? DEFAULT_TRACER_IMAGE;
  }

  async probe(target: TraceTarget): Promise<TracerProbe[]> {
    const image = await target.engine.inspectImage(this.image).catch((error: unknown) => error as Error);
    return [
      {
        tool: 'tools image',
        usable: image !== undefined && !(image instanceof Error),
        detail:
          image instanceof Error
            ? `cannot ask the engine about ${this.image}: ${target.engine.explainFailure(image)}`
            : image === undefined
              ? `${this.image} is not on the engine (build or load it: see the README, "Capture")`
              : `${this.image} (${image.parsed.Id.slice(0, 19)})`,
      },
      {
        tool: 'suspect running',
        usable: target.initPid > 0,
        detail: target.initPid > 0 ? 'yes' : 'the container is not running',
      },
    ];
  }

  command(target: TraceTarget): string[] {
    return [
      'docker',
      'exec',
      `<helper sharing ${target.containerId.slice(0, 12)}'s PID namespace>`,
      'strace',
      ...STRACE_ARGS,
      '-p',
      '1',
    ];
  }

  async start(target: TraceTarget, signal: AbortSignal): Promise<RunningTrace> {
    const { engine } = target;
    const name = `holdcell-tracer-${randomUUID().slice(0, 8)}`;
    const helper = await engine.createContainer(name, helperContainerBody(this.image, target), signal);
    let running: RunningTrace;
    try {
      await engine.startContainer(helper, signal);
      running = await runAttachLoop(this.launcher(engine, helper), signal);
    } catch (error) {
      await engine.removeContainer(helper, { force: true }).catch(() => undefined);
      throw error;
    }
    return {
      ...running,
      stop: async () => {
        await running.stop();
        await engine.removeContainer(helper, { force: true });
      },
    };
  }

  private launcher(engine: ContainerEngine, helper: string): StraceLauncher {
    const list = async (): Promise<{ listed: ListedProcess[]; own: Set<number> }> => {
      // Bounded: the attach loop waits for each listing, and its stop waits for the loop; an exec whose stream the
      // engine never closes must cost one listing (a warning), not the whole capture.
      const [out] = await withDeadline(
        engine
          .execStreams(helper, { cmd: ['sh', '-c', LIST_SCRIPT] })
          .then((exec) => Promise.all([text(exec.stdout), text(exec.stderr)])),
        LIST_DEADLINE_MS,
        `the helper's process listing did not answer within ${LIST_DEADLINE_MS / 1000} s`,
      );
      const listed: ListedProcess[] = [];
      const own = new Set<number>();
      for (const line of out.split('\n')) {
        const match = /^(\d+) (\d+) (.*)$/.exec(line);
        if (match === null) continue;
        const pid = Number(match[1]);
        if ((match[3] ?? '').includes(helper)) own.add(pid);
        else listed.push({ pid, tracerPid: Number(match[2]) });
      }
      return { listed, own };
    };
    return {
      list: async () => (await list()).listed,
      own: async () => (await list()).own,
      launch: async (pids, onDiagnostic) => {
        const args = ['-o', '/proc/self/fd/1', ...STRACE_ARGS, ...pids.flatMap((pid) => ['-p', String(pid)])];
        // The shell prints its pid first, then becomes strace: that pid is what SIGINT is sent to on stop.
        const exec = await engine.execStreams(helper, {
          cmd: ['sh', '-c', 'echo "holdcell-strace-pid $$" >&2; exec strace "$@"', 'sh', ...args],
        });
        let stracePid: number | undefined;
        const diagnostics = (async () => {
          let pending = '';
          for await (const chunk of exec.stderr) {
            const lines = (pending + Buffer.from(chunk).toString('utf8')).split('\n');
            pending = lines.pop() ?? '';
            for (const line of lines) {
              const announced = /^holdcell-strace-pid (\d+)$/.exec(line);
              if (announced !== null) stracePid = Number(announced[1]);
              else if (line !== '') onDiagnostic(line);
            }
          }
          if (pending !== '') onDiagnostic(pending);
        })();
        const signalStrace = (name: 'INT' | 'KILL'): void => {
          if (stracePid === undefined) return;
          void engine
            // The shell's builtin: minimal tools images have no /bin/kill.
            .execStreams(helper, { cmd: ['sh', '-c', `kill -${name} ${stracePid}`] })
            .then((kill) => Promise.all([text(kill.stdout), text(kill.stderr)]))
            .catch(() => undefined);
        };
        const launched: LaunchedStrace = {
          command: ['docker', 'exec', helper.slice(0, 12), 'strace', ...args],
          output: exec.stdout,
          interrupt: () => signalStrace('INT'),
          kill: () => signalStrace('KILL'),
          exited: diagnostics.then(() => exec.exitCode()),
        };
        return launched;
      },
    };
  }
}
