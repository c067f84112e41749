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

/**
 * The only hosts a link may open in the user's browser (exact names, https, default port). Deny by default: evidence
 * can carry any URL, and a forensics tool has no business sending its user to a host an attacker picked, even after a
 * confirmation dialog. These are the reference sites findings and reports cite (ATT&CK techniques, CVE and CWE records).
 */
export const EXTERNAL_LINK_HOSTS: readonly string[] = [
  'attack.mitre.org',
  'nvd.nist.gov',
  'www.cve.org',
  'cwe.mitre.org',
];

/**
 * Characters the WHATWG URL parser strips or tolerates silently (tab, newline, leading/trailing spaces, and IDNA drops
 * format characters such as zero-width space), plus backslashes it turns into slashes: a URL carrying them looks
 * different from what it opens. Chromium hands the main process canonical URLs, which never contain them raw.
 */
const DISGUISING_CHARACTERS = /[\s\p{Cc}\p{Cf}\\]/u;

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/**
 * True only for app://holdcell/... in the canonical form Chromium reports (lower-case, nothing the parser would have to
 * repair): no other host, no port, no credentials smuggled in front of the host, no mixed case or stripped characters.
 */
export function isAllowedAppUrl(url: string): boolean {
  if (!url.startsWith(`${APP_ORIGIN}/`) || DISGUISING_CHARACTERS.test(url)) return false;
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
  if (DISGUISING_CHARACTERS.test(url)) {
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
  // An explicit port (":443" is normalised away by the parser) points at a different service than the site's own.
  if (parsed.port !== '') {
    return { allowed: false, reason: `URL names port ${parsed.port}; only the default https port opens` };
  }
  // Punycode labels are where homographs of an allowed host hide (attack.mitre.org spelled with a Cyrillic a, U+0430).
  if (parsed.hostname.split('.').some((label) => label.startsWith('xn--'))) {
    return { allowed: false, reason: `host ${parsed.hostname} is internationalised (punycode), a look-alike risk` };
  }
  if (!EXTERNAL_LINK_HOSTS.includes(parsed.hostname)) {
    return { allowed: false, reason: `host ${parsed.hostname} is not on the external-link allow-list` };
  }
  return { allowed: true, url: parsed.href, reason: `https link to allow-listed host ${parsed.hostname}` };
}

/**
 * Which requests the session lets through (webRequest filter): our own app:// origin, and the DevTools front end so a
 * developer can still inspect the app. Everything else — http(s), ws(s), file:, ftp:, other custom schemes — is
 * cancelled even if a CSP mistake or a bug would let the page ask for it.
 */
export function isAllowedRequestUrl(url: string): boolean {
  if (isAllowedAppUrl(url)) return true;
  const parsed = parseUrl(url);
  return parsed !== undefined && parsed.protocol === 'devtools:' && parsed.hostname === 'devtools';
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
