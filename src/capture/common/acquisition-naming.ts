// Names for what a snapshot writes: evidence item ids, the evidence image's repository, mount slugs (pure, deterministic).

/** The 12-hex short form the docker CLI shows, for ids and "sha256:…" image ids alike. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

const REPOSITORY_PREFIX = 'holdcell-evidence/';
/** Leaves room under Docker's 255-character reference limit for the prefix and a tag. */
const MAX_CASE_COMPONENT = 100;

/**
 * The evidence image's repository for a case: `holdcell-evidence/<case>`, where <case> is the case id lowercased
 * and reduced to Docker's path-component grammar (lowercase alphanumerics joined by single separators), so any
 * case id yields a reference the engine accepts.
 */
export function evidenceRepository(caseId: string): string {
  const component =
    caseId
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      // Docker allows ".", "_", "__" or dashes between alphanumerics, never other runs: one dash says it all.
      .replace(/[._-]{2,}/g, '-')
      .replace(/^[._-]+/, '')
      .slice(0, MAX_CASE_COMPONENT)
      .replace(/[._-]+$/, '') || 'case';
  return `${REPOSITORY_PREFIX}${component}`;
}

/** A readable, id-safe slug of a path inside the container: "/var/lib/data" → "var-lib-data", "/" → "root". */
export function pathSlug(path: string, maxLength = 40): string {
  const slug = path
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, maxLength)
    .replace(/-+$/, '');
  return slug === '' ? 'root' : slug;
}

/**
 * Hands out evidence ids unique in a case: the base when free, else base-2, base-3… A case may already hold
 * items from isolate or an earlier snapshot of the same container, and the store refuses duplicates.
 */
export class EvidenceIds {
  private readonly taken: Set<string>;

  constructor(taken: Iterable<string>) {
    this.taken = new Set(taken);
  }

  take(base: string): string {
    let id = base;
    for (let n = 2; this.taken.has(id); n += 1) id = `${base}-${n}`;
    this.taken.add(id);
    return id;
  }
}
