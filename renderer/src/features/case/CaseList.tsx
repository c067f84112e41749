// Cases under the host's cases root, and a field to open or create one by folder.
import { useEffect, useState } from 'react';
import type { AppClient } from '../../../../src/contract/app-contract.js';
import { shortUtc } from '../../ui/format.js';
import { JobStatus } from '../../ui/JobStatus.js';
import { SafeText } from '../../ui/SafeText.js';
import { useJob } from '../../ui/use-job.js';

type CaseEntry = Awaited<ReturnType<AppClient['forensics']['listCases']>>[number];

export function CaseList({ client, onOpen }: { client: AppClient; onOpen: (caseDir: string) => void }) {
  const listing = useJob<CaseEntry[]>();
  const creating = useJob<unknown>();
  const [folder, setFolder] = useState('');
  const [title, setTitle] = useState('');
  const { run } = listing;
  useEffect(() => {
    void run((options) => client.forensics.listCases({}, options));
  }, [client, run]);

  return (
    <section className="cases" aria-label="Cases">
      <form
        className="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          if (folder.trim() === '') return;
          void creating
            .run((options) => client.forensics.createCase({ caseDir: folder.trim(), title }, options))
            .then((created) => created && onOpen(folder.trim()));
        }}
      >
        <input
          aria-label="Case folder"
          placeholder="Case folder (absolute, or a name under the cases root)"
          value={folder}
          onChange={(event) => setFolder(event.target.value)}
        />
        <input
          aria-label="Case title"
          placeholder="Title"
          value={title}
          onChange={(event) => setTitle(event.target.value)}
        />
        <button type="submit">Create case</button>
      </form>
      <JobStatus state={creating.state} label="Creating case" />
      <JobStatus state={listing.state} label="Listing cases" />
      {listing.state.status === 'done' ? (
        <table className="grid" aria-label="Case list">
          <thead>
            <tr>
              <th>Case</th>
              <th>Folder</th>
              <th>Created (UTC)</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {listing.state.result.map((entry) => (
              <tr key={entry.caseDir} onClick={() => onOpen(entry.caseDir)} data-case-dir={entry.caseDir}>
                <td>
                  <SafeText text={entry.title || entry.caseId} />
                </td>
                <td className="mono">
                  <SafeText text={entry.caseDir} />
                </td>
                <td className="mono">{shortUtc(entry.createdAt)}</td>
                <td>{entry.sealed ? 'sealed' : 'open'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
