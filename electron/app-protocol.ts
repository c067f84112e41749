// Serves the built renderer over app://holdcell/ from one folder only, with a strict CSP on every response.
import { readFile, realpath, stat } from 'node:fs/promises';
import { protocol } from 'electron';
import { mimeTypeFor, RENDERER_CSP } from '../src/host/renderer-assets.js';
import { APP_SCHEME, isPathInside, resolveAppRequestPath } from './policy.js';

/** Must run before app 'ready': Chromium fixes scheme privileges at startup. */
export function registerAppSchemeAsPrivileged(): void {
  protocol.registerSchemesAsPrivileged([
    // standard: real origin and relative URLs; secure: counts as a secure context; supportFetchAPI: fetch() of own assets.
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

function securityHeaders(extra: Record<string, string> = {}): Headers {
  return new Headers({
    'Content-Security-Policy': RENDERER_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
    ...extra,
  });
}

function plain(status: number, text: string, extra: Record<string, string> = {}): Response {
  return new Response(text, {
    status,
    headers: securityHeaders({ 'Content-Type': 'text/plain; charset=utf-8', ...extra }),
  });
}

/** Call after 'ready'. rendererRoot is the Vite output folder (dist/renderer). */
export function registerAppProtocol(rendererRoot: string, log: (line: string) => void = () => undefined): void {
  // Resolved once: a symlink inside the folder must not lead outside the real root either.
  const realRoot = realpath(rendererRoot).catch(() => rendererRoot);

  protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET') return plain(405, 'Method Not Allowed', { Allow: 'GET' });
    const file = resolveAppRequestPath(rendererRoot, request.url);
    if (file === undefined) {
      log(`app protocol refused ${JSON.stringify(request.url)}`);
      return plain(404, 'Not Found');
    }
    try {
      const real = await realpath(file);
      if (!isPathInside(await realRoot, real)) {
        log(`app protocol refused ${JSON.stringify(request.url)}: resolves outside the renderer folder`);
        return plain(404, 'Not Found');
      }
      if (!(await stat(real)).isFile()) return plain(404, 'Not Found');
      // Renderer assets are small and few; reading whole files keeps the handler simple and the response length exact.
      const body = await readFile(real);
      return new Response(body, {
        status: 200,
        headers: securityHeaders({ 'Content-Type': mimeTypeFor(real), 'Content-Length': String(body.byteLength) }),
      });
    } catch {
      return plain(404, 'Not Found');
    }
  });
}
