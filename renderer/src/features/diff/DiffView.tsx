// The diff view: what changed in the container against its image, with filters, search, findings and a file viewer.
import { useEffect, useMemo, useState } from 'react';
import type { AppClient } from '../../../../src/contract/app-contract.js';
import type { DiffChange, DiffEntry, DiffSummary } from '../../../../src/forensics/common/diff-model.js';
import { useHashParam } from '../../app/url-state.js';
import { rawPathBase64 } from '../../ui/base64.js';
import { JobStatus } from '../../ui/JobStatus.js';
import { SafeText } from '../../ui/SafeText.js';
import { useJob } from '../../ui/use-job.js';
import { ChangeTree } from './ChangeTree.js';
import { buildTree, CHANGE_KINDS, severityRank, worstSeverity } from './diff-tree.js';
import { EntryDetails } from './EntryDetails.js';
import { EvidenceBrowser } from './EvidenceBrowser.js';

/** The tree holds at most this many entries; search and filters narrow a bigger diff. */
const PAGE = 5000;

function FindingsPanel({ entries, onSelect }: { entries: readonly DiffEntry[]; onSelect: (entry: DiffEntry) => void }) {
  const flagged = entries
    .filter((entry) => entry.findings.length > 0)
    .sort((a, b) => worstSeverity(b) - worstSeverity(a) || (a.path < b.path ? -1 : 1));
  if (flagged.length === 0) return <p className="muted">No findings among the shown entries.</p>;
  return (
    <ol className="findings-panel" aria-label="Findings">
      {flagged.map((entry) =>
        entry.findings
          .slice()
          .sort((a, b) => severityRank(b.severity) - severityRank(a.severity))
          .map((finding) => (
            <li
              key={`${entry.path}\u0000${finding.rule}`}
              className={`sev-${finding.severity}`}
              onClick={() => onSelect(entry)}
              data-rule={finding.rule}
            >
              <span className="badge">{finding.severity}</span> <span className="mono">{finding.attack}</span>{' '}
              {finding.rule} — <SafeText text={entry.path} className="mono" display />
            </li>
          )),
      )}
    </ol>
  );
}

export function DiffView({ client }: { client: AppClient }) {
  const [caseDir] = useHashParam('case');
  const [changesParam, setChanges] = useHashParam('changes');
  const [query, setQuery] = useHashParam('q');
  const [selected, setSelected] = useHashParam('path');
  const [tab, setTab] = useHashParam('tab');
  const build = useJob<DiffSummary>();
  const [page, setPage] = useState<{ entries: DiffEntry[]; total: number }>();
  const changes = useMemo(
    () =>
      changesParam === ''
        ? [...CHANGE_KINDS]
        : (changesParam.split(',').filter((kind) => (CHANGE_KINDS as string[]).includes(kind)) as DiffChange[]),
    [changesParam],
  );
  const { run } = build;

  useEffect(() => {
    if (caseDir !== '') void run((options) => client.forensics.diff({ caseDir, rebuild: false }, options));
  }, [caseDir, client, run]);

  const summary = build.state.status === 'done' ? build.state.result : undefined;
  useEffect(() => {
    if (!summary) return;
    let current = true;
    client.forensics.diffEntries({ caseDir, changes, ...(query ? { query } : {}), offset: 0, limit: PAGE }).then(
      (answer) => current && setPage(answer),
      () => current && setPage({ entries: [], total: 0 }),
    );
    return () => {
      current = false;
    };
  }, [summary, caseDir, client, changes, query]);

  const tree = useMemo(() => buildTree(page?.entries ?? []), [page]);
  const selectedEntry = page?.entries.find((entry) => rawPathBase64(entry) === selected);

  if (caseDir === '')
    return <p className="muted">Choose a case folder (top bar) to see what changed in its container.</p>;
  const toggle = (kind: DiffChange): void => {
    const next = changes.includes(kind) ? changes.filter((candidate) => candidate !== kind) : [...changes, kind];
    setChanges(next.length === CHANGE_KINDS.length ? '' : next.join(','));
  };

  return (
    <section className="diff" aria-label="Filesystem diff">
      <div className="toolbar">
        <button type="button" aria-pressed={tab !== 'browse'} onClick={() => setTab('')}>
          Changes
        </button>
        <button type="button" aria-pressed={tab === 'browse'} onClick={() => setTab('browse')}>
          Browse evidence
        </button>
        <button
          type="button"
          onClick={() => void run((options) => client.forensics.diff({ caseDir, rebuild: true }, options))}
        >
          Rebuild
        </button>
      </div>
      <JobStatus state={build.state} label="Indexing and diffing" onCancel={build.cancel} />
      {summary && tab === 'browse' ? <EvidenceBrowser client={client} caseDir={caseDir} /> : null}
      {summary && tab !== 'browse' ? (
        <>
          <div className="toolbar filters" aria-label="Change filters">
            {CHANGE_KINDS.map((kind) => (
              <label key={kind} className={`change change-${kind}`}>
                <input type="checkbox" checked={changes.includes(kind)} onChange={() => toggle(kind)} /> {kind}{' '}
                <span data-testid={`count-${kind}`}>{summary.counts[kind]}</span>
              </label>
            ))}
            <input
              type="search"
              aria-label="Search paths"
              placeholder="Search paths"
              value={query}
              onChange={(event) => setQuery(event.target.value)}
            />
            <span className="muted">
              {summary.findings.total} findings · {summary.indexed.imageEntries} image /{' '}
              {summary.indexed.containerEntries} container entries
            </span>
          </div>
          {summary.problems.length > 0 ? (
            <details className="warning">
              <summary>{summary.problems.length} indexing problems</summary>
              <ul>
                {summary.problems.map((problem, index) => (
                  <li key={index}>
                    <SafeText text={problem} display />
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
          <div className="diff-panes">
            <div className="pane tree-pane">
              <ChangeTree
                root={tree}
                selectedKey={selectedEntry?.path ?? ''}
                onSelect={(node) => node.entry && setSelected(rawPathBase64(node.entry))}
              />
              {page && page.total > page.entries.length ? (
                <p className="muted">
                  Showing {page.entries.length} of {page.total}: narrow with the filters or search.
                </p>
              ) : null}
            </div>
            <div className="pane detail-pane">
              {selectedEntry ? (
                <EntryDetails client={client} caseDir={caseDir} entry={selectedEntry} />
              ) : (
                <FindingsPanel entries={page?.entries ?? []} onSelect={(entry) => setSelected(rawPathBase64(entry))} />
              )}
            </div>
          </div>
        </>
      ) : null}
    </section>
  );
}
