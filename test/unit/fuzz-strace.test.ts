// Fuzzing the strace parser with mutated real traces: it never throws, accounts for every line, answers the same
// twice, and what it emits replays into views that validate and writes JSONL that reads back.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractError } from '../../src/contract/envelope.js';
import { TraceReplay } from '../../src/capture/common/trace/replay.js';
import {
  LINE_BLANK,
  LINE_RESUMED,
  LexedLines,
  SLOT_KIND,
  lexLine,
} from '../../src/capture/common/trace/strace-lexer.js';
import { StraceParser, type StraceParserOptions } from '../../src/capture/common/trace/strace-parser.js';
import type { TraceEvent } from '../../src/capture/common/trace/trace-event.js';
import { replayTraceFiles } from '../../src/capture/node/trace-files.js';
import {
  budget,
  byteString,
  canonical,
  checkJsonlRoundTrip,
  linesWindow,
  mutate,
  mutationArb,
  replayAnswers,
  sampleFiles,
  timeout,
  windowArb,
} from './fuzz-support.js';

const STRACE = sampleFiles('strace', 'latin1');

interface Parsed {
  events: TraceEvent[];
  skipped: number[];
  skipCount: number;
  reasons: Record<string, number>;
  lines: number;
}

/** Line by line, the way the tests and the CLI feed it; the last line without a newline is `final`. */
function parseLines(text: string, options: StraceParserOptions): Parsed {
  const events: TraceEvent[] = [];
  const parser = new StraceParser((event) => events.push(event), options);
  const lines = text.split('\n');
  const last = lines.pop();
  for (const line of lines) parser.line(line);
  if (last !== undefined && last !== '') parser.line(last, true);
  parser.end();
  return {
    events,
    skipped: parser.skips.lines.map((line) => line.line),
    skipCount: parser.skips.count,
    reasons: parser.skips.byReason(),
    lines: parser.lines,
  };
}

/** As one decoded block (the file reader's path): lexed in one pass, no substring per line. */
function parseChunk(text: string, options: StraceParserOptions): TraceEvent[] {
  const events: TraceEvent[] = [];
  const parser = new StraceParser((event) => events.push(event), options);
  parser.chunk(text);
  parser.end();
  return events;
}

function lineKind(text: string): number {
  const lexed = new LexedLines(1);
  lexLine(text, 0, text.length, lexed);
  return lexed.ints[SLOT_KIND] ?? LINE_BLANK;
}

/** Hostile strace text: a window of real lines, mutated, with a tail spliced from another window. */
const straceInput = fc
  .record({
    window: windowArb(40),
    donor: windowArb(10),
    mutations: fc.array(mutationArb, { minLength: 0, maxLength: 6 }),
    options: fc.record({
      defaultPid: fc.option(fc.integer({ min: 0, max: 5_000_000 }), { nil: undefined }),
      baseDate: fc.option(fc.constantFrom('2026-11-22', '1970-01-01', '9999-12-31', '0001-01-01'), {
        nil: undefined,
      }),
      utcOffsetSeconds: fc.option(fc.integer({ min: -14 * 3600, max: 14 * 3600 }), { nil: undefined }),
      holdLimit: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
    }),
  })
  .map(({ window, donor, mutations, options }) => ({
    text: byteString(mutate(linesWindow(STRACE, window), mutations, linesWindow(STRACE, donor))),
    options: Object.fromEntries(
      Object.entries(options).filter(([, value]) => value !== undefined),
    ) as StraceParserOptions,
  }));

describe('given mutated real strace output', () => {
  it(
    'when parsed, then it never throws, skips are counted, and every non-blank line is an event, a skip or a joined half',
    () => {
      fc.assert(
        fc.property(straceInput, ({ text, options }) => {
          const parsed = parseLines(text, options);
          const physical = text.split('\n');
          if (physical.at(-1) === '') physical.pop();
          expect(parsed.lines).toBe(physical.length);
          expect(parsed.skipCount).toBe(parsed.skipped.length);
          expect(Object.values(parsed.reasons).reduce((sum, count) => sum + count, 0)).toBe(parsed.skipCount);
          const skipped = new Set(parsed.skipped);
          expect(skipped.size).toBe(parsed.skipCount);
          // The parser's own notes ("holdcell: time-of-day stamps without a date") name the line that prompted them.
          const own = (event: TraceEvent) => event.kind === 'diag' && event.text.startsWith('holdcell: ');
          const eventLines = new Set(parsed.events.filter((event) => !own(event)).map((event) => event.line));
          for (const line of skipped) expect(eventLines.has(line), `line ${line} both skipped and parsed`).toBe(false);
          physical.forEach((line, index) => {
            const number = index + 1;
            if (skipped.has(number) || eventLines.has(number)) return;
            const kind = lineKind(line);
            // The only lines with no event of their own: blanks, and resumed halves joined to their start.
            expect([LINE_BLANK, LINE_RESUMED], `line ${number} vanished: ${JSON.stringify(line)}`).toContain(kind);
          });
          for (const line of eventLines) expect(line >= 0 && line <= physical.length).toBe(true);
        }),
        budget(400),
      );
    },
    timeout(30_000),
  );

  it(
    'when parsed twice, line by line and as one block, then the events are identical',
    () => {
      fc.assert(
        fc.property(straceInput, ({ text, options }) => {
          const first = parseLines(text, options);
          const second = parseLines(text, options);
          expect(canonical(second)).toBe(canonical(first));
          // A block has no "final" line: compare only inputs that end with a newline.
          const block = text.endsWith('\n') ? text.slice(0, -1) : `${text}`;
          if (text.endsWith('\n')) expect(canonical(parseChunk(block, options))).toBe(canonical(first.events));
        }),
        budget(300),
      );
    },
    timeout(30_000),
  );

  it(
    'when its events are replayed, then every view validates, answers repeat exactly, and JSONL reads back',
    () => {
      fc.assert(
        fc.property(straceInput, ({ text, options }) => {
          const answers = (): unknown[] => {
            const replay = new TraceReplay({ checkpointEvery: 4 });
            const { events } = parseLines(text, options);
            for (const event of events) replay.apply(event);
            replay.finish();
            checkJsonlRoundTrip(events);
            return replayAnswers(replay);
          };
          expect(canonical(answers())).toBe(canonical(answers()));
        }),
        budget(250),
      );
    },
    timeout(40_000),
  );
});

describe('given mutated strace bytes in a file', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'hc-fuzz-strace-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it(
    'when imported through replayTraceFiles, then it replays or refuses with a ContractError, and counts every line',
    async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(straceInput, async ({ text }) => {
          const file = path.join(work, `trace-${run++}.strace`);
          await writeFile(file, Buffer.from(text, 'latin1'));
          try {
            const { replay, result } = await replayTraceFiles([file], { format: 'strace', baseDate: '2026-11-22' });
            const expected = parseLines(text, { baseDate: '2026-11-22' });
            expect(result.skips.count).toBe(expected.skipCount);
            expect(result.events).toBe(expected.events.length);
            expect(result.inputs[0]?.lines).toBe(expected.lines);
            replayAnswers(replay);
          } catch (error) {
            if (!(error instanceof ContractError)) throw error;
          } finally {
            await rm(file, { force: true });
          }
        }),
        budget(60, 0.2),
      );
    },
    timeout(30_000),
  );
});
