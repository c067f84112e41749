// Isolate a pod with its plan and the SelfSubjectAccessReview preflight shown before anything changes on the cluster.
import { useEffect, useState } from 'react';
import type {
  PodIsolationPlan,
  PodIsolationResult,
  PodSummary,
} from '../../../../src/capture/common/kubernetes.contract.js';
import type { AppClient } from '../../../../src/contract/app-contract.js';
import { JobStatus } from '../../ui/JobStatus.js';
import { SafeText } from '../../ui/SafeText.js';
import { useJob } from '../../ui/use-job.js';
import { Warnings } from '../../ui/Warnings.js';
import { IsolationFooter } from './IsolationFooter.js';

function Preflight({ plan }: { plan: PodIsolationPlan }) {
  return (
    <table className="grid preflight" aria-label="preflight">
      <thead>
        <tr>
          <th>Access</th>
          <th>Allowed</th>
          <th>Needed for</th>
          <th>Reason</th>
        </tr>
      </thead>
      <tbody>
        {plan.preflight.map((check) => (
          <tr key={check.description} data-access={check.description} data-allowed={String(check.allowed)}>
            <td className="mono">
              <SafeText text={check.description} />
            </td>
            <td className={check.allowed ? 'ok' : 'warning'}>{check.allowed ? 'yes' : 'DENIED'}</td>
            <td>{check.steps.join(', ')}</td>
            <td>
              <SafeText text={check.reason} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function PodIsolateDialog({
  client,
  pod,
  caseDir,
  onClose,
}: {
  client: AppClient;
  pod: PodSummary;
  caseDir: string;
  onClose: () => void;
}) {
  const [cordon, setCordon] = useState(false);
  const plan = useJob<PodIsolationPlan>();
  const isolation = useJob<PodIsolationResult>();
  const ref = { clusterId: pod.clusterId, namespace: pod.namespace, name: pod.name };
  const { run: runPlan } = plan;

  useEffect(() => {
    void runPlan((options) =>
      client.kubernetes.planPodIsolation(
        { ref: { clusterId: pod.clusterId, namespace: pod.namespace, name: pod.name }, cordon },
        options,
      ),
    );
  }, [client, pod.clusterId, pod.namespace, pod.name, cordon, runPlan]);

  const result = isolation.state.status === 'done' ? isolation.state.result : undefined;
  const planned = plan.state.status === 'done' ? plan.state.result : undefined;
  return (
    <div className="dialog" role="dialog" aria-label="Isolate pod">
      <h2>
        Isolate pod <SafeText text={`${pod.namespace}/${pod.name}`} />
      </h2>
      <p className="muted">
        The pod gets the quarantine label (a deny-all NetworkPolicy selects it) and loses the labels its controllers and
        Services select on, so they let it go: a controller starts a replacement and the suspect keeps running for
        forensics. Every API call is written to the custody log of <SafeText text={caseDir} />.
      </p>
      {result ? null : (
        <>
          <label>
            <input type="checkbox" checked={cordon} onChange={(event) => setCordon(event.target.checked)} /> Also cordon
            node <SafeText text={pod.node || '—'} />
          </label>
          {planned ? (
            <>
              <ol className="steps" aria-label="plan">
                {planned.steps.map((step) => (
                  <li key={step.id} className="step" data-step={step.action}>
                    <SafeText text={step.description} />
                    {step.alreadyDone ? <span className="muted"> (already in effect: will be skipped)</span> : null}
                  </li>
                ))}
              </ol>
              <Preflight plan={planned} />
              {planned.permitted ? null : (
                <p className="warning" role="alert" data-testid="preflight-denied">
                  This context may not do everything the plan needs; isolating now would change nothing.
                </p>
              )}
              <Warnings warnings={planned.warnings} />
            </>
          ) : (
            <JobStatus state={plan.state} label="Planning and asking the API server what is allowed" />
          )}
        </>
      )}
      <IsolationFooter
        isolation={isolation.state}
        cancel={isolation.cancel}
        summaryTestId="pod-isolation-summary"
        canIsolate={planned?.permitted === true}
        onIsolate={() =>
          void isolation.run((options) =>
            client.kubernetes.isolatePod({ ref, caseDir, cordon, dryRun: false }, options),
          )
        }
        onClose={onClose}
      />
    </div>
  );
}
