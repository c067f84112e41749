// Investigator annotations: folding the append-only annotations.jsonl into the current set, and their timeline events.
import { Annotation } from './timeline-model.js';
import { makeEvent, type MapResult } from './timeline-event.js';
import type { TimelineEvent } from './timeline-model.js';
import { timeFromIso } from './timeline-time.js';

/** Pseudo item id naming annotations.jsonl (a reserved id: never an evidence item's). */
export const ANNOTATIONS_ITEM = 'annotations';

export interface AnnotationFold {
  /** Current annotations in the order they were first written (withdrawn ones left out). */
  annotations: Annotation[];
  /** Lines that are not annotations, each with its reason. */
  problems: string[];
}

/**
 * Later lines win: a line with an id already seen replaces it, and one with deleted=true withdraws it. The file is
 * append-only, so this is the only way an annotation changes.
 */
export function foldAnnotations(lines: readonly string[]): AnnotationFold {
  const current = new Map<string, Annotation>();
  const problems: string[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      problems.push(`annotations.jsonl line ${index + 1} is not JSON`);
      return;
    }
    const parsed = Annotation.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      problems.push(
        `annotations.jsonl line ${index + 1} is not an annotation (${first?.path.join('.') ?? ''}: ${first?.message ?? ''})`,
      );
      return;
    }
    if (parsed.data.deleted === true) current.delete(parsed.data.id);
    else current.set(parsed.data.id, parsed.data);
  });
  return { annotations: [...current.values()], problems };
}

export function annotationEvents(annotations: readonly Annotation[]): MapResult {
  const events: TimelineEvent[] = [];
  const problems: string[] = [];
  for (const annotation of annotations) {
    const time = timeFromIso(annotation.at);
    if (time === undefined) {
      problems.push(`annotation ${annotation.id}: time ${JSON.stringify(annotation.at)} is not usable`);
      continue;
    }
    const about = annotation.eventId === undefined ? 'the case' : `event ${annotation.eventId}`;
    events.push(
      makeEvent({
        time,
        source: 'annotation',
        kind: `annotation.${annotation.kind}`,
        subject: {},
        summary:
          annotation.text === ''
            ? `${annotation.kind} on ${about}`
            : `${annotation.kind} on ${about}: ${annotation.text}`,
        attributes: {
          annotationId: annotation.id,
          annotationKind: annotation.kind,
          eventId: annotation.eventId,
          operator: annotation.operator,
        },
        confidence: 'exact',
        evidence: null,
        idSeed: annotation.id,
      }),
    );
  }
  return { events, problems };
}
