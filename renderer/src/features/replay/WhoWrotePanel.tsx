// "Who wrote this?": every call that created, wrote, renamed, chmod-ed or removed a path, with the process ancestry.
import { useEffect, useState } from 'react';
import type { WhoWroteView } from '../../../../src/capture/common/trace/replay-model.js';
import type { AppClient } from '../../../../src/contract/app-contract.js';
import { useHashParam } from '../../app/url-state.js';
import { SafeText } from '../../ui/SafeText.js';
import { commandLine } from './process-text.js';

type Answer = { path: string; view: WhoWroteView } | { path: string; error: string };

export function WhoWrotePanel({
  client,
  replayId,
  seq,
  onSeek,
}: {
  client: AppClient;
  replayId: string;
  seq: number;
  onSeek: (seq: number, pid: number) => void;
}) {
  const [path, setPath] = useHashParam('path');
  const [draft, setDraft] = useState(path);
  const [answer, setAnswer] = useState<Answer>();
  useEffect(() => setDraft(path), [path]);

  useEffect(() => {
    if (path === '') return;
    let current = true;
    client.replay.whoWrote({ replayId, path }).then(
      (view) => current && setAnswer({ path, view }),
      (error: unknown) => current && setAnswer({ path, error: error instanceof Error ? error.message : String(error) }),
    );
    return () => {
      current = false;
    };
  }, [client, replayId, path]);

  const shown = answer && answer.path === path ? answer : undefined;
  return (
    <section className="who-wrote" aria-label="Who wrote this">
      <form
        className="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          setPath(draft.trim());
        }}
      >
        <label>
          Who wrote{' '}
          <input
            aria-label="Path to look up"
            placeholder="/absolute/path/in/the/container"
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
          />
        </label>
        <button type="submit">Look up</button>
        {path ? (
          <button type="button" className="link" onClick={() => setPath('')}>
            clear
          </button>
        ) : null}
      </form>
      {path === '' ? (
        <p className="muted">Type a path, or open this view from a diff entry's "Who wrote this?" link.</p>
      ) : !shown ? (
        <p className="muted" role="status">
          Looking up <SafeText text={path} />…
        </p>
      ) : 'error' in shown ? (
        <p className="job job-failed" role="alert">
          Lookup failed: <SafeText text={shown.error} />
        </p>
      ) : shown.view.events.length === 0 ? (
        <p className="muted" data-testid="who-wrote-none">
          Nothing in the trace created, wrote, renamed, chmod-ed or removed <SafeText text={path} className="mono" />.
        </p>
      ) : (
        <ol className="who-wrote-events" aria-label="Changes to the path">
          {shown.view.events.map((event) => (
            <li
              key={`${event.seq}:${event.op}`}
              className={event.seq === seq ? 'current' : ''}
              data-op={event.op}
              data-pid={event.pid}
            >
              <button type="button" className="link seek" onClick={() => onSeek(event.seq, event.pid)}>
                seq {event.seq}
              </button>{' '}
              <strong>{event.op}</strong> <SafeText text={event.path} className="mono" />
              {event.newPath !== undefined ? (
                <>
                  {' → '}
                  <SafeText text={event.newPath} className="mono" />
                </>
              ) : null}{' '}
              <span className="muted">
                <SafeText text={event.at ?? 'no time'} /> · pid {event.pid} · <SafeText text={event.result} />
              </span>
              <ol className="ancestry" aria-label={`Ancestry of pid ${event.pid}`}>
                {event.ancestry.map((process, index) => (
                  <li key={process.id} data-pid={process.pid}>
                    <span className="muted">{index === 0 ? 'by' : 'from'}</span>{' '}
                    <button type="button" className="link" onClick={() => onSeek(event.seq, process.pid)}>
                      pid {process.pid}
                    </button>{' '}
                    <SafeText text={commandLine(process)} className="mono" />
                    {process.exe && process.exe !== process.argv[0] ? (
                      <span className="muted">
                        {' '}
                        (<SafeText text={process.exe} />)
                      </span>
                    ) : null}
                  </li>
                ))}
              </ol>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
