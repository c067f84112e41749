// `holdcell timeline <case>`: the incident on one time axis, printed or exported (JSONL, Timesketch, plaso CSV,
// asciicast sessions, IOCs as CSV and STIX 2.1).
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { asciicast } from '../../capture/common/trace/asciicast.js';
import { TraceReplay } from '../../capture/common/trace/replay.js';
import { readTraceFiles } from '../../capture/node/trace-files.js';
import { ContractError, type Progress } from '../../contract/envelope.js';
import { visibleText } from '../../contract/visible-text.js';
import { attackTechniqueName } from '../../forensics/common/attack-techniques.js';
import { eventLine } from '../../forensics/common/timeline-event.js';
import { PLASO_CSV_HEADER, plasoCsvRow, timesketchLine } from '../../forensics/common/timeline-exports.js';
import { IOC_CSV_HEADER, IocCollector, iocCsvRow } from '../../forensics/common/timeline-iocs.js';
import type { TimelineEvent, TimelineSummary } from '../../forensics/common/timeline-model.js';
import { terminalSessions } from '../../forensics/common/timeline-terminals.js';
import { DiffService } from '../../forensics/node/diff-service.js';
import { hashFile } from '../../forensics/node/durable-fs.js';
import type { CaseTimeline } from '../../forensics/node/timeline-service.js';
import { stixBundle } from '../../forensics/node/timeline-stix.js';
import { createTimelineService } from '../../host/timeline-wiring.js';
import { caseDirArgument, reportFailure, runWithSignal } from '../run.js';
import { caseStoreFromEnv } from './case.js';

interface TimelineOptions {
  json?: boolean;
  timesketch?: boolean;
  csv?: boolean;
  out?: string;
  asciicast?: string;
  iocs?: string;
  stix?: string;
  rebuild?: boolean;
}

type Format = 'text' | 'json' | 'timesketch' | 'csv';

/** Writes to a stream, waiting when it asks to (a million lines must not pile up in memory). */
async function put(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

function formatOf(options: TimelineOptions): Format {
  const chosen = (['json', 'timesketch', 'csv'] as const).filter((format) => options[format] === true);
  if (chosen.length > 1) {
    throw new ContractError('BAD_INPUT', `choose one of --json, --timesketch, --csv (got ${chosen.join(', ')})`);
  }
  return chosen[0] ?? 'text';
}

function summaryLines(summary: TimelineSummary): string[] {
  const sources = Object.entries(summary.bySource).map(([source, count]) => `${source} ${count}`);
  const techniques = Object.entries(summary.byTechnique).map(([id, count]) =>
    `${id} ${attackTechniqueName(id) ?? ''} (${count})`.replace('  ', ' '),
  );
  return [
    `timeline   ${summary.caseDir}: ${summary.events} events${summary.first === null ? '' : `, ${summary.first} → ${summary.last ?? ''}`}`,
    `sources    ${sources.join(', ') || 'none'}`,
    `ATT&CK     ${techniques.join('; ') || 'none'} [${summary.attackVersion}]`,
    `sha256     ${summary.sha256} (analysis/timeline.jsonl)`,
    ...summary.problems.map((problem) => `problem    ${problem}`),
  ];
}

function textLine(event: TimelineEvent): string {
  const techniques = event.techniques.length === 0 ? '' : ` [${event.techniques.join(' ')}]`;
  return `${event.at}  ${event.source.padEnd(16)} ${event.kind.padEnd(22)} ${event.summary}${techniques}`;
}

const FORMAT_LINE: Readonly<Record<Exclude<Format, 'text'>, (event: TimelineEvent) => string>> = {
  json: eventLine,
  timesketch: timesketchLine,
  csv: plasoCsvRow,
};

async function writeEvents(state: CaseTimeline, format: Format, stream: Writable): Promise<void> {
  if (format === 'csv') await put(stream, `${PLASO_CSV_HEADER}\n`);
  if (format === 'text') {
    for (const line of summaryLines(state.summary)) await put(stream, `${visibleText(line)}\n`);
    await put(stream, '\n');
  }
  for await (const event of state.pages.events()) {
    // Text is for a terminal: every evidence string shown escaped. Files keep the data (JSON escapes it; CSV
    // cells are escaped by csvCell).
    const line = format === 'text' ? visibleText(textLine(event)) : FORMAT_LINE[format](event);
    await put(stream, `${line}\n`);
  }
}

async function writeIocs(state: CaseTimeline, caseId: string, options: TimelineOptions): Promise<string[]> {
  const collector = new IocCollector();
  for await (const event of state.pages.events()) collector.add(event);
  const iocs = collector.list();
  const written: string[] = [];
  if (options.iocs !== undefined) {
    await writeFile(options.iocs, [IOC_CSV_HEADER, ...iocs.map(iocCsvRow)].join('\n') + '\n');
    written.push(`iocs       ${iocs.length} indicator(s) → ${options.iocs}`);
  }
  if (options.stix !== undefined) {
    const bundle = stixBundle(iocs, caseId);
    await writeFile(options.stix, `${JSON.stringify(bundle, null, 2)}\n`);
    written.push(`stix       ${(bundle.objects as unknown[]).length - 1} indicator(s) → ${options.stix}`);
  }
  return written;
}

/** One asciicast v2 file per terminal session of every trace in the case. */
async function writeAsciicasts(
  caseDir: string,
  items: readonly { id: string; kind: string; path: string; sha256: string }[],
  directory: string,
  signal: AbortSignal,
): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const written: string[] = [];
  for (const item of items.filter((candidate) => candidate.kind === 'syscall-trace')) {
    const file = path.join(caseDir, item.path);
    // A session is evidence quoted to others: only from a trace that still matches its manifest hash.
    if ((await hashFile(file, signal)).sha256 !== item.sha256) {
      written.push(`asciicast  ${item.id} skipped: it does not match its manifest hash (run holdcell verify)`);
      continue;
    }
    const replay = new TraceReplay();
    await readTraceFiles([file], (event) => replay.apply(event), { signal });
    replay.finish();
    for (const pid of terminalSessions(replay)) {
      const cast = path.join(directory, `${item.id}-pid${pid}.cast`);
      await writeFile(cast, asciicast(replay, { pid, title: `${item.id} pid ${pid}` }));
      written.push(`asciicast  ${item.id} pid ${pid} → ${cast}`);
    }
  }
  if (written.length === 0) written.push('asciicast  no terminal session in the case\u2019s traces');
  return written;
}

export function registerTimeline(program: Command): void {
  program
    .command('timeline')
    .description(
      'Every source of the case on one time axis (engine, logs, filesystem diff, syscall traces, Falco, Tetragon, ' +
        'Kubernetes, custody, annotations) with ATT&CK techniques; built once into analysis/timeline.jsonl. ' +
        'Exports: --json (the timeline JSONL), --timesketch, --csv (plaso-like), asciicast sessions, IOCs (CSV, STIX 2.1)',
    )
    .argument('<case>', 'case folder (absolute, ./relative, or a name under the cases root)')
    .option('--json', 'the events as JSON lines, exactly as analysis/timeline.jsonl')
    .option('--timesketch', 'Timesketch JSONL: message, datetime, timestamp_desc, timestamp and flattened fields')
    .option('--csv', `plaso-like CSV (${PLASO_CSV_HEADER})`)
    .option('--out <file>', 'write the events there instead of standard output')
    .option('--asciicast <dir>', 'write one asciicast v2 file per terminal session of the case\u2019s traces')
    .option('--iocs <file.csv>', 'write the indicators (hashes, paths, addresses, ports, URLs, domains) as CSV')
    .option('--stix <file.json>', 'write the indicators as a STIX 2.1 bundle')
    .option('--rebuild', 'rebuild the timeline from the evidence even when analysis/timeline.jsonl is current')
    .action(async (caseArgument: string, options: TimelineOptions) => {
      const showProgress = process.stderr.isTTY === true;
      try {
        const format = formatOf(options);
        const cases = caseStoreFromEnv();
        const service = createTimelineService({ cases, diffs: new DiffService({ cases }) });
        await runWithSignal(async (signal) => {
          const progress = (update: Progress): void => {
            if (showProgress) process.stderr.write(`\r\u001b[K${visibleText(update.note ?? '')}`);
          };
          const state = await service.load(caseDirArgument(caseArgument), {
            rebuild: options.rebuild === true,
            fresh: true,
            signal,
            progress,
          });
          if (showProgress) process.stderr.write('\r\u001b[K');
          const caseSummary = await cases.summary(state.dir);
          const notes: string[] = [];
          if (options.iocs !== undefined || options.stix !== undefined) {
            notes.push(...(await writeIocs(state, caseSummary.case.caseId, options)));
          }
          if (options.asciicast !== undefined) {
            notes.push(...(await writeAsciicasts(state.dir, caseSummary.items, options.asciicast, signal)));
          }
          const sideExportsOnly = notes.length > 0 && format === 'text' && options.out === undefined;
          if (options.out !== undefined) {
            const stream = createWriteStream(options.out);
            await writeEvents(state, format, stream);
            stream.end();
            await once(stream, 'finish');
            notes.push(`events     ${state.summary.events} (${format}) → ${options.out}`);
          } else if (sideExportsOnly) {
            notes.unshift(...summaryLines(state.summary));
          } else {
            await writeEvents(state, format, process.stdout);
          }
          // Where the events went is said on stderr when stdout carries data, on stdout otherwise.
          const noteStream = options.out === undefined && !sideExportsOnly ? process.stderr : process.stdout;
          for (const note of notes) noteStream.write(`${visibleText(note)}\n`);
        });
      } catch (error) {
        if (showProgress) process.stderr.write('\n');
        reportFailure(error);
      }
    });
}
