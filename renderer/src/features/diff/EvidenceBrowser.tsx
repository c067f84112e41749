// Browses every file of the image or the container filesystem as indexed from the evidence tars (nothing extracted).
import { useEffect, useState } from 'react';
import type { AppClient } from '../../../../src/contract/app-contract.js';
import type { DiffSide, DirectoryEntry } from '../../../../src/forensics/common/diff-model.js';
import { useHashParam } from '../../app/url-state.js';
import { formatBytes } from '../../ui/format.js';
import { SafeText } from '../../ui/SafeText.js';
import { FileViewer } from './FileViewer.js';

export function EvidenceBrowser({ client, caseDir }: { client: AppClient; caseDir: string }) {
  const [sideParam, setSide] = useHashParam('side');
  const side: DiffSide = sideParam === 'image' ? 'image' : 'container';
  const [directory, setDirectory] = useHashParam('dir');
  const [trail, setTrail] = useState<{ name: string; pathBase64: string }[]>([]);
  const [listing, setListing] = useState<{ entries: DirectoryEntry[]; total: number } | string>();
  const [file, setFile] = useState<DirectoryEntry>();

  useEffect(() => {
    let current = true;
    setListing(undefined);
    client.forensics.listDirectory({ caseDir, side, pathBase64: directory, offset: 0, limit: 1000 }).then(
      (answer) => current && setListing(answer),
      (error: unknown) => current && setListing(error instanceof Error ? error.message : String(error)),
    );
    return () => {
      current = false;
    };
  }, [client, caseDir, side, directory]);

  const open = (entry: DirectoryEntry): void => {
    if (entry.meta.type === 'dir') {
      setTrail([...trail, { name: entry.name, pathBase64: entry.pathBase64 }]);
      setDirectory(entry.pathBase64);
      setFile(undefined);
    } else setFile(entry);
  };

  return (
    <section className="browser" aria-label="Evidence browser">
      <div className="toolbar">
        {(['container', 'image'] as const).map((candidate) => (
          <label key={candidate}>
            <input
              type="radio"
              name="side"
              checked={side === candidate}
              onChange={() => (setSide(candidate), setDirectory(''), setTrail([]))}
            />{' '}
            {candidate}
          </label>
        ))}
        <nav className="crumbs" aria-label="Folder">
          <button type="button" className="link" onClick={() => (setDirectory(''), setTrail([]), setFile(undefined))}>
            /
          </button>
          {trail.map((crumb, index) => (
            <button
              key={crumb.pathBase64}
              type="button"
              className="link"
              onClick={() => (setDirectory(crumb.pathBase64), setTrail(trail.slice(0, index + 1)), setFile(undefined))}
            >
              <SafeText text={crumb.name} display />/
            </button>
          ))}
        </nav>
      </div>
      {typeof listing === 'string' ? (
        <p className="warning" role="alert">
          <SafeText text={listing} />
        </p>
      ) : null}
      {listing && typeof listing !== 'string' ? (
        <table className="grid" aria-label="Folder contents">
          <tbody>
            {listing.entries.map((entry) => (
              <tr
                key={entry.pathBase64}
                onClick={() => open(entry)}
                data-type={entry.meta.type}
                data-change={entry.change}
              >
                <td className="mono">
                  <SafeText text={entry.name} display />
                  {entry.meta.type === 'dir' ? '/' : ''}
                  {entry.meta.linkTarget !== undefined ? (
                    <span className="muted">
                      {' '}
                      → <SafeText text={entry.meta.linkTarget} display />
                    </span>
                  ) : null}
                </td>
                <td>{entry.meta.type}</td>
                <td className="mono">0{entry.meta.mode.toString(8)}</td>
                <td>{entry.meta.type === 'file' ? formatBytes(entry.meta.size) : ''}</td>
                <td>{entry.change ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {listing && typeof listing !== 'string' && listing.total > listing.entries.length ? (
        <p className="muted">
          Showing {listing.entries.length} of {listing.total} entries.
        </p>
      ) : null}
      {file ? (
        <FileViewer
          client={client}
          caseDir={caseDir}
          pathBase64={file.pathBase64}
          hasImageSide={side === 'image' && file.meta.type === 'file'}
          hasContainerSide={side === 'container' && file.meta.type === 'file'}
          mode="text"
        />
      ) : null}
    </section>
  );
}
