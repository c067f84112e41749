// The workbench frame: connection to the host, then the containers view (the first area of the product).
import { useEffect, useState } from 'react';
import type { HostInfo } from '../../../src/contract/system.contract.js';
import { connectToHost, type ConnectionState } from '../api/host-connection.js';
import { ContainersView } from '../features/containers/ContainersView.js';

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
        {connection.state === 'connected' ? <ContainersView client={connection.client} /> : null}
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
