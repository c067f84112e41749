// The end of an isolate dialog, shared by containers and pods: the running job, the outcome, and Isolate / Close.
import type { StepOutcome } from '../../../../src/capture/common/containment.js';
import { JobStatus } from '../../ui/JobStatus.js';
import { SafeText } from '../../ui/SafeText.js';
import { OutcomeSteps } from '../../ui/StepList.js';
import type { JobState } from '../../ui/use-job.js';

interface IsolationOutcome {
  contained: boolean;
  summary: string;
  steps: readonly StepOutcome[];
}

export function IsolationFooter({
  isolation,
  cancel,
  summaryTestId,
  canIsolate,
  onIsolate,
  onClose,
}: {
  isolation: JobState<IsolationOutcome>;
  cancel: () => void;
  /** The e2e tests and the responder's automation read the summary by this id. */
  summaryTestId: string;
  canIsolate: boolean;
  onIsolate: () => void;
  onClose: () => void;
}) {
  const result = isolation.status === 'done' ? isolation.result : undefined;
  return (
    <>
      <JobStatus state={isolation} label="Isolating" onCancel={cancel} />
      {result ? (
        <>
          <p className={result.contained ? 'ok' : 'warning'} data-testid={summaryTestId}>
            <SafeText text={result.summary} />
          </p>
          <OutcomeSteps steps={result.steps} />
        </>
      ) : null}
      <div className="buttons">
        {result ? null : (
          <button
            type="button"
            className="danger"
            disabled={!canIsolate || isolation.status === 'running'}
            onClick={onIsolate}
          >
            Isolate now
          </button>
        )}
        <button type="button" onClick={onClose}>
          {result ? 'Close' : 'Cancel'}
        </button>
      </div>
    </>
  );
}
