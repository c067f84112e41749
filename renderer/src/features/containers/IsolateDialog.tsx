// Isolate with a plan preview: the responder sees every step before anything touches the suspect, then the outcome.
import { useEffect, useState } from 'react';
import type { IsolationMode, IsolationPlan, IsolationResult } from '../../../../src/capture/common/containment.js';
import type { ContainerSummary } from '../../../../src/capture/common/containers.js';
import type { AppClient } from '../../../../src/contract/app-contract.js';
import { JobStatus } from '../../ui/JobStatus.js';
import { SafeText } from '../../ui/SafeText.js';
import { PlanSteps } from '../../ui/StepList.js';
import { useJob } from '../../ui/use-job.js';
import { Warnings } from '../../ui/Warnings.js';
import { IsolationFooter } from './IsolationFooter.js';

const MODES: { mode: IsolationMode; label: string }[] = [
  { mode: 'both', label: 'Pause and quarantine network' },
  { mode: 'pause', label: 'Pause only' },
  { mode: 'network', label: 'Quarantine network only' },
];

export function IsolateDialog({
  client,
  container,
  caseDir,
  onClose,
}: {
  client: AppClient;
  container: ContainerSummary;
  caseDir: string;
  onClose: () => void;
}) {
  const [mode, setMode] = useState<IsolationMode>('both');
  const plan = useJob<IsolationPlan>();
  const isolation = useJob<IsolationResult>();
  const ref = { engineId: container.engineId, container: container.id };
  const { run: runPlan } = plan;

  useEffect(() => {
    void runPlan((options) =>
      client.capture.planIsolation({ ref: { engineId: container.engineId, container: container.id }, mode }, options),
    );
  }, [client, container.engineId, container.id, mode, runPlan]);

  const result = isolation.state.status === 'done' ? isolation.state.result : undefined;
  return (
    <div className="dialog" role="dialog" aria-label="Isolate container">
      <h2>
        Isolate <SafeText text={container.name} />
      </h2>
      <p className="muted">
        Volatile state is collected first (inspect, processes, connections, logs), then the container is contained.
        Nothing is executed inside it. Every engine call is written to the custody log of <SafeText text={caseDir} />.
      </p>
      {result ? null : (
        <>
          <fieldset className="modes">
            <legend>Containment</legend>
            {MODES.map((option) => (
              <label key={option.mode}>
                <input
                  type="radio"
                  name="mode"
                  value={option.mode}
                  checked={mode === option.mode}
                  onChange={() => setMode(option.mode)}
                />{' '}
                {option.label}
              </label>
            ))}
          </fieldset>
          {plan.state.status === 'done' ? (
            <>
              <PlanSteps steps={plan.state.result.steps} />
              <Warnings warnings={plan.state.result.warnings} />
            </>
          ) : (
            <JobStatus state={plan.state} label="Planning" />
          )}
        </>
      )}
      <IsolationFooter
        isolation={isolation.state}
        cancel={isolation.cancel}
        summaryTestId="isolation-summary"
        canIsolate={plan.state.status === 'done'}
        onIsolate={() =>
          void isolation.run((options) => client.capture.isolate({ ref, caseDir, mode, dryRun: false }, options))
        }
        onClose={onClose}
      />
    </div>
  );
}
