// Every shared sample (strace, Falco, Tetragon) replayed end to end and compared with a reviewed golden JSON.
//
// Goldens live in test/fixtures/trace-goldens/. To regenerate after a deliberate change, run with
// HOLDCELL_UPDATE_GOLDENS=1 and review the diff line by line before committing: a golden is a claim about the
// sample, not a snapshot of whatever the code printed.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildReplayReport } from '../../src/capture/common/trace/replay-report.js';
import { replayTraceFiles } from '../../src/capture/node/trace-files.js';

const SAMPLES = fileURLToPath(new URL('../fixtures/samples/', import.meta.url));
const GOLDENS = fileURLToPath(new URL('../fixtures/trace-goldens/', import.meta.url));
const UPDATE = process.env.HOLDCELL_UPDATE_GOLDENS === '1';

/** The day the project's own strace samples were recorded (their -ttt stamps say 2026-11-22). */
const RECORDING_DATE = '2026-11-22';

const CASES: readonly { golden: string; inputs: readonly string[] }[] = [
  { golden: 'strace-threads', inputs: ['strace/generated/threads.strace'] },
  { golden: 'strace-signals', inputs: ['strace/generated/signals.strace'] },
  { golden: 'strace-network', inputs: ['strace/generated/network.strace'] },
  { golden: 'strace-hexstrings', inputs: ['strace/generated/hexstrings.strace'] },
  { golden: 'strace-ff', inputs: ['strace/generated/ff'] },
  { golden: 'strace-useradd', inputs: ['strace/posix-omni-parser/useradd.strace'] },
  { golden: 'falco-alerts', inputs: ['falco/alerts.jsonl'] },
  { golden: 'falco-cat-write', inputs: ['falco/single_rule_with_cat_write.json'] },
  { golden: 'tetragon-events', inputs: ['tetragon/events.json'] },
  { golden: 'tetragon-process-exec', inputs: ['tetragon/process_exec.json'] },
  { golden: 'tetragon-process-connect', inputs: ['tetragon/process_connect.json'] },
  { golden: 'tetragon-process-kprobe', inputs: ['tetragon/process_kprobe.json'] },
  { golden: 'tetragon-privileged-pod-init', inputs: ['tetragon/privileged-pod-init.json'] },
  { golden: 'tetragon-privileged-pod-nsenter', inputs: ['tetragon/privileged-pod-nsenter.json'] },
  { golden: 'tetragon-host-namespace-bash', inputs: ['tetragon/host-namespace-bash.json'] },
  { golden: 'tetragon-merlin-agent-go-connect', inputs: ['tetragon/merlin-agent-go-connect.json'] },
  { golden: 'tetragon-merlin-agent-scp', inputs: ['tetragon/merlin-agent-scp.json'] },
  { golden: 'tetragon-merlin-agent-ssh-tunnel-connect', inputs: ['tetragon/merlin-agent-ssh-tunnel-connect.json'] },
];

/** One array element per line: a golden is read (and diffed) record by record. */
function goldenText(report: object): string {
  const parts = Object.entries(report).map(([key, value]) => {
    const body = Array.isArray(value)
      ? value.length === 0
        ? '[]'
        : `[\n${value.map((item) => `    ${JSON.stringify(item)}`).join(',\n')}\n  ]`
      : JSON.stringify(value);
    return `  ${JSON.stringify(key)}: ${body}`;
  });
  return `{\n${parts.join(',\n')}\n}\n`;
}

async function replayed(inputs: readonly string[]) {
  const { replay, result } = await replayTraceFiles(
    inputs.map((input) => path.join(SAMPLES, input)),
    { baseDate: RECORDING_DATE },
  );
  const report = buildReplayReport(
    replay,
    { count: result.skips.count, lines: result.skips.lines, byReason: result.skips.byReason() },
    result.inputs.map(({ bytes: _bytes, lexer: _lexer, ...input }) => ({
      ...input,
      path: path.relative(SAMPLES, input.path),
    })),
    { dating: result.dating },
  );
  return { replay, report };
}

describe('shared samples against reviewed goldens', () => {
  for (const sample of CASES) {
    it(`given ${sample.inputs.join(', ')}, then every line is an event or a listed skip and the replay matches ${sample.golden}.json`, async () => {
      const { report } = await replayed(sample.inputs);
      // The samples are clean: nothing may be skipped; if a line ever is, it must be listed with its reason.
      expect(report.skippedLines).toHaveLength(report.skipped);
      expect(report.skipped).toBe(0);
      const file = path.join(GOLDENS, `${sample.golden}.json`);
      const text = goldenText(report);
      if (UPDATE) {
        await mkdir(GOLDENS, { recursive: true });
        await writeFile(file, text);
      }
      expect(JSON.parse(text)).toEqual(JSON.parse(await readFile(file, 'utf8')));
    });
  }

  it('given the -ff set, then the four files merge by time into one tree with the pids of the file names', async () => {
    const { report } = await replayed(['strace/generated/ff']);
    expect(report.trace.inputs.map((input) => [input.path, input.pid])).toEqual([
      ['strace/generated/ff.7673', 7673],
      ['strace/generated/ff.7674', 7674],
      ['strace/generated/ff.7675', 7675],
      ['strace/generated/ff.7676', 7676],
    ]);
    expect(report.processes.map((process) => [process.pid, process.ppid, process.exe, process.exitCode])).toEqual([
      [7673, null, '/usr/bin/bash', 0],
      [7674, 7673, '/usr/bin/bash', 0],
      [7675, 7673, '/usr/bin/cat', 0],
      [7676, 7673, '/usr/bin/ls', 2],
    ]);
  });
});
