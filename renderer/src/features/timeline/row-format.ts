// What the event list shows of an event, as plain functions: the row's time, the investigator's marks, the kind
// menu's families; and the row height the list's windowing and its stylesheet share.
import type { Annotation } from '../../../../src/forensics/common/timeline-model.js';

/** Row height in px: the list's windowing math and its stylesheet both use this one number. */
export const ROW_HEIGHT = 26;

/**
 * The row's time from the event's UTC time: "22:08:27.080541000", with the day first ("11-22 22:08:27.080541000")
 * when the timeline spans more than one day. The full form is in the row's tooltip and the details.
 */
export function rowTime(at: string, withDate: boolean): string {
  if (at.length < 20) return at;
  const clock = at.slice(11).replace(/Z$/, '');
  return withDate ? `${at.slice(5, 10)} ${clock}` : clock;
}

export interface RowMarks {
  bookmarked: boolean;
  notes: number;
}

/** What the row shows of an event's annotations: a star for a bookmark, a pencil with the count of notes. */
export function marksOf(annotations: readonly Annotation[] | undefined): RowMarks {
  let bookmarked = false;
  let notes = 0;
  for (const annotation of annotations ?? []) {
    if (annotation.kind === 'bookmark') bookmarked = true;
    else notes += 1;
  }
  return { bookmarked, notes };
}

/** Kind families ("process.*") with their summed counts, then every kind, each most frequent first. */
export function kindOptions(kinds: readonly { value: string; count: number }[]): { value: string; count: number }[] {
  const families = new Map<string, number>();
  for (const { value, count } of kinds) {
    const dot = value.indexOf('.');
    if (dot > 0) families.set(`${value.slice(0, dot)}.*`, (families.get(`${value.slice(0, dot)}.*`) ?? 0) + count);
  }
  const grouped = [...families]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
  return [...grouped, ...kinds];
}
