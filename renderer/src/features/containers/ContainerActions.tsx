// Actions on the selected container: Isolate (with plan preview), Release, Snapshot, Capture syscalls — into the case.
import { useState } from 'react';
import type { ReleaseResult, SandboxInfo, SnapshotResult } from '../../../../src/capture/common/containment.js';
import type { ContainerSummary } from '../../../../src/capture/common/containers.js';
import type { AppClient } from '../../../../src/contract/app-contract.js';
import { useHashParam, useView } from '../../app/url-state.js';
import { JobStatus } from '../../ui/JobStatus.js';
import { SafeText } from '../../ui/SafeText.js';
import { EvidenceItems } from '../../ui/EvidenceItems.js';
import { OutcomeSteps } from '../../ui/StepList.js';
import { useJob } from '../../ui/use-job.js';
import { CaptureDialog } from '../replay/CaptureDialog.js';
import { IsolateDialog } from './IsolateDialog.js';

export function ContainerActions({ client, container }: { client: AppClient; container: ContainerSummary }) {
  const [caseDir] = useHashParam('case');
  const [, setSandbox] = useHashParam('sandbox');
  const [, go] = useView();
  const [isolating, setIsolating] = useState(false);
  const [capturing, setCapturing] = useState(false);
  const release = useJob<ReleaseResult>();
  const snapshot = useJob<SnapshotResult>();
  const sandbox = useJob<SandboxInfo>();
  const ref = { engineId: container.engineId, container: container.id };
  const noCase = caseDir.trim() === '';
  const busy = [release, snapshot, sandbox].some((job) => job.state.status === 'running');

  return (
    <section className="actions" aria-label="Container actions">
      <h2>
        <SafeText text={container.name} /> <span className="mono muted">{container.id.slice(0, 12)}</span>
      </h2>
      {noCase ? <p className="warning">Choose a case folder (top bar) before isolating or acquiring.</p> : null}
      <div className="buttons">
        <button type="button" className="danger" disabled={noCase || busy} onClick={() => setIsolating(true)}>
          Isolate…
        </button>
        <button
          type="button"
          disabled={noCase || busy}
          onClick={() => void release.run((options) => client.capture.release({ ref, caseDir }, options))}
        >
          Release
        </button>
        <button
          type="button"
          disabled={noCase || busy}
          onClick={() => void snapshot.run((options) => client.capture.snapshot({ ref, caseDir }, options))}
        >
          Snapshot
        </button>
        <button
          type="button"
          title="Run the case's newest evidence image with no network and no privileges, and open a terminal into it"
          disabled={noCase || busy}
          onClick={() =>
            void sandbox
              .run((options) =>
                client.capture.startSandbox({ caseDir, engineId: container.engineId, detonate: false }, options),
              )
              .then((started) => {
                if (!started) return;
                setSandbox(`${started.engineId}/${started.containerId}`);
                go('sandbox');
              })
          }
        >
          Sandbox
        </button>
        <button
          type="button"
          title="Record the container's system calls into the case with a tracer on this host, then replay them"
          disabled={noCase || busy || capturing}
          onClick={() => setCapturing(true)}
        >
          Capture syscalls…
        </button>
      </div>
      <JobStatus state={release.state} label="Releasing" onCancel={release.cancel} />
      <JobStatus state={snapshot.state} label="Snapshotting" onCancel={snapshot.cancel} />
      <JobStatus state={sandbox.state} label="Starting sandbox" />
      {release.state.status === 'done' ? (
        <>
          <p data-testid="release-summary">
            <SafeText text={release.state.result.summary} />
          </p>
          <OutcomeSteps steps={release.state.result.steps} />
        </>
      ) : null}
      {snapshot.state.status === 'done' ? (
        <div data-testid="snapshot-result">
          <p className={snapshot.state.result.complete ? 'ok' : 'warning'}>
            <SafeText text={snapshot.state.result.summary} />
          </p>
          <EvidenceItems items={snapshot.state.result.items} name={(item) => item.kind} />
        </div>
      ) : null}
      {capturing ? (
        <CaptureDialog client={client} container={container} caseDir={caseDir} onClose={() => setCapturing(false)} />
      ) : null}
      {isolating ? (
        <IsolateDialog client={client} container={container} caseDir={caseDir} onClose={() => setIsolating(false)} />
      ) : null}
    </section>
  );
}
