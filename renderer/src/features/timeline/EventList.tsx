// The Timeline view's event list: a query result's rows read through a RowCache and drawn by the windowed list with
// the investigator's marks. bench:timeline renders this same component, so its frame times are the view's.
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Annotation } from '../../../../src/forensics/common/timeline-model.js';
import { positionAt, type QueryResult } from './query-plan.js';
import { RowCache } from './row-cache.js';
import { marksOf, ROW_HEIGHT } from './row-format.js';
import type { TimelineDb } from './timeline-db.js';
import { TimelineRow } from './TimelineRow.js';
import { VirtualList } from './VirtualList.js';

export interface EventListProps {
  db: TimelineDb;
  result: QueryResult;
  /** The selected event's index in the result (-1: none, or outside it). */
  selectedIndex: number;
  /** The investigator's annotations by event id (bookmark star, note count). */
  byEvent: ReadonlyMap<string, readonly Annotation[]>;
  /** Rows show the day too (the timeline spans more than one). */
  withDate: boolean;
  /** A row was chosen (click or keys): its event id. */
  onSelectEvent: (id: string) => void;
}

export function EventList({ db, result, selectedIndex, byEvent, withDate, onSelectEvent }: EventListProps) {
  const [, setVersion] = useState(0);
  const cache = useMemo(() => new RowCache(db, result, () => setVersion((version) => version + 1)), [db, result]);
  useEffect(() => () => cache.close(), [cache]);
  const onWindow = useCallback((first: number, end: number) => cache.request(first, end), [cache]);

  const select = useCallback(
    (index: number) => {
      const row = cache.get(index);
      if (row) return onSelectEvent(row.e.id);
      // Keys can move the selection onto a row whose block is not read yet.
      void db.events.get(positionAt(result, index)).then((found) => found && onSelectEvent(found.e.id));
    },
    [cache, db, result, onSelectEvent],
  );

  return (
    <VirtualList
      count={result.count}
      rowHeight={ROW_HEIGHT}
      label="Timeline events"
      className="tl-list"
      selected={selectedIndex}
      onSelect={select}
      onWindow={onWindow}
      resetKey={result}
      renderRow={(index) => {
        const row = cache.get(index);
        const marks = marksOf(row ? byEvent.get(row.e.id) : undefined);
        // No key: when its slot shows another row, the row's elements are updated in place, not made anew.
        return (
          <TimelineRow
            row={row}
            index={index}
            count={result.count}
            selected={index === selectedIndex}
            bookmarked={marks.bookmarked}
            notes={marks.notes}
            withDate={withDate}
            onSelect={select}
          />
        );
      }}
    />
  );
}
