// Lexical path handling for replay: relative names made absolute against a cwd or directory fd, "." and ".." folded.
//
// Lexical only, on purpose: replay has no filesystem to ask, so ".." is folded textually (a symlinked directory
// can make that differ from the kernel's answer, which strace -y shows and replay keeps as the file's target).

/** Folds "//", "." and ".." in an absolute path; a relative path keeps its leading ".." segments. */
export function normalizePath(path: string): string {
  if (path === '') return path;
  const absolute = path.startsWith('/');
  if (absolute && !path.includes('//') && !path.includes('/.') && !path.endsWith('/')) return path;
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  return absolute ? `/${joined}` : joined === '' ? '.' : joined;
}

/** `path` made absolute against `base` (a directory) when it is relative and the base is known. */
export function resolveAgainst(base: string | null, path: string): string {
  if (path.startsWith('/')) return normalizePath(path);
  if (base === null || !base.startsWith('/')) return path === '' ? '.' : normalizePath(path);
  return normalizePath(`${base}/${path}`);
}
