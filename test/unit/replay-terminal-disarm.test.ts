// The shared terminal disarm, on the real xterm.js parser: evidence bytes render text and colours, and nothing else acts.
import xterm from '@xterm/xterm';
import { describe, expect, it } from 'vitest';
import {
  BLOCKED_OSC,
  DISARMED_OPTIONS,
  disarmTerminal,
  terminalOutputDecoder,
} from '../../renderer/src/ui/terminal-disarm.js';

const { Terminal } = xterm;

/** A real xterm (no DOM needed for the parser and buffer); replies the terminal would send are collected. */
function terminal(disarmed: boolean) {
  const created = new Terminal({ ...DISARMED_OPTIONS, cols: 80, rows: 10, allowProposedApi: true });
  if (disarmed) disarmTerminal(created);
  const replies: string[] = [];
  const titles: string[] = [];
  created.onData((data) => replies.push(data));
  created.onTitleChange((title) => titles.push(title));
  const write = (data: string) => new Promise<void>((resolve) => created.write(data, resolve));
  const line = (row: number) => created.buffer.active.getLine(row)?.translateToString(true) ?? '';
  return { created, replies, titles, write, line };
}

describe('a terminal showing hostile evidence bytes', () => {
  it('given the attacker printed an OSC 52 clipboard write, when replayed, then the visible text stays and the sequence reaches no handler', async () => {
    const term = terminal(false);
    let reached = false;
    // Registered before the disarm: it runs only if the disarm's handler lets the sequence through.
    term.created.parser.registerOscHandler(52, () => (reached = true));
    disarmTerminal(term.created);
    await term.write('\x1b]52;c;ZXZpbA==\x07hostile\r\n');
    expect(reached).toBe(false);
    expect(term.line(0)).toBe('hostile');
  });

  it('given an OSC 52 split across writes, when replayed, then it is still swallowed whole', async () => {
    const term = terminal(false);
    let reached = false;
    term.created.parser.registerOscHandler(52, () => (reached = true));
    disarmTerminal(term.created);
    await term.write('before\x1b]5');
    await term.write('2;c;ZXZp');
    await term.write('bA==\x1b\\after');
    expect(reached).toBe(false);
    expect(term.line(0)).toBe('beforeafter');
  });

  it('given hyperlinks, titles and iTerm2 file transfers, when replayed, then no handler behind the disarm sees them', async () => {
    const term = terminal(false);
    const reached: number[] = [];
    for (const ident of [0, 2, 8, 1337, 5522])
      term.created.parser.registerOscHandler(ident, () => reached.push(ident) > 0);
    disarmTerminal(term.created);
    await term.write('\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07 \x1b]0;pwned\x07\x1b]2;pwned\x07');
    await term.write('\x1b]1337;File=name=eA==:eA==\x07\x1b]5522;type=write\x07done');
    expect(reached).toEqual([]);
    expect(term.titles).toEqual([]);
    expect(term.line(0)).toBe('click done');
  });

  it('given a title change, when replayed without the disarm, then xterm would report it (the check can fail)', async () => {
    const bare = terminal(false);
    await bare.write('\x1b]0;pwned\x07');
    expect(bare.titles).toEqual(['pwned']);
    const armed = terminal(true);
    await armed.write('\x1b]0;pwned\x07');
    expect(armed.titles).toEqual([]);
  });

  it('given a DCS status request, when replayed, then the terminal sends no reply (xterm would without the disarm)', async () => {
    const request = '\x1bP$qm\x1b\\';
    const bare = terminal(false);
    await bare.write(request);
    expect(bare.replies.join('')).toContain('$r');
    const armed = terminal(true);
    await armed.write(request);
    expect(armed.replies).toEqual([]);
  });

  it('given palette changes and queries and window operations, when replayed, then no handler behind the disarm runs', async () => {
    const term = terminal(false);
    const reached: string[] = [];
    for (const ident of [4, 10, 11, 104])
      term.created.parser.registerOscHandler(ident, () => reached.push(`osc ${ident}`) > 0);
    term.created.parser.registerCsiHandler({ final: 't' }, () => reached.push('csi t') > 0);
    disarmTerminal(term.created);
    await term.write('\x1b]4;1;?\x07\x1b]11;?\x07\x1b]4;1;rgb:00/00/00\x07\x1b]10;#000000\x07\x1b]104\x07');
    await term.write('\x1b[8;1;1t\x1b[21t\x1b[14t\x1b[2t');
    expect(reached).toEqual([]);
    expect(term.replies).toEqual([]);
  });

  it('given colours and cursor movement, when replayed, then they still render', async () => {
    const term = terminal(true);
    await term.write('\x1b[31mred\x1b[0m plain\x1b[2;5Hmoved');
    const cell = term.created.buffer.active.getLine(0)?.getCell(0);
    expect(cell?.isFgPalette()).toBeTruthy();
    expect(cell?.getFgColor()).toBe(1);
    expect(term.line(0)).toBe('red plain');
    expect(term.line(1)).toBe('    moved');
  });

  it('given clipboard, link, DCS, window-op and 8-bit OSC sequences, when replayed, then the disarm names each one it swallowed', async () => {
    const term = terminal(false);
    const ignored: string[] = [];
    disarmTerminal(term.created, (sequence) => ignored.push(sequence));
    await term.write('\x1b]52;c;ZXZpbA==\x07\x1b]8;;http://x/\x07l\x1b]8;;\x07\x1bP$qm\x1b\\\x1b[21t\u009d0;t\u009c');
    // No "CSI t": with windowOptions {} xterm's API answers window operations before any registered handler sees
    // them (the disarm's CSI t handler is the second lock, for a terminal whose options were changed).
    expect(ignored).toEqual(['OSC 52', 'OSC 8', 'OSC 8', 'DCS $q', 'OSC 0']);
    expect(term.line(0)).toBe('l');
    expect(term.replies).toEqual([]);
  });

  it('given bidi overrides, zero-width and tag characters in the output (found by the hostile-strings e2e), when decoded for the terminal, then they are drawn as escapes and controls still act', async () => {
    const term = terminal(true);
    const decode = terminalOutputDecoder();
    const bytes = new TextEncoder().encode('invoice\u202efdp.exe ad\u200bmin ok\u{e0068}\u{e0069}\r\n\x1b[31mred');
    // Split inside the three-byte RLO and the four-byte tag: the decoder carries the partial sequences over.
    await term.write(decode(bytes.subarray(0, 9)));
    await term.write(decode(bytes.subarray(9, 30)));
    await term.write(decode(bytes.subarray(30)));
    expect(term.line(0)).toBe('invoice\\u{202e}fdp.exe ad\\u{200b}min ok\\u{e0068}\\u{e0069}');
    expect(term.line(1)).toBe('red');
    expect(term.created.buffer.active.getLine(1)?.getCell(0)?.getFgColor()).toBe(1);
    // Invalid UTF-8 shows as the replacement character, as xterm's own decoder would.
    expect(terminalOutputDecoder()(Uint8Array.from([0x61, 0xff, 0x62]))).toBe('a\ufffdb');
  });

  it('given the disarm list, then clipboard, links and titles are on it', () => {
    for (const ident of [0, 1, 2, 8, 52, 1337]) expect(BLOCKED_OSC).toContain(ident);
  });
});
