// The changed paths as a collapsible tree: counts per folder, worst finding colour, one click selects an entry.
import { useState } from 'react';
import { SafeText } from '../../ui/SafeText.js';
import type { TreeNode } from './diff-tree.js';

const SEVERITY_CLASS = ['', 'sev-info', 'sev-low', 'sev-medium', 'sev-high', 'sev-critical'];

function Node({
  node,
  selectedKey,
  onSelect,
  depth,
}: {
  node: TreeNode;
  selectedKey: string;
  onSelect: (node: TreeNode) => void;
  depth: number;
}) {
  // Folders start open near the root and closed deeper down, so a 200-level nest does not flood the screen.
  const [open, setOpen] = useState(depth < 3);
  const isFolder = node.children.length > 0;
  return (
    <li>
      <div
        className={`tree-row ${node.key === selectedKey ? 'selected' : ''} ${SEVERITY_CLASS[node.worst] ?? ''}`}
        style={{ paddingLeft: `${depth * 0.9}rem` }}
        data-path={node.key}
        data-change={node.entry?.change}
        onClick={() => (node.entry ? onSelect(node) : setOpen(!open))}
      >
        {isFolder ? (
          <button
            type="button"
            className="twisty"
            aria-label={open ? 'collapse' : 'expand'}
            onClick={(event) => (event.stopPropagation(), setOpen(!open))}
          >
            {open ? '▾' : '▸'}
          </button>
        ) : (
          <span className="twisty" />
        )}
        <SafeText text={node.name} className="mono" display />
        {node.entry ? <span className={`change change-${node.entry.change}`}>{node.entry.change}</span> : null}
        {isFolder ? <span className="muted count">{node.count}</span> : null}
      </div>
      {isFolder && open ? (
        <ul>
          {node.children.map((child) => (
            <Node key={child.key} node={child} selectedKey={selectedKey} onSelect={onSelect} depth={depth + 1} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

export function ChangeTree({
  root,
  selectedKey,
  onSelect,
}: {
  root: TreeNode;
  selectedKey: string;
  onSelect: (node: TreeNode) => void;
}) {
  return (
    <ul className="tree" aria-label="Changed paths">
      {root.children.map((child) => (
        <Node key={child.key} node={child} selectedKey={selectedKey} onSelect={onSelect} depth={0} />
      ))}
    </ul>
  );
}
