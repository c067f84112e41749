// Reading trace files from disk: chunk boundaries, long and unterminated lines, -ff sets, dating time of day, bad input.
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyscallEvent, TraceEvent } from '../../src/capture/common/trace/trace-event.js';
import { readTraceFiles, replayTraceFiles } from '../../src/capture/node/trace-files.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'holdcell-trace-files-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function read(files: string[], options: Parameters<typeof readTraceFiles>[2] = {}) {
  const events: TraceEvent[] = [];
  const result = await readTraceFiles(files, (event) => events.push(event), options);
  return { events, result };
}

describe('reading strace files', () => {
  it('given lines across chunk boundaries, a line longer than a chunk and no final newline, then every line is read once, in order', async () => {
    const lines: string[] = [];
    for (let index = 0; index < 40_000; index++) lines.push(`7  getpid${'x'.repeat(index % 97)}() = ${index}`);
    const huge = 'A'.repeat(1_500_000);
    lines.splice(20_000, 0, `7  write(1, "${huge}", 1500000) = 1500000`);
    const file = path.join(dir, 'long.strace');
    await writeFile(file, lines.join('\r\n'));
    const { events, result } = await read([file], { lexer: 'thread' });
    expect(result.skips.count).toBe(0);
    expect(result.inputs[0]?.lines).toBe(lines.length);
    const calls = events as SyscallEvent[];
    expect(calls).toHaveLength(lines.length);
    expect(calls.map((call) => call.line)).toEqual(lines.map((_, index) => index + 1));
    expect(calls[20_000]).toMatchObject({ name: 'write', ret: '1500000' });
    expect(calls[20_000]?.argText).toBe(`1, "${huge}", 1500000`);
    expect(calls.at(-1)).toMatchObject({ ret: '39999' });
  });

  it('given a truncated last line, then it is reported as such and everything before it is kept', async () => {
    const file = path.join(dir, 'cut.strace');
    await writeFile(file, '7  getpid() = 7\n7  write(1, "hel');
    const { events, result } = await read([file]);
    expect(events).toHaveLength(1);
    expect(result.skips.lines.map((line) => [line.line, line.reason])).toEqual([[2, 'truncated last line']]);
  });

  it('given an -ff prefix, then its files are one trace with pids from their names, merged by time', async () => {
    await writeFile(
      path.join(dir, 'ff.10'),
      '1795385307.000001 clone(child_stack=NULL, flags=SIGCHLD) = 11\n1795385307.000009 exit_group(0) = ?\n',
    );
    await writeFile(path.join(dir, 'ff.11'), '1795385307.000005 getpid() = 11\n1795385307.000007 exit_group(0) = ?\n');
    const { events, result } = await read([path.join(dir, 'ff')]);
    expect(result.inputs.map((input) => input.pid)).toEqual([10, 11]);
    expect((events as SyscallEvent[]).map((event) => `${event.pid}:${event.name}`)).toEqual([
      '10:clone',
      '11:getpid',
      '11:exit_group',
      '10:exit_group',
    ]);
  });

  it("given time of day and no base date, then the file's modification time dates it, a day earlier when it crossed midnight", async () => {
    const file = path.join(dir, 'tod.strace');
    await writeFile(file, '5  23:59:58.000000 getpid() = 5\n5  00:00:02.000000 getppid() = 1\n');
    await utimes(file, new Date('2026-03-02T00:00:03Z'), new Date('2026-03-02T00:00:03Z'));
    const { replay, result } = await replayTraceFiles([file]);
    expect(result.dating).toMatch(/dated 2026-03-01 \(from the file's modification time\)/);
    expect(replay.span()).toMatchObject({
      first: '2026-03-01T23:59:58.000000000Z',
      last: '2026-03-02T00:00:02.000000000Z',
    });
    const given = await replayTraceFiles([file], { baseDate: '2020-01-01', utcOffset: '+01:00' });
    expect(given.replay.span().first).toBe('2020-01-01T22:59:58.000000000Z');
  });

  it('given input that is no trace, then the error says what it is and how to force a format', async () => {
    const empty = path.join(dir, 'empty');
    await writeFile(empty, '');
    await expect(read([empty])).rejects.toThrow(/empty; give --format/);
    const json = path.join(dir, 'other.json');
    await writeFile(json, '{"hello": "world"}\n');
    await expect(read([json])).rejects.toThrow(/neither HoldCell JSONL, a Falco alert nor a Tetragon event/);
    await expect(read([path.join(dir, 'missing')])).rejects.toThrow(/no trace at/);
    await expect(read([empty], { baseDate: '2026-13-01' })).rejects.toThrow(/expected YYYY-MM-DD/);
    const forced = await read([json], { format: 'falco' });
    expect(forced.result.skips.lines[0]?.reason).toBe('not a Falco alert (needs rule, priority, output)');
  });

  it('given a capture whose strace for a vanished process wrote nothing, then the other traces still replay', async () => {
    const empty = path.join(dir, 'strace-2.strace.txt');
    await writeFile(empty, '');
    const trace = path.join(dir, 'strace-1.strace.txt');
    await writeFile(trace, '7 1795395600.000000 getpid() = 7\n');
    const { replay, result } = await replayTraceFiles([trace, empty]);
    expect(replay.eventCount).toBe(1);
    expect(result.skips.count).toBe(0);
    expect(result.inputs.map((input) => [input.lines, input.bytes])).toEqual([
      [1, 33],
      [0, 0],
    ]);
  });
});

// Found by bench:parsers (a file that is one line with no newline): the reader grew that line without bound.
describe('a line longer than the reader holds', () => {
  it('given a 65 MiB line between two ordinary ones (strace and NDJSON), then it is skipped and counted, the others read', async () => {
    const long = Buffer.alloc(65 * 1024 * 1024, 0x41);
    const strace = path.join(dir, 'long-line.strace');
    await writeFile(
      strace,
      Buffer.concat([Buffer.from('7  getpid() = 7\n'), long, Buffer.from('\n7  getppid() = 1\n')]),
    );
    const fromStrace = await read([strace], { format: 'strace', lexer: 'thread' });
    expect((fromStrace.events as SyscallEvent[]).map((event) => [event.line, event.name])).toEqual([
      [1, 'getpid'],
      [3, 'getppid'],
    ]);
    expect(fromStrace.result.skips.lines).toEqual([
      { file: 0, line: 2, reason: 'line too long to read', text: `(${long.length} bytes)` },
    ]);
    expect(fromStrace.result.inputs[0]?.lines).toBe(3);

    const falco = path.join(dir, 'long-line.jsonl');
    const alert = '{"rule":"r","priority":"Warning","output":"o","time":"2024-01-01T00:00:00Z"}';
    await writeFile(falco, Buffer.concat([Buffer.from(`${alert}\n`), long]));
    const fromFalco = await read([falco], { format: 'falco' });
    expect(fromFalco.events).toHaveLength(1);
    expect(fromFalco.result.skips.byReason()).toEqual({ 'line too long to read': 1 });
  });
});
