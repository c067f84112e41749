// Building timeline events: stable ids, sorted techniques, and the fixed-key-order line written to timeline.jsonl.
import { sha256Text } from './timeline-hash.js';
import {
  SOURCE_ORDER,
  type Confidence,
  type EvidenceLocator,
  type TimelineEvent,
  type TimelineSource,
} from './timeline-model.js';
import { TNS_WIDTH, type EventTime } from './timeline-time.js';

export type AttributeValue = string | number | boolean | null;
export type Subject = TimelineEvent['subject'];

/** What a mapper knows about the evidence item it reads. */
export interface ItemRef {
  itemId: string;
  sha256: string;
  engineId?: string;
  containerId?: string;
}

/** Events of one source unit and what could not be read, each with its reason (never dropped silently). */
export interface MapResult {
  events: TimelineEvent[];
  problems: string[];
}

export interface EventDraft {
  time: EventTime;
  source: TimelineSource;
  kind: string;
  subject?: Subject;
  summary: string;
  attributes?: Record<string, AttributeValue | undefined>;
  techniques?: readonly string[];
  confidence: Confidence;
  /** null only for annotations; then `idSeed` names the event. */
  evidence: EvidenceLocator | null;
  idSeed?: string;
  replaySeq?: number;
}

/** 128 bits of SHA-256 over source, item, locator and kind: the same case gives the same ids, distinct per event. */
export function eventId(source: string, itemId: string, locator: string, kind: string): string {
  return sha256Text(`${source}\u0000${itemId}\u0000${locator}\u0000${kind}`).slice(0, 32);
}

const SUBJECT_KEYS = ['engineId', 'containerId', 'pid', 'process', 'path', 'address', 'port'] as const;

function cleanSubject(subject: Subject | undefined): Subject {
  const out: Record<string, string | number> = {};
  for (const key of SUBJECT_KEYS) {
    const value = subject?.[key];
    if (value === undefined || value === '') continue;
    if (typeof value === 'number' && !Number.isSafeInteger(value)) continue;
    out[key] = value;
  }
  return out as Subject;
}

/** Keys sorted, undefined dropped, non-finite numbers as null: attribute objects serialise the same every time. */
function cleanAttributes(attributes: EventDraft['attributes']): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const key of Object.keys(attributes ?? {}).sort()) {
    const value = attributes?.[key];
    if (value === undefined) continue;
    out[key] = typeof value === 'number' && !Number.isFinite(value) ? null : value;
  }
  return out;
}

export function sortedTechniques(techniques: Iterable<string>): string[] {
  return [...new Set(techniques)].sort();
}

export function makeEvent(draft: EventDraft): TimelineEvent {
  const evidence = draft.evidence;
  const id =
    evidence === null
      ? eventId(draft.source, '', draft.idSeed ?? '', draft.kind)
      : eventId(draft.source, evidence.itemId, evidence.locator, draft.kind);
  const event: TimelineEvent = {
    id,
    tns: draft.time.tns,
    at: draft.time.at,
    source: draft.source,
    kind: draft.kind,
    subject: cleanSubject(draft.subject),
    summary: draft.summary,
    attributes: cleanAttributes(draft.attributes),
    techniques: sortedTechniques(draft.techniques ?? []),
    confidence: draft.confidence,
    evidence:
      evidence === null ? null : { itemId: evidence.itemId, sha256: evidence.sha256, locator: evidence.locator },
  };
  if (draft.replaySeq !== undefined) event.replaySeq = draft.replaySeq;
  return event;
}

/** One line of timeline.jsonl: keys in the model's order whatever order the event object was built in. */
export function eventLine(event: TimelineEvent): string {
  const ordered: Record<string, unknown> = {
    id: event.id,
    tns: event.tns,
    at: event.at,
    source: event.source,
    kind: event.kind,
    subject: cleanSubject(event.subject),
    summary: event.summary,
    attributes: cleanAttributes(event.attributes),
    techniques: sortedTechniques(event.techniques),
    confidence: event.confidence,
    evidence:
      event.evidence === null
        ? null
        : { itemId: event.evidence.itemId, sha256: event.evidence.sha256, locator: event.evidence.locator },
  };
  if (event.replaySeq !== undefined) ordered.replaySeq = event.replaySeq;
  return JSON.stringify(ordered);
}

/** A string that sorts exactly like compareEvents: zero-padded tns, the source's rank, the id. */
export function eventSortKey(event: Pick<TimelineEvent, 'tns' | 'source' | 'id'>): string {
  return `${event.tns.padStart(TNS_WIDTH, '0')}.${String(SOURCE_ORDER[event.source]).padStart(2, '0')}.${event.id}`;
}

/** "argv joined by spaces", as the model's subject.process says. */
export function commandLine(argv: readonly string[]): string {
  return argv.join(' ');
}

/** The last path component (a program's name from its path). */
export function baseName(path: string): string {
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}
