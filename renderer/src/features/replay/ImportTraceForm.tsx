// Import a trace file from this machine into the case (hashed while copied, custody logged): host path + format.
import { useState } from 'react';
import { TraceFormatChoice } from '../../../../src/capture/common/replay.contract.js';
import type { ManifestItem } from '../../../../src/forensics/common/case-model.js';
import type { AppClient } from '../../../../src/contract/app-contract.js';
import { formatBytes } from '../../ui/format.js';
import { JobStatus } from '../../ui/JobStatus.js';
import { SafeText } from '../../ui/SafeText.js';
import { useJob } from '../../ui/use-job.js';

type Format = (typeof TraceFormatChoice.options)[number];

export function ImportTraceForm({
  client,
  caseDir,
  disabled,
  onImported,
}: {
  client: AppClient;
  caseDir: string;
  disabled?: boolean;
  onImported: (item: ManifestItem) => void;
}) {
  const [path, setPath] = useState('');
  const [format, setFormat] = useState<Format>('auto');
  const importing = useJob<ManifestItem>();
  const done = importing.state.status === 'done' ? importing.state.result : undefined;
  return (
    <form
      className="import-trace"
      aria-label="Import trace"
      onSubmit={(event) => {
        event.preventDefault();
        const source = path.trim();
        if (source === '') return;
        void importing
          .run((options) => client.replay.importTrace({ caseDir, path: source, format }, options))
          .then((item) => item && onImported(item));
      }}
    >
      <label>
        Trace file on this machine{' '}
        <input
          aria-label="Trace file path"
          placeholder="/path/to/trace (strace text, HoldCell JSONL, Falco or Tetragon JSON)"
          value={path}
          onChange={(event) => setPath(event.target.value)}
        />
      </label>{' '}
      <label>
        Format{' '}
        <select aria-label="Trace format" value={format} onChange={(event) => setFormat(event.target.value as Format)}>
          {TraceFormatChoice.options.map((choice) => (
            <option key={choice} value={choice}>
              {choice}
            </option>
          ))}
        </select>
      </label>{' '}
      <button type="submit" disabled={disabled || path.trim() === '' || importing.state.status === 'running'}>
        Import trace
      </button>
      <JobStatus state={importing.state} label="Importing the trace" onCancel={importing.cancel} />
      {done ? (
        <p className="ok" data-testid="imported-trace">
          Imported <SafeText text={done.id} className="mono" /> · {formatBytes(done.bytes)} · sha256{' '}
          <span className="mono" title={done.sha256}>
            {done.sha256.slice(0, 16)}…
          </span>
        </p>
      ) : null}
    </form>
  );
}
