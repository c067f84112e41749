// Electron checklist 7 and 18: the app:// protocol serves one folder, and every response — even an error — carries the CSP.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerAppProtocol } from '../../electron/app-protocol.js';
import { RENDERER_CSP } from '../../src/host/renderer-assets.js';
import { fake } from './electron-fake.js';

vi.mock('electron', async () => (await import('./electron-fake.js')).fakeElectronModule);

let base: string;
let logged: string[];

/** Asks the handler app-protocol.ts registered on the fake protocol module, as Chromium would for a page request. */
async function fetchApp(url: string, method = 'GET'): Promise<Response> {
  const handler = fake.protocol.handlers.get('app');
  if (handler === undefined) throw new Error('registerAppProtocol did not handle app://');
  return handler(new Request(url, { method }));
}

beforeAll(() => {
  // A renderer folder next to a secret the page must never read, and a symlink inside that points at it.
  base = mkdtempSync(path.join(tmpdir(), 'holdcell-electron-protocol-'));
  const root = path.join(base, 'renderer');
  mkdirSync(path.join(root, 'assets'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>HoldCell</title>');
  writeFileSync(path.join(root, 'assets', 'app.js'), 'export {};');
  writeFileSync(path.join(base, 'secret.txt'), 'investigator credentials');
  writeFileSync(path.join(base, 'renderer-other.txt'), 'a sibling folder sharing the prefix');
  symlinkSync(path.join(base, 'secret.txt'), path.join(root, 'assets', 'link.js'));
  logged = [];
  registerAppProtocol(root, (line) => logged.push(line));
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('given the app:// protocol over a renderer folder', () => {
  it.each([
    ['app://holdcell/index.html', 'text/html; charset=utf-8', '<!doctype html><title>HoldCell</title>'],
    ['app://holdcell/', 'text/html; charset=utf-8', '<!doctype html><title>HoldCell</title>'],
    ['app://holdcell/assets/app.js?v=1#x', 'text/javascript; charset=utf-8', 'export {};'],
  ])('when the page asks for %s, then it gets the file with the CSP and nosniff', async (url, type, body) => {
    const response = await fetchApp(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe(type);
    expect(response.headers.get('Content-Security-Policy')).toBe(RENDERER_CSP);
    expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    expect(await response.text()).toBe(body);
  });

  it.each([
    ['a traversal the URL parser folds', 'app://holdcell/../secret.txt'],
    ['an encoded traversal', 'app://holdcell/..%2fsecret.txt'],
    ['an encoded backslash traversal', 'app://holdcell/..%5csecret.txt'],
    ['a sibling sharing the folder prefix', 'app://holdcell/..%2frenderer-other.txt'],
    ['a symlink out of the folder', 'app://holdcell/assets/link.js'],
    ['a NUL byte', 'app://holdcell/index.html%00.js'],
    ['a folder', 'app://holdcell/assets/'],
    ['a missing file', 'app://holdcell/nope.js'],
    ['another host', 'app://evil/index.html'],
    ['a look-alike host', 'app://holdcell.evil/index.html'],
    ['a port on our host', 'app://holdcell:8080/index.html'],
  ])('when the page asks for %s, then it gets 404 — still with the CSP — and never the secret', async (_name, url) => {
    const response = await fetchApp(url);
    expect(response.status).toBe(404);
    expect(response.headers.get('Content-Security-Policy')).toBe(RENDERER_CSP);
    expect(await response.text()).not.toContain('credentials');
  });

  it.each(['POST', 'PUT', 'DELETE'])('when the page sends %s, then it gets 405 with the CSP', async (method) => {
    const response = await fetchApp('app://holdcell/index.html', method);
    expect(response.status).toBe(405);
    expect(response.headers.get('Allow')).toBe('GET');
    expect(response.headers.get('Content-Security-Policy')).toBe(RENDERER_CSP);
  });

  it('then refusals are logged with the escaped URL', () => {
    expect(logged.some((line) => line.includes('resolves outside the renderer folder'))).toBe(true);
    expect(logged.every((line) => !/[\n\r]/u.test(line))).toBe(true);
  });
});
