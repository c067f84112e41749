// What the benches share: the docker CLI as the baseline tool, the engine socket they compare on, and the median.
import { spawn } from 'node:child_process';

/** Runs the docker CLI; resolves with stdout ('pipe') or nothing when stdout goes elsewhere (e.g. /dev/null). */
export function docker(args, { stdout = 'pipe' } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.env.DOCKER_CLI ?? 'docker', args, { stdio: ['ignore', stdout, 'pipe'] });
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk) => (err += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`docker ${args.join(' ')} exited ${code}: ${err.trim()}`)),
    );
  });
}

/** The local engine's unix socket: both sides of a comparison must talk to the same engine the same way. */
export function socketPath() {
  const host = process.env.DOCKER_HOST;
  if (host === undefined || host === '') return '/var/run/docker.sock';
  if (host.startsWith('unix://')) return host.slice('unix://'.length);
  throw new Error(`DOCKER_HOST=${host}: the bench compares against the local docker CLI over a unix socket`);
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
