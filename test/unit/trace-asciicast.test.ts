// The attacker's terminal as asciicast v2: exact bytes, deterministic timing, one session chosen by pid.
import { describe, expect, it } from 'vitest';
import { asciicast } from '../../src/capture/common/trace/asciicast.js';
import { StraceParser } from '../../src/capture/common/trace/strace-parser.js';
import { TraceReplay } from '../../src/capture/common/trace/replay.js';

function replay(text: string): TraceReplay {
  const engine = new TraceReplay();
  const parser = new StraceParser((event) => engine.apply(event), { baseDate: '2026-11-22' });
  for (const line of text.split('\n')) parser.line(line);
  parser.end();
  engine.finish();
  return engine;
}

const SESSION = `
10  10:00:00.000000 ioctl(1</dev/pts/0<char 136:0>>, TIOCGWINSZ, {ws_row=40, ws_col=132, ws_xpixel=0, ws_ypixel=0}) = 0
10  10:00:00.000000 write(1</dev/pts/0<char 136:0>>, "$ ", 2) = 2
10  10:00:01.250000 read(0</dev/pts/0<char 136:0>>, "id\\n", 1024) = 3
10  10:00:01.300000 clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=0x1) = 11
11  10:00:01.400000 write(1</dev/pts/0<char 136:0>>, "\\33[1muid=0\\33[0m caf\\303", 18) = 18
11  10:00:01.400001 write(1</dev/pts/0<char 136:0>>, "\\251\\n", 2) = 2
12  10:00:02.000000 write(1</dev/pts/1<char 136:1>>, "other session\\n", 14) = 14
`;

describe('asciicast v2 export', () => {
  it('given a session, then the header has the traced terminal size and each write is an "o" event at its offset', () => {
    const cast = asciicast(replay(SESSION), { title: 'case 7' });
    expect(cast).toBe(
      [
        '{"version":2,"width":132,"height":40,"timestamp":1795341600,"title":"case 7"}',
        '[0.000000, "o", "$ "]',
        '[1.400000, "o", "\\u001b[1muid=0\\u001b[0m caf"]',
        // The "é" split across two writes is joined, not turned into two replacement characters.
        '[1.400001, "o", "é\\n"]',
        '[2.000000, "o", "other session\\n"]',
        '',
      ].join('\n'),
    );
  });

  it('given a pid, then only that process and its descendants are in the recording; input only when asked', () => {
    const engine = replay(SESSION);
    const cast = asciicast(engine, { pid: 10, input: true }).split('\n');
    expect(cast.slice(1)).toEqual([
      '[0.000000, "o", "$ "]',
      '[1.250000, "i", "id\\n"]',
      '[1.400000, "o", "\\u001b[1muid=0\\u001b[0m caf"]',
      '[1.400001, "o", "é\\n"]',
      '',
    ]);
    expect(() => asciicast(engine, { pid: 999 })).toThrow(/not in this trace/);
  });

  it('given the same trace twice, then the recordings are byte-identical; untimed traces step 100 ms per write', () => {
    expect(asciicast(replay(SESSION))).toBe(asciicast(replay(SESSION)));
    const engine = new TraceReplay();
    const parser = new StraceParser((event) => engine.apply(event), { defaultPid: 5 });
    parser.line('write(1, "a", 1) = 1');
    parser.line('write(1, "b\\377", 2) = 2');
    parser.end();
    expect(asciicast(engine)).toBe(
      ['{"version":2,"width":80,"height":24}', '[0.000000, "o", "a"]', '[0.100000, "o", "b\ufffd"]', ''].join('\n'),
    );
  });
});
