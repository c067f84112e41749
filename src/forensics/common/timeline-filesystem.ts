// Filesystem changes on the time axis: each diff entry at its file's mtime, approximate by nature (mtimes can be set).
//
// A deleted file leaves no time in the container; it is placed at the moment the export was acquired (it was gone
// by then) with confidence "inferred" and says so. Findings keep their ATT&CK ids.
//
// The diff stores display forms; an event holds the real name (and raw finding details), which every consumer
// escapes once — as for trace events, whose paths a file's diff event must equal for the path filter to find both.
import type { DiffEntry, FileMeta } from './diff-model.js';
import { makeEvent, type ItemRef, type MapResult } from './timeline-event.js';
import type { TimelineEvent } from './timeline-model.js';
import { rawDetail, rawEntryName, rawFromDisplay } from './timeline-raw-text.js';
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
    ...linkAttributes(meta),
  };
}

/** A link's target raw like the path (display form read back only when its base64 is damaged), bytes kept. */
function linkAttributes(meta: FileMeta): Record<string, string | undefined> {
  if (meta.linkTarget === undefined) return {};
  const target = { path: meta.linkTarget, pathBase64: meta.linkTargetBase64 };
  return {
    linkTarget: rawEntryName(target) ?? rawFromDisplay(meta.linkTarget),
    linkTargetBase64: meta.linkTargetBase64,
  };
}

export interface DiffContext {
  /** When the export was acquired: the latest a deleted file can have gone. */
  exportAcquiredAt: string;
}

export function diffEvents(entries: readonly DiffEntry[], ref: ItemRef, context: DiffContext): MapResult {
  const events: TimelineEvent[] = [];
  const undated: string[] = [];
  const unnamed: string[] = [];
  const acquired = timeFromIso(context.exportAcquiredAt);
  for (const entry of entries) {
    const real = rawEntryName(entry);
    // A damaged analysis file: the event stays, named by its display form read back, and the problem says so.
    const name = real ?? rawFromDisplay(entry.path);
    const path = `/${name}`;
    if (real === undefined) unnamed.push(path);
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
          (entry.findings.length === 0
            ? ''
            : `: ${entry.findings.map((finding) => rawDetail(finding.detail, entry.path, name)).join('; ')}`),
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
  const problems = [
    ...listed(undated, ref, 'no usable time (mtime before 1970 or unreadable)'),
    ...listed(unnamed, ref, 'a pathBase64 that is not base64 (named by the display form read back)'),
  ];
  return { events, problems };
}

/** One problem naming the first few entries by their raw paths (the summary escapes them once, like events). */
function listed(paths: readonly string[], ref: ItemRef, what: string): string[] {
  if (paths.length === 0) return [];
  const count = `${paths.length} diff entr${paths.length === 1 ? 'y has' : 'ies have'}`;
  return [`${ref.itemId}: ${count} ${what}: ${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ', …' : ''}`];
}
