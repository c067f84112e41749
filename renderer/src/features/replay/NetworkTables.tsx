// Sockets open at the instant, and the network calls that led up to it (latest first); a click seeks to the call.
import type { ActivityPage } from '../../../../src/capture/common/replay.contract.js';
import type { NetworkActivityView, ReplayStateView } from '../../../../src/capture/common/trace/replay-model.js';
import { SafeText } from '../../ui/SafeText.js';

function endpoint(activity: Pick<NetworkActivityView, 'address' | 'port'>): string {
  if (activity.address === null) return '—';
  return activity.port === null ? activity.address : `${activity.address}:${activity.port}`;
}

export function ConnectionsTable({ sockets }: { sockets: ReplayStateView['sockets'] }) {
  if (sockets.length === 0) return <p className="muted">No socket is open at this instant.</p>;
  return (
    <table className="grid" aria-label="Open sockets">
      <thead>
        <tr>
          <th>PID</th>
          <th>FD</th>
          <th>Proto</th>
          <th>Local</th>
          <th>Remote</th>
        </tr>
      </thead>
      <tbody>
        {sockets.map((socket) => (
          <tr key={`${socket.pid}:${socket.fd}`} data-pid={socket.pid}>
            <td className="mono">{socket.pid}</td>
            <td className="mono">{socket.fd}</td>
            <td>
              <SafeText text={[socket.socket?.family, socket.socket?.protocol].filter(Boolean).join(' ')} />
            </td>
            <td className="mono wrap">
              <SafeText text={socket.socket?.local ?? '—'} />
            </td>
            <td className="mono wrap">
              <SafeText text={socket.socket?.remote ?? '—'} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function NetworkActivityTable({
  activity,
  seq,
  onSeek,
}: {
  activity: ActivityPage | undefined;
  seq: number;
  onSeek: (seq: number, pid: number) => void;
}) {
  if (!activity) return null;
  if (activity.network.length === 0) return <p className="muted">No network calls up to this instant.</p>;
  return (
    <>
      <table className="grid clickable" aria-label="Network activity">
        <thead>
          <tr>
            <th>Seq</th>
            <th>PID</th>
            <th>Call</th>
            <th>Proto</th>
            <th>Address</th>
            <th>Result</th>
            <th>Bytes</th>
          </tr>
        </thead>
        <tbody>
          {activity.network.map((call) => (
            <tr
              key={`${call.seq}:${call.op}`}
              aria-selected={call.seq === seq}
              data-op={call.op}
              data-result={call.result}
              onClick={() => onSeek(call.seq, call.pid)}
              title={call.at ?? undefined}
            >
              <td className="mono">{call.seq}</td>
              <td className="mono">{call.pid}</td>
              <td>{call.op}</td>
              <td>
                <SafeText text={[call.family, call.protocol].filter(Boolean).join(' ')} />
              </td>
              <td className="mono wrap">
                <SafeText text={endpoint(call)} />
              </td>
              <td className={call.result === 'ok' ? '' : 'warning'}>
                <SafeText text={call.result} />
              </td>
              <td className="mono">
                {call.bytesSent !== undefined ? `↑${call.bytesSent}` : ''}
                {call.bytesReceived !== undefined ? ` ↓${call.bytesReceived}` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {activity.totals.network > activity.network.length ? (
        <p className="muted">
          The latest {activity.network.length} of {activity.totals.network} network calls.
        </p>
      ) : null}
    </>
  );
}
