// Vitest globalSetup for the integration project: fail in seconds, with the fix spelled out, when the rig is absent.
//
// Without this, every integration test would time out one by one against a missing engine or image, and the
// responder reading CI output would have to guess that the cause was an unprepared machine.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TEST_IMAGES } from '../support/docker-cli.js';

const run = promisify(execFile);
const FIX = 'Prepare the machine with: bash test/setup/setup.sh (installs and starts dockerd, builds the test images).';

export default async function setup(): Promise<void> {
  const cli = process.env['DOCKER_CLI'] ?? 'docker';
  try {
    // --format on the server field makes the CLI exit non-zero when only the client answers.
    await run(cli, ['version', '--format', '{{.Server.Version}}'], { timeout: 10_000, killSignal: 'SIGKILL' });
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n').slice(0, 3).join(' ') : String(error);
    throw new Error(
      `Integration tests need a running Docker engine, and \`docker version\` got no server answer (${detail}).\n${FIX}`,
      { cause: error },
    );
  }
  const missing: string[] = [];
  for (const image of Object.values(TEST_IMAGES)) {
    try {
      await run(cli, ['image', 'inspect', '--format', '{{.Id}}', image], { timeout: 10_000 });
    } catch {
      missing.push(image);
    }
  }
  if (missing.length > 0) {
    throw new Error(`Integration test images are missing: ${missing.join(', ')}.\n${FIX}`);
  }
}
