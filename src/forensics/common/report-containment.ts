// Which custody records are containment actions, and what each means to a reader of the post-mortem (a table, as data).
import type { CustodyRecord } from './case-model.js';

interface ContainmentRule {
  action: string;
  /** Only records whose params.phase is this (isolate's "contain" versus release's "release"). */
  phase?: string;
  label: string;
}

/**
 * Responder actions that isolated, preserved, recorded or released the suspect. Reads and bookkeeping (inspect,
 * evidence.add, manifest.write, network list) are left out: they are in the evidence table and the custody log.
 */
export const CONTAINMENT_RULES: readonly ContainmentRule[] = [
  { action: 'engine.pause', phase: 'contain', label: 'isolate: paused the container (its processes frozen)' },
  { action: 'engine.network.disconnect', phase: 'contain', label: 'isolate: disconnected from a network' },
  { action: 'engine.network.create', label: 'isolate: created the internal quarantine network' },
  { action: 'engine.network.connect', phase: 'contain', label: 'isolate: attached to the quarantine network' },
  { action: 'engine.network.disconnect', phase: 'release', label: 'release: left the quarantine network' },
  { action: 'engine.network.connect', phase: 'release', label: 'release: reconnected to its network' },
  { action: 'engine.unpause', label: 'release: unpaused the container' },
  { action: 'snapshot.start', label: 'snapshot: acquisition started' },
  { action: 'snapshot.finish', label: 'snapshot: acquisition finished' },
  { action: 'snapshot.cancelled', label: 'snapshot: acquisition cancelled' },
  { action: 'engine.commit', label: 'snapshot: evidence image committed' },
  { action: 'capture.start', label: 'capture: syscall recording started' },
  { action: 'capture.stop', label: 'capture: syscall recording stopped' },
  { action: 'sandbox.start', label: 'sandbox: evidence image started, no network' },
  { action: 'case.seal', label: 'case sealed (read-only)' },
];

/** The table's label for a record, or undefined when the record is not a containment action. */
export function containmentLabel(record: Pick<CustodyRecord, 'action' | 'params'>): string | undefined {
  const phase = record.params['phase'];
  const rule = CONTAINMENT_RULES.find(
    (candidate) => candidate.action === record.action && (candidate.phase === undefined || candidate.phase === phase),
  );
  return rule?.label;
}
