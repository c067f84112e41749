// Evaluates the findings rules over diff entries: Finding[] per entry, deterministic, content read only for candidates.
/*
 * API for the diff engine:
 *
 *   const evaluate = createFindingsEvaluator({
 *     containerCreated,            // container-inspect Created (UTC ISO; nanoseconds allowed)
 *     packageManagers: db?.managers ?? [],
 *     siblings: async (dir) => …,  // every CONTAINER-side child of `dir` (byte path, "" = root) as
 *                                  //   { path, meta, changed }; changed = the child is itself a diff entry
 *     readContent: async (side, path, maxBytes) => …,
 *                                  // first maxBytes bytes of a regular file on side 'image' | 'container' as a
 *                                  //   byte string (one char per byte); for a hardlink, the content it shares;
 *                                  //   undefined when absent. Never called for symlinks, devices or fifos.
 *   });
 *   for (const change of changesInPathOrder) entry.findings = await evaluate(facts);
 *
 * `facts` (EntryFacts): the display path (already escaped: it is quoted into details as is), the raw byte path,
 * the change kind, before/after FileMeta (plus `entropy` when the index has it), and the package attribution
 * (packages.ts; after checkTamper for modified files). Any order gives the same findings; evaluating in path order,
 * awaiting each, lets the evaluator's one-folder cache list each folder's neighbours once.
 *
 * Cost: the declarative conditions (change kind, entry type, path globs) run first; only entries that pass them
 * reach a rule's test, and only these rules read content — each for a few paths and a bounded number of bytes:
 * /etc/passwd (both sides, ≤ 4 MiB), authorized_keys (both sides, ≤ 256 KiB), /etc/ld.so.preload (≤ 64 KiB), and
 * the first 4 bytes (ELF magic) of non-executable files newly in temp/hidden folders or named like kernel threads.
 * siblings() is asked only for `modified` regular files (timestomping).
 */
import { displayByteString } from './byte-text.js';
import type { DiffChange, DiffSide, FileMeta, Finding, Severity } from './diff-model.js';
import { FINDING_RULES, type FindingRule, type RuleHit, type RuleView } from './findings-rules.js';
import type { PackageAttribution, PackageManager } from './packages.js';
import type { BytePath } from './tar-index-model.js';

/** FileMeta plus the index's entropy figure (bits per byte) for files of at least 1 MiB. */
export type EntryMeta = FileMeta & { entropy?: number };

/** What the diff engine knows about one changed path. */
export interface EntryFacts {
  /** Display form (visible escapes), shown in details as is. */
  path: string;
  /** Raw path bytes as a byte string, normalised like the tar index ("etc/passwd"). */
  bytePath: BytePath;
  change: DiffChange;
  before?: EntryMeta;
  after?: EntryMeta;
  package?: PackageAttribution;
}

/** A child of the same directory in the container. */
export interface Neighbour {
  path: BytePath;
  meta: FileMeta;
  /** True when the neighbour is itself a diff entry (so its metadata is not the image's). */
  changed: boolean;
}

/** What the evaluator may ask of the diff engine. Content access is the expensive part; see the header. */
export interface FindingLookups {
  /** The container's creation time (UTC ISO): the reference for timestomping. */
  containerCreated: string;
  /** Package managers whose database the image has ("not owned by any package" means something only then). */
  packageManagers: readonly PackageManager[];
  siblings(dir: BytePath): Promise<readonly Neighbour[]>;
  readContent(side: DiffSide, path: BytePath, maxBytes: number): Promise<string | undefined>;
}

/** Everything a rule may look at: one entry and the lookups. */
export interface FindingContext extends FindingLookups {
  entry: EntryFacts;
}

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

const HOME_PREFIXES = ['/root/', '/home/*/'];

/** Glob → regular expression source: "*" stays within a path component, "**" spans components; "~/" is a home. */
function globSource(glob: string): string {
  let out = '';
  for (let at = 0; at < glob.length;) {
    if (glob.startsWith('/**/', at)) {
      out += '/(?:.*/)?';
      at += 4;
    } else if (glob.startsWith('/**', at) && at + 3 === glob.length) {
      out += '/.+';
      at += 3;
    } else if (glob[at] === '*') {
      out += '[^/]*';
      at += 1;
    } else {
      out += (glob[at] ?? '').replace(/[.+?^${}()|[\]\\]/g, '\\$&');
      at += 1;
    }
  }
  return out;
}

/** One anchored expression for a rule's path globs (matched against "/" + the byte path; `s` so "." spans newlines). */
export function compileGlobs(globs: readonly string[]): RegExp {
  const expanded = globs.flatMap((glob) =>
    glob.startsWith('~/') ? HOME_PREFIXES.map((home) => home + glob.slice(2)) : [glob],
  );
  return new RegExp(`^(?:${expanded.map(globSource).join('|')})$`, 's');
}

function parentDir(path: BytePath): BytePath {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

interface CompiledRule {
  rule: FindingRule;
  order: number;
  paths?: RegExp;
}

/** Reads of one entry's content, shared by its rules: the longest read so far per side, shorter ones sliced from it. */
class ContentMemo {
  private readonly reads = new Map<DiffSide, { maxBytes: number; text: Promise<string | undefined> }>();

  constructor(
    private readonly lookups: FindingLookups,
    private readonly entry: EntryFacts,
  ) {}

  read(side: DiffSide, maxBytes: number): Promise<string | undefined> {
    const meta = side === 'image' ? this.entry.before : this.entry.after;
    // Only regular files have content; a symlink is never followed, a device never opened.
    if (meta === undefined || (meta.type !== 'file' && meta.type !== 'hardlink')) return Promise.resolve(undefined);
    const cached = this.reads.get(side);
    if (cached !== undefined && cached.maxBytes >= maxBytes) {
      return cached.text.then((text) => text?.slice(0, maxBytes));
    }
    const text = this.lookups.readContent(side, this.entry.bytePath, maxBytes);
    this.reads.set(side, { maxBytes, text });
    return text;
  }
}

export type FindingsEvaluator = (entry: EntryFacts) => Promise<Finding[]>;

/**
 * The evaluator for one diff. Deterministic: the same facts and lookups give the same findings in the same order
 * (severity, most severe first, then the rules table's order).
 */
export function createFindingsEvaluator(
  lookups: FindingLookups,
  rules: readonly FindingRule[] = FINDING_RULES,
): FindingsEvaluator {
  const compiled: CompiledRule[] = rules.map((rule, order) => ({
    rule,
    order,
    ...(rule.match.paths === undefined ? {} : { paths: compileGlobs(rule.match.paths) }),
  }));
  let siblingsDir: BytePath | undefined;
  let siblingsList: Promise<readonly Neighbour[]> = Promise.resolve([]);
  const siblingsOf = (dir: BytePath): Promise<readonly Neighbour[]> => {
    if (dir !== siblingsDir) {
      siblingsDir = dir;
      siblingsList = lookups.siblings(dir);
    }
    return siblingsList;
  };

  return async (entry) => {
    const current = entry.after ?? entry.before;
    if (current === undefined) return [];
    const absolutePath = `/${entry.bytePath}`;
    const content = new ContentMemo(lookups, entry);
    const hits: { hit: RuleHit; rule: FindingRule; order: number }[] = [];
    for (const { rule, order, paths } of compiled) {
      if (!rule.match.changes.includes(entry.change)) continue;
      if (rule.match.types !== undefined && !rule.match.types.includes(current.type)) continue;
      if (paths !== undefined && !paths.test(absolutePath)) continue;
      const view: RuleView = {
        entry,
        current,
        absolutePath,
        name: entry.bytePath.slice(entry.bytePath.lastIndexOf('/') + 1),
        containerCreated: lookups.containerCreated,
        hasPackageDb: lookups.packageManagers.length > 0,
        show: displayByteString,
        read: (side, maxBytes) => {
          const budget = rule.contentBytes ?? 0;
          if (maxBytes > budget) throw new Error(`rule ${rule.id} reads ${maxBytes} bytes but declares ${budget}`);
          return content.read(side, maxBytes);
        },
        siblings: async () =>
          (await siblingsOf(parentDir(entry.bytePath))).filter((neighbour) => neighbour.path !== entry.bytePath),
      };
      const hit = await rule.test(view);
      if (hit !== undefined) hits.push({ hit, rule, order });
    }
    return hits
      .map(({ hit, rule, order }) => ({
        order,
        finding: { rule: rule.id, severity: hit.severity ?? rule.severity, attack: rule.attack, detail: hit.detail },
      }))
      .sort((a, b) => SEVERITY_RANK[b.finding.severity] - SEVERITY_RANK[a.finding.severity] || a.order - b.order)
      .map(({ finding }) => finding);
  };
}

/** Findings of one entry with a fresh evaluator (for one-off use; a diff should share one evaluator). */
export function evaluateFindings(context: FindingContext, rules?: readonly FindingRule[]): Promise<Finding[]> {
  const lookups: FindingLookups = {
    containerCreated: context.containerCreated,
    packageManagers: context.packageManagers,
    siblings: (dir) => context.siblings(dir),
    readContent: (side, path, maxBytes) => context.readContent(side, path, maxBytes),
  };
  return createFindingsEvaluator(lookups, rules)(context.entry);
}
