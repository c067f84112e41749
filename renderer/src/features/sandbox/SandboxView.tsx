// The sandbox view: a terminal into the evidence copy running with no network and no privileges, and a stop button.
import type { AppClient } from '../../../../src/contract/app-contract.js';
import { useHashParam } from '../../app/url-state.js';
import { JobStatus } from '../../ui/JobStatus.js';
import { useJob } from '../../ui/use-job.js';
import { TerminalPane } from './TerminalPane.js';

export function SandboxView({ client }: { client: AppClient }) {
  const [target, setTarget] = useHashParam('sandbox');
  const stopping = useJob<{ removed: boolean }>();
  const slash = target.indexOf('/');
  if (slash <= 0) {
    return <p className="muted">No sandbox is open. Start one from a case (Case view → Start sandbox).</p>;
  }
  const engineId = target.slice(0, slash);
  const containerId = target.slice(slash + 1);
  return (
    <section className="sandbox" aria-label="Sandbox">
      <div className="toolbar">
        <span className="mono muted">
          sandbox {containerId.slice(0, 12)} on {engineId} · network none · all capabilities dropped · read-only root
        </span>
        <button
          type="button"
          className="danger"
          onClick={() =>
            void stopping
              .run((options) => client.capture.stopSandbox({ engineId, containerId }, options))
              .then((stopped) => stopped && setTarget(''))
          }
        >
          Stop sandbox
        </button>
      </div>
      <JobStatus state={stopping.state} label="Stopping sandbox" />
      <TerminalPane key={target} client={client} engineId={engineId} containerId={containerId} />
    </section>
  );
}
