// Rebuilds an image's filesystem from its layer indexes (OCI whiteouts, opaque dirs) and remembers who wrote each path.
import type { LayerRef } from './diff-model.js';
import { displayPath } from './display-path.js';
import type { BytePath, IndexEntry } from './tar-index-model.js';

/** One layer as the image config orders it (0 = base), with its tar's entries in archive order. */
export interface ImageLayer {
  ref: LayerRef;
  entries: readonly IndexEntry[];
}

/** What a hardlink shares: the content of the entry it links to, taken from the same archive (layer). */
export interface LinkedContent {
  size: number;
  sha256?: string;
  /** The regular-file entry holding the bytes, for read-back. */
  entry: IndexEntry;
}

/** A path of the reconstructed image: its entry, the layer that last wrote it, and for hardlinks what they share. */
export interface ViewEntry {
  entry: IndexEntry;
  layer: number;
  linked?: LinkedContent;
}

export interface ImageView {
  /** Every path of the image (root "" included), whiteout entries never among them. Insertion order, not sorted. */
  entries: Map<BytePath, ViewEntry>;
  layers: LayerRef[];
  /** Oddities met while applying the layers (duplicates, dangling hardlinks), each said once, never fatal. */
  problems: string[];
}

const WHITEOUT_PREFIX = '.wh.';
/** The OCI opaque marker: everything the lower layers had in this directory is hidden. */
const OPAQUE_MARKER = '.wh..wh..opq';
/** ".wh..wh." names other than the opaque marker are AUFS bookkeeping (plnk, aufs): never files of the image. */
const AUFS_META_PREFIX = '.wh..wh.';
/** Problems of one kind listed by name before the rest are only counted: a hostile layer cannot flood the summary. */
const PROBLEM_EXAMPLES = 5;
/** A hardlink to a hardlink is followed this far within its own archive, then left unresolved. */
const MAX_LINK_CHAIN = 8;

/** Paths in problem sentences: display form, never raw bytes. */
function shown(path: BytePath): string {
  return `/${displayPath(path).path}`;
}

export function parentOf(path: BytePath): BytePath {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

export function baseName(path: BytePath): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** True when a path component is AUFS metadata (".wh..wh.plnk/…"), which a layer may carry but the image never has. */
function isAufsMeta(path: BytePath): boolean {
  // Almost no path has the marker at all: the split is only paid for the few that do.
  if (!path.includes(AUFS_META_PREFIX)) return false;
  return path.split('/').some((part) => part.startsWith(AUFS_META_PREFIX) && part !== OPAQUE_MARKER);
}

/**
 * The content a hardlink shares, looked up among the entries of the archive it came from (a tar hardlink names an
 * earlier member of the same archive). Undefined when the target is missing or is not a regular file.
 */
export function resolveLink(
  entry: IndexEntry,
  lookup: (path: BytePath) => IndexEntry | undefined,
): LinkedContent | undefined {
  let current: IndexEntry | undefined = entry;
  for (let hops = 0; hops < MAX_LINK_CHAIN && current?.type === 'hardlink'; hops += 1) {
    current = current.linkTarget === undefined ? undefined : lookup(current.linkTarget);
  }
  if (current?.type !== 'file') return undefined;
  return current.sha256 === undefined
    ? { size: current.size, entry: current }
    : { size: current.size, sha256: current.sha256, entry: current };
}

/** Collects problems of one kind: the first few by name, then a count. */
export class ProblemTally {
  private readonly examples = new Map<string, string[]>();
  private readonly counts = new Map<string, number>();

  add(kind: string, example: string): void {
    const count = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, count);
    if (count <= PROBLEM_EXAMPLES) this.examples.set(kind, [...(this.examples.get(kind) ?? []), example]);
  }

  /** One sentence per kind, in the order kinds were first met. */
  sentences(): string[] {
    return [...this.counts].map(([kind, count]) => {
      const examples = (this.examples.get(kind) ?? []).join(', ');
      const more = count > PROBLEM_EXAMPLES ? ` and ${count - PROBLEM_EXAMPLES} more` : '';
      return `${kind} (${count}): ${examples}${more}`;
    });
  }
}

/**
 * The merged tree, with a children index that exists only once something must be removed with its subtree
 * (a whiteout, an opaque directory, a directory replaced by a file): a single-layer image never pays for it.
 */
class MergedTree {
  readonly entries = new Map<BytePath, ViewEntry>();
  private children: Map<BytePath, Set<BytePath>> | undefined;

  /** `existed`: whether the path is already in the tree (the caller has just looked it up). */
  set(path: BytePath, value: ViewEntry, existed: boolean): void {
    if (this.children !== undefined && !existed) this.link(path);
    this.entries.set(path, value);
  }

  /** Removes the path and everything under it. */
  removeTree(path: BytePath): void {
    this.removeChildren(path);
    if (!this.entries.delete(path)) return;
    this.index().get(parentOf(path))?.delete(path);
  }

  /** Removes everything under the path, keeping the path itself. */
  removeChildren(path: BytePath): void {
    const index = this.index();
    const below = index.get(path);
    if (below === undefined) return;
    index.delete(path);
    for (const child of below) {
      this.removeChildren(child);
      this.entries.delete(child);
    }
  }

  private index(): Map<BytePath, Set<BytePath>> {
    if (this.children === undefined) {
      this.children = new Map();
      for (const path of this.entries.keys()) this.link(path);
    }
    return this.children;
  }

  private link(path: BytePath): void {
    if (path === '' || this.children === undefined) return;
    const parent = parentOf(path);
    let set = this.children.get(parent);
    if (set === undefined) {
      set = new Set();
      this.children.set(parent, set);
    }
    set.add(path);
  }
}

/** A layer's entries split into what it hides in the layers below and what it writes. */
interface LayerPlan {
  /** Paths deleted (with their subtrees) by `.wh.<name>` entries. */
  whiteouts: BytePath[];
  /** Directories whose lower content is hidden by `.wh..wh..opq`. */
  opaque: BytePath[];
  /** The entries the layer writes, in archive order (a path written twice: the later entry wins when applied). */
  writes: IndexEntry[];
}

function planLayer(layer: ImageLayer, problems: ProblemTally): LayerPlan {
  const plan: LayerPlan = { whiteouts: [], opaque: [], writes: [] };
  for (const entry of layer.entries) {
    if (isAufsMeta(entry.path)) continue;
    const name = baseName(entry.path);
    if (name === OPAQUE_MARKER) {
      plan.opaque.push(parentOf(entry.path));
    } else if (name.startsWith(WHITEOUT_PREFIX)) {
      const parent = parentOf(entry.path);
      const hidden = name.slice(WHITEOUT_PREFIX.length);
      if (hidden === '' || hidden === '.' || hidden === '..') {
        problems.add('malformed whiteout entries ignored', `layer ${layer.ref.index}: ${shown(entry.path)}`);
      } else {
        plan.whiteouts.push(parent === '' ? hidden : `${parent}/${hidden}`);
      }
    } else {
      plan.writes.push(entry);
    }
  }
  return plan;
}

/**
 * Applies the layers in order. Per the OCI image spec a layer's whiteouts apply only to the layers below it, so a
 * layer first hides (whiteouts, opaque directories) and then writes; writing a non-directory where a directory was
 * replaces the directory with everything under it. Whiteout entries are never paths of the result.
 */
export function reconstructImage(layers: readonly ImageLayer[]): ImageView {
  const tree = new MergedTree();
  const problems = new ProblemTally();
  for (const layer of layers) {
    const plan = planLayer(layer, problems);
    for (const path of plan.whiteouts) tree.removeTree(path);
    for (const path of plan.opaque) tree.removeChildren(path);
    const index = layer.ref.index;
    for (const entry of plan.writes) {
      const path = entry.path;
      const lower = tree.entries.get(path);
      if (lower !== undefined) {
        // A tar may carry a path twice; extraction would leave the last one, and so does the view.
        if (lower.layer === index) {
          problems.add('paths written twice in one layer (the last entry counts)', `layer ${index}: ${shown(path)}`);
        }
        if (lower.entry.type === 'dir' && entry.type !== 'dir') tree.removeChildren(path);
      }
      const view: ViewEntry = { entry, layer: index };
      if (entry.type === 'hardlink') {
        // A tar hardlink names an earlier member of the same archive: this layer's entry for the target, as written so far.
        const linked = resolveLink(entry, (target) => {
          const written = tree.entries.get(target);
          return written?.layer === index ? written.entry : undefined;
        });
        if (linked === undefined) {
          problems.add('hardlinks whose target is not a file of the same layer', `layer ${index}: ${shown(path)}`);
        } else {
          view.linked = linked;
        }
      }
      tree.set(path, view, lower !== undefined);
    }
  }
  return { entries: tree.entries, layers: layers.map((layer) => layer.ref), problems: problems.sentences() };
}
