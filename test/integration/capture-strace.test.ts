// A responder records a live suspect with strace (from the host, or from a helper container), then replays it from the case.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureResult } from '../../src/capture/common/trace-capture.js';
import type { ReplayReport } from '../../src/capture/common/trace/replay-report.js';
import { ReplaySessions } from '../../src/capture/node/replay-sessions.js';
import { CaseStore } from '../../src/forensics/node/case-store.js';
import { createTestContainer, docker, TEST_IMAGES } from '../support/docker-cli.js';
import { runHoldcell } from '../support/holdcell-cli.js';

/** The attacker's session: reconnaissance, a dropper written, made executable and run, and a call home. */
const SESSION = [
  // The attacker starts once the recording has begun, however slow the machine is today: the test drops /tmp/go
  // through the archive API (no process in the container) when the tracer has attached.
  'until [ -e /tmp/go ]; do sleep 0.2; done',
  'cat /etc/passwd',
  "printf '#!/bin/sh\\necho dropper-ran\\n' > /tmp/dropper.sh",
  'chmod 755 /tmp/dropper.sh',
  '/tmp/dropper.sh',
  'nc 127.0.0.1 4444 </dev/null || echo call-home-failed',
  'sleep 600',
].join('; ');

/** Polls a condition every 50 ms for at most 30 s. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('condition not met within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface HelperConfinement {
  PidMode: string;
  CapAdd: string[];
  CapDrop: string[];
  NetworkMode: string;
  ReadonlyRootfs: boolean;
  Privileged: boolean;
}

/** Watches for HoldCell's helper container while a capture runs and reads how it was confined. */
async function watchHelper(until: Promise<unknown>): Promise<HelperConfinement[]> {
  const seen: HelperConfinement[] = [];
  let done = false;
  void until.finally(() => (done = true));
  while (!done && seen.length === 0) {
    const ids = (await docker(['ps', '-q', '--filter', 'label=org.holdcell.role=tracer'])).trim();
    if (ids !== '') {
      const inspected = await docker(['inspect', '--format', '{{json .HostConfig}}', ...ids.split('\n')]).catch(
        () => '',
      );
      for (const line of inspected.trim().split('\n').filter(Boolean)) seen.push(JSON.parse(line) as HelperConfinement);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return seen;
}

describe.each([
  { tracer: 'strace', where: 'from the host' },
  { tracer: 'helper-strace', where: "from a helper container in the suspect's PID namespace" },
])('live capture with $tracer ($where)', ({ tracer }) => {
  let casesRoot: string;
  let caseDir: string;
  let suspect: string;
  let capture: CaptureResult;
  let report: ReplayReport;
  let helpers: HelperConfinement[];

  beforeAll(async () => {
    casesRoot = await mkdtemp(join(tmpdir(), 'hc-capture-'));
    caseDir = join(casesRoot, 'case');
    const goFile = join(casesRoot, 'go');
    await writeFile(goFile, '');
    // -t: the session writes to a terminal, as an attacker's interactive shell would; no network to call home on.
    suspect = await createTestContainer({
      name: 'capture-strace',
      args: ['-t', '--network', 'none'],
      command: ['sh', '-c', SESSION],
      start: true,
    });
    // Someone enters the container through the engine while it is recorded: strace must attach to that too.
    // It enters after the recording began (so it is a process the tracer must find on its own, not one of the
    // first ones it attached to) and stays long enough for a look at the container to see it.
    const initPid = Number((await docker(['inspect', '-f', '{{.State.Pid}}', suspect])).trim());
    const visit = (async () => {
      await until(async () => /^TracerPid:\s*[1-9]/m.test(await readFile(`/proc/${initPid}/status`, 'utf8')));
      await docker(['cp', goFile, `${suspect}:/tmp/go`]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await docker(['exec', suspect, 'sh', '-c', 'sleep 2; echo exec-visitor-was-here']);
    })();
    const running = runHoldcell(
      ['capture', suspect, '--case', caseDir, '--seconds', '8', '--tracer', tracer, '--json'],
      // Well inside the hook's limit: a capture that does not end fails here with its own output, not as a timeout.
      { timeoutMs: 90_000, env: { HOLDCELL_TRACER_IMAGE: TEST_IMAGES.tracer } },
    );
    helpers = await watchHelper(running);
    const run = await running;
    await visit;
    expect(run.stderr).toBe('');
    expect(run.code, `capture ended with ${run.code}: ${run.stdout.slice(-2000)}`).toBe(0);
    capture = JSON.parse(run.stdout) as CaptureResult;
    const traces = capture.items
      .filter((item) => item.kind === 'syscall-trace')
      .map((item) => join(caseDir, item.path));
    const replay = await runHoldcell(['replay', ...traces, '--json'], { timeoutMs: 60_000 });
    expect(replay.stderr).toBe('');
    expect(replay.code).toBe(0);
    report = JSON.parse(replay.stdout) as ReplayReport;
  }, 180_000);

  afterAll(async () => {
    if (suspect !== undefined) await docker(['rm', '-f', suspect]).catch(() => undefined);
    await rm(casesRoot, { recursive: true, force: true });
  });

  it('then the trace is evidence: hashed items in the manifest, start and stop in the custody log, the case verifies', async () => {
    expect(capture.tracer).toBe(tracer);
    expect(capture.stoppedBy).toBe('duration');
    const traces = capture.items.filter((item) => item.kind === 'syscall-trace');
    expect(traces.length).toBeGreaterThanOrEqual(2); // the container's processes, then the exec visitor
    for (const item of traces) {
      expect(item).toMatchObject({ format: 'text', complete: true });
      expect(item.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    // Beside the traces: what already ran in the container as the tracer attached, read from the host's /proc.
    expect(capture.items.filter((item) => item.kind !== 'syscall-trace')).toEqual([
      expect.objectContaining({
        kind: 'host-proc',
        complete: true,
        flags: expect.arrayContaining(['at-capture-attach']),
      }),
    ]);
    const custody = (await readFile(join(caseDir, 'custody.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { action: string; params: Record<string, unknown> });
    const actions = custody.map((record) => record.action);
    expect(actions[actions.indexOf('capture.start') + 1]).toBe('evidence.add');
    expect(actions.at(-1)).toBe('capture.stop');
    expect(custody.find((record) => record.action === 'capture.start')?.params).toMatchObject({ tracer });
    const verify = await runHoldcell(['verify', caseDir]);
    expect(verify.code).toBe(0);
  });

  it("then the replay opened from the case names the suspect's own shell, running before the tracer attached", async () => {
    const store = new CaseStore({ casesRoot, operator: 'investigator', toolVersion: 'holdcell test' });
    const sessions = new ReplaySessions({ openCase: (dir) => store.open(dir) });
    const call = { signal: new AbortController().signal, progress: () => undefined };
    const summary = await sessions.openReplay({ caseDir, format: 'auto' }, call);
    const end = await sessions.replayState({ replayId: summary.replayId, at: { seq: summary.lastSeq } }, call);
    const shell = end.processes.find((process) => process.origin === 'running-at-attach');
    // busybox sh runs the script's last command in its own process (exec), so by the end it is that command.
    expect(shell?.argv).toEqual(['sleep', '600']);
    const start = await sessions.replayState({ replayId: summary.replayId, at: { seq: shell?.startSeq ?? 0 } }, call);
    const before = start.processes.find((process) => process.id === shell?.id);
    expect(before?.argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(before?.argv[2]).toContain('/tmp/dropper.sh');
  });

  it('then a helper, if one ran, had SYS_PTRACE only, no network, a read-only root, and is gone', async () => {
    if (tracer === 'strace') {
      expect(helpers).toEqual([]);
      return;
    }
    expect(helpers).toEqual([
      expect.objectContaining({
        PidMode: `container:${suspect}`,
        CapAdd: ['SYS_PTRACE'],
        CapDrop: ['ALL'],
        NetworkMode: 'none',
        ReadonlyRootfs: true,
        Privileged: false,
      }),
    ]);
    expect((await docker(['ps', '-aq', '--filter', 'label=org.holdcell.role=tracer'])).trim()).toBe('');
  });

  it('then the replay shows exactly the processes the session ran', () => {
    const argvs = report.processes.map((process) => process.argv.join(' '));
    expect(argvs).toEqual(expect.arrayContaining(['cat /etc/passwd', '/tmp/dropper.sh', 'nc 127.0.0.1 4444']));
    const dropper = report.processes.find((process) => process.argv[0] === '/tmp/dropper.sh');
    const shell = report.processes.find((process) => process.pid === dropper?.ppid);
    expect(shell?.pid).toBe(capture.pids[0]);
    expect(dropper?.exitCode).toBe(0);
  });

  it('then the files show /etc/passwd read and the dropper written, made executable and run', () => {
    const touched = report.files.map((file) => `${file.op} ${file.path}`);
    expect(touched).toEqual(
      expect.arrayContaining([
        'read /etc/passwd',
        'write /tmp/dropper.sh',
        'chmod /tmp/dropper.sh',
        'exec /tmp/dropper.sh',
      ]),
    );
    const order = ['write', 'chmod', 'exec'].map((op) =>
      report.files.findIndex((file) => file.op === op && file.path === '/tmp/dropper.sh'),
    );
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('then the call home is a refused connection to 127.0.0.1:4444', () => {
    const connect = report.network.find((event) => event.op === 'connect');
    expect(connect).toMatchObject({ address: '127.0.0.1', port: 4444, result: 'ECONNREFUSED' });
  });

  it('then the terminal shows what the attacker saw, including output of the process that entered through exec', () => {
    const screen = report.tty.map((stream) => stream.text).join('');
    // busybox cat copies /etc/passwd to the terminal with sendfile(2), whose bytes strace cannot show: the read of
    // /etc/passwd is in the file activity above; the terminal has everything written with write(2).
    expect(screen).toContain('dropper-ran');
    expect(screen).toContain('call-home-failed');
    expect(screen).toContain('exec-visitor-was-here');
  });
});
