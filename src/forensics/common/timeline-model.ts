// One incident timeline event, whatever its source: the shape the builder writes, the renderer stores, reports cite.
//
// Time is a nanosecond decimal string (exact, sorts as BigInt) plus its ISO form with nine fraction digits.
// Every event names the evidence item (and its SHA-256) it was read from and where in it, so every claim in the
// report traces back to a hash. Strings from evidence are raw here: escape before display.
import { z } from 'zod';

export const TIMELINE_SOURCES = [
  'engine',
  'container-logs',
  'filesystem',
  'syscall',
  'falco',
  'tetragon',
  'kubernetes',
  'kubernetes-audit',
  'custody',
  'annotation',
] as const;
export const TimelineSource = z.enum(TIMELINE_SOURCES);
export type TimelineSource = z.infer<typeof TimelineSource>;

/**
 * exact: the source stamped the instant (engine events, syscalls, alerts, custody);
 * approximate: a property that only bounds it (a file's mtime/ctime can be forged, see timestomping findings);
 * inferred: derived from other events (a process's start from its first traced call).
 */
export const Confidence = z.enum(['exact', 'approximate', 'inferred']);
export type Confidence = z.infer<typeof Confidence>;

export const AttributeValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const EvidenceLocator = z.object({
  itemId: z.string(),
  sha256: z.string(),
  /** Where in the item: "line 1234", "seq 56", "path /etc/passwd", "record 7". */
  locator: z.string(),
});
export type EvidenceLocator = z.infer<typeof EvidenceLocator>;

export const TimelineEvent = z.object({
  /** Stable id: the same case gives the same ids (hash of source, item and locator). */
  id: z.string(),
  /** Nanoseconds since the epoch, decimal. */
  tns: z.string().regex(/^\d{1,22}$/),
  /** UTC, nine fraction digits: 2026-11-22T22:08:27.080541000Z. */
  at: z.string(),
  source: TimelineSource,
  /** Dotted kind: container.created, process.exec, network.connect, file.modified, alert, responder.isolate, … */
  kind: z.string(),
  subject: z.object({
    engineId: z.string().optional(),
    containerId: z.string().optional(),
    pid: z.number().int().optional(),
    /** Process command line (argv joined by spaces), when the event is about a process. */
    process: z.string().optional(),
    path: z.string().optional(),
    address: z.string().optional(),
    port: z.number().int().optional(),
  }),
  /** One line a responder reads (raw evidence strings inside: escape before display). */
  summary: z.string(),
  attributes: z.record(z.string(), AttributeValue),
  /** ATT&CK technique ids, sorted. */
  techniques: z.array(z.string()),
  confidence: Confidence,
  /** null only for investigator annotations, which are their own record. */
  evidence: EvidenceLocator.nullable(),
  /** For events from a replayed trace: the replay position, so the UI can jump to that instant. */
  replaySeq: z.number().int().optional(),
});
export type TimelineEvent = z.infer<typeof TimelineEvent>;

export const SOURCE_ORDER: Readonly<Record<TimelineSource, number>> = Object.fromEntries(
  TIMELINE_SOURCES.map((source, index) => [source, index]),
) as Record<TimelineSource, number>;

/** The merge order: time, then source (fixed order), then id — total and stable, so merging is deterministic. */
export function compareEvents(a: TimelineEvent, b: TimelineEvent): number {
  if (a.tns.length !== b.tns.length) return a.tns.length - b.tns.length;
  if (a.tns !== b.tns) return a.tns < b.tns ? -1 : 1;
  const bySource = SOURCE_ORDER[a.source] - SOURCE_ORDER[b.source];
  if (bySource !== 0) return bySource;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** An investigator's note, bookmark or tag, stored in the case's annotations.jsonl (one JSON object per line). */
export const Annotation = z.object({
  id: z.string(),
  at: z.string(),
  operator: z.string(),
  kind: z.enum(['note', 'bookmark', 'tag']),
  /** The annotated event; absent for a note about the whole case. */
  eventId: z.string().optional(),
  text: z.string().max(20_000),
  /** A later annotation with the same id and deleted=true withdraws it (the file is append-only). */
  deleted: z.boolean().optional(),
});
export type Annotation = z.infer<typeof Annotation>;

export const TimelineSummary = z.object({
  caseDir: z.string(),
  events: z.number().int(),
  first: z.string().nullable(),
  last: z.string().nullable(),
  bySource: z.record(z.string(), z.number().int()),
  byTechnique: z.record(z.string(), z.number().int()),
  attackVersion: z.string(),
  /** The evidence items read, with their hashes: the timeline is rebuildable from exactly these. */
  sources: z.array(z.object({ itemId: z.string(), sha256: z.string(), events: z.number().int() })),
  /** Items or lines that could not be read, each with its reason. */
  problems: z.array(z.string()),
  /** SHA-256 of analysis/timeline.jsonl: the same case gives the same bytes. */
  sha256: z.string(),
});
export type TimelineSummary = z.infer<typeof TimelineSummary>;
