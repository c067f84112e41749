// Stand-in container runtime behind the stand-in API server: real processes, real tar/cat/strace, directories as filesystems.
//
// No kubelet or container runtime can run here, so this plays their part with real components: each running
// container is a real local process (so strace attaches to something real), each container filesystem is a
// directory (so `tar` in the suspect produces a real archive), each node's filesystem is a directory (so the
// checkpoint helper's hostPath and `cat` read real bytes). What it fakes is the namespace translation a runtime
// does: `-C /` becomes the container's directory, `-p 1` becomes the target container's first process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';

export interface RuntimeProcess {
  stdout: Readable;
  stderr: Readable;
  exited: Promise<number>;
}

interface LogLine {
  at: string;
  text: Buffer;
}

interface ContainerLog {
  current: LogLine[];
  previous?: LogLine[];
  ended: boolean;
  followers: Set<PassThrough>;
}

interface PodLike {
  metadata: { name: string; namespace?: string };
  spec?: {
    nodeName?: string;
    volumes?: { name: string; hostPath?: { path: string } }[];
    containers?: { name: string; volumeMounts?: { name: string; mountPath: string }[] }[];
  };
}

const nowRfc3339Nano = (): string => {
  const now = new Date().toISOString();
  return `${now.slice(0, -1)}000000Z`;
};

function failed(message: string, code = 126): RuntimeProcess {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.end();
  stderr.end(message);
  return { stdout, stderr, exited: Promise.resolve(code) };
}

function fromChild(child: ChildProcess): RuntimeProcess {
  const exited = new Promise<number>((resolve) => {
    child.once('close', (code, signal) => resolve(code ?? (signal ? 128 + 9 : 1)));
    child.once('error', () => resolve(127));
  });
  return { stdout: child.stdout as Readable, stderr: child.stderr as Readable, exited };
}

export class StandInRuntime {
  private readonly processes = new Map<string, ChildProcess>();
  private readonly logs = new Map<string, ContainerLog>();
  /** Every command the stand-in kubelet ran, for assertions (exec, ephemeral containers). */
  readonly commands: { pod: string; container: string; command: string[] }[] = [];

  constructor(readonly root: string) {}

  private key(namespace: string, pod: string, container: string): string {
    return `${namespace}/${pod}/${container}`;
  }

  /** The directory that is this container's filesystem; tests fill it. */
  rootfs(namespace: string, pod: string, container: string): string {
    const dir = join(this.root, 'pods', namespace, pod, container);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** The directory that is this node's filesystem. */
  nodeRoot(node: string): string {
    const dir = join(this.root, 'nodes', node);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** Starts a container's first process (a real one, so a tracer has something to attach to). */
  start(namespace: string, pod: string, container: string, command: string[]): number {
    const [file, ...args] = command;
    const child = spawn(file ?? 'sleep', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: false });
    const key = this.key(namespace, pod, container);
    this.processes.set(key, child);
    const log = this.log(namespace, pod, container);
    const append = (chunk: Buffer): void => this.append(log, chunk);
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    return child.pid ?? -1;
  }

  pid(namespace: string, pod: string, container: string): number | undefined {
    return this.processes.get(this.key(namespace, pod, container))?.pid;
  }

  setLogs(namespace: string, pod: string, container: string, current: string, previous?: string): void {
    const toLines = (text: string): LogLine[] =>
      text
        .split('\n')
        .filter((line) => line !== '')
        .map((line, index) => ({
          at: `2026-11-20T08:00:${String(index).padStart(2, '0')}.000000000Z`,
          text: Buffer.from(`${line}\n`),
        }));
    const log = this.log(namespace, pod, container);
    log.current = toLines(current);
    if (previous !== undefined) log.previous = toLines(previous);
  }

  /** The container's log as the kubelet serves it, or undefined when there is no such (previous) log. */
  readLog(
    namespace: string,
    pod: string,
    container: string,
    previous: boolean,
    timestamps: boolean,
  ): Buffer | undefined {
    const log = this.logs.get(this.key(namespace, pod, container));
    const lines = previous ? log?.previous : log?.current;
    if (!lines) return undefined;
    return Buffer.concat(
      lines.map((line) => (timestamps ? Buffer.concat([Buffer.from(`${line.at} `), line.text]) : line.text)),
    );
  }

  /** What was logged so far, then everything logged until the container ends (logs?follow=true). */
  followLog(namespace: string, pod: string, container: string): Readable {
    const log = this.log(namespace, pod, container);
    const out = new PassThrough();
    for (const line of log.current) out.write(line.text);
    if (log.ended) out.end();
    else {
      log.followers.add(out);
      out.once('close', () => log.followers.delete(out));
    }
    return out;
  }

  /** Runs a command "inside" a container of this pod (exec), translating paths the way the runtime's mounts would. */
  exec(pod: PodLike, container: string, command: string[]): RuntimeProcess {
    const namespace = pod.metadata.namespace ?? 'default';
    this.commands.push({ pod: `${namespace}/${pod.metadata.name}`, container, command });
    const [program, ...args] = command;
    const root = this.rootfs(namespace, pod.metadata.name, container);
    if (program === 'tar') {
      const translated = args.map((arg, index) =>
        args[index - 1] === '-C' ? this.resolve(pod, container, arg, root) : arg,
      );
      return fromChild(spawn('tar', translated, { stdio: ['ignore', 'pipe', 'pipe'] }));
    }
    if (program === 'cat') {
      return fromChild(
        spawn(
          'cat',
          args.map((arg) => this.resolve(pod, container, arg, root)),
          { stdio: ['ignore', 'pipe', 'pipe'] },
        ),
      );
    }
    if (program === 'sh' && args[0] === '-c' && /^exit \d+$/.test(args[1] ?? '')) {
      return failed('', Number((args[1] ?? '').slice(5)));
    }
    return failed(`stand-in runtime: cannot run ${program ?? ''} here\n`);
  }

  /**
   * Starts an ephemeral container's command: `-p 1` (the target's PID 1 in the shared PID namespace) becomes the
   * target container's real process. Output goes to the ephemeral container's log; resolves with its exit code.
   */
  startEphemeral(namespace: string, pod: string, name: string, target: string, command: string[]): Promise<number> {
    this.commands.push({ pod: `${namespace}/${pod}`, container: name, command });
    const targetPid = this.pid(namespace, pod, target);
    const translated = command.map((arg, index) =>
      command[index - 1] === '-p' && arg === '1' && targetPid !== undefined ? String(targetPid) : arg,
    );
    const [file, ...args] = translated;
    const child = spawn(file ?? 'true', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const log = this.log(namespace, pod, name);
    child.stdout?.on('data', (chunk: Buffer) => this.append(log, chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.append(log, chunk));
    return new Promise((resolve) => {
      child.once('close', (code) => {
        log.ended = true;
        for (const follower of log.followers) follower.end();
        log.followers.clear();
        resolve(code ?? 1);
      });
      child.once('error', () => resolve(127));
    });
  }

  /** Writes a checkpoint archive where the kubelet would and returns that path (as the kubelet reports it). */
  async checkpoint(pod: PodLike, container: string): Promise<string> {
    const namespace = pod.metadata.namespace ?? 'default';
    const node = pod.spec?.nodeName ?? 'unscheduled';
    const stamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const file = `checkpoint-${pod.metadata.name}_${namespace}-${container}-${stamp}.tar`;
    const hostDir = join(this.nodeRoot(node), 'var/lib/kubelet/checkpoints');
    mkdirSync(hostDir, { recursive: true });
    // Shaped like a CRI-O/containerd checkpoint archive; the CRIU images are stand-in bytes (no CRIU runs here).
    const staging = join(this.root, 'staging', `${namespace}-${pod.metadata.name}-${container}`);
    mkdirSync(join(staging, 'checkpoint'), { recursive: true });
    writeFileSync(join(staging, 'config.dump'), JSON.stringify({ id: container, rootfsImageName: 'stand-in' }));
    writeFileSync(join(staging, 'spec.dump'), JSON.stringify({ ociVersion: '1.0.2', process: { args: ['stand-in'] } }));
    writeFileSync(join(staging, 'checkpoint', 'inventory.img'), Buffer.from('stand-in CRIU inventory\n'));
    const rootfs = this.rootfs(namespace, pod.metadata.name, container);
    await new Promise<void>((resolve, reject) => {
      const tar = spawn('tar', ['-c', '-f', join(staging, 'rootfs-diff.tar'), '-C', rootfs, '.']);
      tar.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar exited ${String(code)}`))));
    });
    await new Promise<void>((resolve, reject) => {
      const tar = spawn('tar', ['-c', '-f', join(hostDir, file), '-C', staging, '.']);
      tar.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar exited ${String(code)}`))));
    });
    return `/var/lib/kubelet/checkpoints/${file}`;
  }

  stopAll(): void {
    for (const child of this.processes.values()) child.kill('SIGKILL');
    this.processes.clear();
  }

  /** A path inside the container → the directory standing for it: hostPath mounts first, then the container's root. */
  private resolve(pod: PodLike, container: string, path: string, root: string): string {
    const mounts = pod.spec?.containers?.find((entry) => entry.name === container)?.volumeMounts ?? [];
    for (const mount of mounts) {
      const hostPath = pod.spec?.volumes?.find((volume) => volume.name === mount.name)?.hostPath?.path;
      if (hostPath === undefined) continue;
      const prefix = mount.mountPath.replace(/\/+$/, '');
      if (path === prefix || path.startsWith(`${prefix}/`)) {
        const rest = posix.normalize(path.slice(prefix.length)).replace(/^(\.\.\/?)+/, '');
        return join(this.nodeRoot(pod.spec?.nodeName ?? 'unscheduled'), hostPath, rest);
      }
    }
    const rest = posix.normalize(path).replace(/^(\/?\.\.)+/, '');
    return join(root, rest);
  }

  private log(namespace: string, pod: string, container: string): ContainerLog {
    const key = this.key(namespace, pod, container);
    let log = this.logs.get(key);
    if (!log) {
      log = { current: [], ended: false, followers: new Set() };
      this.logs.set(key, log);
    }
    return log;
  }

  private append(log: ContainerLog, chunk: Buffer): void {
    log.current.push({ at: nowRfc3339Nano(), text: chunk });
    for (const follower of log.followers) follower.write(chunk);
  }
}
