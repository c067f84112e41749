// A scripted intrusion recorded as a responder would with the CLI (capture, isolate, snapshot), and its clean-up.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { createTestContainer, docker } from './docker-cli.js';
import { runHoldcell, type CliRun } from './holdcell-cli.js';

/** A CLI step that must succeed: no `holdcell:` error on stderr and exit 0, with stderr in the failure message. */
export function ok(result: CliRun, what: string): CliRun {
  expect(result.stderr, `${what}: ${result.stderr}`).not.toMatch(/holdcell: /);
  expect(result.code, `${what} exit code (stderr: ${result.stderr})`).toBe(0);
  return result;
}

export interface RecordedIncident {
  /** A temp folder holding the case and anything the test writes beside it. */
  casesRoot: string;
  caseDir: string;
  suspect: string;
}

/**
 * Starts a container (busybox, tty, no network) running `session` — the intruder's commands, which should begin with
 * `sleep 2` so the tracer is attached before they run — then captures 6 s of its syscalls with strace, isolates it
 * and snapshots it into a fresh case.
 */
export async function recordIncident(name: string, session: readonly string[]): Promise<RecordedIncident> {
  const casesRoot = await mkdtemp(join(tmpdir(), `hc-${name}-`));
  const caseDir = join(casesRoot, 'case');
  const suspect = await createTestContainer({
    name,
    args: ['-t', '--network', 'none'],
    command: ['sh', '-c', session.join('; ')],
    start: true,
  });
  const capture = ['capture', suspect, '--case', caseDir, '--seconds', '6', '--tracer', 'strace', '--json'];
  ok(await runHoldcell(capture, { timeoutMs: 60_000 }), 'capture');
  ok(await runHoldcell(['isolate', suspect, '--case', caseDir, '--json'], { timeoutMs: 60_000 }), 'isolate');
  ok(await runHoldcell(['snapshot', suspect, '--case', caseDir, '--json'], { timeoutMs: 120_000 }), 'snapshot');
  return { casesRoot, caseDir, suspect };
}

/** Removes the suspect, the evidence image the snapshot committed for the case (ours to remove) and the temp folder. */
export async function removeIncident(incident: RecordedIncident | undefined): Promise<void> {
  if (incident === undefined) return;
  await docker(['rm', '-f', incident.suspect]).catch(() => undefined);
  const caseId = await readFile(join(incident.caseDir, 'case.json'), 'utf8')
    .then((text) => (JSON.parse(text) as { caseId: string }).caseId)
    .catch(() => undefined);
  if (caseId !== undefined) {
    const images = (await docker(['images', '-q', `holdcell-evidence/${caseId}`]).catch(() => '')).trim();
    if (images !== '') await docker(['rmi', '-f', ...images.split('\n')]).catch(() => undefined);
  }
  await rm(incident.casesRoot, { recursive: true, force: true });
}
