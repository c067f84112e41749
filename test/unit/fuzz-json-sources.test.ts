// Fuzzing Falco, Tetragon and HoldCell JSONL reading with mutated real lines and hostile JSON values: never a
// throw, every line an event, a skip, a header or a blank, the same answer twice, and views that validate.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractError } from '../../src/contract/envelope.js';
import {
  JsonLineParser,
  falcoEvent,
  parseJsonDocument,
  parseJsonExact,
  type JsonFormat,
} from '../../src/capture/common/trace/json-sources.js';
import { TraceReplay } from '../../src/capture/common/trace/replay.js';
import { StraceParser } from '../../src/capture/common/trace/strace-parser.js';
import type { AlertEvent, TraceEvent } from '../../src/capture/common/trace/trace-event.js';
import { metaLine, toJsonLine } from '../../src/capture/common/trace/trace-jsonl.js';
import { replayTraceFiles } from '../../src/capture/node/trace-files.js';
import {
  budget,
  canonical,
  checkJsonlRoundTrip,
  mutate,
  mutationArb,
  replayAnswers,
  sampleFiles,
  timeout,
} from './fuzz-support.js';

/** One compact JSON line per value: Tetragon's samples are pretty-printed documents or NDJSON. */
function compactLines(text: string): string[] {
  try {
    const value = JSON.parse(text) as unknown;
    return (Array.isArray(value) ? value : [value]).map((item) => JSON.stringify(item));
  } catch {
    return text.split('\n').filter((line) => line.trim() !== '');
  }
}

const FALCO = sampleFiles('falco', 'utf8').flatMap((file) => compactLines(file.text));
const TETRAGON = sampleFiles('tetragon', 'utf8').flatMap((file) => compactLines(file.text));
/** HoldCell JSONL as `holdcell trace import` writes it, from the real strace samples. */
const HOLDCELL = [
  metaLine({ tool: 'strace', note: 'fuzz seed' }),
  ...sampleFiles('strace', 'latin1').flatMap((file) => {
    const lines: string[] = [];
    const parser = new StraceParser((event) => {
      if (lines.length < 200) lines.push(toJsonLine(event));
    });
    file.text
      .split('\n')
      .slice(0, 400)
      .forEach((line) => parser.line(line));
    parser.end();
    return lines;
  }),
];
const SEEDS: Record<JsonFormat, string[]> = { falco: FALCO, tetragon: TETRAGON, jsonl: HOLDCELL };

/** JSON values a reader might mishandle, placed anywhere in a real record. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    null,
    -0,
    2 ** 53 + 2,
    1e308,
    -1e-320,
    '',
    '\u0000\u001b]52;c;SGk=\u0007',
    '\ud800',
    '\u202e',
    'x'.repeat(70_000),
    { __proto__: null, constructor: 'x' },
    JSON.parse('{"__proto__": {"polluted": true}}') as unknown,
    [],
    {},
  ),
);

/** A structural edit: a value replaced or nested deep at a path chosen by index. */
type Edit = { kind: 'replace'; at: number; value: unknown } | { kind: 'nest'; at: number; depth: number };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: hostileValue }),
  fc.record({ kind: fc.constant('nest' as const), at: fc.nat(), depth: fc.integer({ min: 1, max: 20_000 }) }),
);

/** The container slots of a JSON value (object keys and array indexes) down to depth 16, depth first. */
function slots(
  value: unknown,
  out: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [],
  depth = 0,
) {
  if (depth > 16) return out;
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      out.push({ parent: value, key: index });
      slots(item, out, depth + 1);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      out.push({ parent: value as Record<string, unknown>, key });
      slots((value as Record<string, unknown>)[key], out, depth + 1);
    }
  }
  return out;
}

/** Applies a structural edit to a JSON line (lines that are not JSON stay as they are). */
function edit(line: string, change: Edit): string {
  let value: unknown;
  try {
    value = JSON.parse(line);
    // A line already nested deep by an earlier edit stays as it is (re-serialising it would need that depth).
    JSON.stringify(value);
  } catch {
    return line;
  }
  const all = slots(value);
  const slot = all[change.at % Math.max(1, all.length)];
  if (slot === undefined) return line;
  const current = (slot.parent as Record<string | number, unknown>)[slot.key];
  if (change.kind === 'replace') {
    Object.defineProperty(slot.parent, slot.key, { value: change.value, enumerable: true, writable: true });
    return JSON.stringify(value);
  }
  // Deep nesting is written as text: building it as a value would need the recursion it is meant to test.
  const marker = '"@@nest-here@@"';
  (slot.parent as Record<string | number, unknown>)[slot.key] = '@@nest-here@@';
  return JSON.stringify(value).replace(
    marker,
    `${'['.repeat(change.depth)}${JSON.stringify(current ?? null)}${']'.repeat(change.depth)}`,
  );
}

const jsonInput = fc
  .record({
    format: fc.constantFrom<JsonFormat>('jsonl', 'falco', 'tetragon'),
    // Lines of another format, too: a Falco file handed to the Tetragon reader is hostile input as well.
    from: fc.option(fc.constantFrom<JsonFormat>('jsonl', 'falco', 'tetragon'), { nil: undefined }),
    start: fc.nat(),
    count: fc.integer({ min: 1, max: 12 }),
    edits: fc.array(fc.record({ line: fc.nat(), change: editArb }), { maxLength: 3 }),
    mutations: fc.array(mutationArb, { maxLength: 4 }),
    donor: fc.nat(),
  })
  .map(({ format, from, start, count, edits, mutations, donor }) => {
    const seeds = SEEDS[from ?? format];
    const lines = Array.from({ length: count }, (_, index) => seeds[(start + index) % seeds.length] as string);
    for (const { line, change } of edits)
      lines[line % lines.length] = edit(lines[line % lines.length] as string, change);
    const text = mutate(lines.join('\n'), mutations, seeds[donor % seeds.length]);
    return { format, text };
  });

function readLines(format: JsonFormat, text: string) {
  const events: TraceEvent[] = [];
  const parser = new JsonLineParser(format, (event) => events.push(event));
  const lines = text.split('\n');
  const last = lines.pop();
  for (const line of lines) parser.line(line);
  if (last !== undefined && last !== '') parser.line(last, true);
  return { events, parser, lines: lines.length + (last !== undefined && last !== '' ? 1 : 0) };
}

describe('given mutated Falco, Tetragon and HoldCell JSONL lines', () => {
  it(
    'when read line by line, then nothing throws and events, skips, headers and blanks add up to the lines',
    () => {
      fc.assert(
        fc.property(jsonInput, ({ format, text }) => {
          const { events, parser, lines } = readLines(format, text);
          const blanks = text.split('\n').filter((line, index) => line.trim() === '' && index < lines).length;
          expect(parser.lines).toBe(lines);
          expect(events.length + parser.skips.count + parser.meta + blanks).toBe(lines);
          expect(new Set(parser.skips.lines.map((line) => line.line)).size).toBe(parser.skips.count);
        }),
        budget(300),
      );
    },
    timeout(30_000),
  );

  it(
    'when read twice and replayed, then the events are identical, views validate and JSONL reads back',
    () => {
      fc.assert(
        fc.property(jsonInput, ({ format, text }) => {
          const run = () => {
            const { events, parser } = readLines(format, text);
            const replay = new TraceReplay({ checkpointEvery: 4 });
            for (const event of events) replay.apply(event);
            replay.finish();
            checkJsonlRoundTrip(events);
            return { events, skips: parser.skips.byReason(), answers: replayAnswers(replay) };
          };
          expect(canonical(run())).toBe(canonical(run()));
        }),
        budget(250),
      );
    },
    timeout(40_000),
  );

  it(
    'when a Falco alert has hostile output fields, then every field name survives, "__proto__" included',
    () => {
      fc.assert(
        fc.property(
          fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'toString')), hostileValue, {
            maxKeys: 6,
          }),
          (fields) => {
            const line = `{"rule":"r","priority":"Warning","output":"o","output_fields":${JSON.stringify(fields)}}`;
            const raw = parseJsonExact(line) as { output_fields: Record<string, unknown> };
            const event = falcoEvent(raw, 0, 1) as AlertEvent;
            expect(Object.keys(event.fields).sort()).toEqual(Object.keys(raw.output_fields).sort());
          },
        ),
        budget(200),
      );
    },
    timeout(20_000),
  );

  it(
    'when a whole mutated document is read, then every element is an event, a skip or a header',
    () => {
      fc.assert(
        fc.property(jsonInput, fc.boolean(), ({ format, text }, asArray) => {
          const document = asArray ? `[${text.split('\n').join(',')}]` : text;
          const events: TraceEvent[] = [];
          const result = parseJsonDocument(format, document, (event) => events.push(event));
          expect(result.events).toBe(events.length);
          // What the document holds, read by the spec's parser: how many elements, how many HoldCell headers.
          let elements = 1;
          let headers = 0;
          try {
            const value = JSON.parse(document) as unknown;
            const values = Array.isArray(value) ? value : [value];
            elements = values.length;
            const isHeader = (item: unknown) => (item as { kind?: unknown } | null)?.kind === 'meta';
            if (format === 'jsonl') headers = values.filter(isHeader).length;
          } catch {
            // Not JSON at all: the document is one skipped "line".
          }
          const accounted = result.events + result.skips.count;
          expect(accounted).toBeLessThanOrEqual(elements);
          // An invalid document is one skip; a valid one leaves nothing out but its headers.
          expect(accounted).toBeGreaterThanOrEqual(Math.min(1, elements - headers));
        }),
        budget(200),
      );
    },
    timeout(30_000),
  );
});

describe('given mutated JSON trace files', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'hc-fuzz-json-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it(
    'when imported with format detection, then they replay or are refused with a ContractError',
    async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(jsonInput, async ({ text }) => {
          const file = path.join(work, `trace-${run++}.json`);
          await writeFile(file, text, 'utf8');
          try {
            const { replay, result } = await replayTraceFiles([file]);
            expect(result.events).toBe(replay.eventCount);
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
