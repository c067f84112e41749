// The metadata rows of one side of a diff entry (type, mode, owner, size, mtime, hash, link, device, xattrs), as text.
import { displayByteString } from '../../../../src/forensics/common/byte-text.js';
import type { FileMeta } from '../../../../src/forensics/common/diff-model.js';
import { formatBytes } from '../../ui/format.js';

/**
 * [label, value] pairs. Values that come from the archive are display forms already (link targets) or fixed
 * alphabets (base64 xattr values); the xattr *name* is a raw byte string from a PAX record the suspect or the image
 * author wrote, so it is shown as its display form — the label cell renders it as plain text.
 */
export function metaRows(meta: FileMeta | undefined): [string, string][] {
  if (!meta) return [];
  const rows: [string, string][] = [
    ['type', meta.type],
    ['mode', `0${meta.mode.toString(8)}`],
    ['owner', `${meta.uid}:${meta.gid}`],
    ['size', `${formatBytes(meta.size)} (${meta.size} bytes)`],
    ['mtime', meta.mtime],
  ];
  if (meta.sha256) rows.push(['sha256', meta.sha256]);
  if (meta.linkTarget !== undefined) rows.push(['link target', meta.linkTarget]);
  if (meta.devMajor !== undefined) rows.push(['device', `${meta.devMajor}:${meta.devMinor ?? 0}`]);
  for (const [name, value] of Object.entries(meta.xattrs ?? {})) rows.push([`xattr ${displayByteString(name)}`, value]);
  return rows;
}
