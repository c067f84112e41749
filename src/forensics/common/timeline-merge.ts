// Merging sources into one timeline: ATT&CK rules per event, the stable merge order, the dropper chain, the tallies.
//
// The node builder merges sorted runs from disk; mergeTimeline does the same in memory. Both go through
// prepareEvents (per source unit) and TimelineWriter (per event, in merge order), so they give the same bytes.
import { applyAttackRules, DropperChain } from './attack-mapping.js';
import { eventLine, eventSortKey } from './timeline-event.js';
import { compareEvents, type TimelineEvent, type TimelineSummary } from './timeline-model.js';

/** What a source unit's events become before the merge: rules applied, in merge order. */
export function prepareEvents(events: readonly TimelineEvent[]): TimelineEvent[] {
  return events.map(applyAttackRules).sort(compareEvents);
}

export type TimelineTally = Pick<TimelineSummary, 'events' | 'first' | 'last' | 'bySource' | 'byTechnique'>;

/** Takes events in merge order: finishes each (dropper chain), counts it, and returns its line. */
export class TimelineWriter {
  private readonly chain = new DropperChain();
  private previousKey = '';
  readonly tally: TimelineTally = { events: 0, first: null, last: null, bySource: {}, byTechnique: {} };

  next(input: TimelineEvent): string {
    return this.take(input, undefined);
  }

  /**
   * The same for a line written by eventLine (a run file's): parsed for the chain and the tallies, and given back
   * as it is unless the chain changed the event (the bytes are eventLine's either way).
   */
  nextLine(line: string): string {
    return this.take(JSON.parse(line) as TimelineEvent, line);
  }

  private take(input: TimelineEvent, line: string | undefined): string {
    const key = eventSortKey(input);
    if (key < this.previousKey) throw new Error(`timeline merge out of order at ${input.id}`);
    this.previousKey = key;
    const event = this.chain.apply(input);
    const tally = this.tally;
    tally.events++;
    tally.first ??= event.at;
    tally.last = event.at;
    tally.bySource[event.source] = (tally.bySource[event.source] ?? 0) + 1;
    for (const technique of event.techniques) tally.byTechnique[technique] = (tally.byTechnique[technique] ?? 0) + 1;
    return line !== undefined && event === input ? line : eventLine(event);
  }

  /** Counts with keys in a fixed order, so the summary document is deterministic too. */
  sortedTally(): TimelineTally {
    const sorted = (record: Record<string, number>) =>
      Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return { ...this.tally, bySource: sorted(this.tally.bySource), byTechnique: sorted(this.tally.byTechnique) };
  }
}

/** The whole timeline in memory: the lines of timeline.jsonl (without newlines) and the tallies. */
export function mergeTimeline(units: readonly (readonly TimelineEvent[])[]): { lines: string[]; tally: TimelineTally } {
  const writer = new TimelineWriter();
  const all = prepareEvents(units.flat());
  return { lines: all.map((event) => writer.next(event)), tally: writer.sortedTally() };
}
