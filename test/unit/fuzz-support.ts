// What the parser fuzz tests share: the run budget (short in the test run, long under `npm run fuzz`), real seed
// samples, and mutations of real input (byte flips, cuts, splices, unbalanced quotes, huge numbers, bad UTF-8).
//
// Budget: FUZZ_RUNS=<n> sets the runs of every property (npm run fuzz sets it); without it each property runs its
// short count with a fixed seed, so the normal test run is deterministic. FUZZ_SEED=<n> replays one seed.
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { asciicast } from '../../src/capture/common/trace/asciicast.js';
import type { TraceReplay } from '../../src/capture/common/trace/replay.js';
import {
  AlertView,
  FileActivityView,
  NetworkActivityView,
  ProcessView,
  ReplayStateView,
  SignalView,
  TtyChunkView,
  WhoWroteView,
} from '../../src/capture/common/trace/replay-model.js';
import { buildReplayReport } from '../../src/capture/common/trace/replay-report.js';
import { TraceRecord, type TraceEvent } from '../../src/capture/common/trace/trace-event.js';
import { holdcellEvent } from '../../src/capture/common/trace/json-sources.js';
import { toJsonLine } from '../../src/capture/common/trace/trace-jsonl.js';

const LONG_RUNS = Number(process.env['FUZZ_RUNS'] || Number.NaN);
const SEED = Number(process.env['FUZZ_SEED'] || Number.NaN);

/** Whether this is the long budget (`npm run fuzz`). */
export const longBudget = Number.isSafeInteger(LONG_RUNS) && LONG_RUNS > 0;

/** fast-check parameters: `short` runs with a fixed seed in the normal run, FUZZ_RUNS runs with a random one under fuzz. */
export function budget(short: number, scale = 1): fc.Parameters<unknown> {
  const numRuns = longBudget ? Math.max(1, Math.round(LONG_RUNS * scale)) : short;
  const seed = Number.isSafeInteger(SEED) ? SEED : longBudget ? undefined : 0x5eed;
  return { numRuns, ...(seed !== undefined ? { seed } : {}) };
}

/** vitest timeout for a property: the long budget may take minutes. */
export const timeout = (shortMs: number): number => (longBudget ? 60 * 60_000 : shortMs);

const SAMPLES = new URL('../fixtures/samples/', import.meta.url);

/** Every file of a samples folder, as text in the given encoding (strace is read as latin1, JSON as UTF-8). */
export function sampleFiles(folder: string, encoding: BufferEncoding): { name: string; text: string }[] {
  const dir = new URL(`${folder}/`, SAMPLES);
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const full = `${entry.parentPath}/${entry.name}`;
      return { name: full.slice(dir.pathname.length), text: readFileSync(full).toString(encoding) };
    })
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** One mutation, described as data so a counterexample prints what was done. */
export type Mutation =
  | { op: 'flip'; at: number; byte: number }
  | { op: 'insert'; at: number; text: string }
  | { op: 'delete'; at: number; length: number }
  | { op: 'truncate'; at: number }
  | { op: 'splice'; at: number; from: number }
  | { op: 'duplicate'; at: number; length: number; times: number }
  | { op: 'number'; at: number; text: string };

/** Characters that unbalance a structure or a string, and the bytes that break UTF-8 or a terminal. */
const NASTY = [
  '"',
  '""',
  '\\"',
  '\\',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '<',
  '>',
  '/*',
  '*/',
  ' <unfinished ...>',
  '<... read resumed>',
  ') = ',
  ' = ? <unavailable>',
  ' +++',
  '--- ',
  '\n',
  '\r',
  '\r\n',
  '\0',
  '\x1b]52;c;SGk=\x07',
  '\x1b[2J',
  '\x7f',
  '\x85',
  '\xff\xfe',
  '\xc3',
  '\xc0\xaf',
  '\xed\xa0\x80',
  '\ufeff',
  '\u202e',
  '\u2028',
  ',',
  '=',
  ':',
  '\t',
];

/** Numbers a parser might mishandle: beyond 2^31, 2^53, Date's range, doubles; signs and exponents. */
const HUGE = [
  '0',
  '-1',
  '-0',
  '2147483648',
  '4294967296',
  '4194305',
  '9007199254740993',
  '99999999999999999999',
  '1'.repeat(40),
  '9'.repeat(400),
  '1e400',
  '-1e400',
  '0x7fffffffffffffff',
  '18446744073709551615',
  '8640000000001',
  '253402300800',
  '-62167219201',
  'NaN',
  'Infinity',
  '1.5',
  '00000000000000000000001',
];

const position = fc.nat({ max: 1 << 20 });

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: position, byte: fc.nat({ max: 255 }) }),
  fc.record({
    op: fc.constant('insert' as const),
    at: position,
    text: fc.oneof(fc.constantFrom(...NASTY), fc.string({ maxLength: 8 })),
  }),
  fc.record({ op: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: position }),
  fc.record({ op: fc.constant('splice' as const), at: position, from: position }),
  fc.record({
    op: fc.constant('duplicate' as const),
    at: position,
    length: fc.integer({ min: 1, max: 32 }),
    times: fc.integer({ min: 2, max: 6 }),
  }),
  fc.record({ op: fc.constant('number' as const), at: position, text: fc.constantFrom(...HUGE) }),
);

/** Applies mutations in order; `donor` is the text a splice takes its tail from. */
export function mutate(text: string, mutations: readonly Mutation[], donor = ''): string {
  let out = text;
  for (const mutation of mutations) {
    const at = out.length === 0 ? 0 : mutation.at % (out.length + 1);
    switch (mutation.op) {
      case 'flip':
        out = `${out.slice(0, at)}${String.fromCharCode(mutation.byte)}${out.slice(at + 1)}`;
        break;
      case 'insert':
        out = `${out.slice(0, at)}${mutation.text}${out.slice(at)}`;
        break;
      case 'delete':
        out = `${out.slice(0, at)}${out.slice(at + mutation.length)}`;
        break;
      case 'truncate':
        out = out.slice(0, at);
        break;
      case 'splice':
        out = `${out.slice(0, at)}${donor.slice(donor.length === 0 ? 0 : mutation.from % donor.length)}`;
        break;
      case 'duplicate':
        out = `${out.slice(0, at)}${out.slice(at, at + mutation.length).repeat(mutation.times)}${out.slice(at)}`;
        break;
      case 'number': {
        // Replaces the digit run at or after the position (or inserts the number when there is none).
        const match = /\d+/.exec(out.slice(at));
        out =
          match === null
            ? `${out.slice(0, at)}${mutation.text}${out.slice(at)}`
            : `${out.slice(0, at + match.index)}${mutation.text}${out.slice(at + match.index + match[0].length)}`;
        break;
      }
    }
  }
  return out;
}

/** strace is read as latin1 (one char per byte): characters above U+00FF become their UTF-8 bytes. */
export const byteString = (text: string): string =>
  text.replace(/[^\x00-\xff]+/g, (run) => Buffer.from(run, 'utf8').toString('latin1'));

/** A window of consecutive lines of one sample: the unit a mutation works on. */
export function linesWindow(
  files: readonly { text: string }[],
  pick: { file: number; line: number; count: number },
): string {
  const source = files[pick.file % files.length]?.text ?? '';
  const lines = source.split('\n');
  const start = pick.line % Math.max(1, lines.length);
  return lines.slice(start, start + pick.count).join('\n');
}

export const windowArb = (maxLines: number) =>
  fc.record({ file: fc.nat(), line: fc.nat(), count: fc.integer({ min: 1, max: maxLines }) });

/** Same value, same JSON: NaN seconds compare equal (JSON writes null), key order included. */
export const canonical = (value: unknown): string => JSON.stringify(value);

/**
 * Asks a finished replay everything the CLI and UI ask, and parses every answer with its zod schema: a view that
 * does not validate (or a query that throws) fails the property. Returns the answers, for determinism checks.
 */
export function replayAnswers(replay: TraceReplay): unknown[] {
  const answers: unknown[] = [];
  const take = <T>(schema: { parse: (value: unknown) => T }, value: unknown): void => {
    answers.push(schema.parse(value));
  };
  for (const view of replay.allProcesses()) take(ProcessView, view);
  for (const view of replay.fileActivity()) take(FileActivityView, view);
  for (const view of replay.connections()) take(NetworkActivityView, view);
  for (const view of replay.ttyChunks()) take(TtyChunkView, view);
  for (const view of replay.signalEvents()) take(SignalView, view);
  for (const view of replay.alertEvents()) take(AlertView, view);
  const last = replay.eventCount - 1;
  for (const seq of new Set([-1, 0, Math.floor(last / 2), last])) take(ReplayStateView, replay.stateAt({ seq }));
  const span = replay.span();
  answers.push(span);
  if (span.first !== null) take(ReplayStateView, replay.stateAt({ iso: span.first }));
  const written = replay.fileActivity()[0]?.path ?? '/etc/passwd';
  take(WhoWroteView, replay.whoWrote(written));
  answers.push(buildReplayReport(replay, { count: 0, lines: [], byReason: {} }, []));
  answers.push(asciicast(replay, { input: true }));
  return answers;
}

/**
 * Every event becomes a HoldCell JSONL line that validates against the record schema and reads back as an
 * event (what `holdcell trace import` writes must be readable again).
 */
export function checkJsonlRoundTrip(events: readonly TraceEvent[]): void {
  for (const event of events) {
    const line = toJsonLine(event);
    const parsed = TraceRecord.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error(`written record does not validate: ${parsed.error.message}\n${line}`);
    const back = holdcellEvent(JSON.parse(line), 0, 1);
    if (typeof back === 'string') throw new Error(`written record does not read back: ${back}`);
  }
}
