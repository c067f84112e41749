// A windowed list: draws only the rows near the viewport (a million rows cost the same as fifty) in a pool of slots,
// each its own compositor layer of one row's size, kept for the list's life: row i is drawn in slot i mod slots for
// as long as it is in the window, placed by a CSSOM transform (the CSP refuses style attributes, not CSSOM). A scroll
// frame therefore draws and rasters only the rows that came into the window; the rows already drawn are neither
// re-rendered (memoized), restyled, repainted nor re-rastered (past the browser's height limit they move each frame,
// which is the compositor's work), and stylesheets change only with the list's geometry.
// Arrow keys, Page Up/Down, Home and End move the selection; the parent decides what a row shows.
import { memo, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { flushSync } from 'react-dom';
import { browserMaxHeight } from './max-height.js';
import { useScopedSheet } from './scoped-sheet.js';
import { isRowVisible, listWindow, rowInSlot, rowTop, sameWindow, scrollTopFor, slotCount } from './windowing.js';

export interface VirtualListProps {
  count: number;
  rowHeight: number;
  label: string;
  /**
   * The row's element, filling its slot (class `vlist-row`). Without a key it is updated in place when its slot shows
   * another row: no elements made or removed while scrolling.
   */
  renderRow: (index: number) => ReactNode;
  /** Told which rows are drawn, so their data can be fetched. */
  onWindow?: (first: number, end: number) => void;
  /** The selected row's index (-1: none); the list scrolls to keep it in view when it changes. */
  selected: number;
  onSelect?: (index: number) => void;
  /** A new value (e.g. a new filter) scrolls back to the top unless the selected row is in the list. */
  resetKey?: unknown;
  overscan?: number;
  className?: string;
}

/**
 * One slot of the pool and the row it shows (-1: none). Memoized: a scroll frame re-renders only the slots whose row
 * changed; a new `renderRow` (new data, selection, marks) re-renders them all, and the rows' own memo keeps the rest.
 */
const Slot = memo(function Slot({
  index,
  slotRef,
  renderRow,
}: {
  index: number;
  slotRef: ((element: HTMLDivElement | null) => void) | undefined;
  renderRow: (index: number) => ReactNode;
}) {
  return (
    <div ref={slotRef} className="vlist-slot">
      {index >= 0 ? renderRow(index) : null}
    </div>
  );
});

const PAGE_KEYS: Record<string, (index: number, page: number, count: number) => number> = {
  ArrowDown: (index) => index + 1,
  ArrowUp: (index) => index - 1,
  PageDown: (index, page) => index + page,
  PageUp: (index, page) => index - page,
  Home: () => 0,
  End: (_index, _page, count) => count - 1,
};

export function VirtualList({
  count,
  rowHeight,
  label,
  renderRow,
  onWindow,
  selected,
  onSelect,
  resetKey,
  overscan = 6,
  className,
}: VirtualListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  // The list's geometry (content and slot heights): a stylesheet that changes with the list, never while scrolling.
  const sheet = useScopedSheet('vlist');
  const [scrollTop, setScrollTop] = useState(0);
  const [viewportHeight, setViewportHeight] = useState(0);
  const [maxHeight] = useState(browserMaxHeight);
  const computed = listWindow({ scrollTop, viewportHeight, rowHeight, count, overscan, maxHeight });
  // The same window object while scrolling stays within the drawn rows, so nothing below re-runs.
  const previous = useRef(computed);
  const shown = sameWindow(previous.current, computed) ? previous.current : computed;
  previous.current = shown;

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setViewportHeight(element.clientHeight));
    observer.observe(element);
    setViewportHeight(element.clientHeight);
    return () => observer.disconnect();
  }, []);

  const slots = slotCount(viewportHeight, rowHeight, overscan);
  useLayoutEffect(() => {
    const scope = `.${sheet.scope}`;
    sheet.set(`${scope} > .vlist-spacer{height:${shown.height}px}${scope} .vlist-slot{height:${rowHeight}px}`);
  }, [sheet, shown.height, rowHeight]);
  // One element per slot for the list's life (per slot count): each its own compositor layer, so a row drawn into it
  // is rastered at its own size and moving it is the compositor's work.
  const pool = useMemo(() => {
    const elements: (HTMLDivElement | null)[] = new Array(slots).fill(null);
    const places: (number | undefined)[] = new Array(slots).fill(undefined);
    const refs = elements.map((_, slot) => (element: HTMLDivElement | null) => {
      elements[slot] = element;
      places[slot] = undefined;
    });
    return { elements, places, refs };
  }, [slots]);
  // Before paint, so a frame never shows a row at another's place.
  useLayoutEffect(() => {
    for (let index = shown.first; index < shown.end; index += 1) {
      const slot = index % slots;
      const top = rowTop(shown, index, rowHeight);
      const element = pool.elements[slot];
      if (!element || pool.places[slot] === top) continue;
      // CSSOM, which the CSP allows (only style attributes in markup are refused); numbers computed here only.
      element.style.transform = `translateY(${top}px)`;
      pool.places[slot] = top;
    }
  }, [pool, shown, rowHeight, slots]);

  // In the commit, not a passive effect: a passive effect would have React schedule a task every scroll frame.
  useLayoutEffect(() => onWindow?.(shown.first, shown.end), [onWindow, shown.first, shown.end]);

  const scrollToRow = (index: number): void => {
    const element = scroller.current;
    if (!element || index < 0) return;
    const geometry = { viewportHeight: element.clientHeight, rowHeight, count, maxHeight };
    if (isRowVisible(index, { ...geometry, scrollTop: element.scrollTop })) return;
    // Leave a third of the viewport above the row, so what led up to it shows too.
    const above = Math.floor(element.clientHeight / rowHeight / 3);
    element.scrollTop = scrollTopFor(Math.max(0, index - above), geometry);
    setScrollTop(element.scrollTop);
  };

  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    if (selectedRef.current >= 0) scrollToRow(selectedRef.current);
    else {
      element.scrollTop = 0;
      setScrollTop(0);
    }
    // Only a new result resets (the selection is read, not watched); selection changes are handled below.
  }, [resetKey]);
  useLayoutEffect(() => {
    if (selected >= 0) scrollToRow(selected);
  }, [selected]);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const move = PAGE_KEYS[event.key];
    if (!move || !onSelect || count === 0) return;
    event.preventDefault();
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? rowHeight) / rowHeight) - 1);
    onSelect(Math.min(count - 1, Math.max(0, move(selected < 0 ? -1 : selected, page, count))));
  };

  const rows: ReactNode[] = [];
  for (let slot = 0; slot < slots; slot += 1)
    rows.push(
      <Slot key={slot} index={rowInSlot(slot, shown, slots)} slotRef={pool.refs[slot]} renderRow={renderRow} />,
    );
  return (
    <div
      ref={scroller}
      className={`vlist ${sheet.scope} ${className ?? ''}`.trim()}
      role="listbox"
      aria-label={label}
      tabIndex={0}
      onScroll={(event) => {
        // Only a scroll that changes which rows are drawn, or where, re-renders the list; at once, so the frame this
        // scroll is painted in shows the new rows (a scroll update is otherwise rendered in a later task, after it).
        const top = event.currentTarget.scrollTop;
        const next = listWindow({ scrollTop: top, viewportHeight, rowHeight, count, overscan, maxHeight });
        if (!sameWindow(shown, next)) flushSync(() => setScrollTop(top));
      }}
      onKeyDown={onKeyDown}
    >
      <div className="vlist-spacer" />
      {rows}
    </div>
  );
}
