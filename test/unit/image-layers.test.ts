// Image reconstruction: layers applied in order with OCI whiteouts and opaque directories, each path's last writer kept.
import { describe, expect, it } from 'vitest';
import type { LayerRef } from '../../src/forensics/common/diff-model.js';
import { reconstructImage, type ImageLayer } from '../../src/forensics/common/image-layers.js';
import type { IndexEntry } from '../../src/forensics/common/tar-index-model.js';
import { indexEntryFactory } from './index-entry-fixture.js';

const entry = indexEntryFactory({ size: 0, step: 512 });

function layer(index: number, entries: IndexEntry[], createdBy?: string): ImageLayer {
  const ref: LayerRef = { index, digest: `sha256:${String(index).repeat(64)}`, ...(createdBy ? { createdBy } : {}) };
  return { ref, entries };
}

const paths = (layers: ImageLayer[]): string[] => [...reconstructImage(layers).entries.keys()].sort();

describe('reconstructing an image from its layers', () => {
  const base = layer(0, [
    entry('', { type: 'dir' }),
    entry('bin/'),
    entry('bin/busybox', { mode: 0o755, size: 10 }),
    entry('etc/'),
    entry('etc/passwd'),
    entry('etc/motd'),
    entry('opt/'),
    entry('opt/app/'),
    entry('opt/app/lib/'),
    entry('opt/app/lib/a.so'),
    entry('opt/app/run'),
    entry('opt/app.conf'),
    entry('var/'),
    entry('var/cache/'),
    entry('var/cache/x'),
    entry('var/cache/sub/'),
    entry('var/cache/sub/y'),
  ]);

  it('given one layer, then every entry is a path of the image written by layer 0', () => {
    const view = reconstructImage([base]);
    expect(view.entries.size).toBe(17);
    expect(view.entries.get('bin/busybox')?.layer).toBe(0);
    expect(view.problems).toEqual([]);
  });

  it('given an upper layer whiting out a directory, then the directory and everything under it are gone, and a sibling with the same prefix stays', () => {
    const upper = layer(1, [entry('opt/'), entry('opt/.wh.app')], 'RUN rm -rf /opt/app');
    const result = paths([base, upper]);
    expect(result.filter((p) => p.startsWith('opt'))).toEqual(['opt', 'opt/app.conf']);
    expect(result.some((p) => p.includes('.wh.'))).toBe(false);
    expect(reconstructImage([base, upper]).entries.get('opt')?.layer).toBe(1);
  });

  it('given a whiteout of a file at the top level, then only that file goes', () => {
    const upper = layer(1, [entry('.wh.var')]);
    expect(paths([base, upper]).filter((p) => p.startsWith('var'))).toEqual([]);
    expect(paths([base, upper])).toContain('etc/motd');
  });

  it('given an opaque directory, then the lower content is hidden but the directory and the layer’s own new children remain', () => {
    const upper = layer(1, [entry('var/cache/'), entry('var/cache/.wh..wh..opq'), entry('var/cache/fresh')]);
    const view = reconstructImage([base, upper]);
    expect([...view.entries.keys()].filter((p) => p.startsWith('var/')).sort()).toEqual([
      'var/cache',
      'var/cache/fresh',
    ]);
    expect(view.entries.get('var/cache/fresh')?.layer).toBe(1);
  });

  it('given a whiteout and a new entry of the same name in one layer, then the whiteout hides only the lower one (OCI: whiteouts apply to lower layers)', () => {
    const upper = layer(1, [entry('etc/'), entry('etc/.wh.motd'), entry('etc/motd', { sha256: 'new' })]);
    const view = reconstructImage([base, upper]);
    expect(view.entries.get('etc/motd')).toMatchObject({ layer: 1, entry: { sha256: 'new' } });
  });

  it('given an upper layer replacing a directory with a file, then the lower children disappear', () => {
    const upper = layer(1, [entry('opt/app', { type: 'symlink', linkTarget: '/srv/app' })]);
    const view = reconstructImage([base, upper]);
    expect([...view.entries.keys()].filter((p) => p.startsWith('opt/')).sort()).toEqual(['opt/app', 'opt/app.conf']);
    expect(view.entries.get('opt/app')?.entry.type).toBe('symlink');
  });

  it('given an upper layer rewriting a directory entry, then its children from below stay and the directory is attributed to the upper layer', () => {
    const upper = layer(1, [entry('var/cache/', { mode: 0o700 })]);
    const view = reconstructImage([base, upper]);
    expect(view.entries.get('var/cache')).toMatchObject({ layer: 1, entry: { mode: 0o700 } });
    expect(view.entries.get('var/cache/sub/y')?.layer).toBe(0);
  });

  it('given three layers, then a path deleted in the second and re-created in the third belongs to the third', () => {
    const second = layer(1, [entry('etc/.wh.passwd')]);
    const third = layer(2, [entry('etc/passwd', { sha256: 'third' })]);
    const view = reconstructImage([base, second, third]);
    expect(view.entries.get('etc/passwd')).toMatchObject({ layer: 2, entry: { sha256: 'third' } });
    expect(view.layers.map((ref) => ref.index)).toEqual([0, 1, 2]);
  });

  it('given whiteouts in the base layer, then they hide nothing and are not paths either', () => {
    const view = reconstructImage([layer(0, [entry('a/'), entry('a/.wh.b'), entry('a/.wh..wh..opq')])]);
    expect([...view.entries.keys()]).toEqual(['a']);
  });

  it('given AUFS bookkeeping entries (.wh..wh.plnk), then they are ignored entirely', () => {
    const upper = layer(1, [entry('.wh..wh.plnk/'), entry('.wh..wh.plnk/123.456', { sha256: 'x' })]);
    expect(paths([base, upper])).toEqual(paths([base]));
  });

  it('given a hardlink, then it is kept as a hardlink and shares the content of its target in the same layer, not of a later rewrite', () => {
    const lower = layer(0, [
      entry('bin/'),
      entry('bin/perl', { sha256: 'perl-v1', size: 5 }),
      entry('bin/perl5', { type: 'hardlink', linkTarget: 'bin/perl' }),
    ]);
    const upper = layer(1, [entry('bin/perl', { sha256: 'perl-v2', size: 6 })]);
    const view = reconstructImage([lower, upper]);
    expect(view.entries.get('bin/perl5')).toMatchObject({
      layer: 0,
      entry: { type: 'hardlink', linkTarget: 'bin/perl' },
      linked: { sha256: 'perl-v1', size: 5 },
    });
    expect(view.entries.get('bin/perl')?.entry.sha256).toBe('perl-v2');
  });

  it('given a dangling hardlink or a duplicated path, then the view is still built and the problem is said, once per kind', () => {
    const odd = layer(0, [
      entry('x', { type: 'hardlink', linkTarget: 'nowhere' }),
      entry('y', { sha256: 'first' }),
      entry('y', { sha256: 'second' }),
    ]);
    const view = reconstructImage([odd]);
    expect(view.entries.get('y')?.entry.sha256).toBe('second');
    expect(view.entries.get('x')?.linked).toBeUndefined();
    expect(view.problems).toEqual([
      'hardlinks whose target is not a file of the same layer (1): layer 0: /x',
      'paths written twice in one layer (the last entry counts) (1): layer 0: /y',
    ]);
  });

  it('given a hostile layer with thousands of duplicates, then the problem lists five examples and counts the rest', () => {
    const entries = Array.from({ length: 2000 }, (_, i) => entry(`d${i % 1000}`));
    const [problem] = reconstructImage([layer(0, entries)]).problems;
    expect(problem).toMatch(
      /\(1000\): layer 0: \/d0, layer 0: \/d1, layer 0: \/d2, layer 0: \/d3, layer 0: \/d4 and 995 more$/,
    );
  });

  it('given 200-level nesting whited out from the top, then the whole chain goes without exhausting the stack', () => {
    const deep: IndexEntry[] = [];
    let p = 'n';
    for (let i = 0; i < 200; i += 1) {
      deep.push(entry(`${p}/`));
      p = `${p}/n`;
    }
    const view = reconstructImage([layer(0, deep), layer(1, [entry('.wh.n')])]);
    expect(view.entries.size).toBe(0);
  });
});
