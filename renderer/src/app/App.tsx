// The workbench frame: connection to the host, the current case, and the views (containers, case, diff, replay, timeline, sandbox, report).
import { lazy, Suspense, useEffect, useState } from 'react';
import type { AppClient } from '../../../src/contract/app-contract.js';
import type { HostInfo } from '../../../src/contract/system.contract.js';
import { connectToHost, type ConnectionState } from '../api/host-connection.js';
import { CaseView } from '../features/case/CaseView.js';
import { ContainersView } from '../features/containers/ContainersView.js';
import { DiffView } from '../features/diff/DiffView.js';
import { ReportView } from '../features/report/ReportView.js';
import { useHashParam, useView, VIEWS, type View } from './url-state.js';

// The terminal (xterm.js) is only needed in the sandbox and replay views: load them when they open.
const SandboxView = lazy(async () => ({ default: (await import('../features/sandbox/SandboxView.js')).SandboxView }));
const ReplayView = lazy(async () => ({ default: (await import('../features/replay/ReplayView.js')).ReplayView }));
// Dexie and the timeline's IndexedDB store load with the timeline view only.
const TimelineView = lazy(async () => ({
  default: (await import('../features/timeline/TimelineView.js')).TimelineView,
}));

const VIEW_LABELS: Record<View, string> = {
  containers: 'Containers',
  case: 'Case',
  diff: 'Diff',
  replay: 'Replay',
  timeline: 'Timeline',
  sandbox: 'Sandbox',
  report: 'Report',
};

/** The case every action writes into; kept in the URL so it survives reloads and view switches. */
function CasePicker() {
  const [caseDir, setCaseDir] = useHashParam('case');
  const [draft, setDraft] = useState(caseDir);
  useEffect(() => setDraft(caseDir), [caseDir]);
  return (
    <form
      className="case-picker"
      onSubmit={(event) => {
        event.preventDefault();
        setCaseDir(draft.trim());
      }}
    >
      <label>
        Case{' '}
        <input
          aria-label="Current case folder"
          placeholder="case folder"
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
          onBlur={() => setCaseDir(draft.trim())}
        />
      </label>
    </form>
  );
}

function Workbench({ client }: { client: AppClient }) {
  const [view, go] = useView();
  return (
    <>
      <nav className="tabs" aria-label="Views">
        {VIEWS.map((name) => (
          <button key={name} type="button" aria-current={view === name ? 'page' : undefined} onClick={() => go(name)}>
            {VIEW_LABELS[name]}
          </button>
        ))}
        <CasePicker />
      </nav>
      {view === 'containers' ? <ContainersView client={client} /> : null}
      {view === 'case' ? <CaseView client={client} /> : null}
      {view === 'diff' ? <DiffView client={client} /> : null}
      {view === 'replay' ? (
        <Suspense fallback={<p className="muted">Loading the player…</p>}>
          <ReplayView client={client} />
        </Suspense>
      ) : null}
      {view === 'timeline' ? (
        <Suspense fallback={<p className="muted">Loading the timeline…</p>}>
          <TimelineView client={client.timeline} />
        </Suspense>
      ) : null}
      {view === 'report' ? <ReportView client={client} /> : null}
      {view === 'sandbox' ? (
        <Suspense fallback={<p className="muted">Loading the terminal…</p>}>
          <SandboxView client={client} />
        </Suspense>
      ) : null}
    </>
  );
}

export function App() {
  const [connection, setConnection] = useState<ConnectionState>({ state: 'connecting', attempt: 0 });
  const [info, setInfo] = useState<HostInfo>();
  useEffect(() => connectToHost(setConnection), []);
  useEffect(() => {
    if (connection.state !== 'connected') return;
    connection.client.system.info({}).then(setInfo, () => setInfo(undefined));
  }, [connection]);

  return (
    <div className="app">
      <header className="topbar">
        <h1>HoldCell</h1>
        <span className="muted">
          {info
            ? `host ${info.version} · ${info.pipe}`
            : connection.state === 'connected'
              ? 'connected'
              : 'not connected'}
        </span>
      </header>
      <main>
        {connection.state === 'connected' ? <Workbench client={connection.client} /> : null}
        {connection.state === 'connecting' ? (
          <p className="muted" role="status">
            Connecting to the HoldCell host…{connection.lastError ? ` (${connection.lastError})` : ''}
          </p>
        ) : null}
        {connection.state === 'no-token' ? (
          <p role="alert">
            This page needs the start token: open the full URL that <code>holdcell serve</code> printed.
          </p>
        ) : null}
      </main>
    </div>
  );
}
