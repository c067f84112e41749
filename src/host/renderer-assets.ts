// How the built renderer is served, by the WebSocket bridge and by Electron's app:// protocol alike: one CSP, one type map.
import { extname } from 'node:path';
import { REPORT_STYLE_SOURCE } from '../forensics/common/report-style.js';

/**
 * Every renderer response carries it, so even a compromised asset cannot pull code or data from elsewhere. The one
 * hash in style-src is the post-mortem report's own stylesheet: the Report view previews the report in a sandboxed
 * srcdoc frame, which inherits this policy, so the report's style must be admitted here too (nothing else is).
 */
export const RENDERER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  `style-src 'self' ${REPORT_STYLE_SOURCE}`,
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** With nosniff on, a wrong type breaks the asset rather than letting the browser guess; unknown types are inert bytes. */
export function mimeTypeFor(file: string): string {
  return MIME_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}
