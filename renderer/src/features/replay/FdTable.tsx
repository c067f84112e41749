// The open file descriptors of the selected process at the instant: files, sockets with endpoints, pipes, ttys.
import type { FdView } from '../../../../src/capture/common/trace/replay-model.js';
import { SafeText } from '../../ui/SafeText.js';

export function socketEndpoints(socket: FdView['socket']): string {
  if (!socket) return '';
  const kind = [socket.family, socket.protocol].filter(Boolean).join(' ');
  return `${kind ? `${kind} ` : ''}${socket.local ?? '?'} → ${socket.remote ?? '?'}`;
}

export function FdTable({ fds, pid }: { fds: readonly FdView[] | undefined; pid: number | undefined }) {
  if (pid === undefined) return <p className="muted">Select a process to see its open files.</p>;
  if (!fds || fds.length === 0)
    return <p className="muted">No open descriptors known for pid {pid} at this instant.</p>;
  return (
    <table className="grid fd-table" aria-label={`Open descriptors of pid ${pid}`}>
      <thead>
        <tr>
          <th>FD</th>
          <th>Kind</th>
          <th>Path / endpoints</th>
          <th>Flags</th>
          <th>CLOEXEC</th>
        </tr>
      </thead>
      <tbody>
        {fds.map((fd) => (
          <tr key={fd.fd} data-fd={fd.fd} data-kind={fd.kind}>
            <td className="mono">{fd.fd}</td>
            <td>
              {fd.kind}
              {fd.session ? <span className="muted"> (session)</span> : null}
            </td>
            <td className="mono wrap">
              {fd.socket ? <SafeText text={socketEndpoints(fd.socket)} /> : <SafeText text={fd.path ?? '—'} />}
            </td>
            <td className="mono wrap">
              <SafeText text={fd.flags ?? ''} />
            </td>
            <td>{fd.cloexec ? 'yes' : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
