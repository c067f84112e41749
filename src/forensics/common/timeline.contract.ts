// The timeline domain's contract: build a case's incident timeline, page it to the renderer, annotate it.
import { z } from 'zod';
import { defineService, method } from '../../contract/kit.js';
import { Annotation, TimelineEvent, TimelineSummary } from './timeline-model.js';

const CaseDir = z.string().min(1).max(4096);

export const timelineService = defineService({
  buildTimeline: method({
    summary: 'Merge every source of the case into analysis/timeline.jsonl (built once, rebuilt when evidence changed)',
    input: z.object({ caseDir: CaseDir, rebuild: z.boolean().default(false) }),
    output: TimelineSummary,
  }),
  timelineEvents: method({
    summary: 'Timeline events in merge order, paged (the renderer loads them into its IndexedDB)',
    input: z.object({
      caseDir: CaseDir,
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(20_000).default(5000),
    }),
    output: z.object({
      events: z.array(TimelineEvent),
      total: z.number().int(),
      nextOffset: z.number().int().optional(),
      /** SHA-256 of the timeline file the page came from: a change means the renderer must reload. */
      sha256: z.string(),
    }),
  }),
  listAnnotations: method({
    summary: "The case's notes, bookmarks and tags (withdrawn ones left out)",
    input: z.object({ caseDir: CaseDir }),
    output: z.array(Annotation),
  }),
  annotate: method({
    summary: "Add a note, bookmark or tag to the case's annotations.jsonl (custody logged)",
    input: z.object({
      caseDir: CaseDir,
      kind: Annotation.shape.kind,
      eventId: z.string().min(1).max(200).optional(),
      text: z.string().max(20_000).default(''),
    }),
    output: Annotation,
  }),
  withdrawAnnotation: method({
    summary: 'Withdraw an annotation (appends a deletion record: the file stays append-only)',
    input: z.object({ caseDir: CaseDir, id: z.string().min(1).max(200) }),
    output: Annotation,
  }),
});
