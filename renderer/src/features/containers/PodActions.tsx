// Actions on the selected pod: Isolate (plan + preflight), Release, Snapshot (checkpoint or why not), Capture, into the case.
import { useState } from 'react';
import type {
  PodCaptureResult,
  PodReleaseResult,
  PodSnapshotResult,
  PodSummary,
} from '../../../../src/capture/common/kubernetes.contract.js';
import type { AppClient } from '../../../../src/contract/app-contract.js';
import { visibleText } from '../../../../src/contract/visible-text.js';
import { useHashParam } from '../../app/url-state.js';
import { JobStatus } from '../../ui/JobStatus.js';
import { SafeText } from '../../ui/SafeText.js';
import { EvidenceItems } from '../../ui/EvidenceItems.js';
import { OutcomeSteps } from '../../ui/StepList.js';
import { useJob } from '../../ui/use-job.js';
import { PodIsolateDialog } from './PodIsolateDialog.js';

export function PodActions({ client, pod }: { client: AppClient; pod: PodSummary }) {
  const [caseDir] = useHashParam('case');
  const [isolating, setIsolating] = useState(false);
  const release = useJob<PodReleaseResult>();
  const snapshot = useJob<PodSnapshotResult>();
  const capture = useJob<PodCaptureResult>();
  const [seconds, setSeconds] = useState(30);
  const [target, setTarget] = useState(pod.containers[0]?.name ?? '');
  const ref = { clusterId: pod.clusterId, namespace: pod.namespace, name: pod.name };
  const noCase = caseDir.trim() === '';
  const busy = [release, snapshot, capture].some((job) => job.state.status === 'running');
  const takeSnapshot = (suspectTar: boolean): void =>
    void snapshot.run((options) => client.kubernetes.snapshotPod({ ref, caseDir, suspectTar }, options));
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
        <button type="button" disabled={noCase || busy} onClick={() => takeSnapshot(false)}>
          Snapshot
        </button>
      </div>
      <form
        className="capture-pod"
        aria-label="Capture syscalls"
        onSubmit={(event) => {
          event.preventDefault();
          void capture.run((options) =>
            client.kubernetes.capturePod({ ref, caseDir, seconds, ...(target ? { container: target } : {}) }, options),
          );
        }}
      >
        <label>
          Container{' '}
          <select value={target} onChange={(event) => setTarget(event.target.value)}>
            {pod.containers.map((container) => (
              <option key={container.name} value={container.name}>
                {/* Options hold text only: escaped here as SafeText would (the name comes from the cluster). */}
                {visibleText(container.name)}
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          Seconds{' '}
          <input
            type="number"
            min={1}
            max={86400}
            value={seconds}
            onChange={(event) => setSeconds(Math.max(1, Number(event.target.value) || 1))}
          />
        </label>{' '}
        <button
          type="submit"
          disabled={noCase || busy}
          title="strace in an ephemeral debug container (SYS_PTRACE only) sharing the container's process namespace"
        >
          Capture syscalls
        </button>
      </form>
      <JobStatus state={capture.state} label="Capturing" onCancel={capture.cancel} />
      {capture.state.status === 'done' ? (
        <p className={capture.state.result.complete ? 'ok' : 'warning'} data-testid="pod-capture-summary">
          <SafeText text={capture.state.result.summary} />
        </p>
      ) : null}
      <JobStatus state={release.state} label="Releasing" onCancel={release.cancel} />
      {release.state.status === 'done' ? (
        <>
          <p data-testid="pod-release-summary">
            <SafeText text={release.state.result.summary} />
          </p>
          <OutcomeSteps steps={release.state.result.steps} />
        </>
      ) : null}
      <JobStatus state={snapshot.state} label="Snapshotting" onCancel={snapshot.cancel} />
      {snapshot.state.status === 'done' ? <SnapshotOutcome result={snapshot.state.result} /> : null}
      {snapshot.state.status === 'done' && snapshot.state.result.checkpoint.method === 'none' ? (
        <p className="warning">
          No checkpoint was possible.{' '}
          <button type="button" disabled={busy} onClick={() => takeSnapshot(true)} data-testid="suspect-tar">
            Archive with the suspect&apos;s own tar
          </button>{' '}
          — acquired through the suspect&apos;s own tar: a compromised container can lie to it.
        </p>
      ) : null}
      {isolating ? (
        <PodIsolateDialog client={client} pod={pod} caseDir={caseDir} onClose={() => setIsolating(false)} />
      ) : null}
    </section>
  );
}

function SnapshotOutcome({ result }: { result: PodSnapshotResult }) {
  return (
    <div data-testid="pod-snapshot-result" data-checkpoint={result.checkpoint.method}>
      <p className={result.complete ? 'ok' : 'warning'}>
        <SafeText text={result.summary} />
      </p>
      <ul className="items">
        {result.checkpoint.notes.map((note) => (
          <li key={note.container} data-checkpoint-note={note.container}>
            <SafeText text={note.container} />: <SafeText text={note.note} />
          </li>
        ))}
      </ul>
      <EvidenceItems
        items={result.items}
        caveat={(item) =>
          item.flags.includes('acquired-through-suspect-tar') ? (
            <span className="warning"> acquired through the suspect&apos;s own tar</span>
          ) : null
        }
      />
    </div>
  );
}
