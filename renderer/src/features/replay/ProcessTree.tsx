// The process tree at the instant: indented by parent, live processes bright, exited ancestors dimmed; click selects.
import type { ReplayStateView } from '../../../../src/capture/common/trace/replay-model.js';
import { SafeText } from '../../ui/SafeText.js';
import { commandLine, processFate } from './process-text.js';
import { processTreeRows } from './process-tree.js';

type StateProcess = ReplayStateView['processes'][number];

/** Deeper rows share the last indent class: the depth is still shown as a number. */
const MAX_INDENT = 12;

export function ProcessTree({
  processes,
  selectedId,
  onSelect,
}: {
  processes: readonly StateProcess[];
  selectedId: number | undefined;
  onSelect: (process: StateProcess) => void;
}) {
  const rows = processTreeRows(processes);
  if (rows.length === 0)
    return (
      <p className="muted">
        No process is alive at this instant: step back, or click a file or network call to see who made it.
      </p>
    );
  return (
    <table className="grid process-tree" aria-label="Processes">
      <thead>
        <tr>
          <th>PID</th>
          <th>Command</th>
          <th>UID</th>
          <th>State</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ process, depth }) => (
          <tr
            key={process.id}
            className={process.alive ? 'alive' : 'exited'}
            aria-selected={process.id === selectedId}
            data-pid={process.pid}
            data-alive={String(process.alive)}
            onClick={() => onSelect(process)}
          >
            <td className={`mono indent-${Math.min(depth, MAX_INDENT)}`} title={`depth ${depth}`}>
              {depth > 0 ? '└ ' : ''}
              {process.pid}
            </td>
            <td className="mono wrap">
              <SafeText text={commandLine(process)} />
              {process.exe && process.exe !== process.argv[0] ? (
                <span className="muted">
                  {' '}
                  (<SafeText text={process.exe} />)
                </span>
              ) : null}
              {process.threads.length > 0 ? <span className="muted"> · {process.threads.length} threads</span> : null}
            </td>
            <td className="mono">
              {process.uid ?? '?'}
              {process.euid !== null && process.euid !== process.uid ? `/${process.euid}` : ''}
            </td>
            <td>
              <SafeText text={processFate(process)} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
