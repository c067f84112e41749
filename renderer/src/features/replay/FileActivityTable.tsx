// File activity up to the instant (latest first) with a filter box; a click seeks to that call and selects its process.
import type { ActivityPage } from '../../../../src/capture/common/replay.contract.js';
import type { FileActivityView } from '../../../../src/capture/common/trace/replay-model.js';
import { visibleText } from '../../../../src/contract/visible-text.js';
import { useHashParam } from '../../app/url-state.js';
import { matchesFileFilter } from './file-filter.js';
import { SafeText } from '../../ui/SafeText.js';

function bytes(activity: FileActivityView): string {
  const parts: string[] = [];
  if (activity.bytesRead !== undefined) parts.push(`read ${activity.bytesRead}`);
  if (activity.bytesWritten !== undefined) parts.push(`wrote ${activity.bytesWritten}`);
  return parts.join(' · ');
}

export function FileActivityTable({
  activity,
  seq,
  onSeek,
}: {
  activity: ActivityPage | undefined;
  seq: number;
  onSeek: (seq: number, pid: number) => void;
}) {
  const [filter, setFilter] = useHashParam('files');
  const rows = (activity?.files ?? []).filter((file) => matchesFileFilter(file, filter));
  return (
    <>
      <div className="toolbar">
        <input
          type="search"
          aria-label="Filter file activity"
          placeholder="Filter by path or operation"
          value={filter}
          onChange={(event) => setFilter(event.target.value)}
        />
        {activity ? (
          <span className="muted">
            {rows.length} shown · {activity.totals.files} file calls up to this instant
            {activity.totals.files > activity.files.length ? ` (the latest ${activity.files.length} loaded)` : ''}
          </span>
        ) : null}
      </div>
      {rows.length === 0 ? (
        <p className="muted">No file activity{filter ? ' matches the filter' : ''} up to this instant.</p>
      ) : (
        <table className="grid clickable" aria-label="File activity">
          <thead>
            <tr>
              <th>Seq</th>
              <th>Op</th>
              <th>Path</th>
              <th>PID</th>
              <th>Result</th>
              <th>Bytes</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((file) => (
              <tr
                key={`${file.seq}:${file.op}:${file.path}`}
                aria-selected={file.seq === seq}
                data-op={file.op}
                data-path={visibleText(file.path)}
                data-result={file.result}
                onClick={() => onSeek(file.seq, file.pid)}
                title={file.at ?? undefined}
              >
                <td className="mono">{file.seq}</td>
                <td>{file.op}</td>
                <td className="mono wrap">
                  <SafeText text={file.path} />
                  {file.newPath !== undefined ? (
                    <>
                      {' → '}
                      <SafeText text={file.newPath} />
                    </>
                  ) : null}
                  {file.target !== undefined ? (
                    <span className="muted">
                      {' '}
                      (<SafeText text={file.target} />)
                    </span>
                  ) : null}
                  {file.mode !== undefined ? (
                    <span className="muted">
                      {' '}
                      mode <SafeText text={file.mode} />
                    </span>
                  ) : null}
                </td>
                <td className="mono">{file.pid}</td>
                <td className={file.result === 'ok' ? '' : 'warning'}>
                  <SafeText text={file.result} />
                </td>
                <td className="mono">{bytes(file)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
