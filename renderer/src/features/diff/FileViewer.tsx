// Shows one evidence file read back from its tar (never extracted): text with visible escapes, hex, or image-vs-container diff.
import { diffLines } from 'diff';
import { useEffect, useState } from 'react';
import type { AppClient } from '../../../../src/contract/app-contract.js';
import { visibleLines } from '../../../../src/contract/visible-text.js';
import type { DiffSide } from '../../../../src/forensics/common/diff-model.js';
import { fromBase64 } from '../../ui/base64.js';
import { formatBytes } from '../../ui/format.js';
import { SafeText } from '../../ui/SafeText.js';

export type ViewerMode = 'text' | 'hex' | 'diff';

/** Previews are capped: the viewer is for reading, the evidence stays in its tar. */
const PREVIEW_BYTES = 64 * 1024;

interface Slice {
  bytes: Uint8Array;
  totalBytes: number;
  truncated: boolean;
}

function useSlice(
  client: AppClient,
  caseDir: string,
  side: DiffSide | undefined,
  pathBase64: string,
): Slice | string | undefined {
  const [slice, setSlice] = useState<Slice | string>();
  useEffect(() => {
    setSlice(undefined);
    if (side === undefined) return;
    let current = true;
    client.forensics.readFile({ caseDir, side, pathBase64, offset: 0, length: PREVIEW_BYTES }).then(
      (answer) =>
        current &&
        setSlice({ bytes: fromBase64(answer.base64), totalBytes: answer.totalBytes, truncated: answer.truncated }),
      (error: unknown) => current && setSlice(error instanceof Error ? error.message : String(error)),
    );
    return () => {
      current = false;
    };
  }, [client, caseDir, side, pathBase64]);
  return slice;
}

function hexRows(bytes: Uint8Array): string[] {
  const rows: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += 16) {
    const chunk = bytes.subarray(offset, offset + 16);
    const hex = [...chunk].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...chunk].map((byte) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.')).join('');
    rows.push(`${offset.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return rows;
}

function TruncationNote({ slice }: { slice: Slice }) {
  return slice.truncated ? (
    <p className="muted">
      Showing the first {formatBytes(slice.bytes.length)} of {formatBytes(slice.totalBytes)}.
    </p>
  ) : null;
}

function TextLines({ lines }: { lines: readonly string[] }) {
  return (
    <pre className="viewer-text" data-testid="viewer-text">
      {lines.map((line, index) => (
        <div key={index} className="line">
          <span className="line-no">{index + 1}</span>
          {line}
        </div>
      ))}
    </pre>
  );
}

function SideBySide({ before, after }: { before: Uint8Array; after: Uint8Array }) {
  // Both sides go through visibleLines first, so the diff compares (and shows) only escaped text.
  const parts = diffLines(`${visibleLines(before).join('\n')}\n`, `${visibleLines(after).join('\n')}\n`);
  const rows: { left?: string; right?: string; kind: 'same' | 'removed' | 'added' | 'changed' }[] = [];
  for (let index = 0; index < parts.length; index += 1) {
    const part = parts[index];
    if (!part) continue;
    const lines = part.value.replace(/\n$/, '').split('\n');
    if (part.removed && parts[index + 1]?.added) {
      const added = (parts[index + 1]?.value ?? '').replace(/\n$/, '').split('\n');
      for (let line = 0; line < Math.max(lines.length, added.length); line += 1) {
        rows.push({ left: lines[line], right: added[line], kind: 'changed' });
      }
      index += 1;
    } else if (part.removed) lines.forEach((line) => rows.push({ left: line, kind: 'removed' }));
    else if (part.added) lines.forEach((line) => rows.push({ right: line, kind: 'added' }));
    else lines.forEach((line) => rows.push({ left: line, right: line, kind: 'same' }));
  }
  return (
    <table className="viewer-diff" data-testid="viewer-diff">
      <thead>
        <tr>
          <th>image</th>
          <th>container</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row, index) => (
          <tr key={index} className={`diff-${row.kind}`}>
            <td>{row.left ?? ''}</td>
            <td>{row.right ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function FileViewer({
  client,
  caseDir,
  pathBase64,
  hasImageSide,
  hasContainerSide,
  mode,
}: {
  client: AppClient;
  caseDir: string;
  pathBase64: string;
  hasImageSide: boolean;
  hasContainerSide: boolean;
  mode: ViewerMode;
}) {
  const primarySide: DiffSide | undefined = hasContainerSide ? 'container' : hasImageSide ? 'image' : undefined;
  const primary = useSlice(client, caseDir, primarySide, pathBase64);
  const imageSide = useSlice(client, caseDir, mode === 'diff' && hasImageSide ? 'image' : undefined, pathBase64);
  if (primarySide === undefined) return <p className="muted">Not a regular file on either side: nothing to read.</p>;
  if (typeof primary === 'string')
    return (
      <p className="warning" role="alert">
        <SafeText text={primary} />
      </p>
    );
  if (!primary) return <p className="muted">Reading from the evidence tar…</p>;
  if (mode === 'hex') {
    return (
      <>
        <TruncationNote slice={primary} />
        <pre className="viewer-hex" data-testid="viewer-hex">
          {hexRows(primary.bytes).join('\n')}
        </pre>
      </>
    );
  }
  if (mode === 'diff') {
    if (!hasImageSide || !hasContainerSide)
      return <p className="muted">The file exists on one side only: no diff to show.</p>;
    if (typeof imageSide === 'string')
      return (
        <p className="warning" role="alert">
          <SafeText text={imageSide} />
        </p>
      );
    if (!imageSide) return <p className="muted">Reading the image side…</p>;
    return <SideBySide before={imageSide.bytes} after={primary.bytes} />;
  }
  return (
    <>
      <TruncationNote slice={primary} />
      <TextLines lines={visibleLines(primary.bytes)} />
    </>
  );
}
