// The replay view: opens the case's traces (the URL's item alone, else all merged), then the player — process tree,
// descriptors, network, files, terminal and "who wrote this?" at the instant in the URL
// (#/replay?case=…&item=…&seq=…&pid=…&tty=pid:fd&path=…&format=…).
import { useCallback, useEffect, useRef } from 'react';
import { TraceFormatChoice, type ReplaySummary } from '../../../../src/capture/common/replay.contract.js';
import type { AppClient } from '../../../../src/contract/app-contract.js';
import { setHashParams, useHashParam } from '../../app/url-state.js';
import { JobStatus } from '../../ui/JobStatus.js';
import { SafeText } from '../../ui/SafeText.js';
import { useJob } from '../../ui/use-job.js';
import { FdTable } from './FdTable.js';
import { FileActivityTable } from './FileActivityTable.js';
import { ConnectionsTable, NetworkActivityTable } from './NetworkTables.js';
import { PlayerControls } from './PlayerControls.js';
import { findProcess } from './process-tree.js';
import { ProcessTree } from './ProcessTree.js';
import { openTraces, shown, useActivity, useInstantState, useStateCache, type OpenedReplay } from './replay-data.js';
import { ReplayInputs } from './ReplayInputs.js';
import { chooseTty, formatTty, parsePid, parseSeq } from './replay-route.js';
import { ReplayTerminal } from './ReplayTerminal.js';
import { usePlayer } from './use-player.js';
import { WhoWrotePanel } from './WhoWrotePanel.js';

const TRACE_FORMATS = TraceFormatChoice.options;

function Player({ client, summary }: { client: AppClient; summary: ReplaySummary }) {
  const [seqParam, setSeqParam] = useHashParam('seq');
  const [pidParam, setPidParam] = useHashParam('pid');
  const [ttyParam, setTtyParam] = useHashParam('tty');
  const seq = parseSeq(seqParam, summary.lastSeq);
  const seek = useCallback((next: number) => setSeqParam(String(next)), [setSeqParam]);
  const seekAndSelect = useCallback(
    (next: number, pid: number) => setHashParams({ seq: String(next), pid: String(pid) }),
    [],
  );
  const fetchState = useStateCache(client, summary.replayId);
  const state = useInstantState(fetchState, seq);
  const activity = useActivity(client, summary.replayId, seq);
  const player = usePlayer({ summary, seq, fetchState, seek });
  const view = shown(state);
  const selected = findProcess(view?.processes ?? [], parsePid(pidParam));
  const fds = selected && view?.fds.find((entry) => entry.id === selected.id)?.fds;
  const tty = chooseTty(summary.ttySessions, ttyParam);

  return (
    <>
      <PlayerControls
        summary={summary}
        seq={seq}
        at={view && view.seq === seq ? view.at : undefined}
        player={player}
        onSeek={seek}
      />
      {state.status === 'failed' ? <JobStatus state={state} label="Loading the instant" /> : null}
      <div className="replay-grid">
        <section className="pane" aria-label="Process tree">
          <h3>
            Processes{' '}
            <span className="muted">
              {view ? `${view.processes.filter((process) => process.alive).length} alive` : ''}
            </span>
          </h3>
          <ProcessTree
            processes={view?.processes ?? []}
            selectedId={selected?.id}
            onSelect={(process) => setPidParam(String(process.pid))}
          />
        </section>
        <section className="pane" aria-label="Terminal">
          <h3>
            Terminal{' '}
            {summary.ttySessions.length > 0 && tty ? (
              <select
                aria-label="Terminal session"
                value={formatTty(tty)}
                onChange={(event) => setTtyParam(event.target.value)}
              >
                {summary.ttySessions.map((session) => (
                  <option key={formatTty(session)} value={formatTty(session)}>
                    pid {session.pid} · fd {session.fd} · {session.bytes} bytes in {session.chunks} writes
                  </option>
                ))}
              </select>
            ) : null}
          </h3>
          {tty ? (
            <ReplayTerminal client={client} replayId={summary.replayId} session={tty} seq={seq} />
          ) : (
            <p className="muted">The trace shows no terminal output.</p>
          )}
        </section>
        <section className="pane" aria-label="Descriptors">
          <h3>Open descriptors{selected ? ` of pid ${selected.pid}` : ''}</h3>
          <FdTable fds={fds} pid={selected?.pid} />
        </section>
        <section className="pane" aria-label="Network">
          <h3>Connections</h3>
          <ConnectionsTable sockets={view?.sockets ?? []} />
          <h3>Network activity</h3>
          <NetworkActivityTable activity={shown(activity)} seq={seq} onSeek={seekAndSelect} />
        </section>
        <section className="pane wide" aria-label="Files">
          <h3>File activity</h3>
          <FileActivityTable activity={shown(activity)} seq={seq} onSeek={seekAndSelect} />
        </section>
        <section className="pane wide" aria-label="Who wrote">
          <h3>Who wrote this?</h3>
          <WhoWrotePanel client={client} replayId={summary.replayId} seq={seq} onSeek={seekAndSelect} />
        </section>
      </div>
    </>
  );
}

/** Which trace to replay, when the case has several: one item alone (a timeline link's seq counts in it) or all. */
function TracePicker({ opened }: { opened: OpenedReplay }) {
  if (opened.traceItemIds.length < 2) return null;
  // What was opened, not what the URL asked for: an unknown item fell back to all of them.
  const chosen = opened.summary.inputs.length === 1 ? (opened.summary.inputs[0]?.itemId ?? '') : '';
  return (
    <label>
      Trace{' '}
      <select
        aria-label="Trace"
        value={chosen}
        // Another replay counts its seqs differently: the instant, process and terminal start over.
        onChange={(event) => setHashParams({ item: event.target.value, seq: '', pid: '', tty: '' })}
      >
        <option value="">all {opened.traceItemIds.length}, merged by time</option>
        {opened.traceItemIds.map((id) => (
          <option key={id} value={id}>
            {id}
          </option>
        ))}
      </select>
    </label>
  );
}

export function ReplayView({ client }: { client: AppClient }) {
  const [caseDir] = useHashParam('case');
  const [item] = useHashParam('item');
  const [formatParam, setFormat] = useHashParam('format');
  const format = TRACE_FORMATS.find((choice) => choice === formatParam) ?? 'auto';
  const opening = useJob<OpenedReplay>();
  const { run } = opening;
  // The replay the host holds for this view: closed when another replaces it or the view goes away.
  const opened = useRef<string | undefined>(undefined);
  const close = useCallback(
    (replayId: string) => void client.replay.closeReplay({ replayId }).catch(() => undefined),
    [client],
  );
  const open = useCallback(async () => {
    const result = await run((options) => openTraces(client, { caseDir, format, item }, options));
    if (result) {
      const previous = opened.current;
      opened.current = result.summary.replayId;
      if (previous !== undefined && previous !== result.summary.replayId) close(previous);
    }
  }, [caseDir, client, close, format, item, run]);

  useEffect(() => {
    if (caseDir === '') return;
    void open();
    return () => {
      if (opened.current !== undefined) close(opened.current);
      opened.current = undefined;
    };
  }, [caseDir, close, open]);

  if (caseDir === '') return <p className="muted">Choose a case folder (top bar) to replay its syscall traces.</p>;
  const result = opening.state.status === 'done' ? opening.state.result : undefined;
  const summary = result?.summary;
  return (
    <section className="replay" aria-label="Replay">
      <div className="toolbar">
        <label>
          Format{' '}
          <select
            aria-label="Replay format"
            title="Detected from each file's first lines; choose one when detection fails"
            value={format}
            onChange={(event) => setFormat(event.target.value === 'auto' ? '' : event.target.value)}
          >
            {TRACE_FORMATS.map((choice) => (
              <option key={choice} value={choice}>
                {choice}
              </option>
            ))}
          </select>
        </label>
        {result ? <TracePicker opened={result} /> : null}
        <button type="button" onClick={() => void open()}>
          Reopen
        </button>
        <span className="muted">Import or capture traces from the Case and Containers views.</span>
      </div>
      <JobStatus state={opening.state} label="Parsing and replaying the traces" onCancel={opening.cancel} />
      {result?.note ? (
        <p className="warning" role="status" data-testid="replay-trace-note">
          <SafeText text={result.note} />
        </p>
      ) : null}
      {summary ? (
        <>
          <ReplayInputs summary={summary} />
          {summary.events === 0 ? (
            <p className="warning">The traces hold no events to replay.</p>
          ) : (
            <Player key={summary.replayId} client={client} summary={summary} />
          )}
        </>
      ) : null}
    </section>
  );
}
