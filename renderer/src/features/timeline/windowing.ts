// Windowing math for the virtual event list: which rows to draw for a scroll position, and where. Beyond the height
// a browser can lay out, scroll positions map proportionally onto rows (a million rows scroll end to end).

/** Tallest scroll content used when the browser's own limit is not measured (max-height.ts measures it). */
export const MAX_SCROLL_HEIGHT = 8_000_000;

export interface WindowInput {
  scrollTop: number;
  viewportHeight: number;
  rowHeight: number;
  count: number;
  /** Extra rows drawn above and below the viewport, so a fast scroll shows no gap before the next frame. */
  overscan: number;
  maxHeight?: number;
}

export interface ListWindow {
  /** First and one-past-last row index drawn. */
  first: number;
  end: number;
  /** Where the first drawn row's top goes, in content px. */
  offset: number;
  /** The scroll content's height. */
  height: number;
}

function scale(input: WindowInput): { rowsHeight: number; height: number } {
  const rowsHeight = input.count * input.rowHeight;
  return { rowsHeight, height: Math.min(rowsHeight, input.maxHeight ?? MAX_SCROLL_HEIGHT) };
}

/** The virtual position (in full rows-height px) of a scroll position. */
function virtualTop(input: WindowInput, height: number, rowsHeight: number): number {
  const scrollable = height - input.viewportHeight;
  if (rowsHeight === height || scrollable <= 0) return input.scrollTop;
  const ratio = Math.min(1, Math.max(0, input.scrollTop / scrollable));
  return ratio * (rowsHeight - input.viewportHeight);
}

export function listWindow(input: WindowInput): ListWindow {
  const { rowsHeight, height } = scale(input);
  if (input.count === 0 || input.rowHeight <= 0) return { first: 0, end: 0, offset: 0, height: 0 };
  const top = Math.max(0, virtualTop(input, height, rowsHeight));
  const visibleFirst = Math.min(input.count - 1, Math.floor(top / input.rowHeight));
  const first = Math.max(0, visibleFirst - input.overscan);
  const visible = Math.ceil(input.viewportHeight / input.rowHeight) + 1;
  const end = Math.min(input.count, visibleFirst + visible + input.overscan);
  // The first visible row sits where the viewport's top is, shifted by how far into that row the virtual top is.
  const offset = input.scrollTop - (top - visibleFirst * input.rowHeight) - (visibleFirst - first) * input.rowHeight;
  return { first, end, offset, height };
}

/** The scroll position that puts row `index` at the top of the viewport (clamped). */
export function scrollTopFor(index: number, input: Omit<WindowInput, 'scrollTop' | 'overscan'>): number {
  const full: WindowInput = { ...input, scrollTop: 0, overscan: 0 };
  const { rowsHeight, height } = scale(full);
  const target = Math.max(0, Math.min(index, input.count - 1)) * input.rowHeight;
  const scrollable = height - input.viewportHeight;
  if (scrollable <= 0) return 0;
  if (rowsHeight === height) return Math.min(target, scrollable);
  return Math.min(scrollable, (target / (rowsHeight - input.viewportHeight)) * scrollable);
}

/** True when row `index` is wholly inside the viewport at this scroll position. */
export function isRowVisible(index: number, input: Omit<WindowInput, 'overscan'>): boolean {
  const shown = listWindow({ ...input, overscan: 0 });
  const top = shown.offset + (index - shown.first) * input.rowHeight;
  return (
    index >= shown.first &&
    index < shown.end &&
    top >= input.scrollTop &&
    top + input.rowHeight <= input.scrollTop + input.viewportHeight
  );
}

export function sameWindow(a: ListWindow, b: ListWindow): boolean {
  return a.first === b.first && a.end === b.end && a.offset === b.offset && a.height === b.height;
}

/** Where row `index` of the window goes, in content px. */
export function rowTop(shown: ListWindow, index: number, rowHeight: number): number {
  return shown.offset + (index - shown.first) * rowHeight;
}

/**
 * The row a pool slot shows: the one index of the window congruent to the slot modulo `slots`, or -1. A row keeps
 * its slot for as long as it is drawn, so scrolling fills only the slots freed at the other end.
 */
export function rowInSlot(slot: number, shown: ListWindow, slots: number): number {
  const index = shown.first + ((slot - (shown.first % slots) + slots) % slots);
  return index < shown.end ? index : -1;
}

/**
 * Pool slots for a viewport: the most rows a window of it draws (listWindow: the visible rows, one partly shown, and
 * the overscan either side), so two drawn rows never share one — and no more, since every slot is a compositor layer.
 * Rounded up to a multiple of 8 so a small resize keeps the pool.
 */
export function slotCount(viewportHeight: number, rowHeight: number, overscan: number): number {
  const rows = Math.ceil(Math.max(0, viewportHeight) / Math.max(1, rowHeight)) + 1 + 2 * overscan;
  return Math.ceil(rows / 8) * 8;
}
