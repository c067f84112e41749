// Actions on the selected pod: Isolate (plan + preflight), Release, into the case chosen in the top bar.
import { useState } from 'react';
import type { PodReleaseResult, PodSummary } from '../../../../src/capture/common/kubernetes.contract.js';
import type { AppClient } from '../../../../src/contract/app-contract.js';
import { useHashParam } from '../../app/url-state.js';
import { JobStatus } from '../../ui/JobStatus.js';
import { SafeText } from '../../ui/SafeText.js';
import { OutcomeSteps } from '../../ui/StepList.js';
import { useJob } from '../../ui/use-job.js';
import { PodIsolateDialog } from './PodIsolateDialog.js';

export function PodActions({ client, pod }: { client: AppClient; pod: PodSummary }) {
  const [caseDir] = useHashParam('case');
  const [isolating, setIsolating] = useState(false);
  const release = useJob<PodReleaseResult>();
  const ref = { clusterId: pod.clusterId, namespace: pod.namespace, name: pod.name };
  const noCase = caseDir.trim() === '';
  const busy = [release].some((job) => job.state.status === 'running');
  return (
    <section className="actions" aria-label="Pod actions">
      <h2>
        Pod <SafeText text={`${pod.namespace}/${pod.name}`} />{' '}
        <span className="muted">
          on <SafeText text={pod.node || '—'} /> · context <SafeText text={pod.clusterId} />
        </span>
      </h2>
      {noCase ? <p className="warning">Choose a case folder (top bar) before isolating or acquiring.</p> : null}
      <div className="buttons">
        <button type="button" className="danger" disabled={noCase || busy} onClick={() => setIsolating(true)}>
          Isolate…
        </button>
        <button
          type="button"
          disabled={noCase || busy}
          onClick={() => void release.run((options) => client.kubernetes.releasePod({ ref, caseDir }, options))}
        >
          Release
        </button>
      </div>
      <JobStatus state={release.state} label="Releasing" onCancel={release.cancel} />
      {release.state.status === 'done' ? (
        <>
          <p data-testid="pod-release-summary">
            <SafeText text={release.state.result.summary} />
          </p>
          <OutcomeSteps steps={release.state.result.steps} />
        </>
      ) : null}
      {isolating ? (
        <PodIsolateDialog client={client} pod={pod} caseDir={caseDir} onClose={() => setIsolating(false)} />
      ) : null}
    </section>
  );
}
