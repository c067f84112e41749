// The Report view: the case's post-mortem previewed (HTML in a script-less sandboxed frame, Markdown as escaped text), saved and printed to PDF by the host.
import { useCallback, useEffect, useState } from 'react';
import type { AppClient } from '../../../../src/contract/app-contract.js';
import { visibleDisplayText } from '../../../../src/contract/visible-text.js';
import type { ReportFile, ReportFileFormat, ReportFormat } from '../../../../src/forensics/common/report.contract.js';
import { useHashParam } from '../../app/url-state.js';
import { formatBytes } from '../../ui/format.js';
import { JobStatus } from '../../ui/JobStatus.js';
import { SafeText } from '../../ui/SafeText.js';
import { useJob } from '../../ui/use-job.js';

interface Rendered {
  format: ReportFormat;
  text: string;
  sha256: string;
}

const FORMATS: { format: ReportFormat; label: string }[] = [
  { format: 'html', label: 'HTML' },
  { format: 'md', label: 'Markdown' },
];

const SAVES: { format: ReportFileFormat; label: string }[] = [
  { format: 'md', label: 'Save Markdown' },
  { format: 'html', label: 'Save HTML' },
  { format: 'pdf', label: 'Export PDF' },
];

/** ?format= in the URL; anything but "md" is the HTML preview. */
export const formatFromUrl = (value: string): ReportFormat => (value === 'md' ? 'md' : 'html');

/**
 * The HTML report in a frame with sandbox="" (no script, no same-origin, no forms, no navigation of this page) whose
 * document carries the report's own CSP: the frame can display the report and nothing else.
 */
function HtmlPreview({ html }: { html: string }) {
  return <iframe className="report-preview" title="Report preview" sandbox="" srcDoc={html} />;
}

/** Markdown as text: the host escaped every evidence string; anything invisible still left is shown escaped too. */
function MarkdownPreview({ markdown }: { markdown: string }) {
  const lines = markdown.split('\n').map((line) => visibleDisplayText(line));
  return (
    <pre className="report-markdown" aria-label="Report Markdown">
      {lines.join('\n')}
    </pre>
  );
}

function SavedFiles({ files }: { files: readonly ReportFile[] }) {
  if (files.length === 0) return null;
  return (
    <table className="grid report-files" aria-label="Saved reports">
      <thead>
        <tr>
          <th>Format</th>
          <th>File on the host</th>
          <th>Size</th>
          <th>SHA-256</th>
          <th>Printed</th>
        </tr>
      </thead>
      <tbody>
        {files.map((file) => (
          <tr key={`${file.format} ${file.sha256}`} data-format={file.format}>
            <td>{file.format}</td>
            <td className="mono">
              <SafeText text={file.path} />
            </td>
            <td>{formatBytes(file.bytes)}</td>
            <td className="mono" data-testid={`report-file-sha256-${file.format}`}>
              {file.sha256}
            </td>
            <td data-testid={`report-file-requests-${file.format}`}>
              {file.requests === undefined ? (
                '—'
              ) : (
                <>
                  <SafeText text={file.engine ?? ''} />, {file.requests} requests
                </>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ReportView({ client }: { client: AppClient }) {
  const [caseDir] = useHashParam('case');
  const [formatParam, setFormatParam] = useHashParam('format');
  const format = formatFromUrl(formatParam);
  const [rendered, setRendered] = useState<Rendered>();
  const [files, setFiles] = useState<ReportFile[]>([]);
  const rendering = useJob<Rendered>();
  const saving = useJob<ReportFile>();
  const { run: runRender } = rendering;

  const refresh = useCallback(async () => {
    if (caseDir === '') return;
    setRendered(await runRender((options) => client.report.renderReport({ caseDir, format }, options)));
  }, [caseDir, client, format, runRender]);

  useEffect(() => {
    setRendered(undefined);
    void refresh();
  }, [refresh]);
  useEffect(() => setFiles([]), [caseDir]);

  if (caseDir === '') {
    return (
      <p className="muted empty">Open a case (Case view, or the case folder field above) to write its post-mortem.</p>
    );
  }

  const save = async (target: ReportFileFormat) => {
    const file = await saving.run((options) => client.report.exportReport({ caseDir, format: target }, options));
    if (file) setFiles((previous) => [...previous.filter((known) => known.format !== file.format), file]);
  };

  return (
    <section className="report" aria-label="Report">
      <div className="toolbar">
        <div className="viewer-modes" role="tablist" aria-label="Report format">
          {FORMATS.map((option) => (
            <button
              key={option.format}
              type="button"
              role="tab"
              aria-selected={format === option.format}
              onClick={() => setFormatParam(option.format)}
            >
              {option.label}
            </button>
          ))}
        </div>
        <button type="button" onClick={() => void refresh()}>
          Refresh
        </button>
        <div className="buttons">
          {SAVES.map((option) => (
            <button
              key={option.format}
              type="button"
              disabled={saving.state.status === 'running'}
              onClick={() => void save(option.format)}
            >
              {option.label}
            </button>
          ))}
        </div>
      </div>
      <JobStatus state={rendering.state} label="Writing the report" onCancel={rendering.cancel} />
      <JobStatus state={saving.state} label="Saving the report" />
      <SavedFiles files={files} />
      {rendered && rendered.format === format ? (
        <>
          <p className="muted">
            {rendered.format === 'html' ? 'HTML' : 'Markdown'} report, sha256{' '}
            <span className="mono" data-testid="report-sha256">
              {rendered.sha256}
            </span>{' '}
            — the same case always gives the same bytes.
          </p>
          {rendered.format === 'html' ? (
            <HtmlPreview html={rendered.text} />
          ) : (
            <MarkdownPreview markdown={rendered.text} />
          )}
        </>
      ) : null}
    </section>
  );
}
