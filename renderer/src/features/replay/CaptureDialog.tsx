// Capture a container's syscalls into a case: the tracer plan first (which tool, why, what it runs), then Start/Stop.
import { useEffect, useState } from 'react';
import type { ContainerSummary } from '../../../../src/capture/common/containers.js';
import {
  TracerPreference,
  type CapturePlan,
  type CaptureResult,
} from '../../../../src/capture/common/trace-capture.js';
import type { AppClient } from '../../../../src/contract/app-contract.js';
import { JobStatus } from '../../ui/JobStatus.js';
import { SafeText } from '../../ui/SafeText.js';
import { EvidenceItems } from '../../ui/EvidenceItems.js';
import { Warnings } from '../../ui/Warnings.js';
import { useJob } from '../../ui/use-job.js';
import { replayHref } from './replay-route.js';

const MAX_SECONDS = 24 * 3600;

function PlanPreview({ plan }: { plan: CapturePlan }) {
  return (
    <div className="capture-plan" data-testid="capture-plan" data-tracer={plan.tracer ?? 'none'}>
      <p className={plan.tracer ? '' : 'warning'}>
        {plan.tracer ? (
          <>
            Tracer: <strong>{plan.tracer}</strong> —{' '}
          </>
        ) : (
          'No tracer can record this container here: '
        )}
        <SafeText text={plan.reason} />
      </p>
      <ul className="probes" aria-label="Tracers probed">
        {plan.probes.map((probe) => (
          <li key={probe.tool} className={probe.usable ? 'ok' : 'muted'}>
            <SafeText text={probe.tool} />: <SafeText text={probe.detail} />
          </li>
        ))}
      </ul>
      {plan.command.length > 0 ? (
        <p>
          Runs <SafeText text={plan.command.join(' ')} className="mono" />
          {plan.format ? <span className="muted"> · stored as {plan.format}</span> : null}
        </p>
      ) : null}
      <Warnings warnings={plan.warnings} />
    </div>
  );
}

export function CaptureDialog({
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
  const [tracer, setTracer] = useState<TracerPreference>('auto');
  const [seconds, setSeconds] = useState(60);
  const [folder, setFolder] = useState(caseDir);
  const [captureId, setCaptureId] = useState<string>();
  const [notes, setNotes] = useState<string[]>([]);
  const plan = useJob<CapturePlan>();
  const capture = useJob<CaptureResult>();
  const stopping = useJob<{ stopping: boolean }>();
  const { run: runPlan } = plan;

  useEffect(() => {
    void runPlan((options) =>
      client.capture.planCapture({ ref: { engineId: container.engineId, container: container.id }, tracer }, options),
    );
  }, [client, container.engineId, container.id, tracer, runPlan]);

  const planned = plan.state.status === 'done' ? plan.state.result : undefined;
  const running = capture.state.status === 'running';
  const result = capture.state.status === 'done' ? capture.state.result : undefined;
  const start = (): void => {
    const id = crypto.randomUUID();
    setCaptureId(id);
    setNotes([]);
    void capture.run((options) =>
      client.capture.capture(
        {
          ref: { engineId: container.engineId, container: container.id },
          caseDir: folder.trim(),
          seconds,
          tracer,
          captureId: id,
        },
        {
          ...options,
          onProgress: (progress) => {
            options.onProgress?.(progress);
            const note = progress.note;
            if (note) setNotes((before) => (before.at(-1) === note ? before : [...before.slice(-19), note]));
          },
        },
      ),
    );
  };

  return (
    <div className="dialog" role="dialog" aria-label="Capture syscalls">
      <h2>
        Capture syscalls of <SafeText text={container.name} />
      </h2>
      <p className="muted">
        A tracer on this host (or a helper container for remote engines) records the container's system calls into the
        case as evidence. Nothing runs inside the suspect container.
      </p>
      <div className="capture-form">
        <label>
          Tracer{' '}
          <select
            aria-label="Tracer"
            value={tracer}
            disabled={running}
            onChange={(event) => setTracer(event.target.value as TracerPreference)}
          >
            {TracerPreference.options.map((choice) => (
              <option key={choice} value={choice}>
                {choice}
              </option>
            ))}
          </select>
        </label>
        <label>
          Seconds{' '}
          <input
            type="number"
            aria-label="Seconds"
            min={1}
            max={MAX_SECONDS}
            value={seconds}
            disabled={running}
            onChange={(event) =>
              setSeconds(Math.min(MAX_SECONDS, Math.max(1, Math.floor(Number(event.target.value) || 1))))
            }
          />
        </label>
        <label>
          Case folder{' '}
          <input
            aria-label="Capture case folder"
            value={folder}
            disabled={running}
            onChange={(event) => setFolder(event.target.value)}
          />
        </label>
      </div>
      {planned ? <PlanPreview plan={planned} /> : <JobStatus state={plan.state} label="Planning the capture" />}
      <JobStatus state={capture.state} label="Capturing" />
      {notes.length > 0 ? (
        <ol className="capture-notes" aria-label="Capture progress">
          {notes.map((note, index) => (
            <li key={index}>
              <SafeText text={note} />
            </li>
          ))}
        </ol>
      ) : null}
      <JobStatus state={stopping.state} label="Stopping" />
      {result ? (
        <div data-testid="capture-result">
          <p className="ok">
            Captured with {result.tracer} from {result.startedAt} to {result.endedAt} (stopped by {result.stoppedBy}) ·{' '}
            {result.pids.length} processes traced
          </p>
          <EvidenceItems items={result.items} />
          <Warnings warnings={result.warnings} />
          <a href={replayHref(result.caseDir)}>Open the replay</a>
        </div>
      ) : null}
      <div className="buttons">
        <button type="button" disabled={!planned?.tracer || running || folder.trim() === ''} onClick={start}>
          Start capture
        </button>
        <button
          type="button"
          disabled={!running || captureId === undefined}
          onClick={() =>
            captureId && void stopping.run((options) => client.capture.stopCapture({ captureId }, options))
          }
        >
          Stop
        </button>
        <button type="button" disabled={running} onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
