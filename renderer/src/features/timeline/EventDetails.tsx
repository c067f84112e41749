// The selected event in full — exact time, subject, evidence item and hash, attributes, techniques — with links to
// the replay instant or the diff entry, and its bookmark and notes (written through the host).
import { useState, type ReactNode } from 'react';
import type { Annotation, TimelineEvent } from '../../../../src/forensics/common/timeline-model.js';
import { attackTechniqueName } from '../../../../src/forensics/common/attack-techniques.js';
import { SafeText } from '../../ui/SafeText.js';
import { diffLink, replayLink } from './timeline-links.js';
import type { Annotations } from './use-annotations.js';

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

function Notes({ notes, annotations }: { notes: readonly Annotation[]; annotations: Annotations }) {
  if (notes.length === 0) return null;
  return (
    <ol className="tl-notes" aria-label="Notes on this event">
      {notes.map((note) => (
        <li key={note.id} data-annotation-id={note.id}>
          <SafeText text={note.text} className="tl-note-text" />
          <span className="muted">
            {' '}
            — <SafeText text={note.operator} />, <SafeText text={note.at.replace('T', ' ').slice(0, 19)} />
          </span>{' '}
          <button
            type="button"
            className="link"
            disabled={annotations.busy}
            onClick={() => void annotations.withdraw(note.id)}
          >
            withdraw
          </button>
        </li>
      ))}
    </ol>
  );
}

export function EventDetails({
  caseDir,
  event,
  annotations,
}: {
  caseDir: string;
  event: TimelineEvent;
  annotations: Annotations;
}) {
  const [draft, setDraft] = useState('');
  const mine = annotations.byEvent.get(event.id) ?? [];
  const bookmarks = mine.filter((annotation) => annotation.kind === 'bookmark');
  const notes = mine.filter((annotation) => annotation.kind !== 'bookmark');
  const replay = replayLink(caseDir, event);
  const diff = diffLink(caseDir, event);
  const subject = event.subject;
  const attributes = Object.entries(event.attributes);

  return (
    <article className="tl-details" aria-label="Event details" data-event-id={event.id}>
      <h3>
        <SafeText text={event.kind} className="mono" /> <span className="muted">{event.source}</span>
      </h3>
      <p className="tl-details-summary">
        <SafeText text={event.summary} />
      </p>
      <div className="toolbar">
        {bookmarks.length > 0 ? (
          <button
            type="button"
            aria-pressed="true"
            disabled={annotations.busy}
            onClick={() => void Promise.all(bookmarks.map((bookmark) => annotations.withdraw(bookmark.id)))}
          >
            ★ Bookmarked — remove
          </button>
        ) : (
          <button
            type="button"
            aria-pressed="false"
            disabled={annotations.busy}
            onClick={() => void annotations.add('bookmark', event.id, '')}
          >
            ☆ Bookmark
          </button>
        )}
        {replay ? (
          <a href={replay} data-testid="replay-link">
            Replay at seq {event.replaySeq}
            {event.evidence ? (
              <>
                {' '}
                of <SafeText text={event.evidence.itemId} className="mono" />
              </>
            ) : null}
          </a>
        ) : null}
        {diff ? (
          <a href={diff} data-testid="diff-link">
            Open in the diff
          </a>
        ) : null}
      </div>
      {annotations.error ? (
        <p role="alert" className="job job-failed">
          <SafeText text={annotations.error} />
        </p>
      ) : null}
      <Notes notes={notes} annotations={annotations} />
      <form
        className="tl-note-form"
        onSubmit={(submit) => {
          submit.preventDefault();
          const text = draft.trim();
          if (text === '') return;
          void annotations.add('note', event.id, text).then(() => setDraft(''));
        }}
      >
        <textarea
          aria-label="Note on this event"
          placeholder="Note for the report (kept in the case's annotations.jsonl)"
          value={draft}
          maxLength={20_000}
          onChange={(change) => setDraft(change.target.value)}
        />
        <button type="submit" disabled={annotations.busy || draft.trim() === ''}>
          Add note
        </button>
      </form>
      <dl className="tl-fields">
        <Field label="Time (UTC)">
          <SafeText text={event.at} className="mono" /> <span className="muted">({event.confidence})</span>
        </Field>
        <Field label="Nanoseconds">
          <span className="mono">{event.tns}</span>
        </Field>
        {subject.pid !== undefined || subject.process !== undefined ? (
          <Field label="Process">
            <span className="mono">{subject.pid ?? ''}</span> <SafeText text={subject.process ?? ''} className="mono" />
          </Field>
        ) : null}
        {subject.path !== undefined ? (
          <Field label="Path">
            <SafeText text={subject.path} className="mono" />
          </Field>
        ) : null}
        {subject.address !== undefined ? (
          <Field label="Address">
            <SafeText
              text={subject.port === undefined ? subject.address : `${subject.address}:${subject.port}`}
              className="mono"
            />
          </Field>
        ) : null}
        {subject.containerId !== undefined ? (
          <Field label="Container">
            <SafeText text={subject.containerId.slice(0, 12)} className="mono" />{' '}
            {subject.engineId !== undefined ? (
              <span className="muted">
                on <SafeText text={subject.engineId} />
              </span>
            ) : null}
          </Field>
        ) : null}
        <Field label="Techniques">
          {event.techniques.length === 0 ? (
            <span className="muted">none</span>
          ) : (
            <ul className="badges">
              {event.techniques.map((technique) => (
                <li key={technique} className="badge" title={attackTechniqueName(technique)}>
                  <SafeText text={technique} /> {attackTechniqueName(technique) ?? ''}
                </li>
              ))}
            </ul>
          )}
        </Field>
        <Field label="Evidence">
          {event.evidence ? (
            <>
              <SafeText text={event.evidence.itemId} className="mono" />, <SafeText text={event.evidence.locator} />
              <br />
              <span className="muted">sha256 </span>
              <SafeText text={event.evidence.sha256} className="mono hash" />
            </>
          ) : (
            <span className="muted">an investigator's annotation</span>
          )}
        </Field>
      </dl>
      {attributes.length > 0 ? (
        <table className="grid tl-attributes" aria-label="Attributes">
          <tbody>
            {attributes.map(([name, value]) => (
              <tr key={name}>
                <th>
                  <SafeText text={name} className="mono" />
                </th>
                <td>
                  <SafeText text={value === null ? 'null' : String(value)} className="mono" />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </article>
  );
}
