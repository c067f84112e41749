// Electron checklist, navigation items: no navigation, redirect, frame navigation, new window or <webview>; links
// leave the app only for allow-listed https hosts, and only after the responder saw the exact URL and agreed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  bootFakeMainProcess,
  fake,
  fakeEvent,
  FakeFrame,
  quitFakeMainProcess,
  settle,
  type FakeWebContents,
} from './electron-fake.js';

vi.mock('electron', async () => (await import('./electron-fake.js')).fakeElectronModule);

const ADVISORY = 'https://attack.mitre.org/techniques/T1611/';

let casesRoot: string;
let contents: FakeWebContents;

beforeAll(async () => {
  casesRoot = mkdtempSync(path.join(tmpdir(), 'holdcell-electron-navigation-'));
  vi.stubEnv('HOLDCELL_CASES', casesRoot);
  contents = (await bootFakeMainProcess()).webContents;
});

afterAll(async () => {
  await quitFakeMainProcess();
  vi.unstubAllEnvs();
  rmSync(casesRoot, { recursive: true, force: true });
});

beforeEach(() => {
  fake.dialog.shown.length = 0;
  fake.dialog.nextResponse = 0;
  fake.shell.opened.length = 0;
  fake.logs.length = 0;
});

describe('given the loaded workbench page (checklist 13: disable navigation)', () => {
  it.each([
    ['another site', 'https://evil.example/'],
    ['our own entry page again', 'app://holdcell/index.html'],
    ['a local file', 'file:///etc/passwd'],
    ['script', 'javascript:alert(1)'],
  ])('when the main frame tries to navigate to %s, then the navigation is cancelled', (_name, url) => {
    expect(contents.navigate(url)).toBe('cancelled');
    expect(fake.shell.opened).toEqual([]);
  });

  it('when a subframe tries to navigate anywhere, even within app://holdcell, then will-frame-navigate cancels it', () => {
    const frame = new FakeFrame('app://holdcell/index.html', contents.mainFrame);
    expect(contents.navigate('app://holdcell/index.html', frame)).toBe('cancelled');
    expect(contents.navigate('https://evil.example/', frame)).toBe('cancelled');
    expect(fake.logs.filter((line) => line.startsWith('blocked a frame navigation'))).toHaveLength(2);
  });

  it('when only will-navigate fires (an Electron without will-frame-navigate), then it alone still cancels', () => {
    const event = fakeEvent({ url: 'https://evil.example/', isMainFrame: true });
    contents.emit('will-navigate', event, event.url);
    expect(event.defaultPrevented).toBe(true);
  });

  it.each(['https://evil.example/', 'app://holdcell/index.html', 'file:///etc/shadow'])(
    'when a navigation is redirected to %s, then the redirect is cancelled',
    (url) => {
      expect(contents.redirect(url)).toBe('cancelled');
    },
  );
});

describe('given the page asks for a new window (checklist 14)', () => {
  it.each([
    ['window.open of another site', 'https://evil.example/', 'new-window'],
    ['target=_blank of our own page', 'app://holdcell/index.html', 'foreground-tab'],
    ['a middle-click (auxclick)', 'https://evil.example/', 'background-tab'],
    ['a javascript: URL', 'javascript:alert(1)', 'new-window'],
  ])('when it is %s, then the window is denied', (_name, url, disposition) => {
    expect(contents.openWindow(url, disposition)).toBe('deny');
  });
});

describe('given a <webview> tries to attach (checklist 11 and 12)', () => {
  it('then will-attach-webview prevents it, whatever its preferences', () => {
    expect(contents.attachWebview('https://evil.example/')).toBe(true);
    expect(contents.attachWebview('app://holdcell/index.html')).toBe(true);
  });
});

describe('given a link the app may offer to the browser (checklist 15: openExternal)', () => {
  it('when the responder cancels the confirmation, then nothing opens', async () => {
    fake.dialog.nextResponse = 0;
    expect(contents.navigate(ADVISORY)).toBe('cancelled');
    await settle();
    expect(fake.dialog.shown).toHaveLength(1);
    expect(fake.shell.opened).toEqual([]);
  });

  it('when the responder agrees, then exactly the URL shown opens in the browser, never inside the app', async () => {
    fake.dialog.nextResponse = 1;
    expect(contents.openWindow(ADVISORY)).toBe('deny');
    await settle();
    const [shown] = fake.dialog.shown;
    expect(shown?.options.detail).toBe(ADVISORY);
    expect(shown?.options.buttons).toEqual(['Cancel', 'Open in browser']);
    expect(shown?.options.defaultId).toBe(0);
    expect(shown?.options.cancelId).toBe(0);
    expect(fake.shell.opened).toEqual([ADVISORY]);
  });

  it('when a link is not allow-listed, then no dialog is shown, nothing opens and the refusal is logged', async () => {
    fake.dialog.nextResponse = 1;
    contents.navigate('https://evil.example/payload');
    contents.openWindow('smb://evil.example/share');
    await settle();
    expect(fake.dialog.shown).toEqual([]);
    expect(fake.shell.opened).toEqual([]);
    expect(fake.logs.filter((line) => line.startsWith('refused to open'))).toHaveLength(2);
  });

  it('when a page fires many links at once, then only one dialog is open at a time', async () => {
    fake.dialog.nextResponse = 'pending';
    for (let i = 0; i < 5; i += 1) contents.openWindow(ADVISORY);
    await settle();
    expect(fake.dialog.shown).toHaveLength(1);
    fake.dialog.answer(0);
    await settle();
    expect(fake.shell.opened).toEqual([]);
  });
});
