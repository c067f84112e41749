// Builds the changed-paths tree the diff view shows: directories derived from entry paths, counts per subtree.
import type { DiffChange, DiffEntry } from '../../../../src/forensics/common/diff-model.js';

export interface TreeNode {
  /** Display name of this component. */
  name: string;
  /** Display path from the root, used as the node's key. */
  key: string;
  entry?: DiffEntry;
  children: TreeNode[];
  /** Changed entries at or below this node. */
  count: number;
  /** Highest finding severity at or below this node. */
  worst: number;
}

const SEVERITY_RANK: Record<string, number> = { info: 1, low: 2, medium: 3, high: 4, critical: 5 };

export function severityRank(severity: string): number {
  return SEVERITY_RANK[severity] ?? 0;
}

export function worstSeverity(entry: DiffEntry): number {
  return entry.findings.reduce((worst, finding) => Math.max(worst, severityRank(finding.severity)), 0);
}

/** Entries arrive in path order; the tree keeps that order. Display paths are split on "/" (escapes never contain one). */
export function buildTree(entries: readonly DiffEntry[]): TreeNode {
  const root: TreeNode = { name: '/', key: '', children: [], count: 0, worst: 0 };
  const index = new Map<string, TreeNode>([['', root]]);
  for (const entry of entries) {
    const parts = entry.path.split('/').filter((part) => part !== '');
    let parent = root;
    let key = '';
    parts.forEach((part, position) => {
      key = key === '' ? part : `${key}/${part}`;
      let node = index.get(key);
      if (!node) {
        node = { name: part, key, children: [], count: 0, worst: 0 };
        index.set(key, node);
        parent.children.push(node);
      }
      if (position === parts.length - 1) node.entry = entry;
      parent = node;
    });
    const worst = worstSeverity(entry);
    let cursor = '';
    root.count += 1;
    root.worst = Math.max(root.worst, worst);
    for (const part of parts) {
      cursor = cursor === '' ? part : `${cursor}/${part}`;
      const node = index.get(cursor);
      if (node) {
        node.count += 1;
        node.worst = Math.max(node.worst, worst);
      }
    }
  }
  return root;
}

export const CHANGE_KINDS: readonly DiffChange[] = ['added', 'deleted', 'modified', 'metadata', 'type'];
