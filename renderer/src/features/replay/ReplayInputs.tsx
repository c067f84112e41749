// What was replayed: the case's trace items with their format and size, and every skipped line counted by reason.
import type { ReplaySummary } from '../../../../src/capture/common/replay.contract.js';
import { formatBytes } from '../../ui/format.js';
import { SafeText } from '../../ui/SafeText.js';

export function ReplayInputs({ summary }: { summary: ReplaySummary }) {
  const reasons = Object.entries(summary.skips.byReason).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return (
    <section className="replay-inputs" aria-label="Replay inputs">
      <p className="muted" data-testid="replay-summary">
        {summary.inputs.length} trace{summary.inputs.length === 1 ? '' : 's'} · {summary.events} events ·{' '}
        {summary.processes} processes · {summary.ttySessions.length} terminal sessions
        {summary.first && summary.last ? (
          <>
            {' '}
            · <SafeText text={summary.first} className="mono" /> → <SafeText text={summary.last} className="mono" />
          </>
        ) : (
          ' · no timestamps (speed is in events per second)'
        )}
        {summary.dating ? (
          <>
            {' '}
            · <SafeText text={summary.dating} />
          </>
        ) : null}
      </p>
      <details>
        <summary>
          Inputs ·{' '}
          <span className={summary.skips.count > 0 ? 'warning' : 'ok'} data-testid="skipped-count">
            {summary.skips.count} skipped line{summary.skips.count === 1 ? '' : 's'}
          </span>
        </summary>
        <table className="grid" aria-label="Trace inputs">
          <thead>
            <tr>
              <th>Item</th>
              <th>Path</th>
              <th>Format</th>
              <th>Lines</th>
              <th>Size</th>
            </tr>
          </thead>
          <tbody>
            {summary.inputs.map((input) => (
              <tr key={input.itemId} data-item-id={input.itemId}>
                <td className="mono">
                  <SafeText text={input.itemId} />
                </td>
                <td className="mono">
                  <SafeText text={input.path} />
                </td>
                <td>
                  <SafeText text={input.format} />
                </td>
                <td>{input.lines}</td>
                <td>{formatBytes(input.bytes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {reasons.length > 0 ? (
          <>
            <h4>Skipped lines by reason</h4>
            <ul aria-label="Skipped lines by reason">
              {reasons.map(([reason, count]) => (
                <li key={reason}>
                  <SafeText text={reason} />: {count}
                </li>
              ))}
            </ul>
            <h4>Examples</h4>
            <table className="grid" aria-label="Skipped line examples">
              <thead>
                <tr>
                  <th>Input</th>
                  <th>Line</th>
                  <th>Reason</th>
                  <th>Text (escaped)</th>
                </tr>
              </thead>
              <tbody>
                {summary.skips.examples.map((example) => (
                  <tr key={`${example.file}:${example.line}`}>
                    <td className="mono">
                      <SafeText text={summary.inputs[example.file]?.itemId ?? String(example.file)} />
                    </td>
                    <td>{example.line}</td>
                    <td>
                      <SafeText text={example.reason} />
                    </td>
                    <td className="mono wrap">
                      <SafeText text={example.text} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        ) : null}
      </details>
    </section>
  );
}
