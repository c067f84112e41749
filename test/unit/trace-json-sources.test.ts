// Falco alerts, Tetragon events and HoldCell JSONL: read exactly, detected from their first bytes, and lossless through JSONL.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  JsonLineParser,
  falcoEvent,
  parseJsonDocument,
  parseJsonExact,
  tetragonEvent,
} from '../../src/capture/common/trace/json-sources.js';
import { StraceParser } from '../../src/capture/common/trace/strace-parser.js';
import { TraceReplay } from '../../src/capture/common/trace/replay.js';
import { buildReplayReport } from '../../src/capture/common/trace/replay-report.js';
import { FileActivityView, ProcessView } from '../../src/capture/common/trace/replay-model.js';
import { detectFormat } from '../../src/capture/common/trace/trace-detect.js';
import {
  TraceRecord,
  type AlertEvent,
  type TetragonEvent,
  type TraceEvent,
} from '../../src/capture/common/trace/trace-event.js';
import { metaLine, toJsonLine, toRecord } from '../../src/capture/common/trace/trace-jsonl.js';

const sample = (name: string): string => readFileSync(new URL(`../fixtures/samples/${name}`, import.meta.url), 'utf8');

describe('Falco alerts', () => {
  it('given a Falco alert line, then rule, priority, output, tags, time and output fields are kept exactly', () => {
    const line = sample('falco/alerts.jsonl').split('\n')[0] as string;
    const event = falcoEvent(parseJsonExact(line), 0, 1) as AlertEvent;
    expect(event).toMatchObject({
      kind: 'alert',
      rule: 'Terminal shell in container',
      priority: 'Notice',
      containerId: 'a98c2aa8e670',
      pid: null,
    });
    // evt.time is a bare 19-digit integer: read as the exact digits, not a rounded double.
    expect(event.fields['evt.time']).toBe('1513792138590038385');
    expect(event.fields['proc.pname']).toBeNull();
    expect([event.sec, event.nsec]).toEqual([1513792138, 590038385]);
  });

  it('given an alert naming a process and a file, then replay lists the alert and a process for its pid', () => {
    const engine = new TraceReplay();
    const parser = new JsonLineParser('falco', (event) => engine.apply(event));
    parser.line(
      '{"output":"x","priority":"Warning","rule":"Write below etc","time":"2024-01-01T00:00:00.000000001Z","output_fields":{"proc.pid":4242,"proc.ppid":1,"proc.cmdline":"sh -c evil","proc.exepath":"/bin/sh","fd.name":"/etc/cron.d/x","container.id":"abc123"}}',
    );
    engine.finish();
    expect(engine.alertEvents()).toEqual([
      {
        seq: 0,
        at: '2024-01-01T00:00:00.000000001Z',
        pid: 4242,
        rule: 'Write below etc',
        priority: 'Warning',
        output: 'x',
        containerId: 'abc123',
        path: '/etc/cron.d/x',
      },
    ]);
    expect(engine.allProcesses().map((process) => [process.pid, process.exe, process.argv, process.origin])).toEqual([
      [4242, '/bin/sh', ['sh', '-c', 'evil'], 'falco'],
    ]);
  });

  it('given lines that are not alerts, then each is skipped with its reason', () => {
    const parser = new JsonLineParser('falco', () => undefined);
    parser.line('{"kind": 0}');
    parser.line('not json');
    parser.line('{"rule":"r","priority":"p","out', true);
    expect(parser.skips.lines.map((line) => [line.line, line.reason])).toEqual([
      [1, 'not a Falco alert (needs rule, priority, output)'],
      [2, 'invalid JSON'],
      [3, 'truncated last line'],
    ]);
  });
});

describe('Tetragon events', () => {
  it('given a pretty-printed process_kprobe document, then process, parent, function and args are read', () => {
    const events: TraceEvent[] = [];
    parseJsonDocument('tetragon', sample('tetragon/process_kprobe.json'), (event) => events.push(event));
    const event = events[0] as TetragonEvent;
    expect(event).toMatchObject({
      type: 'process_kprobe',
      functionName: '__x64_sys_write',
      action: 'KPROBE_ACTION_POST',
      node: 'gke-kprobe-validation-default-pool-b5e9dab6-k0cj',
      process: {
        pid: 36318,
        uid: 0,
        binary: '/usr/bin/vi',
        arguments: '/etc/passwd',
        cwd: '/usr/share/elasticsearch/',
      },
      parent: { pid: 36222, binary: '/bin/bash' },
    });
    expect(event.process.containerId).toBe(
      'containerd://bae66fa9f18079f78500ad37e88eb8a88b3181b2d0767f26dc532f75e4024d27',
    );
    expect(event.args).toHaveLength(3);
  });

  it('given an NDJSON export whose first exec has no time, then the process start time dates it', () => {
    const events: TraceEvent[] = [];
    const parser = new JsonLineParser('tetragon', (event) => events.push(event));
    for (const line of sample('tetragon/events.json').split('\n')) parser.line(line);
    expect(parser.skips.count).toBe(0);
    expect(events.map((event) => [event.sec, event.nsec])).toEqual([
      [1666062978, 273546829],
      [1666062981, 373327754],
      [1666062982, 225264791],
    ]);
  });

  it('given an object that is not a Tetragon event, then the reason says so', () => {
    expect(tetragonEvent({ node_name: 'x' }, 0, 1)).toBe('not a Tetragon event (no process_* object)');
  });
});

describe('format detection', () => {
  it('given the first bytes of each sample, then the format is recognised', () => {
    expect(detectFormat(sample('falco/alerts.jsonl'))).toEqual({ format: 'falco' });
    expect(detectFormat(sample('tetragon/process_exec.json'))).toEqual({ format: 'tetragon' });
    expect(detectFormat(sample('tetragon/events.json'))).toEqual({ format: 'tetragon' });
    expect(detectFormat(sample('strace/generated/ff.7674'))).toEqual({ format: 'strace' });
    expect(detectFormat(sample('strace/posix-omni-parser/useradd.strace'))).toEqual({ format: 'strace' });
    expect(detectFormat(`${metaLine()}\n`)).toEqual({ format: 'jsonl' });
    expect(detectFormat('')).toEqual({ reason: 'the file is empty' });
    expect(detectFormat('{"kind": 0}')).toMatchObject({ reason: expect.stringMatching(/neither/) });
    expect(detectFormat('hello\nworld\n')).toMatchObject({ reason: expect.stringMatching(/not strace/) });
  });
});

describe('HoldCell JSONL', () => {
  function straceEvents(name: string, options: { defaultPid?: number } = {}): TraceEvent[] {
    const events: TraceEvent[] = [];
    const parser = new StraceParser((event) => events.push(event), { baseDate: '2026-11-22', ...options });
    for (const line of sample(name).split('\n')) parser.line(line);
    parser.end();
    return events;
  }

  function report(events: readonly TraceEvent[]) {
    const engine = new TraceReplay();
    for (const event of events) engine.apply(event);
    engine.finish();
    return buildReplayReport(engine, { count: 0, lines: [], byReason: {} }, []);
  }

  it('given strace samples written as JSONL and read back, then the replay is identical and every record validates', () => {
    for (const name of [
      'strace/generated/network.strace',
      'strace/generated/hexstrings.strace',
      'strace/posix-omni-parser/useradd.strace',
    ]) {
      const direct = straceEvents(name);
      const expected = report(direct);
      const lines = direct.map(toJsonLine);
      for (const line of lines) expect(TraceRecord.safeParse(JSON.parse(line)).success).toBe(true);
      const again: TraceEvent[] = [];
      const parser = new JsonLineParser('jsonl', (event) => again.push(event));
      parser.line(metaLine({ tool: 'test' }));
      for (const line of lines) parser.line(line);
      expect(parser.skips.count).toBe(0);
      expect(parser.meta).toBe(1);
      expect(report(again)).toEqual(expected);
    }
  });

  it('given escapes and annotations, then a record carries decoded bytes (base64 when not printable) and parsed fds', () => {
    const [write] = straceEvents('strace/generated/hexstrings.strace').filter(
      (event) => event.kind === 'syscall' && event.name === 'write',
    );
    expect(toRecord(write as TraceEvent)).toMatchObject({
      kind: 'syscall',
      name: 'write',
      ts: '2026-11-22T22:08:27.148287000Z',
      tns: '1795385307148287000',
      ret: '13',
      retval: 13,
      strings: { '1': { b64: 'G1szMW1yZWQbWzBtCg==' } },
      fds: { '0': { fd: 1, kind: 'path', path: '/dev/null', device: 'char 1:3' } },
    });
  });

  it('given the same events twice, then the JSONL bytes are identical', () => {
    const first = straceEvents('strace/generated/signals.strace').map(toJsonLine).join('\n');
    const second = straceEvents('strace/generated/signals.strace').map(toJsonLine).join('\n');
    expect(first).toBe(second);
  });
});

// Inputs the fuzzer (test/unit/fuzz-json-sources.test.ts) found: each once threw out of the reader, dropped a
// field, or let a number no view schema accepts into the replay.
describe('hostile JSON found by fuzzing', () => {
  it('given a Falco output field nested 10,000 deep, then the line is a counted skip, not a stack overflow', () => {
    const events: TraceEvent[] = [];
    const parser = new JsonLineParser('falco', (event) => events.push(event));
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    parser.line(`{"rule":"r","priority":"p","output":"o","output_fields":{"a":${deep}}}`);
    expect(events).toEqual([]);
    expect(parser.skips.byReason()).toEqual({ 'invalid JSON': 1 });
    expect(() => parseJsonExact(deep)).toThrow(/nested deeper than 256 levels/);
  });

  it('given an output field named "__proto__", then it is kept like any other field', () => {
    const event = falcoEvent(
      parseJsonExact('{"rule":"r","priority":"p","output":"o","output_fields":{"__proto__":null,"fd.name":"/x"}}'),
      0,
      1,
    ) as AlertEvent;
    expect(Object.keys(event.fields).sort()).toEqual(['__proto__', 'fd.name']);
    expect(Object.getPrototypeOf(event.fields)).toBe(Object.prototype);
  });

  it('given a Tetragon pid of 1e+308 and a write of 1e308 bytes, then both are unknown and every view validates', () => {
    const engine = new TraceReplay();
    const parser = new JsonLineParser('tetragon', (event) => engine.apply(event));
    parser.line(
      '{"process_exec":{"process":{"exec_id":"x","pid":1e+308,"binary":"/bin/sh","start_time":"2024-01-01T00:00:00Z"}},"time":"2024-01-01T00:00:00Z"}',
    );
    parser.line(
      '{"process_kprobe":{"process":{"exec_id":"y","pid":7,"binary":"/bin/sh"},"function_name":"__x64_sys_write","args":[{"file_arg":{"path":"/etc/passwd"}},{"size_arg":"1e308"}]},"time":"2024-01-01T00:00:01Z"}',
    );
    engine.finish();
    expect(parser.skips.count).toBe(0);
    for (const view of engine.allProcesses()) ProcessView.parse(view);
    expect(engine.fileActivity().map((view) => FileActivityView.parse(view).bytesWritten)).toEqual([0]);
  });

  it('given a 23-digit integer with leading zeros, then the line is invalid JSON (it was once read as a string)', () => {
    expect(() => parseJsonExact('{"version":00000000000000000000001}')).toThrow(SyntaxError);
    expect(parseJsonExact('{"t":1513792138590038385}')).toEqual({ t: '1513792138590038385' });
  });

  it('given a time past year 9999 and one in year 50, then the first is untimed and the second read as written', () => {
    const events: TraceEvent[] = [];
    const parser = new JsonLineParser('jsonl', (event) => events.push(event));
    parser.line('{"seq":0,"kind":"diag","pid":null,"text":"x","tns":"999999999999999999999999999"}');
    parser.line('{"seq":1,"kind":"diag","pid":null,"text":"y","ts":"0050-06-01T00:00:00.000000000Z"}');
    expect(Number.isNaN(events[0]?.sec)).toBe(true);
    expect(toRecord(events[1] as TraceEvent).ts).toBe('0050-06-01T00:00:00.000000000Z');
  });
});

describe('big integers', () => {
  it('given a line of 10,000 integers of every kind (quoted in groups), then each big one is exact and the rest as JSON', () => {
    // More integers than one quoting group holds, so big integers fall on both sides of every group boundary.
    const values = Array.from({ length: 10_000 }, (_, index) => {
      const digits = `${1 + (index % 9)}${String(index).padStart(17, '0')}`;
      switch (index % 5) {
        case 0:
          return { text: digits, value: digits };
        case 1:
          return { text: `-${digits}`, value: `-${digits}` };
        case 2:
          return { text: `${digits}e2`, value: Number(`${digits}e2`) };
        case 3:
          return { text: String(index), value: index };
        default:
          return { text: `"${digits}\\"${digits}"`, value: `${digits}"${digits}` };
      }
    });
    const line = `{"n":[${values.map((value) => value.text).join(',')}],"t":1513792138590038385}`;
    expect(parseJsonExact(line)).toEqual({ n: values.map((value) => value.value), t: '1513792138590038385' });
  });
});
