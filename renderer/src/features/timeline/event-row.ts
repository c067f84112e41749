// The record the renderer stores for one timeline event: the event as the host sent it, plus the keys it is found by
// (merge position, fixed-width time), and the text its words are searched in.
import type { TimelineEvent } from '../../../../src/forensics/common/timeline-model.js';
import { timeKey } from './time-key.js';

export interface StoredEvent {
  /** Position in the host's merge order (analysis/timeline.jsonl line): the primary key, and time order too. */
  o: number;
  /** timeKey(tns): the time index. */
  k: string;
  /** The event exactly as the host sent it: strings from evidence stay raw here and are escaped when shown. */
  e: TimelineEvent;
}

/** Attribute strings longer than this (payloads, base64) are left out of the searched text. */
const MAX_ATTRIBUTE_TEXT = 200;

/**
 * The text a search looks in, lower-cased, on one line: summary, kind, process, path, address and port, container,
 * technique ids and short attribute values (each only when the summary does not already hold it).
 */
export function searchText(event: TimelineEvent): string {
  const summary = event.summary.toLowerCase();
  const parts = [summary, event.kind.toLowerCase()];
  const extra = [
    event.subject.process,
    event.subject.path,
    event.subject.address,
    event.subject.port === undefined ? undefined : String(event.subject.port),
    event.subject.containerId?.slice(0, 12),
    ...event.techniques,
  ];
  for (const value of Object.values(event.attributes))
    if (typeof value === 'string' && value.length <= MAX_ATTRIBUTE_TEXT) extra.push(value);
  for (const value of extra) {
    const lower = value?.toLowerCase();
    if (lower && !summary.includes(lower)) parts.push(lower);
  }
  // One event per line in the searched column: line breaks inside evidence strings must not split it.
  return parts.join(' ').replace(/[\n\r]/g, ' ');
}

/** The executable name of a command line: "/usr/bin/Python3 -c …" → "python3", "nginx: worker process" → "nginx". */
export function executableName(command: string | undefined): string | undefined {
  const first = command?.trim().split(/\s+/, 1)[0];
  if (!first) return undefined;
  const base = first.slice(first.lastIndexOf('/') + 1).replace(/:+$/, '');
  return base === '' ? undefined : base.toLowerCase();
}

export function toStoredEvent(event: TimelineEvent, order: number): StoredEvent {
  return { o: order, k: timeKey(event.tns), e: event };
}
