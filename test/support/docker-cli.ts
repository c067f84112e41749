// Docker CLI helpers for integration and e2e tests: arrange and inspect real engine state independently of our code.
//
// Tests drive HoldCell through its own engine adapter, but they set the scene and check the outcome with the
// plain `docker` CLI, so a bug in the adapter cannot hide itself by being used on both sides of an assertion.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** Images built by test/setup/images.sh with `docker import` (no registry exists on test machines). */
export const TEST_IMAGES = {
  busybox: 'holdcell-test/busybox:1',
  debian: 'holdcell-test/debian:bookworm',
  /** The Debian image plus strace: the tools image of capture's helper container. */
  tracer: 'holdcell-test/tracer:1',
} as const;

/** Every container a test creates carries this label; removeTestContainers() finds leftovers by it. */
export const TEST_LABEL_KEY = 'org.holdcell.test';
export const TEST_LABEL = `${TEST_LABEL_KEY}=1`;
/** Name prefix of test containers, so a human looking at `docker ps` knows where they came from. */
export const TEST_NAME_PREFIX = 'hc-test-';

const FULL_ID = /^[0-9a-f]{64}$/;

export interface DockerOptions {
  /** Kill the CLI after this long; default 60 s, so a wedged engine fails a test instead of hanging it. */
  timeoutMs?: number;
  /** Written to the CLI's stdin (e.g. a tar for `docker import -`). */
  input?: string | Buffer;
  /** Extra environment (merged over process.env), e.g. a different DOCKER_HOST. */
  env?: Record<string, string>;
  signal?: AbortSignal;
}

/** The CLI binary; DOCKER_CLI lets a machine with several clients pick one. */
function dockerBinary(): string {
  return process.env['DOCKER_CLI'] ?? 'docker';
}

/**
 * Runs `docker <args>` and resolves with its stdout. Rejects with an error naming the command, exit code and
 * stderr, because "docker failed" alone tells a responder nothing.
 */
export function docker(args: string[], opts: DockerOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      dockerBinary(),
      args,
      {
        encoding: 'utf8',
        // `docker inspect` of many containers or `ps` on a busy engine can exceed the 1 MiB default.
        maxBuffer: 64 * 1024 * 1024,
        timeout: opts.timeoutMs ?? 60_000,
        killSignal: 'SIGKILL',
        env: opts.env ? { ...process.env, ...opts.env } : process.env,
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      (error, stdout, stderr) => {
        if (error) {
          const code = error.code;
          const how = error.killed ? 'was killed (timeout or abort)' : `failed (exit ${String(code)})`;
          reject(
            new Error(`docker ${args.join(' ')} ${how}: ${stderr.trim() || error.message}`, {
              cause: error,
            }),
          );
          return;
        }
        resolve(stdout);
      },
    );
    // Without input, close stdin at once so commands that read it (import -, load) never wait for a tty.
    child.stdin?.end(opts.input);
  });
}

export interface TestContainerSpec {
  /** Readable part of the name; the helper adds the hc-test- prefix and a random suffix to keep runs apart. */
  name?: string;
  /** Defaults to the busybox test image. */
  image?: string;
  /** Extra `docker create` flags, e.g. ['--network', 'none', '--user', 'nobody']. */
  args?: string[];
  /** Command and arguments after the image, e.g. ['sleep', '600']. */
  command?: string[];
  /** Start the container after creating it (default false). */
  start?: boolean;
}

/** Creates (and optionally starts) a labelled test container; resolves with its full 64-hex id. */
export async function createTestContainer(spec: TestContainerSpec = {}): Promise<string> {
  const base = (spec.name ?? 'c').replace(/^hc-test-/, '');
  const name = `${TEST_NAME_PREFIX}${base}-${randomBytes(4).toString('hex')}`;
  const out = await docker([
    'create',
    '--label',
    TEST_LABEL,
    '--name',
    name,
    ...(spec.args ?? []),
    spec.image ?? TEST_IMAGES.busybox,
    ...(spec.command ?? []),
  ]);
  // `docker create` may print pull/platform warnings before the id; the id is the last line.
  const id = out.trim().split('\n').pop()?.trim() ?? '';
  if (!FULL_ID.test(id)) {
    throw new Error(`docker create ${name} printed no container id: ${JSON.stringify(out)}`);
  }
  if (spec.start) {
    await docker(['start', id]);
  }
  return id;
}

/** Full ids of every container carrying the test label, running or not. */
export async function testContainerIds(): Promise<string[]> {
  return lines(await docker(['ps', '-a', '--no-trunc', '-q', '--filter', `label=${TEST_LABEL}`]));
}

/**
 * Force-removes every container with the test label (and its anonymous volumes). Resolves with how many were
 * removed. Safe to call when there are none; meant for afterAll hooks and before a suite starts.
 */
export async function removeTestContainers(): Promise<number> {
  const ids = await testContainerIds();
  if (ids.length === 0) return 0;
  try {
    await docker(['rm', '-f', '-v', ...ids]);
  } catch (error) {
    // A container that removed itself (--rm) between `ps` and `rm` is not a failure; anything left is.
    const left = new Set(await testContainerIds());
    if (ids.some((id) => left.has(id))) throw error;
  }
  return ids.length;
}

/** Full ids of every container on the engine (`docker ps -a --no-trunc -q`). */
export async function dockerPsAllIds(): Promise<string[]> {
  return lines(await docker(['ps', '-a', '--no-trunc', '-q']));
}

/** True when the engine has an image with this reference. */
export async function imageExists(ref: string): Promise<boolean> {
  try {
    await docker(['image', 'inspect', '--format', '{{.Id}}', ref]);
    return true;
  } catch {
    return false;
  }
}

/**
 * The engine's unix socket: DOCKER_HOST when it is unix://, else /var/run/docker.sock. A tcp:// or ssh://
 * DOCKER_HOST throws, because silently using the local socket would test a different engine than the CLI uses.
 */
export function dockerSocketPath(): string {
  const host = process.env['DOCKER_HOST'];
  if (host === undefined || host === '') return '/var/run/docker.sock';
  if (host.startsWith('unix://')) return host.slice('unix://'.length);
  throw new Error(`DOCKER_HOST=${host} is not a unix socket; the test rig needs one (unset DOCKER_HOST)`);
}

function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}
