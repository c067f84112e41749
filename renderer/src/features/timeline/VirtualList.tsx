// A windowed list: draws only the rows near the viewport (a million rows cost the same as fifty). A fixed rule per
// slot class, in a scoped constructable stylesheet (CSP: no style attributes), places a row in one of two block boxes,
// and only the boxes move, once per block of rows (windowing.ts blockTops), through their CSSOM transform: a changed
// stylesheet costs the page a style-engine update of several ms, a box's own transform nothing. A scroll frame thus
// mounts the few rows that came into the window and touches nothing else. Arrow keys, Page Up/Down, Home and End move
// the selection; the parent decides what a row shows.
import { useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { flushSync } from 'react-dom';
import { browserMaxHeight } from './max-height.js';
import { useScopedSheet } from './scoped-sheet.js';
import { blockBox, blockTops, isRowVisible, listWindow, sameWindow, scrollTopFor, slotCount } from './windowing.js';

export interface VirtualListProps {
  count: number;
  rowHeight: number;
  label: string;
  /** The row's element must carry `slot` among its classes (it places the row). */
  renderRow: (index: number, slot: string) => ReactNode;
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
  // Geometry (content height, slot places) changes with the list; the boxes' places once per block of rows.
  const sheet = useScopedSheet('vlist');
  const box0 = useRef<HTMLDivElement>(null);
  const box1 = useRef<HTMLDivElement>(null);
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

  const slots = slotCount(shown.end - shown.first);
  // Before paint, so a frame never shows rows at the previous window's places.
  useLayoutEffect(() => {
    const scope = `.${sheet.scope}`;
    let css = `${scope} > .vlist-spacer{height:${shown.height}px}${scope} .vlist-row{height:${rowHeight}px}`;
    for (let slot = 0; slot < slots; slot += 1)
      css += `${scope} .vr-${slot}{transform:translateY(${slot * rowHeight}px)}`;
    sheet.set(css);
  }, [sheet, shown.height, rowHeight, slots]);
  useLayoutEffect(() => {
    const tops = blockTops(shown, rowHeight, slots);
    [box0.current, box1.current].forEach((box, which) => {
      // CSSOM, which the CSP allows (only style attributes in markup are refused); numbers computed here only.
      const transform = `translateY(${tops[which]}px)`;
      if (box && box.style.transform !== transform) box.style.transform = transform;
    });
  }, [shown, rowHeight, slots]);

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

  const boxes: [ReactNode[], ReactNode[]] = [[], []];
  for (let index = shown.first; index < shown.end; index += 1)
    boxes[blockBox(index, slots)].push(renderRow(index, `vr-${index % slots}`));
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
      <div ref={box0} className="vlist-box">
        {boxes[0]}
      </div>
      <div ref={box1} className="vlist-box">
        {boxes[1]}
      </div>
    </div>
  );
}
