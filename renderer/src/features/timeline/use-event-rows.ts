// Events found by id in the open timeline (the selected one from the URL, the bookmarked ones for the histogram).
import { useEffect, useState } from 'react';
import type { StoredEvent } from './event-row.js';
import { INDEX, type TimelineDb } from './timeline-db.js';

/** The stored rows of these event ids (missing ids left out), re-read when the ids change. */
export function useEventRows(db: TimelineDb, ids: readonly string[]): StoredEvent[] {
  const [rows, setRows] = useState<StoredEvent[]>([]);
  const key = ids.join('\n');
  useEffect(() => {
    let current = true;
    const wanted = key === '' ? [] : key.split('\n');
    if (wanted.length === 0) {
      setRows([]);
      return;
    }
    db.events
      .where(INDEX.id)
      .anyOf(wanted)
      .toArray()
      .then(
        (found) => current && setRows(found.sort((a, b) => a.o - b.o)),
        () => current && setRows([]),
      );
    return () => {
      current = false;
    };
  }, [db, key]);
  return rows;
}
