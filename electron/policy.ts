// Pure security decisions for the Electron shell (which URLs and paths are trusted); no 'electron' import so unit tests can run them.
import path from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'holdcell';
/** Origin as Chromium serialises it for our standard scheme; Node's URL reports "null" for non-special schemes. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;
/** The one IPC channel between preload and main; preload.cts repeats it because a sandboxed preload cannot import. */
export const IPC_CHANNEL = 'holdcell:rpc';

// Long enough for any real advisory link, short enough that a confirmation dialog can show all of it.
const MAX_EXTERNAL_URL_LENGTH = 2048;

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** True only for app://holdcell/... — no other host, no port, no credentials smuggled in front of the host. */
export function isAllowedAppUrl(url: string): boolean {
  const parsed = parseUrl(url);
  return (
    parsed !== undefined &&
    parsed.protocol === `${APP_SCHEME}:` &&
    parsed.hostname === APP_HOST &&
    parsed.port === '' &&
    parsed.username === '' &&
    parsed.password === ''
  );
}

export type ExternalUrlDecision =
  | { allowed: true; /** normalised form: what the dialog shows and what is opened */ url: string; reason: string }
  | { allowed: false; reason: string };

export function externalUrlDecision(url: string): ExternalUrlDecision {
  if (url.length > MAX_EXTERNAL_URL_LENGTH) {
    return { allowed: false, reason: 'URL is too long to show for confirmation' };
  }
  // The URL parser silently strips or tolerates these (and IDNA drops format characters such as zero-width
  // space), which lets a link look different from what it opens.
  if (/[\s\p{Cc}\p{Cf}\\]/u.test(url)) {
    return {
      allowed: false,
      reason: 'URL contains whitespace, control or invisible format characters, or backslashes',
    };
  }
  const parsed = parseUrl(url);
  if (parsed === undefined) return { allowed: false, reason: 'URL is not well-formed' };
  if (parsed.protocol !== 'https:') {
    return { allowed: false, reason: `scheme ${parsed.protocol} is not allowed; only https: opens externally` };
  }
  if (!/^https:\/\/[^/]/iu.test(url)) {
    return { allowed: false, reason: 'URL must start with https:// followed by a host' };
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return { allowed: false, reason: 'URL carries credentials (user:password@), which can disguise the real host' };
  }
  if (parsed.hostname === '') return { allowed: false, reason: 'URL has no host' };
  return { allowed: true, url: parsed.href, reason: 'well-formed https URL' };
}

/**
 * True when candidate (absolute, or relative to root) is root itself or lies below it after resolving `.` and `..`.
 * Decoding is the caller's job (see resolveAppRequestPath): this works on filesystem paths only.
 */
export function isPathInside(root: string, candidate: string): boolean {
  if (root === '' || candidate.includes('\0')) return false;
  const base = path.resolve(root);
  const target = path.resolve(base, candidate);
  const relative = path.relative(base, target);
  if (relative === '') return true;
  return relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}

/** Maps an app:// request URL to a file below root, or undefined when it is foreign, malformed or escapes root. */
export function resolveAppRequestPath(root: string, url: string): string | undefined {
  if (!isAllowedAppUrl(url)) return undefined;
  const segments: string[] = [];
  // Decoded segment by segment: an encoded separator (%2F, %5C) or NUL must not become structure after decoding.
  for (const raw of new URL(url).pathname.split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (segment === '..' || /[/\\\0]/u.test(segment)) return undefined;
    if (segment !== '' && segment !== '.') segments.push(segment);
  }
  const relative = segments.length === 0 ? 'index.html' : segments.join('/');
  const file = path.resolve(root, relative);
  return isPathInside(root, file) && file !== path.resolve(root) ? file : undefined;
}
