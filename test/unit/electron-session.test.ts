// Electron checklist, session items: every permission refused, custom protocol only, no downloads — in every session.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bootFakeMainProcess, fake, quitFakeMainProcess, type FakeSession } from './electron-fake.js';

vi.mock('electron', async () => (await import('./electron-fake.js')).fakeElectronModule);

/**
 * Every permission name the installed Electron declares for the request and check handlers, read from its own type
 * declarations so a new permission in an Electron upgrade is covered without editing this test.
 */
function declaredPermissions(method: 'setPermissionRequestHandler' | 'setPermissionCheckHandler'): string[] {
  const declarations = readFileSync(createRequire(import.meta.url).resolve('electron/electron.d.ts'), 'utf8');
  const line = declarations.split('\n').find((text) => text.trimStart().startsWith(`${method}(handler:`)) ?? '';
  const union = /permission: ((?:'[^']+'(?: \| )?)+)/u.exec(line)?.[1] ?? '';
  return [...union.matchAll(/'([^']+)'/gu)].map((match) => match[1] ?? '');
}

let casesRoot: string;

beforeAll(async () => {
  casesRoot = mkdtempSync(path.join(tmpdir(), 'holdcell-electron-session-'));
  vi.stubEnv('HOLDCELL_CASES', casesRoot);
  await bootFakeMainProcess();
});

afterAll(async () => {
  await quitFakeMainProcess();
  vi.unstubAllEnvs();
  rmSync(casesRoot, { recursive: true, force: true });
});

const requestPermissions = declaredPermissions('setPermissionRequestHandler');
const checkPermissions = declaredPermissions('setPermissionCheckHandler');

describe.each([
  ['the default session', () => fake.defaultSession],
  // Created after start-up, like a future partition or a DevTools session: app 'session-created' must lock it too.
  ['a session created later', () => fake.session.fromPartition('persist:later')],
])('given %s', (_name, getSession) => {
  let target: FakeSession;
  beforeAll(() => {
    target = getSession();
  });

  it('then the installed Electron declares the permissions we test (the list is read, not typed in)', () => {
    expect(requestPermissions.length).toBeGreaterThan(20);
    expect(requestPermissions).toEqual(
      expect.arrayContaining(['media', 'geolocation', 'notifications', 'openExternal']),
    );
    expect(checkPermissions).toEqual(expect.arrayContaining(['hid', 'serial', 'usb', 'clipboard-read']));
  });

  it('when a page requests any permission (checklist 5), then the request handler refuses it', async () => {
    expect(target.permissionRequestHandler).not.toBeNull();
    const answers = await Promise.all(requestPermissions.map((permission) => target.askPermission(permission)));
    expect(Object.fromEntries(requestPermissions.map((permission, i) => [permission, answers[i]]))).toEqual(
      Object.fromEntries(requestPermissions.map((permission) => [permission, false])),
    );
  });

  it('when a page checks any permission, then the check handler answers no', () => {
    expect(target.permissionCheckHandler).not.toBeNull();
    const granted = checkPermissions.filter((permission) => target.checkPermission(permission));
    expect(granted).toEqual([]);
  });

  it('when a page asks for a HID, serial or USB device, then the device handler answers no', () => {
    expect(['hid', 'serial', 'usb'].filter((device) => target.checkDevicePermission(device))).toEqual([]);
  });

  it.each([
    'https://evil.example/exfil?d=1',
    'http://127.0.0.1:2375/containers/json', // a Docker socket exposed on TCP: the classic SSRF target
    'ws://127.0.0.1:9229/', // a Node inspector
    'wss://evil.example/',
    'file:///etc/passwd',
    'ftp://evil.example/',
    'app://evil/index.html',
    'app://holdcell.evil/index.html',
    'chrome://settings/',
    'smb://host/share',
  ])('when the page requests %s, then the request is cancelled (custom protocol only)', async (url) => {
    expect(await target.request(url)).toEqual({ cancel: true });
  });

  it.each(['app://holdcell/index.html', 'app://holdcell/assets/index-abc.js', 'devtools://devtools/bundled/x.html'])(
    'when the page requests %s, then it proceeds',
    async (url) => {
      expect(await target.request(url)).toEqual({});
    },
  );

  it('when the page starts a download, then it is prevented (only the host writes files)', () => {
    expect(target.download('app://holdcell/evidence.tar')).toBe(true);
  });
});
