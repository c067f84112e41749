// `holdcell replay <trace...>`: rebuild processes, files, network and terminal output from syscall traces.
import { writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { ContractError } from '../../contract/envelope.js';
import { visibleText } from '../../contract/visible-text.js';
import { asciicast } from '../../capture/common/trace/asciicast.js';
import type { ReplayInstant, TraceReplay } from '../../capture/common/trace/replay.js';
import { buildReplayReport, type ReplayReport, type TtyStream } from '../../capture/common/trace/replay-report.js';
import type { WhoWroteView } from '../../capture/common/trace/replay-model.js';
import { TRACE_FORMATS, type TraceFormat } from '../../capture/common/trace/trace-detect.js';
import { replayTraceFiles } from '../../capture/node/trace-files.js';
import { printJson, printTable } from '../output.js';
import { reportFailure, runWithSignal } from '../run.js';

interface ReplayOptions {
  format: TraceFormat | 'auto';
  json?: boolean;
  at?: string;
  asciicast?: string;
  pid?: string;
  whoWrote?: string;
  baseDate?: string;
  utcOffset: string;
}

function line(text: string): void {
  process.stdout.write(`${visibleText(text)}\n`);
}

function heading(text: string): void {
  process.stdout.write(`\n${visibleText(text)}\n`);
}

/** `--at`: an ISO 8601 instant, or `seq:<n>` for a position (traces without timestamps). */
export function instantArgument(text: string): ReplayInstant {
  const seq = /^seq:(\d+)$/.exec(text);
  if (seq !== null) return { seq: Number(seq[1]) };
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    throw new ContractError('BAD_INPUT', `--at ${text}: expected an ISO 8601 time (2026-11-22T22:08:27.5Z) or seq:<n>`);
  }
  return { iso: text };
}

function pidArgument(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new ContractError('BAD_INPUT', `--pid ${text}: expected a process id`);
  return Number(text);
}

const dash = (value: string | number | null | undefined): string =>
  value === null || value === undefined ? '-' : String(value);

function printTty(title: string, streams: readonly TtyStream[]): void {
  if (streams.length === 0) return;
  heading(`${title}`);
  for (const stream of streams) {
    line(`pid ${stream.pid} fd ${stream.fd}: ${stream.chunks} writes${stream.truncated ? ' (cut by strace -s)' : ''}`);
    // One output line per terminal line, each escaped: colours and cursor moves show as \x1b[…, never act.
    const lines = stream.text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    for (const text of lines) line(`  | ${text}`);
  }
}

function printReport(report: ReplayReport): void {
  const { trace } = report;
  for (const input of trace.inputs) {
    line(
      `trace    ${input.path} (${input.format}${input.pid === undefined ? '' : `, pid ${input.pid}`}), ${input.lines} lines`,
    );
  }
  line(`events   ${trace.events}; ${report.skipped} line${report.skipped === 1 ? '' : 's'} skipped`);
  if (trace.first !== null) line(`span     ${trace.first} → ${trace.last ?? ''}`);
  if (trace.dating !== undefined) line(`dating   ${trace.dating}`);
  if (report.at !== undefined) line(`at       ${report.at.at ?? '-'} (seq ${report.at.seq})`);

  heading(`processes (${report.processes.length})`);
  printTable(
    ['PID', 'PPID', 'START', 'END', 'EXIT', 'EXE', 'ARGV'],
    report.processes.map((process) => [
      String(process.pid),
      dash(process.ppid),
      dash(process.start),
      report.at !== undefined && process.alive === true ? 'alive' : dash(process.end),
      process.signal ?? dash(process.exitCode),
      dash(process.exe),
      JSON.stringify(process.argv),
    ]),
  );

  const failed = report.files.filter((file) => file.result !== 'ok').length;
  heading(`files (${report.files.length - failed} done, ${failed} failed attempts not listed here: see --json)`);
  printTable(
    ['SEQ', 'PID', 'OP', 'PATH', 'DETAIL'],
    report.files
      .filter((file) => file.result === 'ok')
      .map((file) => [
        String(file.seq),
        String(file.pid),
        file.op,
        file.path,
        [
          file.newPath === undefined ? '' : `→ ${file.newPath}`,
          file.target === undefined ? '' : `(${file.target})`,
          file.mode === undefined ? '' : `mode ${file.mode}`,
          file.owner === undefined ? '' : `owner ${file.owner}`,
          file.bytesWritten === undefined ? '' : `${file.bytesWritten} B written`,
          file.bytesRead === undefined ? '' : `${file.bytesRead} B read`,
        ]
          .filter((part) => part !== '')
          .join(' '),
      ]),
  );

  heading(`network (${report.network.length})`);
  printTable(
    ['SEQ', 'PID', 'OP', 'PROTO', 'ADDRESS', 'PORT', 'RESULT', 'BYTES OUT/IN'],
    report.network.map((entry) => [
      String(entry.seq),
      String(entry.pid),
      entry.op,
      dash(entry.protocol ?? entry.family),
      dash(entry.address),
      dash(entry.port),
      entry.result,
      entry.bytesSent === undefined && entry.bytesReceived === undefined
        ? ''
        : `${entry.bytesSent ?? 0}/${entry.bytesReceived ?? 0}`,
    ]),
  );

  printTty('terminal output', report.tty);
  printTty('terminal input', report.ttyInput);
  if (report.signals.length > 0) {
    heading(`signals (${report.signals.length})`);
    printTable(
      ['SEQ', 'PID', 'SIGNAL', 'DIRECTION', 'PEER', 'RESULT'],
      report.signals.map((signal) => [
        String(signal.seq),
        String(signal.pid),
        signal.signal,
        signal.direction,
        dash(signal.peer),
        signal.result,
      ]),
    );
  }
  if (report.alerts.length > 0) {
    heading(`alerts (${report.alerts.length})`);
    printTable(
      ['AT', 'PRIORITY', 'RULE', 'OUTPUT'],
      report.alerts.map((alert) => [dash(alert.at), alert.priority, alert.rule, alert.output]),
    );
  }
  if (report.skippedLines.length > 0) {
    heading(`skipped lines (${report.skipped})`);
    printTable(
      ['FILE', 'LINE', 'REASON', 'TEXT'],
      report.skippedLines.map((skipped) => [
        trace.inputs[skipped.file]?.path ?? String(skipped.file),
        String(skipped.line),
        skipped.reason,
        skipped.text,
      ]),
    );
  }
  for (const diagnostic of report.diagnostics) line(`note     ${diagnostic}`);
}

function printWhoWrote(view: WhoWroteView): void {
  line(`who wrote ${view.path}: ${view.events.length} change${view.events.length === 1 ? '' : 's'}`);
  for (const event of view.events) {
    heading(
      `${event.at ?? `seq ${event.seq}`}  ${event.op}  ${event.path}${event.newPath === undefined ? '' : ` → ${event.newPath}`}  (${event.result})`,
    );
    for (const [depth, process] of event.ancestry.entries()) {
      line(
        `  ${'  '.repeat(depth)}${depth === 0 ? 'by' : 'from'} pid ${process.pid} ${process.exe ?? '?'} ${JSON.stringify(process.argv)}`,
      );
    }
  }
}

async function writeCast(replay: TraceReplay, file: string, pid: number | undefined, at: ReplayInstant | undefined) {
  const text = asciicast(replay, {
    pid,
    until: at,
    title: pid === undefined ? 'holdcell replay' : `holdcell replay pid ${pid}`,
  });
  // Exclusive create: an existing recording is never overwritten.
  await writeFile(file, text, { flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EEXIST')
      throw new ContractError('BAD_INPUT', `${file} exists; choose another file for --asciicast`);
    throw error;
  });
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description(
      'Replay syscall traces (strace text, HoldCell JSONL, Falco or Tetragon JSON): processes, files, network, terminal output',
    )
    .argument('<trace...>', 'trace files; an strace -ff prefix (trace for trace.<pid>…); several traces merge by time')
    .addOption(new Option('--format <format>', 'input format').choices(['auto', ...TRACE_FORMATS]).default('auto'))
    .option('--json', 'print the replay as JSON')
    .option('--at <time>', 'state at this instant: an ISO 8601 time or seq:<n>')
    .option('--asciicast <file>', 'write the terminal output as asciicast v2 (a new file)')
    .option('--pid <pid>', 'with --asciicast: only this process and its descendants')
    .option('--who-wrote <path>', 'the changes to one path and the process ancestry behind each')
    .option(
      '--base-date <date>',
      "date (YYYY-MM-DD) of the first line of strace -t/-tt traces (default: the file's mtime)",
    )
    .option('--utc-offset <offset>', 'UTC offset strace printed time of day in', '+00:00')
    .action(async (traces: string[], options: ReplayOptions) => {
      try {
        const at = options.at === undefined ? undefined : instantArgument(options.at);
        const pid = pidArgument(options.pid);
        if (pid !== undefined && options.asciicast === undefined) {
          throw new ContractError(
            'BAD_INPUT',
            '--pid selects the session for --asciicast; give --asciicast <file> too',
          );
        }
        const { replay, result } = await runWithSignal((signal) =>
          replayTraceFiles(traces, {
            format: options.format,
            baseDate: options.baseDate,
            utcOffset: options.utcOffset,
            signal,
          }),
        );
        if (options.whoWrote !== undefined) {
          const view = replay.whoWrote(options.whoWrote);
          if (options.json) printJson(view);
          else printWhoWrote(view);
          return;
        }
        const report = buildReplayReport(
          replay,
          { count: result.skips.count, lines: result.skips.lines, byReason: result.skips.byReason() },
          result.inputs.map(({ bytes: _bytes, lexer: _lexer, ...input }) => input),
          { at, dating: result.dating },
        );
        if (options.asciicast !== undefined) await writeCast(replay, options.asciicast, pid, at);
        if (options.json) printJson(report);
        else printReport(report);
      } catch (error) {
        reportFailure(error instanceof RangeError ? new ContractError('BAD_INPUT', error.message) : error);
      }
    });
}
