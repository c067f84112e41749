// One diff entry in full: both sides' metadata, the layer and package it came from, its findings, and the file viewer.
import type { AppClient } from '../../../../src/contract/app-contract.js';
import type { DiffEntry } from '../../../../src/forensics/common/diff-model.js';
import { useHashParam } from '../../app/url-state.js';
import { rawPathBase64 } from '../../ui/base64.js';
import { SafeText } from '../../ui/SafeText.js';
import { WhoWroteLink } from '../replay/WhoWroteLink.js';
import { metaRows } from './entry-meta.js';
import { FileViewer, type ViewerMode } from './FileViewer.js';

const MODES: ViewerMode[] = ['text', 'hex', 'diff'];

function MetaTable({ entry }: { entry: DiffEntry }) {
  const before = new Map(metaRows(entry.before));
  const after = new Map(metaRows(entry.after));
  const names = [...new Set([...before.keys(), ...after.keys()])];
  return (
    <table className="grid meta" aria-label="Metadata">
      <thead>
        <tr>
          <th />
          <th>image</th>
          <th>container</th>
        </tr>
      </thead>
      <tbody>
        {names.map((name) => (
          <tr key={name} className={before.get(name) === after.get(name) ? '' : 'differs'}>
            {/* Labels are display forms (an xattr name from the archive is escaped by metaRows). */}
            <th>{name}</th>
            <td className="mono">
              <SafeText text={before.get(name) ?? '—'} display />
            </td>
            <td className="mono">
              <SafeText text={after.get(name) ?? '—'} display />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function EntryDetails({ client, caseDir, entry }: { client: AppClient; caseDir: string; entry: DiffEntry }) {
  const [modeParam, setMode] = useHashParam('view');
  const mode: ViewerMode = (MODES as string[]).includes(modeParam) ? (modeParam as ViewerMode) : 'text';
  return (
    <section className="entry-details" aria-label="Entry details">
      <h3>
        <span className={`change change-${entry.change}`}>{entry.change}</span>{' '}
        <SafeText text={entry.path} className="mono" display />{' '}
        <WhoWroteLink client={client} caseDir={caseDir} path={entry.path} />
      </h3>
      {entry.pathBase64 ? <p className="warning">This name is not printable UTF-8: shown with escapes.</p> : null}
      <p className="muted">
        {entry.layer ? (
          <>
            Layer {entry.layer.index} <span className="mono">{entry.layer.digest.slice(0, 19)}…</span>
            {entry.layer.createdBy ? (
              <>
                {' '}
                · <SafeText text={entry.layer.createdBy} />
              </>
            ) : null}
          </>
        ) : (
          'Not in the image'
        )}
        {entry.package ? (
          <>
            {' '}
            · package <SafeText text={`${entry.package.manager}:${entry.package.name}`} />
            {entry.package.version ? <SafeText text={` ${entry.package.version}`} /> : null}
            {entry.package.tampered ? (
              <strong className="warning"> — content no longer matches the package checksum</strong>
            ) : null}
          </>
        ) : null}
      </p>
      {entry.findings.length > 0 ? (
        <ul className="findings" aria-label="Findings for this entry">
          {entry.findings.map((finding) => (
            <li key={finding.rule} className={`sev-${finding.severity}`} data-rule={finding.rule}>
              <span className="badge">{finding.severity}</span> <span className="mono">{finding.attack}</span>{' '}
              <SafeText text={finding.detail} display />
            </li>
          ))}
        </ul>
      ) : null}
      <MetaTable entry={entry} />
      <div className="viewer-modes" role="tablist" aria-label="Viewer mode">
        {MODES.map((candidate) => (
          <button
            key={candidate}
            type="button"
            role="tab"
            aria-selected={mode === candidate}
            onClick={() => setMode(candidate)}
          >
            {candidate}
          </button>
        ))}
      </div>
      <FileViewer
        client={client}
        caseDir={caseDir}
        pathBase64={rawPathBase64(entry)}
        hasImageSide={entry.before?.type === 'file'}
        hasContainerSide={entry.after?.type === 'file'}
        mode={mode}
      />
    </section>
  );
}
