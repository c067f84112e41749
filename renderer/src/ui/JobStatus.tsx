// Shows a long job's progress, failure or nothing; every message passes through SafeText.
import type { JobState } from './use-job.js';
import { SafeText } from './SafeText.js';

function formatProgress(done: number, total: number | undefined): string {
  if (total !== undefined && total > 0) return `${done} / ${total}`;
  return done > 1024 * 1024 ? `${(done / (1024 * 1024)).toFixed(1)} MiB` : `${done}`;
}

export function JobStatus<T>({ state, label, onCancel }: { state: JobState<T>; label: string; onCancel?: () => void }) {
  if (state.status === 'running') {
    return (
      <div className="job job-running" role="status" data-job={label}>
        {label}…{' '}
        {state.progress ? (
          <>
            {formatProgress(state.progress.done, state.progress.total)}
            {state.progress.note ? (
              <>
                {' '}
                · <SafeText text={state.progress.note} />
              </>
            ) : null}
          </>
        ) : null}
        {onCancel ? (
          <button type="button" className="link" onClick={onCancel}>
            cancel
          </button>
        ) : null}
      </div>
    );
  }
  if (state.status === 'failed') {
    return (
      <div className="job job-failed" role="alert" data-job={label}>
        {label} failed: <SafeText text={state.error} />
      </div>
    );
  }
  return null;
}
