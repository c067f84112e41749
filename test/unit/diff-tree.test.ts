// The diff view's tree: folders derived from changed paths, counts and worst severity rolled up, order kept.
import { describe, expect, it } from 'vitest';
import { buildTree } from '../../renderer/src/features/diff/diff-tree.js';
import type { DiffEntry } from '../../src/forensics/common/diff-model.js';

const entry = (path: string, severity?: 'low' | 'critical'): DiffEntry => ({
  path,
  change: 'added',
  findings: severity ? [{ rule: 'r', severity, attack: 'T1000', detail: 'd' }] : [],
});

describe('the changed-paths tree', () => {
  it('given entries under shared folders, then folders appear once with counts and the worst severity below them', () => {
    const root = buildTree([entry('etc/cron.d/job', 'low'), entry('etc/passwd', 'critical'), entry('tmp/.x/miner')]);
    expect(root.count).toBe(3);
    expect(root.children.map((node) => node.name)).toEqual(['etc', 'tmp']);
    const etc = root.children[0];
    expect(etc?.count).toBe(2);
    expect(etc?.worst).toBe(5);
    expect(etc?.children.map((node) => node.key)).toEqual(['etc/cron.d', 'etc/passwd']);
    expect(root.children[1]?.worst).toBe(0);
  });

  it('given a changed folder and a changed file inside it, then the folder node carries its own entry too', () => {
    const root = buildTree([entry('opt'), entry('opt/tool')]);
    expect(root.children[0]?.entry?.path).toBe('opt');
    expect(root.children[0]?.children[0]?.entry?.path).toBe('opt/tool');
  });
});
