// What the report takes from the timeline and annotations: detection, key events, notes, and the ATT&CK table.
import type { DiffEntry } from './diff-model.js';
import type { Citation, KeyEvent, NoteRow, TechniqueRow } from './report-model.js';
import { compareTechniques, techniqueName } from './report-remediation.js';
import { compareEvents, type Annotation, type TimelineEvent } from './timeline-model.js';

/** Key events printed at most; the rest are counted (the full timeline is its own export). */
export const MAX_KEY_EVENTS = 250;
/** Citations listed per ATT&CK technique; the count column says how many pieces of evidence there are. */
export const MAX_TECHNIQUE_CITES = 6;

const RESPONDER_SOURCES = new Set(['custody', 'annotation']);
const ALERT_SOURCES = new Set(['falco', 'tetragon']);

/** Whether the report prints or counts an event: an alert, an ATT&CK-mapped event, or one an investigator bookmarked. */
export function isReportEvent(event: TimelineEvent, bookmarked: ReadonlySet<string>): boolean {
  return (
    event.techniques.length > 0 ||
    ALERT_SOURCES.has(event.source) ||
    event.kind.startsWith('alert') ||
    bookmarked.has(event.id)
  );
}

/** The annotations in force: a later record with the same id and deleted=true withdraws an earlier one. */
export function activeAnnotations(records: readonly Annotation[]): Annotation[] {
  const latest = new Map<string, Annotation>();
  for (const record of records) latest.set(record.id, record);
  return [...latest.values()]
    .filter((annotation) => annotation.deleted !== true)
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

const citeEvent = (event: TimelineEvent): Citation | null =>
  event.evidence === null
    ? null
    : { itemId: event.evidence.itemId, sha256: event.evidence.sha256, locator: event.evidence.locator };

function keyEvent(event: TimelineEvent, annotations: readonly Annotation[]): KeyEvent {
  const mine = annotations.filter((annotation) => annotation.eventId === event.id);
  return {
    at: event.at,
    source: event.source,
    kind: event.kind,
    summary: event.summary,
    techniques: [...event.techniques].sort(compareTechniques),
    bookmarked: mine.some((annotation) => annotation.kind === 'bookmark'),
    notes: mine
      .filter((annotation) => annotation.kind !== 'bookmark' || annotation.text !== '')
      .map((annotation) => (annotation.kind === 'note' ? annotation.text : `${annotation.kind}: ${annotation.text}`)),
    cite: citeEvent(event),
  };
}

export interface EventFacts {
  firstAlert: KeyEvent | null;
  firstMalicious: KeyEvent | null;
  keyEvents: KeyEvent[];
  omitted: number;
  notes: NoteRow[];
}

/** `events` in merge order (as the timeline stores them); annotations already reduced to the active ones. */
export function eventFacts(events: readonly TimelineEvent[], annotations: readonly Annotation[]): EventFacts {
  const bookmarked = new Set(
    annotations.flatMap((annotation) =>
      annotation.kind === 'bookmark' && annotation.eventId !== undefined ? [annotation.eventId] : [],
    ),
  );
  const sorted = [...events].sort(compareEvents);
  const alert = sorted.find((event) => ALERT_SOURCES.has(event.source) || event.kind.startsWith('alert'));
  const mapped = sorted.filter((event) => event.techniques.length > 0 && !RESPONDER_SOURCES.has(event.source));
  // A file's mtime only bounds its change and can be forged (timestomping): an exactly stamped event leads when any exists.
  const malicious = mapped.find((event) => event.confidence === 'exact') ?? mapped[0];
  const marked = sorted.filter((event) => bookmarked.has(event.id));
  const tagged = sorted.filter((event) => !bookmarked.has(event.id) && event.techniques.length > 0);
  const chosen = [...marked, ...tagged];
  return {
    firstAlert: alert === undefined ? null : keyEvent(alert, annotations),
    firstMalicious: malicious === undefined ? null : keyEvent(malicious, annotations),
    keyEvents: chosen.slice(0, MAX_KEY_EVENTS).map((event) => keyEvent(event, annotations)),
    omitted: Math.max(0, chosen.length - MAX_KEY_EVENTS),
    notes: annotations.map((annotation) => ({
      at: annotation.at,
      operator: annotation.operator,
      kind: annotation.kind,
      text: annotation.text,
      ...(annotation.eventId === undefined ? {} : { eventId: annotation.eventId }),
    })),
  };
}

/** "<itemId> <pid>" → techniques of the timeline's events about that process, for the process tree's reasons. */
export function techniquesByProcess(events: readonly TimelineEvent[]): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const event of events) {
    if (event.techniques.length === 0 || event.subject.pid === undefined || event.evidence === null) continue;
    const key = `${event.evidence.itemId} ${event.subject.pid}`;
    const set = out.get(key) ?? new Set<string>();
    for (const technique of event.techniques) set.add(technique);
    out.set(key, set);
  }
  return new Map([...out].map(([key, set]) => [key, [...set].sort(compareTechniques)]));
}

function addCite(cites: Citation[], cite: Citation | null): void {
  if (cite === null || cites.some((known) => known.itemId === cite.itemId)) return;
  cites.push(cite);
}

/**
 * One row per technique: how many timeline events and diff findings carry it, when it was first seen (events only:
 * a finding has no trustworthy time), and the evidence items behind it.
 */
export function techniqueRows(
  events: readonly TimelineEvent[],
  findings: readonly { entry: DiffEntry; cites: Citation[] }[],
): TechniqueRow[] {
  const rows = new Map<string, TechniqueRow>();
  const row = (id: string) => {
    let found = rows.get(id);
    if (found === undefined) {
      found = { id, name: techniqueName(id), count: 0, events: 0, findings: 0, firstSeen: null, cites: [] };
      rows.set(id, found);
    }
    return found;
  };
  // First seen: the first exactly timed event, as for detection; an approximate time (an mtime) only when that is all.
  const approximate = new Map<string, string>();
  for (const event of [...events].sort(compareEvents)) {
    if (event.source === 'annotation') continue;
    for (const technique of event.techniques) {
      const entry = row(technique);
      entry.events += 1;
      entry.count += 1;
      if (event.confidence !== 'exact') {
        if (!approximate.has(technique)) approximate.set(technique, event.at);
      } else if (entry.firstSeen === null) entry.firstSeen = event.at;
      addCite(entry.cites, citeEvent(event));
    }
  }
  for (const [technique, at] of approximate) {
    const entry = rows.get(technique);
    if (entry !== undefined && entry.firstSeen === null) entry.firstSeen = `${at} (approximate)`;
  }
  for (const { entry, cites } of findings) {
    for (const finding of entry.findings) {
      const target = row(finding.attack);
      target.findings += 1;
      target.count += 1;
      for (const cite of cites) addCite(target.cites, cite);
    }
  }
  return [...rows.values()]
    .sort((a, b) => compareTechniques(a.id, b.id))
    .map((entry) => ({ ...entry, cites: entry.cites.slice(0, MAX_TECHNIQUE_CITES) }));
}
