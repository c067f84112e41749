// The case view: evidence items with sizes, hashes and completeness, the custody log, verify, seal, sandbox, replay.
import { useCallback, useEffect, useState } from 'react';
import type { SandboxInfo } from '../../../../src/capture/common/containment.js';
import type { AppClient } from '../../../../src/contract/app-contract.js';
import type { CustodyRecord } from '../../../../src/forensics/common/case-model.js';
import type { CaseSummary, VerifyReport } from '../../../../src/forensics/common/forensics.contract.js';
import { useHashParam, useView } from '../../app/url-state.js';
import { formatBytes, shortUtc } from '../../ui/format.js';
import { JobStatus } from '../../ui/JobStatus.js';
import { SafeText } from '../../ui/SafeText.js';
import { useJob } from '../../ui/use-job.js';
import { ImportTraceForm } from '../replay/ImportTraceForm.js';
import { CaseList } from './CaseList.js';

function CustodyTable({ records }: { records: readonly CustodyRecord[] }) {
  return (
    <table className="grid custody" aria-label="Custody log">
      <thead>
        <tr>
          <th>#</th>
          <th>Time (UTC)</th>
          <th>Operator</th>
          <th>Action</th>
          <th>Outcome</th>
          <th>Detail</th>
        </tr>
      </thead>
      <tbody>
        {records.map((record) => (
          <tr key={record.seq} data-action={record.action} data-outcome={record.outcome}>
            <td className="mono">{record.seq}</td>
            <td className="mono" title={record.at}>
              {shortUtc(record.at)}
            </td>
            <td>
              <SafeText text={record.operator} />
            </td>
            <td className="mono">
              <SafeText text={record.action} />
            </td>
            <td>{record.outcome}</td>
            <td>
              <SafeText text={record.detail} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function VerifyOutcome({ report }: { report: VerifyReport }) {
  if (report.ok) {
    return (
      <p className="ok" data-testid="verify-ok">
        Verified: {report.itemsChecked} items and {report.custodyRecordsChecked} custody records check out.
      </p>
    );
  }
  return (
    <div className="warning" role="alert" data-testid="verify-failed">
      Verification failed:
      <ul>
        {report.problems.map((problem, index) => (
          <li key={index}>
            <SafeText text={problem.subject} />: {problem.kind} — <SafeText text={problem.detail} />
          </li>
        ))}
      </ul>
    </div>
  );
}

export function CaseView({ client }: { client: AppClient }) {
  const [caseDir, setCaseDir] = useHashParam('case');
  const [, setSandbox] = useHashParam('sandbox');
  const [, go] = useView();
  const [summary, setSummary] = useState<CaseSummary>();
  const [custody, setCustody] = useState<CustodyRecord[]>([]);
  const opening = useJob<CaseSummary>();
  const verify = useJob<VerifyReport>();
  const seal = useJob<CaseSummary>();
  const sandbox = useJob<SandboxInfo>();
  const { run: runOpen } = opening;

  const refresh = useCallback(async () => {
    if (caseDir === '') return;
    const opened = await runOpen((options) => client.forensics.openCase({ caseDir }, options));
    setSummary(opened);
    if (opened) setCustody((await client.forensics.custodyLog({ caseDir, offset: 0, limit: 1000 })).records);
  }, [caseDir, client, runOpen]);

  useEffect(() => {
    setSummary(undefined);
    setCustody([]);
    void refresh();
  }, [refresh]);

  if (caseDir === '') return <CaseList client={client} onOpen={setCaseDir} />;
  const traces = summary?.items.filter((item) => item.kind === 'syscall-trace').length ?? 0;

  return (
    <section className="case" aria-label="Case">
      <div className="toolbar">
        <button type="button" className="link" onClick={() => setCaseDir('')}>
          ← all cases
        </button>
        <button type="button" onClick={() => void refresh()}>
          Refresh
        </button>
      </div>
      <JobStatus state={opening.state} label="Opening case" />
      {summary ? (
        <>
          <h2>
            <SafeText text={summary.case.title || summary.case.caseId} />{' '}
            <span className={`badge ${summary.sealed ? 'badge-sealed' : ''}`}>
              {summary.sealed ? 'sealed' : 'open'}
            </span>{' '}
            <span className={`badge ${summary.complete ? '' : 'badge-incomplete'}`}>
              {summary.complete ? 'complete' : 'incomplete items'}
            </span>
          </h2>
          <p className="muted">
            <SafeText text={summary.caseDir} /> · created {shortUtc(summary.case.createdAt)} by{' '}
            <SafeText text={summary.case.operator} /> · {summary.custodyRecords} custody records
          </p>
          <div className="buttons">
            <button
              type="button"
              onClick={() => void verify.run((options) => client.forensics.verifyCase({ caseDir }, options))}
            >
              Verify
            </button>
            <button
              type="button"
              disabled={summary.sealed || !summary.complete}
              onClick={() =>
                void seal
                  .run((options) => client.forensics.sealCase({ caseDir }, options))
                  .then((sealed) => sealed && refresh())
              }
            >
              Seal
            </button>
            <button
              type="button"
              onClick={() =>
                void sandbox
                  .run((options) => client.capture.startSandbox({ caseDir, detonate: false }, options))
                  .then((started) => {
                    if (!started) return;
                    setSandbox(`${started.engineId}/${started.containerId}`);
                    go('sandbox');
                  })
              }
            >
              Start sandbox
            </button>
            <button
              type="button"
              disabled={traces === 0}
              title={traces === 0 ? 'The case holds no syscall trace: import or capture one' : undefined}
              onClick={() => go('replay')}
            >
              Replay {traces} trace{traces === 1 ? '' : 's'}
            </button>
          </div>
          <JobStatus state={verify.state} label="Verifying" onCancel={verify.cancel} />
          <JobStatus state={seal.state} label="Sealing" />
          <JobStatus state={sandbox.state} label="Starting sandbox" />
          {verify.state.status === 'done' ? <VerifyOutcome report={verify.state.result} /> : null}
          <h3>Evidence</h3>
          <table className="grid evidence" aria-label="Evidence items">
            <thead>
              <tr>
                <th>Item</th>
                <th>Kind</th>
                <th>Size</th>
                <th>SHA-256</th>
                <th>Acquired (UTC)</th>
                <th>State</th>
              </tr>
            </thead>
            <tbody>
              {summary.items.map((item) => (
                <tr key={item.id} data-item-id={item.id} data-complete={String(item.complete)}>
                  <td className="mono">
                    <SafeText text={item.id} />
                  </td>
                  <td>
                    <SafeText text={item.kind} />
                    {item.flags.map((flag) => (
                      <span key={flag} className="badge">
                        <SafeText text={flag} />
                      </span>
                    ))}
                  </td>
                  <td>{formatBytes(item.bytes)}</td>
                  <td className="mono" title={item.sha256}>
                    {item.sha256.slice(0, 16)}…
                  </td>
                  <td className="mono" title={item.acquiredAt}>
                    {shortUtc(item.acquiredAt)}
                  </td>
                  <td>
                    {item.complete ? (
                      'complete'
                    ) : (
                      <span className="warning">
                        incomplete: <SafeText text={item.incompleteReason ?? ''} />
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>Import a trace</h3>
          <ImportTraceForm
            client={client}
            caseDir={caseDir}
            disabled={summary.sealed}
            onImported={() => void refresh()}
          />
          <h3>Custody log</h3>
          <CustodyTable records={custody} />
        </>
      ) : null}
    </section>
  );
}
