// The timeline view (#/timeline?case=…&tsource=…&tkind=…&ttech=…&tproc=…&tpath=…&tq=…&tfrom=…&tto=…&tmarked=1&tevent=…):
// the case's events on one axis from the renderer's IndexedDB — histogram with brushing, filters, a windowed list
// of every matching event, and the selected event with its evidence, links, bookmark and notes.
import { useCallback, useMemo, useState } from 'react';
import { setHashParams, useHashParam, useHashParams } from '../../app/url-state.js';
import { visibleText } from '../../../../src/contract/visible-text.js';
import { SafeText } from '../../ui/SafeText.js';
import { EventDetails } from './EventDetails.js';
import { EventList } from './EventList.js';
import { FilterBar } from './FilterBar.js';
import { Histogram, type Marker } from './Histogram.js';
import { histogramDomain, zoomOut } from './histogram.js';
import { indexOfPosition } from './query-plan.js';
import type { TimelineClient } from './timeline-client.js';
import { EVENT_PARAM, filterParams, parseFilters, type TimelineFilters } from './timeline-filters.js';
import { useAnnotations, type Annotations } from './use-annotations.js';
import { useEventRows } from './use-event-rows.js';
import { useTimeline, type OpenTimeline, type TimelineState } from './use-timeline.js';
import { useTimelineQuery } from './use-timeline-query.js';
import { tnsToIso } from './time-key.js';

const fmt = (value: number): string => value.toLocaleString('en-US');

function Progress({ state }: { state: TimelineState }) {
  if (state.status === 'building')
    return (
      <p className="job job-running" role="status">
        The host is building the case's timeline…{' '}
        {state.progress?.note ? <SafeText text={state.progress.note} /> : null}
      </p>
    );
  if (state.status === 'loading')
    return (
      <p className="job job-running" role="status" data-testid="timeline-loading">
        Loading events into this window's store: {fmt(state.loaded)} / {fmt(state.total)}{' '}
        <progress max={Math.max(1, state.total)} value={state.loaded} />
      </p>
    );
  if (state.status === 'opening')
    return (
      <p className="job job-running" role="status">
        Opening the stored timeline…
      </p>
    );
  if (state.status === 'failed')
    return (
      <p className="job job-failed" role="alert">
        The timeline could not be opened: <SafeText text={state.error} />
      </p>
    );
  return null;
}

function Workspace({
  caseDir,
  timeline,
  annotations,
}: {
  caseDir: string;
  timeline: OpenTimeline;
  annotations: Annotations;
}) {
  const params = useHashParams();
  const filters = useMemo(() => parseFilters((name) => params.get(name) ?? ''), [params]);
  const [selectedId] = useHashParam(EVENT_PARAM);
  const query = useTimelineQuery(timeline, filters, annotations.bookmarked);
  const { result } = query;
  const { db, columns, summary } = timeline;

  const [selectedRow] = useEventRows(
    db,
    useMemo(() => (selectedId ? [selectedId] : []), [selectedId]),
  );
  const selected = selectedRow && selectedRow.e.id === selectedId ? selectedRow : undefined;
  const selectedIndex = selected ? indexOfPosition(result, selected.o) : -1;
  const bookmarkRows = useEventRows(db, annotations.bookmarked);

  const selectEvent = useCallback((id: string) => setHashParams({ [EVENT_PARAM]: id }), []);
  const change = useCallback((update: Partial<TimelineFilters>) => setHashParams(filterParams(update)), []);

  const whole = useMemo(() => histogramDomain(columns.times, '', ''), [columns]);
  const domain = useMemo(
    () => histogramDomain(columns.times, filters.from, filters.to) ?? whole,
    [columns, filters.from, filters.to, whole],
  );
  const markers = useMemo<Marker[]>(() => {
    const marks: Marker[] = bookmarkRows.map((row) => ({
      ms: columns.times[row.o] ?? Number.NaN,
      kind: 'bookmark',
      // An SVG tooltip is text only: escaped here as SafeText would.
      label: visibleText(`Bookmarked: ${row.e.at} ${row.e.kind} ${row.e.summary}`),
      onClick: () => setHashParams({ [EVENT_PARAM]: row.e.id }),
    }));
    if (selected)
      marks.push({
        ms: columns.times[selected.o] ?? Number.NaN,
        kind: 'selected',
        label: visibleText(`Selected: ${selected.e.at}`),
      });
    return marks;
  }, [bookmarkRows, columns, selected]);
  const out = whole && domain ? zoomOut(domain, whole) : undefined;
  const withDate = (summary.first ?? '').slice(0, 10) !== (summary.last ?? '').slice(0, 10);

  return (
    <>
      <div className="toolbar timeline-status">
        <span data-testid="timeline-count">
          {fmt(result.count)} of {fmt(summary.events)} events
        </span>
        <span className="muted" data-testid="timeline-query-ms">
          {query.running ? 'filtering…' : query.ms !== undefined ? `filtered in ${query.ms.toFixed(0)} ms` : ''}
        </span>
        {query.error ? (
          <span role="alert" className="job-failed">
            <SafeText text={query.error} />
          </span>
        ) : null}
        <span className="muted mono" data-testid="timeline-extent">
          {summary.first ? `${summary.first} → ${summary.last ?? ''}` : ''}
        </span>
        <span className="muted">{summary.attackVersion}</span>
      </div>
      {domain ? (
        <>
          <Histogram
            columns={columns}
            result={result}
            domain={domain}
            markers={markers}
            onRange={(range) => change(range)}
          />
          <div className="toolbar histogram-range">
            <span className="mono" data-testid="time-range">
              {filters.from || filters.to
                ? `${filters.from ? tnsToIso(filters.from) : 'start'} → ${filters.to ? tnsToIso(filters.to) : 'end'}`
                : 'the whole timeline'}
            </span>
            <button type="button" disabled={!out} onClick={() => out && change(out)}>
              Zoom out
            </button>
            <button type="button" disabled={!filters.from && !filters.to} onClick={() => change({ from: '', to: '' })}>
              Whole timeline
            </button>
          </div>
        </>
      ) : null}
      <FilterBar filters={filters} columns={columns} bookmarks={annotations.bookmarked.length} onChange={change} />
      <div className="timeline-panes">
        <EventList
          db={db}
          result={result}
          selectedIndex={selectedIndex}
          byEvent={annotations.byEvent}
          withDate={withDate}
          onSelectEvent={selectEvent}
        />
        <aside className="pane tl-detail-pane">
          {selected ? (
            <EventDetails caseDir={caseDir} event={selected.e} annotations={annotations} />
          ) : (
            <p className="muted">Select an event to see its evidence, bookmark it or add a note.</p>
          )}
          {selected && selectedIndex < 0 ? <p className="muted">This event is outside the current filters.</p> : null}
        </aside>
      </div>
    </>
  );
}

export function TimelineView({ client }: { client: TimelineClient }) {
  const [caseDir] = useHashParam('case');
  const [request, setRequest] = useState({ generation: 0, rebuild: false });
  const state = useTimeline(client, caseDir, request);
  const annotations = useAnnotations(client, caseDir);
  if (caseDir === '') return <p className="muted">Choose a case folder (top bar) to see its incident timeline.</p>;
  const summary = state.status === 'ready' ? state.timeline.summary : undefined;
  return (
    <section className="timeline" aria-label="Timeline">
      <div className="toolbar">
        <button
          type="button"
          disabled={state.status !== 'ready' && state.status !== 'failed'}
          onClick={() => setRequest((previous) => ({ generation: previous.generation + 1, rebuild: true }))}
        >
          Rebuild
        </button>
        {summary ? (
          <span className="muted" title={`analysis/timeline.jsonl sha256 ${summary.sha256}`}>
            {summary.sources.length} evidence items · timeline sha256 {summary.sha256.slice(0, 16)}…
          </span>
        ) : null}
      </div>
      <Progress state={state} />
      {summary && summary.problems.length > 0 ? (
        <details className="warning">
          <summary>{summary.problems.length} sources or lines could not be read</summary>
          <ul>
            {summary.problems.map((problem, index) => (
              <li key={index}>
                <SafeText text={problem} />
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      {state.status === 'ready' ? (
        state.timeline.summary.events === 0 ? (
          <p className="warning">The case holds no evidence with a time to put on the timeline yet.</p>
        ) : (
          <Workspace
            key={state.timeline.db.name}
            caseDir={caseDir}
            timeline={state.timeline}
            annotations={annotations}
          />
        )
      ) : null}
    </section>
  );
}
