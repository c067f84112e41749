// Electron checklist, window and start-up items: sandbox, isolation, no Node, web security, only app:// is loaded.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { APP_ENTRY_URL } from '../../electron/policy.js';
import { RENDERER_CSP } from '../../src/host/renderer-assets.js';
import { bootFakeMainProcess, fake, quitFakeMainProcess, type FakeBrowserWindow } from './electron-fake.js';

vi.mock('electron', async () => (await import('./electron-fake.js')).fakeElectronModule);

const ROOT = path.resolve(import.meta.dirname, '../..');
let casesRoot: string;
let window: FakeBrowserWindow;

beforeAll(async () => {
  casesRoot = mkdtempSync(path.join(tmpdir(), 'holdcell-electron-window-'));
  vi.stubEnv('HOLDCELL_CASES', casesRoot);
  vi.stubEnv('HOLDCELL_OPERATOR', 'test-responder');
  window = await bootFakeMainProcess();
});

afterAll(async () => {
  await quitFakeMainProcess();
  vi.unstubAllEnvs();
  rmSync(casesRoot, { recursive: true, force: true });
});

describe('given the desktop app starts (electron/main.ts against a fake Electron)', () => {
  it('then it sandboxes every renderer and registers app:// as privileged before Electron is ready', () => {
    const order = fake.journal.entries;
    expect(order).toContain('enableSandbox');
    expect(order).toContain('registerSchemesAsPrivileged');
    expect(order.indexOf('enableSandbox')).toBeLessThan(order.indexOf('ready'));
    expect(order.indexOf('registerSchemesAsPrivileged')).toBeLessThan(order.indexOf('ready'));
    expect(order.filter((entry) => entry.includes('after ready'))).toEqual([]);
  });

  it('then app:// is a standard, secure scheme and claims no privilege that would weaken the CSP or CORS', () => {
    expect(fake.protocol.privileged).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);
  });

  it('then app:// is the only protocol it handles, serving the renderer page with the CSP header (checklist 18)', async () => {
    expect([...fake.protocol.handlers.keys()]).toEqual(['app']);
    const response = await fake.protocol.handlers.get('app')?.(new Request(APP_ENTRY_URL));
    expect(response?.status).toBe(200);
    expect(response?.headers.get('Content-Security-Policy')).toBe(RENDERER_CSP);
    expect(await response?.text()).toContain('<div id="root"></div>');
  });

  it('then exactly one window opens, and it loads app://holdcell/index.html — never file:, http(s): or anything else', () => {
    expect(fake.windows).toHaveLength(1);
    expect(window.webContents.loadedUrls).toEqual([APP_ENTRY_URL]);
    for (const url of window.webContents.loadedUrls) expect(url).toMatch(/^app:\/\/holdcell\//);
  });
});

describe('given the main window webPreferences', () => {
  const preferences = () => window.options.webPreferences ?? {};

  it.each([
    ['sandbox', true], // checklist 4: process sandboxing
    ['contextIsolation', true], // checklist 3
    ['nodeIntegration', false], // checklist 2
    ['nodeIntegrationInSubFrames', false],
    ['nodeIntegrationInWorker', false],
    ['webSecurity', true], // checklist 6
    ['allowRunningInsecureContent', false], // checklist 8
    ['experimentalFeatures', false], // checklist 9
    ['webviewTag', false], // checklist 12: no <webview> at all
    ['navigateOnDragDrop', false],
  ])('then %s is explicitly %s', (key, value) => {
    expect(preferences()[key]).toBe(value);
  });

  it('then no Blink feature is switched on (checklist 10)', () => {
    expect(preferences()).not.toHaveProperty('enableBlinkFeatures');
  });

  it('then the only preload is the sandboxed CommonJS bridge next to main.js', () => {
    const preload = String(preferences().preload);
    expect(path.basename(preload)).toBe('preload.cjs');
    expect(path.dirname(preload)).toBe(path.join(ROOT, 'electron'));
  });
});

describe('given the pages the app can show (checklist 1 and 7: secure content only, a CSP)', () => {
  it('then the CSP names no remote or insecure source and allows no inline or eval script', () => {
    expect(RENDERER_CSP).not.toMatch(/https?:|wss?:|\*|'unsafe-inline'|'unsafe-eval'|'unsafe-hashes'|blob:/);
    expect(RENDERER_CSP).toMatch(/(^|; )default-src 'none'(;|$)/);
    expect(RENDERER_CSP).toMatch(/(^|; )script-src 'self'(;|$)/);
  });

  it('then the renderer HTML carries the same CSP in a meta tag (minus frame-ancestors, which <meta> cannot set)', () => {
    const html = readFileSync(path.join(ROOT, 'renderer', 'index.html'), 'utf8');
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/u.exec(html);
    expect(meta, 'renderer/index.html has no CSP meta tag').not.toBeNull();
    const directives = (csp: string) =>
      csp
        .split(';')
        .map((part) => part.trim())
        .filter((part) => part !== '' && !part.startsWith('frame-ancestors'))
        .sort();
    expect(directives(meta?.[1] ?? '')).toEqual(directives(RENDERER_CSP));
  });

  it('then the renderer HTML pulls nothing from another origin', () => {
    const html = readFileSync(path.join(ROOT, 'renderer', 'index.html'), 'utf8');
    expect(html).not.toMatch(/(src|href)\s*=\s*"(https?:|\/\/|file:)/i);
  });
});

describe('given the Electron version (checklist 16: a current Electron)', () => {
  it('then the version is pinned exactly and is the one installed, so a security upgrade is one deliberate bump', () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    const pinned = manifest.devDependencies.electron ?? '';
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    const installed = JSON.parse(readFileSync(path.join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(installed.version).toBe(pinned);
  });
});
