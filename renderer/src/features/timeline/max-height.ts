// The tallest element this browser lays out, measured once: Chromium (Electron) takes about 33.5 million px,
// Firefox about 17.9 million. The list scrolls natively up to it and maps positions proportionally beyond.
import { MAX_SCROLL_HEIGHT } from './windowing.js';

/** Kept below the measured limit, where layout precision is still well under a pixel. */
const MARGIN = 0.95;
const PROBE_PX = 40_000_000;

let measured: number | undefined;

export function browserMaxHeight(): number {
  if (measured !== undefined) return measured;
  measured = MAX_SCROLL_HEIGHT;
  try {
    // A rule in a constructable sheet, not an inline style (CSP), on an element nobody sees.
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(`.vlist-probe{position:absolute;visibility:hidden;width:1px;height:${PROBE_PX}px}`);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    const probe = document.createElement('div');
    probe.className = 'vlist-probe';
    document.body.append(probe);
    const height = probe.getBoundingClientRect().height;
    probe.remove();
    document.adoptedStyleSheets = document.adoptedStyleSheets.filter((candidate) => candidate !== sheet);
    if (Number.isFinite(height) && height > MAX_SCROLL_HEIGHT) measured = Math.floor(height * MARGIN);
  } catch {
    // Keep the conservative height.
  }
  return measured;
}
