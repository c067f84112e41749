// One row of the event list: time, source, kind, process, techniques, summary and the investigator's marks. Every
// evidence string passes through SafeText.
import { memo } from 'react';
import { SafeText } from '../../ui/SafeText.js';
import type { StoredEvent } from './event-row.js';
import { rowTime } from './row-format.js';

function marksTitle(bookmarked: boolean, notes: number): string | undefined {
  const parts = [bookmarked ? 'bookmarked' : '', notes ? `${notes} note${notes > 1 ? 's' : ''}` : ''].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

export const TimelineRow = memo(function TimelineRow({
  row,
  index,
  count,
  selected,
  bookmarked,
  notes,
  withDate,
  onSelect,
}: {
  row: StoredEvent | undefined;
  index: number;
  count: number;
  selected: boolean;
  /** Primitives rather than a marks object, so memo skips rows whose marks did not change. */
  bookmarked: boolean;
  notes: number;
  withDate: boolean;
  onSelect: (index: number) => void;
}) {
  if (!row) {
    return (
      <div
        className="vlist-row tl-row loading"
        role="option"
        aria-selected={selected}
        aria-posinset={index + 1}
        aria-setsize={count}
      >
        <span className="muted">…</span>
      </div>
    );
  }
  const event = row.e;
  const techniques = event.techniques;
  // Few elements per row: a fast scroll draws a dozen new rows every frame.
  return (
    <div
      className={`vlist-row tl-row source-${event.source}${selected ? ' selected' : ''}`}
      role="option"
      aria-selected={selected}
      aria-posinset={index + 1}
      aria-setsize={count}
      data-event-id={event.id}
      data-kind={event.kind}
      data-source={event.source}
      onClick={() => onSelect(index)}
    >
      <span className="tl-marks" title={marksTitle(bookmarked, notes)}>
        {bookmarked ? '★' : ''}
        {notes ? `✎${notes > 1 ? notes : ''}` : ''}
      </span>
      <SafeText text={rowTime(event.at, withDate)} className={`tl-time mono${withDate ? ' dated' : ''}`} />
      <span className="tl-source">{event.source}</span>
      <SafeText text={event.kind} className="tl-kind mono" />
      <span className="tl-pid mono">{event.subject.pid ?? ''}</span>
      <SafeText
        text={
          techniques.length > 2 ? `${techniques.slice(0, 2).join(' ')} +${techniques.length - 2}` : techniques.join(' ')
        }
        className="tl-techniques mono"
      />
      <SafeText text={event.summary} className="tl-summary" />
    </div>
  );
});
