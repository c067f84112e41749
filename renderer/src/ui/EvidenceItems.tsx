// Evidence items just acquired (snapshot, capture): name, size, hash prefix, caveats and why an item is incomplete.
import type { ReactNode } from 'react';
import { formatBytes } from './format.js';
import { SafeText } from './SafeText.js';

interface AcquiredItem {
  id: string;
  kind: string;
  bytes: number;
  sha256: string;
  complete: boolean;
  incompleteReason?: string | undefined;
}

export function EvidenceItems<T extends AcquiredItem>({
  items,
  name = (item) => item.id,
  caveat,
}: {
  items: readonly T[];
  /** What names the item in this list: its id (default), or its kind where one acquisition yields one of each. */
  name?: (item: T) => string;
  /** A flag the responder must see beside the item (e.g. acquired through the suspect's own tar). */
  caveat?: (item: T) => ReactNode;
}) {
  return (
    <ul className="items">
      {items.map((item) => (
        <li key={item.id} data-item-kind={item.kind} data-complete={String(item.complete)}>
          <SafeText text={name(item)} className="mono" /> · {formatBytes(item.bytes)} · sha256{' '}
          <span className="mono" title={item.sha256}>
            {item.sha256.slice(0, 16)}…
          </span>
          {caveat?.(item)}
          {item.complete ? null : (
            <span className="warning">
              {' '}
              incomplete: <SafeText text={item.incompleteReason ?? ''} />
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}
