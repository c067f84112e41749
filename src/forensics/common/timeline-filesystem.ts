// Filesystem changes on the time axis: each diff entry at its file's mtime, approximate by nature (mtimes can be set).
//
// A deleted file leaves no time in the container; it is placed at the moment the export was acquired (it was gone
// by then) with confidence "inferred" and says so. Findings keep their ATT&CK ids.
import type { DiffEntry, FileMeta } from './diff-model.js';
import { makeEvent, type ItemRef, type MapResult } from './timeline-event.js';
import type { TimelineEvent } from './timeline-model.js';
import { timeFromIso } from './timeline-time.js';

const KIND: Readonly<Record<DiffEntry['change'], string>> = {
  added: 'file.added',
  deleted: 'file.deleted',
  modified: 'file.modified',
  metadata: 'file.metadata',
  type: 'file.retyped',
};

const SEVERITY_ORDER = ['info', 'low', 'medium', 'high', 'critical'];

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}

function metaAttributes(meta: FileMeta | undefined): Record<string, string | number | undefined> {
  if (meta === undefined) return {};
  return {
    type: meta.type,
    mode: octal(meta.mode),
    uid: meta.uid,
    gid: meta.gid,
    size: meta.size,
    sha256: meta.sha256,
    mtime: meta.mtime,
    linkTarget: meta.linkTarget,
  };
}

export interface DiffContext {
  /** When the export was acquired: the latest a deleted file can have gone. */
  exportAcquiredAt: string;
}

export function diffEvents(entries: readonly DiffEntry[], ref: ItemRef, context: DiffContext): MapResult {
  const events: TimelineEvent[] = [];
  const undated: string[] = [];
  const acquired = timeFromIso(context.exportAcquiredAt);
  for (const entry of entries) {
    const path = `/${entry.path}`;
    const deleted = entry.change === 'deleted';
    const time = deleted ? acquired : timeFromIso(entry.after?.mtime);
    if (time === undefined) {
      undated.push(path);
      continue;
    }
    const worst = entry.findings.reduce(
      (best, finding) => Math.max(best, SEVERITY_ORDER.indexOf(finding.severity)),
      -1,
    );
    const before = entry.before;
    const after = entry.after;
    events.push(
      makeEvent({
        time,
        source: 'filesystem',
        kind: KIND[entry.change],
        subject: { engineId: ref.engineId, containerId: ref.containerId, path },
        summary:
          `${path} ${entry.change}` +
          (entry.findings.length === 0 ? '' : `: ${entry.findings.map((finding) => finding.detail).join('; ')}`),
        attributes: {
          change: entry.change,
          ...metaAttributes(after ?? before),
          ...(before !== undefined && after !== undefined && before.mode !== after.mode
            ? { modeBefore: octal(before.mode) }
            : {}),
          ...(before?.sha256 !== undefined && after !== undefined ? { sha256Before: before.sha256 } : {}),
          pathBase64: entry.pathBase64,
          layer: entry.layer?.index,
          package: entry.package === undefined ? undefined : entry.package.name,
          packageTampered: entry.package?.tampered,
          findings: entry.findings.map((finding) => finding.rule).join(',') || undefined,
          severity: worst < 0 ? undefined : SEVERITY_ORDER[worst],
          timeBasis: deleted ? 'export acquired (deleted before then)' : 'file mtime (settable: approximate)',
        },
        techniques: entry.findings.map((finding) => finding.attack),
        confidence: deleted ? 'inferred' : 'approximate',
        evidence: { itemId: ref.itemId, sha256: ref.sha256, locator: `path ${path}` },
      }),
    );
  }
  const problems =
    undated.length === 0
      ? []
      : [
          `${ref.itemId}: ${undated.length} diff entr${undated.length === 1 ? 'y has' : 'ies have'} no usable time ` +
            `(mtime before 1970 or unreadable): ${undated.slice(0, 5).join(', ')}${undated.length > 5 ? ', …' : ''}`,
        ];
  return { events, problems };
}
