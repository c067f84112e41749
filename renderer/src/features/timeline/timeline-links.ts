// Links from a timeline event to where its evidence can be examined: the replay at the event's instant, or the
// diff entry of the file it is about.
import type { TimelineEvent } from '../../../../src/forensics/common/timeline-model.js';
import { viewHref } from '../../app/url-state.js';
import { rawPathBase64 } from '../../ui/base64.js';

/**
 * The replay of the event's own trace item at its position, with its process selected. The seq counts within that
 * item's replay (the timeline replays each item alone): naming the item keeps it exact when the case has several.
 */
export function replayLink(caseDir: string, event: TimelineEvent): string | undefined {
  if (event.replaySeq === undefined) return undefined;
  return viewHref('replay', {
    case: caseDir,
    ...(event.evidence === null ? {} : { item: event.evidence.itemId }),
    seq: String(event.replaySeq),
    ...(event.subject.pid === undefined ? {} : { pid: String(event.subject.pid) }),
  });
}

/**
 * The diff entry of a filesystem event. The diff names entries by their path relative to the container's root
 * ("etc/passwd"), and by the raw bytes in base64 (its `path` parameter); a filesystem event carries the entry's
 * `pathBase64` attribute when the display form is not the real name.
 */
export function diffLink(caseDir: string, event: TimelineEvent): string | undefined {
  if (event.source !== 'filesystem' || event.subject.path === undefined) return undefined;
  const path = event.subject.path.replace(/^\/+/, '');
  const pathBase64 = event.attributes['pathBase64'];
  return viewHref('diff', {
    case: caseDir,
    path: rawPathBase64({ path, pathBase64: typeof pathBase64 === 'string' ? pathBase64 : undefined }),
  });
}
