// A windowed list: draws only the rows near the viewport (a million rows cost the same as fifty), positioned through
// a scoped constructable stylesheet rather than inline styles (CSP): a rule per slot class places each row, and
// rows already drawn keep their place while scrolling (windowing.ts anchoredLayout). Arrow keys, Page Up/Down, Home
// and End move the selection; the parent decides what a row shows.
import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { browserMaxHeight } from './max-height.js';
import { useScopedSheet } from './scoped-sheet.js';
import { anchoredLayout, isRowVisible, listWindow, sameWindow, scrollTopFor, slotCount } from './windowing.js';

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

  const slots = slotCount(shown.end - shown.first);
  // Before paint, so a frame never shows rows at the previous window's places.
  useLayoutEffect(() => {
    const scope = `.${sheet.scope}`;
    const { anchor, windowTop } = anchoredLayout(shown, rowHeight);
    let css =
      `${scope} > .vlist-spacer{height:${shown.height}px}` +
      `${scope} .vlist-window{transform:translateY(${windowTop}px)}` +
      `${scope} .vlist-row{height:${rowHeight}px}`;
    for (let index = shown.first; index < shown.end; index += 1)
      css += `${scope} .vr-${index % slots}{transform:translateY(${(index - anchor) * rowHeight}px)}`;
    sheet.set(css);
  }, [sheet, shown, rowHeight, slots]);

  useEffect(() => onWindow?.(shown.first, shown.end), [onWindow, shown.first, shown.end]);

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
  for (let index = shown.first; index < shown.end; index += 1) rows.push(renderRow(index, `vr-${index % slots}`));
  return (
    <div
      ref={scroller}
      className={`vlist ${sheet.scope} ${className ?? ''}`.trim()}
      role="listbox"
      aria-label={label}
      tabIndex={0}
      onScroll={(event) => {
        // Only a scroll that changes which rows are drawn, or where, re-renders the list.
        const top = event.currentTarget.scrollTop;
        const next = listWindow({ scrollTop: top, viewportHeight, rowHeight, count, overscan, maxHeight });
        if (!sameWindow(shown, next)) setScrollTop(top);
      }}
      onKeyDown={onKeyDown}
    >
      <div className="vlist-spacer" />
      <div className="vlist-window">{rows}</div>
    </div>
  );
}
