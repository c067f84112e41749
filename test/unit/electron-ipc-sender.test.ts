// Electron checklist 17: every IPC message is checked for its sender — foreign frames and origins are dropped before
// the host sees them; the real host (behind the fake Electron) answers only our own main frame.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { IPC_CHANNEL } from '../../electron/policy.js';
import {
  bootFakeMainProcess,
  fake,
  FakeFrame,
  type FakeIpc,
  quitFakeMainProcess,
  settle,
  type FakeWebContents,
} from './electron-fake.js';

vi.mock('electron', async () => (await import('./electron-fake.js')).fakeElectronModule);

const ELECTRON_DIR = path.resolve(import.meta.dirname, '../../electron');

let casesRoot: string;
let contents: FakeWebContents;

beforeAll(async () => {
  casesRoot = mkdtempSync(path.join(tmpdir(), 'holdcell-electron-ipc-'));
  vi.stubEnv('HOLDCELL_CASES', casesRoot);
  contents = (await bootFakeMainProcess()).webContents;
});

afterAll(async () => {
  await quitFakeMainProcess();
  vi.unstubAllEnvs();
  rmSync(casesRoot, { recursive: true, force: true });
});

beforeEach(() => {
  contents.sent.length = 0;
  contents.mainFrame.url = 'app://holdcell/index.html';
});

let nextId = 0;
const echoCall = () => ({ t: 'call', id: `probe-${(nextId += 1)}`, method: 'system.echo', input: { text: 'probe' } });

/** Every place a renderer message can arrive: the global ipcMain and each window's own webContents.ipc. */
function ipcInventory(): { where: string; ipc: FakeIpc; channel: string }[] {
  const endpoints: { where: string; ipc: FakeIpc }[] = [
    { where: 'ipcMain', ipc: fake.ipcMain },
    ...fake.windows.map((window, index) => ({ where: `window ${index} webContents.ipc`, ipc: window.webContents.ipc })),
  ];
  return endpoints.flatMap(({ where, ipc }) => ipc.channels().map((channel) => ({ where, ipc, channel })));
}

/** Delivers a message on one inventory entry the way Electron would: to listeners, or to an invoke handler. */
async function deliver(ipc: FakeIpc, channel: string, senderFrame: FakeFrame | null, message: unknown): Promise<void> {
  const event = { sender: contents, senderFrame, processId: 1, frameId: 1 };
  ipc.emit(channel, event, message);
  const handler = ipc.handlers.get(channel);
  if (handler !== undefined) await Promise.resolve(handler(event, message)).catch(() => undefined);
  await settle();
}

const replyTo = (id: string) =>
  contents.sent.find(([, message]) => (message as { id?: string } | undefined)?.id === id);

describe('given the IPC endpoints the main process opened', () => {
  it('then the renderer reaches the host on exactly one channel, on its own window, and nothing listens globally', () => {
    expect(fake.ipcMain.channels()).toEqual([]);
    expect(ipcInventory().map(({ where, channel }) => `${where}: ${channel}`)).toEqual([
      `window 0 webContents.ipc: ${IPC_CHANNEL}`,
    ]);
  });

  it('then a call from our main frame on app://holdcell is answered by the real host', async () => {
    const call = echoCall();
    contents.deliverIpc(IPC_CHANNEL, contents.mainFrame, call);
    await settle();
    expect(replyTo(call.id)).toEqual([IPC_CHANNEL, { t: 'ok', id: call.id, output: { text: 'probe' } }]);
  });
});

describe.each([
  ['a subframe of our own origin', () => new FakeFrame('app://holdcell/index.html', contents.mainFrame)],
  ['a subframe of a foreign origin', () => new FakeFrame('https://evil.example/', contents.mainFrame)],
  ['a frame of another page that claims our URL', () => new FakeFrame('app://holdcell/index.html')],
  ['a frame that is already gone (senderFrame null)', () => null],
])('given a message from %s', (_name, makeFrame) => {
  it('then on every IPC endpoint it is dropped and logged, and the host never answers', async () => {
    for (const { ipc, channel } of ipcInventory()) {
      const call = echoCall();
      const before = fake.logs.length;
      await deliver(ipc, channel, makeFrame(), call);
      expect(replyTo(call.id), `${channel} answered a foreign sender`).toBeUndefined();
      expect(fake.logs.slice(before).some((line) => line.startsWith('ipc: dropped message'))).toBe(true);
    }
  });
});

describe.each([
  'https://evil.example/',
  'http://127.0.0.1:8080/',
  'app://evil/index.html',
  'app://holdcell.evil/index.html',
  'app://holdcell@evil/index.html',
  'APP://HOLDCELL/index.html',
  'file:///tmp/index.html',
  'data:text/html,<script>holdcell.send(1)</script>',
  'about:blank',
])('given our main frame now shows %s', (url) => {
  it('then its messages are dropped on every IPC endpoint', async () => {
    for (const { ipc, channel } of ipcInventory()) {
      contents.mainFrame.url = url;
      const call = echoCall();
      await deliver(ipc, channel, contents.mainFrame, call);
      expect(replyTo(call.id)).toBeUndefined();
    }
  });
});

describe('given the Electron shell sources (a rule, so a new handler cannot skip the sender check)', () => {
  const sources = readdirSync(ELECTRON_DIR)
    .filter((name) => /\.c?ts$/u.test(name))
    .map((name) => ({ name, code: readFileSync(path.join(ELECTRON_DIR, name), 'utf8').replace(/^\s*\/\/.*$/gmu, '') }));

  it('then no file uses the global ipcMain, whose listeners hear every window and frame', () => {
    expect(sources.filter(({ code }) => /\bipcMain\b/u.test(code)).map(({ name }) => name)).toEqual([]);
  });

  it('then only ipc-pipe.ts (which checks sender frame and origin) listens on webContents.ipc', () => {
    const listeners = sources.filter(({ code }) => /\.ipc\.(on|once|addListener|handle|handleOnce)\(/u.test(code));
    expect(listeners.map(({ name }) => name)).toEqual(['ipc-pipe.ts']);
  });
});
