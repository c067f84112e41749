// The file activity filter: which calls a responder's filter text keeps.
import type { FileActivityView } from '../../../../src/capture/common/trace/replay-model.js';

/** Case-insensitive match on the op and every path the call named. */
export function matchesFileFilter(activity: FileActivityView, filter: string): boolean {
  const wanted = filter.trim().toLowerCase();
  if (wanted === '') return true;
  return [activity.op, activity.path, activity.target ?? '', activity.newPath ?? ''].some((field) =>
    field.toLowerCase().includes(wanted),
  );
}
