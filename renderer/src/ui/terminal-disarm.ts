// Turns off every xterm.js escape sequence that lets terminal bytes reach the clipboard, links, the window or its title,
// and shows the invisible characters a terminal would otherwise draw raw.
//
// Why handlers and not filtering bytes: xterm's own parser decides where a sequence ends, so a swallowing handler
// cannot be fooled by split writes or odd terminators the way a regex over the byte stream can. Handlers registered
// later win and returning true stops xterm's built-in handling; colours (SGR) and cursor movement stay untouched.
import type { IDisposable, ITerminalOptions, Terminal } from '@xterm/xterm';
import { visibleFormatCharacters } from '../../../src/contract/visible-text.js';

/**
 * OSC numbers swallowed. Title and icon (0–2), palette and dynamic colours (4, 10–19, 104, 110–119: recolouring
 * could make earlier evidence text unreadable), cwd (7), hyperlinks (8), notifications (9, 777), shell integration
 * (133, 633), clipboard (52, kitty's 5522) and iTerm2's file transfer (1337).
 */
export const BLOCKED_OSC: readonly number[] = [
  0, 1, 2, 4, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 52, 104, 110, 111, 112, 113, 114, 115, 116, 117, 118,
  119, 133, 633, 777, 1337, 5522,
];

/** DCS finals (0x40–0x7e) with no or one intermediate byte: every device control string xterm could act on. */
function dcsIdentifiers(): { intermediates?: string; final: string }[] {
  const ids: { intermediates?: string; final: string }[] = [];
  for (let final = 0x40; final <= 0x7e; final += 1) {
    ids.push({ final: String.fromCharCode(final) });
    for (let intermediate = 0x20; intermediate <= 0x2f; intermediate += 1)
      ids.push({ intermediates: String.fromCharCode(intermediate), final: String.fromCharCode(final) });
  }
  return ids;
}

/** Options every terminal showing untrusted bytes starts with: no window operations, links that do nothing. */
export const DISARMED_OPTIONS: ITerminalOptions = {
  allowProposedApi: false,
  // Every window operation (resize, move, report title…) stays off: evidence must not drive the window.
  windowOptions: {},
  // Without a handler xterm would offer OSC 8 links through confirm(); ours never opens anything.
  linkHandler: { activate: () => undefined, allowNonHttpProtocols: false },
};

/**
 * Registers the swallowing handlers; disposing them restores xterm's defaults (only the owner should). `onIgnored`
 * hears each swallowed sequence by name ("OSC 52", "DCS $q", "CSI t"), so a view can tell the responder that the
 * evidence tried to drive their terminal (and tests can see the disarm was reached, not merely that nothing happened).
 */
export function disarmTerminal(terminal: Terminal, onIgnored?: (sequence: string) => void): IDisposable {
  const swallow = (name: string) => (): boolean => {
    onIgnored?.(name);
    return true;
  };
  const handlers: IDisposable[] = [];
  for (const ident of BLOCKED_OSC) handlers.push(terminal.parser.registerOscHandler(ident, swallow(`OSC ${ident}`)));
  for (const id of dcsIdentifiers())
    handlers.push(terminal.parser.registerDcsHandler(id, swallow(`DCS ${id.intermediates ?? ''}${id.final}`)));
  // CSI … t: XTWINOPS (move, resize, iconify, raise, report or push/pop the title).
  handlers.push(terminal.parser.registerCsiHandler({ final: 't' }, swallow('CSI t')));
  return { dispose: () => handlers.forEach((handler) => handler.dispose()) };
}

/**
 * One terminal's output decoder: UTF-8 across chunk boundaries (an invalid byte becomes U+FFFD, as xterm would show
 * it), then every invisible format character (bidi override or isolate, zero-width, tag, filler) as a visible escape:
 * xterm would draw those as-is, and the browser would obey a bidi override in the row. Controls are left to xterm and
 * the handlers above. A new decoder per reset, so a cut sequence never leaks into the next session.
 */
export function terminalOutputDecoder(): (bytes: Uint8Array) => string {
  const decoder = new TextDecoder('utf-8');
  return (bytes) => visibleFormatCharacters(decoder.decode(bytes, { stream: true }));
}
