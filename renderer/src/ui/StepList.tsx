// A containment plan or its outcome as an ordered list: phase, action, what it does, and how it went.
import type { PlannedStep, StepOutcome } from '../../../src/capture/common/containment.js';
import { SafeText } from './SafeText.js';

export function PlanSteps({ steps }: { steps: readonly PlannedStep[] }) {
  return (
    <ol className="steps" aria-label="plan">
      {steps.map((step) => (
        <li key={step.id} className={`step step-${step.phase}`} data-step={step.action}>
          <span className="phase">{step.phase}</span> <SafeText text={step.description} />
          {step.alreadyDone ? <span className="muted"> (already in effect: will be skipped)</span> : null}
        </li>
      ))}
    </ol>
  );
}

export function OutcomeSteps({ steps }: { steps: readonly StepOutcome[] }) {
  return (
    <ol className="steps" aria-label="outcome">
      {steps.map((step) => (
        <li key={step.id} className={`step outcome-${step.status}`} data-step={step.action} data-status={step.status}>
          <span className="phase">{step.status}</span> <SafeText text={step.action} />: <SafeText text={step.detail} />
        </li>
      ))}
    </ol>
  );
}
