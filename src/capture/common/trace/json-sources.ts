// JSON trace sources: Falco alerts, Tetragon export events and HoldCell's own JSONL, line by line or as one document.
//
// Numbers: Falco writes nanosecond times as bare integers (1513792138590038385) that JSON.parse would round, so
// integers of 16 digits or more are read as strings. Instants come from the ISO `time` fields, which are exact.
import type { AlertEvent, TetragonEvent, TetragonProcess, TraceEvent } from './trace-event.js';
import { MetaRecord, TraceRecord } from './trace-event.js';
import { SkipLog } from './trace-skips.js';
import { parseIso, parseNs } from './trace-time.js';

export type JsonFormat = 'jsonl' | 'falco' | 'tetragon';

export interface JsonSourceOptions {
  file?: number;
  skips?: SkipLog;
}

/**
 * Deepest nesting of arrays and objects accepted. Found by fuzzing: a Falco line whose output field was nested
 * 10,000 deep parsed fine, then JSON.stringify (of the field, of the JSONL record) overflowed the stack. Real
 * Falco, Tetragon and HoldCell records nest fewer than 20 levels.
 */
export const MAX_JSON_DEPTH = 256;

/** JSON.parse, with integer literals of 16+ digits kept as strings (exact); SyntaxError when nested too deep. */
export function parseJsonExact(text: string): unknown {
  checkDepth(text);
  return JSON.parse(quoteBigIntegers(text));
}

function checkDepth(text: string): void {
  let depth = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 34) {
      index++;
      while (index < text.length && text.charCodeAt(index) !== 34) index += text.charCodeAt(index) === 92 ? 2 : 1;
    } else if (code === 91 || code === 123) {
      if (++depth > MAX_JSON_DEPTH) throw new SyntaxError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    } else if (code === 93 || code === 125) depth--;
  }
}

/** 0-9 . e E + - */
function isNumberChar(code: number): boolean {
  return (code >= 48 && code <= 57) || code === 46 || code === 101 || code === 69 || code === 43 || code === 45;
}

/** True when text[start, end) is a JSON integer of 16+ digits: an optional "-", no leading zero, digits only. */
function isBigInteger(text: string, start: number, end: number): boolean {
  const first = text.charCodeAt(start) === 45 ? start + 1 : start;
  if (end - first < 16 || text.charCodeAt(first) === 48) return false;
  for (let index = first; index < end; index++) {
    const code = text.charCodeAt(index);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

/**
 * Big integers gathered per group before joining: joined as they come, the pieces die young; kept for the whole
 * line, hundreds of thousands of them outlive every young-generation collection and are copied by each one.
 */
const QUOTE_GROUP = 2048;

function quoteBigIntegers(text: string): string {
  if (!/\d{16}/.test(text)) return text;
  // Scanned with character codes (bench:parsers: a regular expression per character, and one growing string, cost
  // more per integer the longer the line). The pieces alternate text before an integer, then the integer, and are
  // joined with '"': the separator is both quotes, so no quote string is kept per integer.
  const groups: string[] = [];
  let pieces: string[] = [];
  let last = 0;
  let index = 0;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === 34) {
      // Skip a string literal.
      index++;
      while (index < text.length && text.charCodeAt(index) !== 34) index += text.charCodeAt(index) === 92 ? 2 : 1;
      index++;
      continue;
    }
    if ((code >= 48 && code <= 57) || code === 45) {
      let end = index + 1;
      while (end < text.length && isNumberChar(text.charCodeAt(end))) end++;
      // A JSON integer has no leading zero: "0000…1" stays invalid JSON (found by fuzzing: it was read as a string).
      if (isBigInteger(text, index, end)) {
        pieces.push(text.slice(last, index), text.slice(index, end));
        last = end;
        if (pieces.length >= QUOTE_GROUP) {
          groups.push(pieces.join('"'));
          pieces = [];
        }
      }
      index = end;
      continue;
    }
    index++;
  }
  pieces.push(text.slice(last));
  groups.push(pieces.join('"'));
  return groups.join('"');
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function int(value: unknown): number | null {
  // Safe integers only: found by fuzzing, a Tetragon pid of 1e308 passed Number.isInteger and broke every view.
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d{1,15}$/.test(value)) return Number(value);
  return null;
}

function instant(iso: unknown): { sec: number; nsec: number } {
  const parsed = typeof iso === 'string' ? parseIso(iso) : undefined;
  return parsed ?? { sec: Number.NaN, nsec: 0 };
}

/** One Falco JSON alert → event; a string says why it is not one. */
export function falcoEvent(value: unknown, file: number, line: number): AlertEvent | string {
  if (!isObject(value)) return 'not a JSON object';
  const rule = str(value.rule);
  const priority = str(value.priority);
  const output = str(value.output);
  if (rule === null || priority === null || output === null) return 'not a Falco alert (needs rule, priority, output)';
  const rawFields = isObject(value.output_fields) ? value.output_fields : {};
  // Object.fromEntries defines own properties: found by fuzzing, assigning fields["__proto__"] silently dropped
  // an output field named "__proto__" (evidence a hostile rule or process can put there).
  const fields: Record<string, string | number | boolean | null> = Object.fromEntries(
    Object.keys(rawFields)
      .sort()
      .map((key) => {
        const field = rawFields[key];
        return [
          key,
          field === null || typeof field === 'string' || typeof field === 'number' || typeof field === 'boolean'
            ? field
            : JSON.stringify(field),
        ];
      }),
  );
  const time = instant(value.time);
  const tags = Array.isArray(value.tags) ? value.tags.filter((tag): tag is string => typeof tag === 'string') : [];
  return {
    kind: 'alert',
    seq: 0,
    sec: time.sec,
    nsec: time.nsec,
    file,
    line,
    pid: int(fields['proc.pid']),
    tid: int(fields['thread.tid']),
    rule,
    priority,
    output,
    source: str(value.source),
    hostname: str(value.hostname),
    tags,
    fields,
    containerId: typeof fields['container.id'] === 'string' ? fields['container.id'] : null,
  };
}

function tetragonProcess(value: unknown): TetragonProcess {
  const process = isObject(value) ? value : {};
  const pod = isObject(process.pod) ? process.pod : {};
  const container = isObject(pod.container) ? pod.container : {};
  const image = isObject(container.image) ? container.image : {};
  return {
    pid: int(process.pid),
    tid: int(process.tid),
    uid: int(process.uid),
    binary: str(process.binary),
    arguments: str(process.arguments),
    cwd: str(process.cwd),
    execId: str(process.exec_id),
    parentExecId: str(process.parent_exec_id),
    startTime: str(process.start_time),
    containerId: str(container.id) ?? str(process.docker),
    containerName: str(container.name),
    image: str(image.name),
    podName: str(pod.name),
    podNamespace: str(pod.namespace),
  };
}

/** One Tetragon export event (`{"process_exec": {...}, "node_name": …, "time": …}`) → event, or why not. */
export function tetragonEvent(value: unknown, file: number, line: number): TetragonEvent | string {
  if (!isObject(value)) return 'not a JSON object';
  const type = Object.keys(value).find((key) => key.startsWith('process_') && isObject(value[key]));
  if (type === undefined) return 'not a Tetragon event (no process_* object)';
  const body = value[type] as Json;
  if (!isObject(body.process)) return `Tetragon ${type} without a process`;
  const process = tetragonProcess(body.process);
  // Some exports omit the event time on a process_exec: its process start is the exec instant.
  const time = instant(value.time ?? (type === 'process_exec' ? process.startTime : undefined));
  const subsystem = str(body.subsys);
  const tracepoint = str(body.event);
  const connect =
    type === 'process_connect' && typeof body.destination_ip === 'string'
      ? {
          sourceIp: str(body.source_ip) ?? '',
          sourcePort: int(body.source_port) ?? 0,
          destinationIp: body.destination_ip,
          destinationPort: int(body.destination_port) ?? 0,
          protocol: str(body.protocol) ?? '',
        }
      : null;
  return {
    kind: 'tetragon',
    seq: 0,
    sec: time.sec,
    nsec: time.nsec,
    file,
    line,
    type,
    node: str(value.node_name),
    process,
    parent: isObject(body.parent) ? tetragonProcess(body.parent) : null,
    functionName:
      str(body.function_name) ?? (subsystem !== null && tracepoint !== null ? `${subsystem}/${tracepoint}` : null),
    args: Array.isArray(body.args) ? body.args : [],
    action: str(body.action),
    policy: str(body.policy_name),
    exitSignal: type === 'process_exit' ? str(body.signal) || null : null,
    exitStatus: type === 'process_exit' ? int(body.status) : null,
    connect,
  };
}

/** One line of HoldCell JSONL → event; 'meta' for the optional header record; a string for anything else. */
export function holdcellEvent(value: unknown, file: number, line: number): TraceEvent | 'meta' | string {
  if (isObject(value) && value.kind === 'meta') {
    const meta = MetaRecord.safeParse(value);
    return meta.success ? 'meta' : `invalid meta record: ${meta.error.issues[0]?.message ?? 'unknown'}`;
  }
  const parsed = TraceRecord.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `not a HoldCell trace record: ${issue === undefined ? 'invalid' : `${issue.path.join('.')}: ${issue.message}`}`;
  }
  const record = parsed.data;
  const time = (record.tns === undefined ? undefined : parseNs(record.tns)) ??
    (record.ts === undefined ? undefined : parseIso(record.ts)) ?? { sec: Number.NaN, nsec: 0 };
  // Every field written out, never `{ ...base, kind, … }`: Node 20's V8 adds each property after a spread at run
  // time (~9 µs a syscall record, more than reading its line).
  const seq = record.seq;
  const sec = time.sec;
  const nsec = time.nsec;
  const fileNo = record.file ?? file;
  const lineNo = record.line ?? line;
  switch (record.kind) {
    case 'syscall':
      return {
        seq,
        sec,
        nsec,
        file: fileNo,
        line: lineNo,
        kind: 'syscall',
        pid: record.pid,
        tid: record.tid,
        name: record.name,
        argText: record.args.join(', '),
        args: record.args,
        ret: record.ret ?? '',
        dur: record.dur ?? '',
        state: record.state ?? 'complete',
      };
    case 'signal':
      return {
        seq,
        sec,
        nsec,
        file: fileNo,
        line: lineNo,
        kind: 'signal',
        pid: record.pid,
        tid: record.tid,
        signal: record.signal,
        info: record.info,
      };
    case 'exit':
      return {
        seq,
        sec,
        nsec,
        file: fileNo,
        line: lineNo,
        kind: 'exit',
        pid: record.pid,
        tid: record.tid,
        code: record.code,
        signal: record.signal,
        core: record.core,
        supersededBy: record.supersededBy ?? null,
      };
    case 'diag':
      return { seq, sec, nsec, file: fileNo, line: lineNo, kind: 'diag', pid: record.pid, text: record.text };
    case 'alert': {
      const { ts: _ts, tns: _tns, file: _file, line: _line, ...alert } = record;
      return { ...alert, seq, sec, nsec, file: fileNo, line: lineNo, kind: 'alert' };
    }
    case 'tetragon': {
      const { ts: _ts, tns: _tns, file: _file, line: _line, ...tetragon } = record;
      return { ...tetragon, seq, sec, nsec, file: fileNo, line: lineNo, kind: 'tetragon' };
    }
  }
}

function convert(format: JsonFormat, value: unknown, file: number, line: number): TraceEvent | 'meta' | string {
  if (format === 'falco') return falcoEvent(value, file, line);
  if (format === 'tetragon') return tetragonEvent(value, file, line);
  return holdcellEvent(value, file, line);
}

/** Newline-delimited JSON of one format: one event per line; bad lines are skipped with their reason. */
export class JsonLineParser {
  readonly skips: SkipLog;
  private readonly file: number;
  private lineNo = 0;
  private metaLines = 0;

  constructor(
    private readonly format: JsonFormat,
    private readonly sink: (event: TraceEvent) => void,
    options: JsonSourceOptions = {},
  ) {
    this.skips = options.skips ?? new SkipLog();
    this.file = options.file ?? 0;
  }

  get lines(): number {
    return this.lineNo;
  }

  /** Header records seen (HoldCell JSONL "meta"). */
  get meta(): number {
    return this.metaLines;
  }

  /** Every newline-separated line of a chunk (a decoded block of whole lines without the final newline). */
  chunk(text: string): void {
    for (const line of text.split('\n')) this.line(line);
  }

  line(text: string, final = false): void {
    this.lineNo++;
    const trimmed = text.trim();
    if (trimmed === '') return;
    let value: unknown;
    try {
      value = parseJsonExact(trimmed);
    } catch {
      this.skips.add(this.file, this.lineNo, final ? 'truncated last line' : 'invalid JSON', text);
      return;
    }
    this.one(value, this.lineNo, text);
  }

  /** A line the reader could not hold (longer than it reads): counted and skipped with its length, never parsed. */
  longLine(bytes: number, _final: boolean): void {
    this.lineNo++;
    this.skips.add(this.file, this.lineNo, 'line too long to read', `(${bytes} bytes)`);
  }

  /** One value (from a line or from a whole document). */
  one(value: unknown, line: number, text: string): void {
    const event = convert(this.format, value, this.file, line);
    if (event === 'meta') this.metaLines++;
    else if (typeof event === 'string') this.skips.add(this.file, line, event, text);
    else this.sink(event);
  }
}

/**
 * A whole JSON document: one event object (Tetragon's pretty-printed examples) or an array of events.
 * Invalid JSON is one skipped "line" (the document), with the parser's reason.
 */
export function parseJsonDocument(
  format: JsonFormat,
  text: string,
  sink: (event: TraceEvent) => void,
  options: JsonSourceOptions = {},
): { skips: SkipLog; events: number } {
  let events = 0;
  const parser = new JsonLineParser(
    format,
    (event) => {
      events++;
      sink(event);
    },
    options,
  );
  let value: unknown;
  try {
    value = parseJsonExact(text);
  } catch (error) {
    parser.skips.add(options.file ?? 0, 1, `invalid JSON document: ${(error as Error).message}`, text.slice(0, 240));
    return { skips: parser.skips, events };
  }
  // An array holds one event per element (its "line" is its position); a single object is line 1.
  const values = Array.isArray(value) ? value : [value];
  values.forEach((item, index) => parser.one(item, index + 1, JSON.stringify(item)));
  return { skips: parser.skips, events };
}
