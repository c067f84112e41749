// Tar member names as index paths: byte strings normalised the way GNU tar and Docker read them, nothing decoded.
import type { BytePath } from './tar-index-model.js';

/**
 * "./etc//passwd/" → "etc/passwd"; "/" and "./" → "" (the root). Empty and "." components are dropped because
 * every extractor drops them; ".." is kept as written (a path that climbs is evidence, not something to tidy away).
 */
export function normaliseTarPath(name: string): BytePath {
  // Fast path: the common "a/b/c" (or "./a/b", "a/b/") needs no splitting.
  if (!name.includes('//') && !name.includes('/./') && !name.endsWith('/.')) {
    let start = 0;
    while (name.startsWith('./', start)) start += 2;
    while (name.charCodeAt(start) === 0x2f) start += 1;
    if (name.startsWith('./', start) || name.charCodeAt(start) === 0x2f) return slowNormalise(name);
    let end = name.length;
    while (end > start && name.charCodeAt(end - 1) === 0x2f) end -= 1;
    const out = name.slice(start, end);
    return out === '.' ? '' : out;
  }
  return slowNormalise(name);
}

function slowNormalise(name: string): BytePath {
  return name
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}

/** True when a normalised path has a ".." component: it names something outside the archive's root. */
export function climbsOut(path: BytePath): boolean {
  return path === '..' || path.startsWith('../') || path.endsWith('/..') || path.includes('/../');
}

/**
 * Where a symlink stored at `linkPath` with target `target` points inside the same archive's namespace, or
 * undefined when it climbs above the root. Only for archives whose layout we read (docker save), never to touch
 * the host: the result is another member's name, looked up in the index.
 */
export function resolveArchiveLink(linkPath: BytePath, target: string): BytePath | undefined {
  const parts = target.startsWith('/') ? [] : linkPath.split('/').slice(0, -1);
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(part);
  }
  return parts.join('/');
}
