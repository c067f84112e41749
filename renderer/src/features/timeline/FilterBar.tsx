// The timeline's filters: sources, kind, technique, process, path, text and bookmarks; every value lives in the URL.
import { TIMELINE_SOURCES, type TimelineSource } from '../../../../src/forensics/common/timeline-model.js';
import { attackTechniqueName } from '../../../../src/forensics/common/attack-techniques.js';
import { visibleText } from '../../../../src/contract/visible-text.js';
import type { Columns } from './columns.js';
import { kindOptions } from './row-format.js';
import { hasFilters, NO_FILTERS, type TimelineFilters } from './timeline-filters.js';

export function FilterBar({
  filters,
  columns,
  bookmarks,
  onChange,
}: {
  filters: TimelineFilters;
  columns: Columns;
  bookmarks: number;
  onChange: (change: Partial<TimelineFilters>) => void;
}) {
  const sources = new Map(columns.values('source').map(({ value, count }) => [value, count]));
  const kinds = kindOptions(columns.values('kind'));
  const techniques = columns.values('technique');
  const toggleSource = (source: TimelineSource): void =>
    onChange({
      sources: filters.sources.includes(source)
        ? filters.sources.filter((candidate) => candidate !== source)
        : [...filters.sources, source],
    });

  return (
    <div className="timeline-filters" aria-label="Timeline filters">
      <fieldset className="sources">
        <legend>Sources</legend>
        {TIMELINE_SOURCES.filter((source) => sources.has(source) || filters.sources.includes(source)).map((source) => (
          <label key={source} className={`source-${source}`}>
            <input type="checkbox" checked={filters.sources.includes(source)} onChange={() => toggleSource(source)} />{' '}
            {source} <span className="muted">{sources.get(source) ?? 0}</span>
          </label>
        ))}
      </fieldset>
      <label>
        Kind{' '}
        <select aria-label="Kind" value={filters.kind} onChange={(event) => onChange({ kind: event.target.value })}>
          <option value="">any kind</option>
          {kinds.map(({ value, count }) => (
            <option key={value} value={value}>
              {/* Options hold text only: escaped here as SafeText would. */}
              {visibleText(value)} ({count})
            </option>
          ))}
        </select>
      </label>
      <label>
        Technique{' '}
        <select
          aria-label="Technique"
          value={filters.technique}
          onChange={(event) => onChange({ technique: event.target.value })}
        >
          <option value="">any technique</option>
          {techniques.map(({ value, count }) => (
            <option key={value} value={value}>
              {visibleText(value)} {attackTechniqueName(value) ?? ''} ({count})
            </option>
          ))}
        </select>
      </label>
      <label>
        Process{' '}
        <input
          aria-label="Process"
          placeholder="pid or name"
          value={filters.process}
          onChange={(event) => onChange({ process: event.target.value })}
        />
      </label>
      <label>
        Path{' '}
        <input
          aria-label="Path prefix"
          placeholder="/etc/"
          value={filters.path}
          onChange={(event) => onChange({ path: event.target.value })}
        />
      </label>
      <label className="text-filter">
        Text{' '}
        <input
          type="search"
          aria-label="Search text"
          placeholder="words in summary, process, path, address…"
          value={filters.text}
          onChange={(event) => onChange({ text: event.target.value })}
        />
      </label>
      <label>
        <input
          type="checkbox"
          checked={filters.bookmarked}
          onChange={() => onChange({ bookmarked: !filters.bookmarked })}
        />{' '}
        bookmarked only <span className="muted">{bookmarks}</span>
      </label>
      {hasFilters(filters) ? (
        <button type="button" onClick={() => onChange(NO_FILTERS)}>
          Clear filters
        </button>
      ) : null}
      {filters.from || filters.to ? (
        <span className="muted" title={`${filters.from || '…'} → ${filters.to || '…'} ns`}>
          time range set (drag across the histogram to change it)
        </span>
      ) : null}
    </div>
  );
}
