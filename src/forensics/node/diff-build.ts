// Computes one diff from indexed evidence: reconstruct the image, compare, attribute packages, check tamper, find.
import { ContractError } from '../../contract/envelope.js';
import { visibleText } from '../../contract/visible-text.js';
import type { DiffEntry, DiffSide, LayerRef, Severity } from '../common/diff-model.js';
import { createFindingsEvaluator, type EntryFacts, type Neighbour } from '../common/findings.js';
import {
  diffFilesystems,
  fileMeta,
  toDiffEntry,
  sameSecond,
  viewContainer,
  type RawChange,
  type SideEntry,
} from '../common/fs-diff.js';
import { parentOf, ProblemTally, reconstructImage, type ImageLayer, type ImageView } from '../common/image-layers.js';
import { displayPath } from '../common/display-path.js';
import {
  buildPackageDb,
  mergedUsrDirs,
  packageDbFileKind,
  type PackageAttribution,
  type PackageDb,
  type PackageDbFile,
} from '../common/packages.js';
import type { BytePath, IndexEntry } from '../common/tar-index-model.js';
import { DIFF_FORMAT, type DiffDocument, type RuntimeArtefactEntry } from './diff-document.js';
import { sourceHashes, type DiffSources } from './diff-sources.js';

/** Where an entry's bytes are: the container export, or one layer of the image archive. */
export type ContentSource = { side: 'container' } | { side: 'image'; layer: number };

/** What the build needs from the evidence; implemented over the tar index store and read-back (diff-evidence.ts). */
export interface EvidenceAccess {
  /** The export's index in tar order (duplicates included), and what could not be indexed. */
  containerIndex(): Promise<{ entries: IndexEntry[]; problems: string[] }>;
  /** The image's layers in config order, each with its index and LayerRef (digest, created_by). */
  imageLayers(): Promise<{ layers: ImageLayer[]; problems: string[] }>;
  /** Up to `length` bytes of a regular file's content from `offset`; never follows a link. */
  read(source: ContentSource, entry: IndexEntry, offset: number, length: number): Promise<Uint8Array>;
  /** Hex digest of a regular file's whole content, streamed. */
  digest(source: ContentSource, entry: IndexEntry, algorithm: 'md5' | 'sha1'): Promise<string>;
}

/** The views a built diff leaves behind, for the evidence browser (listDirectory, readFile). */
export interface DiffViews {
  image: ImageView;
  /** The export with the last entry of each path, hardlinks resolved within the export. */
  container: Map<BytePath, SideEntry>;
}

export interface BuiltDiff {
  document: DiffDocument;
  views: DiffViews;
}

export interface BuildOptions {
  signal?: AbortSignal;
  onStage?: (stage: string) => void;
}

/** The stages buildDiff reports, in order (for progress). */
export const BUILD_STAGES = [
  'indexing the evidence',
  'reconstructing the image',
  'comparing',
  'reading package databases',
  'evaluating findings',
];

/** A package database file bigger than this is not read (a hostile image cannot make the host load gigabytes). */
const MAX_PACKAGE_DB_FILE = 64 * 1024 * 1024;
/** All package database files together. */
const MAX_PACKAGE_DB_TOTAL = 512 * 1024 * 1024;
const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** Both file trees from the evidence indexes, with what could not be indexed or applied. */
export async function viewsOf(
  evidence: EvidenceAccess,
  stage: (name: string) => void = () => undefined,
): Promise<DiffViews & { problems: string[] }> {
  // Together: while one index waits for its file reads, the other hashes (same results, in a fixed order).
  const [image, exported] = await Promise.all([evidence.imageLayers(), evidence.containerIndex()]);
  stage('reconstructing the image');
  const view = reconstructImage(image.layers);
  const container = viewContainer(exported.entries);
  return {
    image: view,
    container: container.entries,
    problems: [...image.problems, ...exported.problems, ...view.problems, ...container.problems],
  };
}

/** The bytes-holding entry and where it lives: a hardlink reads its target in the same archive. */
export function contentOf(
  side: SideEntry,
  source: ContentSource,
): { entry: IndexEntry; source: ContentSource } | undefined {
  if (side.entry.type === 'file') return { entry: side.entry, source };
  if (side.entry.type === 'hardlink' && side.linked !== undefined) return { entry: side.linked.entry, source };
  return undefined;
}

function imageSource(view: ImageView, path: BytePath): ContentSource | undefined {
  const entry = view.entries.get(path);
  return entry === undefined ? undefined : { side: 'image', layer: entry.layer };
}

/** Cheap test before packageDbFileKind: the view's paths are normalised, and nearly none is a database file. */
const mayBePackageDb = (path: BytePath): boolean =>
  path.startsWith('var/lib/dpkg/') || path.endsWith('apk/db/installed');

async function readPackageDb(
  view: ImageView,
  evidence: EvidenceAccess,
  problems: string[],
  unreadable: UnreadableContent,
): Promise<PackageDb | undefined> {
  const files: PackageDbFile[] = [];
  let total = 0;
  const paths: BytePath[] = [];
  const roots: IndexEntry[] = [];
  for (const [path, entry] of view.entries) {
    if (path !== '' && !path.includes('/')) roots.push(entry.entry);
    if (mayBePackageDb(path) && packageDbFileKind(path) !== undefined) paths.push(path);
  }
  paths.sort();
  for (const path of paths) {
    const viewEntry = view.entries.get(path);
    if (viewEntry === undefined) continue;
    const content = contentOf(viewEntry, { side: 'image', layer: viewEntry.layer });
    if (content === undefined) continue;
    if (content.entry.size > MAX_PACKAGE_DB_FILE || total + content.entry.size > MAX_PACKAGE_DB_TOTAL) {
      problems.push(`package database file ${displayPath(path).path} not read: ${content.entry.size} bytes is too big`);
      continue;
    }
    total += content.entry.size;
    const bytes = await unreadable.guard(path, () =>
      evidence.read(content.source, content.entry, 0, content.entry.size),
    );
    if (bytes !== undefined) files.push({ path, bytes });
  }
  return buildPackageDb(files, { mergedUsrDirs: mergedUsrDirs(roots) });
}

/** The container's children of each directory, built once, only when a rule asks (timestomping of modified files). */
class ContainerNeighbours {
  private children: Map<BytePath, BytePath[]> | undefined;

  constructor(
    private readonly container: ReadonlyMap<BytePath, SideEntry>,
    private readonly image: ReadonlyMap<BytePath, SideEntry>,
    private readonly changed: ReadonlySet<BytePath>,
  ) {}

  /**
   * "Untouched" means the image has the path with the same mtime: a diff entry, a runtime artefact, or a folder
   * whose mtime moved because a child changed all carry the container's own times, not the image's.
   */
  private touched(path: BytePath, side: SideEntry): boolean {
    const original = this.image.get(path);
    return this.changed.has(path) || original === undefined || !sameSecond(original.entry.mtime, side.entry.mtime);
  }

  of(dir: BytePath): Neighbour[] {
    if (this.children === undefined) {
      this.children = new Map();
      for (const path of this.container.keys()) {
        if (path === '') continue;
        const parent = parentOf(path);
        const list = this.children.get(parent);
        if (list === undefined) this.children.set(parent, [path]);
        else list.push(path);
      }
    }
    return (this.children.get(dir) ?? []).flatMap((path) => {
      const side = this.container.get(path);
      return side === undefined ? [] : [{ path, meta: fileMeta(side), changed: this.touched(path, side) }];
    });
  }
}

function summarise(entries: readonly DiffEntry[]): Pick<DiffDocument['summary'], 'counts' | 'findings'> {
  const counts = { added: 0, deleted: 0, modified: 0, metadata: 0, type: 0 };
  const bySeverityCounts = new Map<Severity, number>();
  const byRuleCounts = new Map<string, number>();
  let total = 0;
  for (const entry of entries) {
    counts[entry.change] += 1;
    for (const finding of entry.findings) {
      total += 1;
      bySeverityCounts.set(finding.severity, (bySeverityCounts.get(finding.severity) ?? 0) + 1);
      byRuleCounts.set(finding.rule, (byRuleCounts.get(finding.rule) ?? 0) + 1);
    }
  }
  // Fixed key orders (severity rank, then rule id) so the stored bytes never depend on the order entries were met.
  const bySeverity: Record<string, number> = {};
  for (const severity of SEVERITIES) {
    const count = bySeverityCounts.get(severity);
    if (count !== undefined) bySeverity[severity] = count;
  }
  const byRule = Object.fromEntries([...byRuleCounts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { counts, findings: { total, bySeverity, byRule } };
}

/**
 * The whole computation. Deterministic: it depends only on the evidence bytes (indexes, contents) and their
 * order, never on time, locale or the order promises settle in (entries are processed one by one, in path order).
 */
export async function buildDiff(
  sources: DiffSources,
  evidence: EvidenceAccess,
  options: BuildOptions = {},
): Promise<BuiltDiff> {
  const stage = options.onStage ?? (() => undefined);
  const problems = [...sources.problems];
  stage('indexing the evidence');
  const views = await viewsOf(evidence, stage);
  problems.push(...views.problems);
  options.signal?.throwIfAborted();
  const view = views.image;
  const container = views.container;
  const saved = view.layers.map((layer) => layer.digest);
  if (sources.inspectedLayers !== undefined && sources.inspectedLayers.join(',') !== saved.join(',')) {
    problems.push(
      visibleText(
        `the engine's image inspect lists layers ${sources.inspectedLayers.join(', ')} but the saved image's config ` +
          `${saved.join(', ')}: the image save may not be of the image the container runs`,
      ),
    );
  }
  stage('comparing');
  const diff = diffFilesystems(view.entries, container, { mountPoints: sources.mountPoints });

  stage('reading package databases');
  const unreadable = new UnreadableContent(options.signal);
  const db = await readPackageDb(view, evidence, problems, unreadable);
  if (db !== undefined) problems.push(...db.problems);

  stage('evaluating findings');
  const changed = new Set(diff.changes.map((change) => change.path));
  const neighbours = new ContainerNeighbours(container, view.entries, changed);
  const evaluate = createFindingsEvaluator({
    containerCreated: sources.containerCreated,
    packageManagers: db?.managers ?? [],
    siblings: (dir) => Promise.resolve(neighbours.of(dir)),
    readContent: async (side: DiffSide, path: BytePath, maxBytes: number) => {
      const sideEntry = side === 'container' ? container.get(path) : view.entries.get(path);
      const source: ContentSource | undefined = side === 'container' ? { side: 'container' } : imageSource(view, path);
      if (sideEntry === undefined || source === undefined) return undefined;
      const content = contentOf(sideEntry, source);
      if (content === undefined) return undefined;
      const bytes = await unreadable.guard(path, () =>
        evidence.read(content.source, content.entry, 0, Math.min(maxBytes, content.entry.size)),
      );
      return bytes === undefined
        ? undefined
        : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    },
  });
  const entries: DiffEntry[] = [];
  for (const change of diff.changes) {
    options.signal?.throwIfAborted();
    const owner = await attribute(change, db, evidence, unreadable);
    const facts: EntryFacts = {
      path: displayPath(change.path).path,
      bytePath: change.path,
      change: change.change,
      ...(change.before === undefined ? {} : { before: fileMeta(change.before) }),
      ...(change.after === undefined ? {} : { after: fileMeta(change.after) }),
      ...(owner === undefined ? {} : { package: owner }),
    };
    const findings = await evaluate(facts);
    entries.push(toDiffEntry(change, view.layers, { ...(owner === undefined ? {} : { package: owner }), findings }));
  }

  problems.push(...unreadable.problems());
  const runtime: RuntimeArtefactEntry[] = diff.runtime.map((item) => ({
    ...displayPath(item.path),
    change: item.change,
    reason: item.reason,
  }));
  const layers: LayerRef[] = view.layers;
  const document: DiffDocument = {
    format: DIFF_FORMAT,
    summary: {
      containerId: sources.containerId,
      imageId: sources.imageId,
      containerCreated: sources.containerCreated,
      ...summarise(entries),
      layers,
      packageManagers: [...(db?.managers ?? [])],
      indexed: { imageEntries: view.entries.size, containerEntries: container.size },
      sources: sourceHashes(sources),
      problems,
    },
    runtime,
    entries,
  };
  return { document, views: { image: view, container } };
}

/** The package owning an original path; for a modified package file, with the tamper verdict from its checksum. */
async function attribute(
  change: RawChange,
  db: PackageDb | undefined,
  evidence: EvidenceAccess,
  unreadable: UnreadableContent,
): Promise<PackageAttribution | undefined> {
  if (db === undefined) return undefined;
  const owner = db.attribute(change.path);
  if (change.change !== 'modified' || change.after === undefined) return owner;
  const algorithm = db.digestNeeded(change.path);
  const content = contentOf(change.after, { side: 'container' });
  if (algorithm === undefined || content === undefined) return owner;
  const digest = await unreadable.guard(change.path, () => evidence.digest(content.source, content.entry, algorithm));
  return digest === undefined ? owner : db.checkTamper(change.path, digest);
}

/**
 * A file whose bytes cannot be read back (sparse, cut off by a truncated tar) loses only what needed its content —
 * a rule's look inside, a tamper verdict — not the diff: the summary names it. Cancellation still cancels.
 */
class UnreadableContent {
  private readonly tally = new ProblemTally();

  constructor(private readonly signal: AbortSignal | undefined) {}

  async guard<T>(path: BytePath, read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (error) {
      if (this.signal?.aborted || !(error instanceof ContractError)) throw error;
      this.tally.add(
        'files whose content could not be read back (their checks were skipped)',
        `/${displayPath(path).path}: ${error.message}`,
      );
      return undefined;
    }
  }

  problems(): string[] {
    return this.tally.sentences();
  }
}
