// The responder's own actions on the time axis, read from custody.jsonl: isolate, snapshot, capture, release, seal…
import type { CustodyRecord } from './case-model.js';
import { makeEvent, type MapResult } from './timeline-event.js';
import type { TimelineEvent } from './timeline-model.js';
import { timeFromIso } from './timeline-time.js';

/** Pseudo item id naming custody.jsonl in evidence locators (a reserved id: never an evidence item's). */
export const CUSTODY_ITEM = 'custody';

/**
 * Records the timeline leaves out: its own builds (a build would otherwise change what it is built from) and
 * annotation changes (the annotations themselves are events of their own source).
 */
export function isTimelineCustody(record: Pick<CustodyRecord, 'action'>): boolean {
  return record.action === 'analysis.timeline' || record.action.startsWith('annotation.');
}

/**
 * Bookkeeping the responder did not do: every evidence.add is followed by a manifest.write vouching for the new
 * manifest. It stays in custody (verify checks it); on the time axis it would double every acquisition.
 */
export function isBookkeeping(record: Pick<CustodyRecord, 'action'>): boolean {
  return record.action === 'manifest.write';
}

/** isolate/release steps carry phase and step: "responder.isolate.pause", "responder.release.reconnect". */
export function responderKind(record: Pick<CustodyRecord, 'action' | 'params'>): string {
  const phase = record.params['phase'];
  const step = record.params['step'];
  if (typeof phase === 'string' && typeof step === 'string') {
    const verb = phase === 'contain' ? 'isolate' : phase === 'release' ? 'release' : phase;
    return `responder.${verb}.${step}`;
  }
  return `responder.${record.action}`;
}

export interface CustodyLineRecord {
  record: CustodyRecord;
  /** SHA-256 of the record's line: what the next record's prevHash vouches for. */
  hash: string;
}

export function custodyEvents(lines: readonly CustodyLineRecord[]): MapResult {
  const events: TimelineEvent[] = [];
  const problems: string[] = [];
  for (const { record, hash } of lines) {
    if (isTimelineCustody(record) || isBookkeeping(record)) continue;
    const time = timeFromIso(record.at);
    if (time === undefined) {
      problems.push(`custody record ${record.seq}: time ${JSON.stringify(record.at)} is not usable`);
      continue;
    }
    const target = record.target;
    const container = target.containerId === undefined ? '' : ` ${target.containerId.slice(0, 12)}`;
    const item = target.itemId === undefined ? '' : ` ${target.itemId}`;
    events.push(
      makeEvent({
        time,
        source: 'custody',
        kind: responderKind(record),
        subject: { engineId: target.engineId, containerId: target.containerId },
        summary:
          `${record.operator}: ${record.action}${container}${item}` +
          (record.outcome === 'ok' ? '' : ` (${record.outcome})`) +
          (record.detail === '' ? '' : ` — ${record.detail}`),
        attributes: {
          operator: record.operator,
          action: record.action,
          outcome: record.outcome,
          seq: record.seq,
          itemId: target.itemId,
          sha256: record.sha256,
          method: typeof record.params['method'] === 'string' ? record.params['method'] : undefined,
          apiPath: typeof record.params['path'] === 'string' ? record.params['path'] : undefined,
        },
        confidence: 'exact',
        evidence: { itemId: CUSTODY_ITEM, sha256: hash, locator: `record ${record.seq}` },
      }),
    );
  }
  return { events, problems };
}
