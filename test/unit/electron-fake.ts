// A FAKE of the `electron` module's surface the shell uses (no Electron binary exists here): it records what main.ts,
// window.ts and app-protocol.ts install and fires events the way Electron's C++ side does, so tests can ask what answers.
//
// Use it with `vi.mock('electron', async () => (await import('./electron-fake.js')).fakeElectronModule)`. Where the
// fake mirrors an Electron behaviour that matters to a test (event order, defaults when no handler is set), the
// comment says which, so a reader can check it against Electron rather than trust the fake.
import { EventEmitter } from 'node:events';

/** Electron's Event: preventDefault plus the event's own fields (url, isMainFrame, ...); make one with fakeEvent(). */
export class FakeEvent {
  defaultPrevented = false;
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

export function fakeEvent<Fields extends object>(fields: Fields): FakeEvent & Fields {
  return Object.assign(new FakeEvent(), fields);
}

/** WebFrameMain, reduced to what the IPC sender checks read. */
export class FakeFrame {
  constructor(
    public url: string,
    readonly parent: FakeFrame | null = null,
  ) {}
  get origin(): string {
    try {
      return new URL(this.url).origin;
    } catch {
      return 'null';
    }
  }
}

/** ipcMain and webContents.ipc: listeners via EventEmitter, invoke handlers in a map; both are enumerable by tests. */
export class FakeIpc extends EventEmitter {
  readonly handlers = new Map<string, (...args: unknown[]) => unknown>();
  handle(channel: string, handler: (...args: unknown[]) => unknown): void {
    this.handlers.set(channel, handler);
  }
  handleOnce(channel: string, handler: (...args: unknown[]) => unknown): void {
    this.handlers.set(channel, handler);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** Every channel anything listens or answers on. */
  channels(): string[] {
    return [...new Set([...this.eventNames().map(String), ...this.handlers.keys()])];
  }
}

type RequestListener = (details: { url: string; resourceType: string }, callback: (response: object) => void) => void;
type PermissionRequestHandler = (contents: unknown, permission: string, callback: (granted: boolean) => void) => void;
type PermissionCheckHandler = (contents: unknown, permission: string, origin: string, details: object) => boolean;

export class FakeSession extends EventEmitter {
  permissionRequestHandler: PermissionRequestHandler | null = null;
  permissionCheckHandler: PermissionCheckHandler | null = null;
  devicePermissionHandler: ((details: object) => boolean) | null = null;
  beforeRequest: RequestListener | null = null;

  readonly webRequest = {
    // Both signatures Electron accepts: (listener) and (filter, listener).
    onBeforeRequest: (first: unknown, second?: unknown): void => {
      const listener = (typeof first === 'function' ? first : second) as RequestListener | null;
      this.beforeRequest = listener ?? null;
    },
  };

  constructor(readonly partition: string) {
    super();
  }

  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: PermissionCheckHandler | null): void {
    this.permissionCheckHandler = handler;
  }
  setDevicePermissionHandler(handler: ((details: object) => boolean) | null): void {
    this.devicePermissionHandler = handler;
  }

  /** A page asks for a permission. Electron grants every request when no handler is set, so the fake does too. */
  askPermission(permission: string, contents: unknown = null): Promise<boolean> {
    const handler = this.permissionRequestHandler;
    if (handler === null) return Promise.resolve(true);
    return new Promise((resolve) => handler(contents, permission, resolve));
  }

  /** A synchronous permission check (e.g. navigator.permissions.query); granted by Electron without a handler. */
  checkPermission(permission: string, origin = 'app://holdcell'): boolean {
    return this.permissionCheckHandler === null
      ? true
      : this.permissionCheckHandler(null, permission, origin, { requestingUrl: `${origin}/` });
  }

  /** A device permission (HID, serial, USB); without a handler Electron falls back to its own grants, taken as yes. */
  checkDevicePermission(deviceType: string): boolean {
    return this.devicePermissionHandler === null
      ? true
      : this.devicePermissionHandler({ deviceType, origin: 'app://holdcell' });
  }

  /** A request leaves the page; resolves with what the webRequest listener answered ({} = proceed). */
  request(url: string, resourceType = 'xhr'): Promise<{ cancel?: boolean }> {
    const listener = this.beforeRequest;
    if (listener === null) return Promise.resolve({});
    return new Promise((resolve) => listener({ url, resourceType }, resolve));
  }

  /** The page starts a download; returns whether a 'will-download' listener prevented it. */
  download(url: string): boolean {
    const event = fakeEvent({});
    this.emit('will-download', event, { getURL: () => url }, null);
    return event.defaultPrevented;
  }
}

export type NavigationOutcome = 'cancelled' | 'proceeded';

interface WindowOpenDetails {
  url: string;
  frameName: string;
  features: string;
  disposition: string;
}

export class FakeWebContents extends EventEmitter {
  private static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  readonly ipc = new FakeIpc();
  readonly mainFrame = new FakeFrame('about:blank');
  /** Everything the main process sent to this page: [channel, ...args]. */
  readonly sent: unknown[][] = [];
  readonly loadedUrls: string[] = [];
  windowOpenHandler: ((details: WindowOpenDetails) => { action: string }) | null = null;
  private destroyed = false;

  constructor(readonly session: FakeSession) {
    super();
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push([channel, ...args]);
  }
  setWindowOpenHandler(handler: (details: WindowOpenDetails) => { action: string }): void {
    this.windowOpenHandler = handler;
  }

  /** A load the main process starts (loadURL): browser-initiated, so will-navigate does not fire, as in Electron. */
  loadURL(url: string): Promise<void> {
    this.loadedUrls.push(url);
    this.emit('did-start-navigation', fakeEvent({ url, isMainFrame: true, isSameDocument: false }));
    this.mainFrame.url = url;
    return Promise.resolve();
  }

  /**
   * A navigation the page starts (link, location.href, form): mirrors ElectronNavigationThrottle::WillStartRequest —
   * 'will-frame-navigate' first, for any frame; if not prevented and in the main frame, 'will-navigate'.
   */
  navigate(url: string, frame: FakeFrame = this.mainFrame): NavigationOutcome {
    const isMainFrame = frame === this.mainFrame;
    const frameEvent = fakeEvent({ url, isMainFrame, isSameDocument: false, frame });
    this.emit('will-frame-navigate', frameEvent);
    if (frameEvent.defaultPrevented) return 'cancelled';
    if (isMainFrame) {
      const event = fakeEvent({ url, isMainFrame, isSameDocument: false, frame });
      this.emit('will-navigate', event, url, false, isMainFrame, 1, 1);
      if (event.defaultPrevented) return 'cancelled';
    }
    return 'proceeded';
  }

  /** A server redirect during a navigation (WillRedirectRequest emits 'will-redirect'). */
  redirect(url: string, frame: FakeFrame = this.mainFrame): NavigationOutcome {
    const isMainFrame = frame === this.mainFrame;
    const event = fakeEvent({ url, isMainFrame, isSameDocument: false, frame });
    this.emit('will-redirect', event, url, false, isMainFrame, 1, 1);
    return event.defaultPrevented ? 'cancelled' : 'proceeded';
  }

  /** window.open / target=_blank / middle-click: Electron allows the window when no handler is installed. */
  openWindow(url: string, disposition = 'new-window'): string {
    if (this.windowOpenHandler === null) return 'allow';
    return this.windowOpenHandler({ url, frameName: '', features: '', disposition }).action;
  }

  /** A <webview> is about to attach; returns whether a 'will-attach-webview' listener prevented it. */
  attachWebview(src: string): boolean {
    const event = fakeEvent({});
    const webPreferences = { nodeIntegration: true, contextIsolation: false, webSecurity: false };
    this.emit('will-attach-webview', event, webPreferences, { src });
    return event.defaultPrevented;
  }

  /** A message from a frame of this page on `channel`, shaped like IpcMainEvent. */
  deliverIpc(channel: string, senderFrame: FakeFrame | null, ...args: unknown[]): void {
    this.ipc.emit(channel, { sender: this, senderFrame, processId: 1, frameId: 1 }, ...args);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('destroyed');
  }
}

interface Journal {
  /** Ordered record of lifecycle calls, e.g. 'enableSandbox', 'registerSchemesAsPrivileged', 'ready'. */
  entries: string[];
}

const journal: Journal = { entries: [] };

class FakeApp extends EventEmitter {
  ready = false;
  quitCalls = 0;
  exitCodes: number[] = [];
  private markReady: () => void = () => undefined;
  private readonly readyPromise = new Promise<void>((resolve) => (this.markReady = resolve));

  requestSingleInstanceLock(): boolean {
    journal.entries.push('requestSingleInstanceLock');
    return true;
  }
  enableSandbox(): void {
    journal.entries.push(this.ready ? 'enableSandbox (after ready)' : 'enableSandbox');
  }
  whenReady(): Promise<void> {
    return this.readyPromise;
  }
  isReady(): boolean {
    return this.ready;
  }
  quit(): void {
    this.quitCalls += 1;
  }
  exit(code = 0): void {
    this.exitCodes.push(code);
  }
  /** The test says "Electron is ready now". */
  becomeReady(): void {
    this.ready = true;
    journal.entries.push('ready');
    this.emit('ready');
    this.markReady();
  }
}

const app = new FakeApp();
const defaultSession = new FakeSession('default');
const windows: FakeBrowserWindow[] = [];

export class FakeBrowserWindow extends EventEmitter {
  readonly webContents: FakeWebContents;
  shown = false;
  constructor(readonly options: { webPreferences?: Record<string, unknown> } & Record<string, unknown>) {
    super();
    this.webContents = new FakeWebContents(defaultSession);
    windows.push(this);
    // Electron announces every new WebContents on the app before the caller can use it.
    app.emit('web-contents-created', fakeEvent({}), this.webContents);
  }
  static fromWebContents(contents: unknown): FakeBrowserWindow | null {
    return windows.find((window) => window.webContents === contents) ?? null;
  }
  static getAllWindows(): FakeBrowserWindow[] {
    return [...windows];
  }
  loadURL(url: string): Promise<void> {
    return this.webContents.loadURL(url);
  }
  show(): void {
    this.shown = true;
  }
  focused = 0;
  focus(): void {
    this.focused += 1;
  }
  isMinimized(): boolean {
    return false;
  }
  restore(): void {
    this.shown = true;
  }
}

interface PrivilegedScheme {
  scheme: string;
  privileges?: Record<string, boolean>;
}

const protocol = {
  privileged: [] as PrivilegedScheme[],
  handlers: new Map<string, (request: Request) => Response | Promise<Response>>(),
  registerSchemesAsPrivileged(schemes: PrivilegedScheme[]): void {
    journal.entries.push(app.ready ? 'registerSchemesAsPrivileged (after ready)' : 'registerSchemesAsPrivileged');
    protocol.privileged.push(...schemes);
  },
  handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void {
    protocol.handlers.set(scheme, handler);
  },
};

const session = {
  defaultSession,
  /** A new session (e.g. a future partition): Electron emits 'session-created' on the app for each one. */
  fromPartition(partition: string): FakeSession {
    const created = new FakeSession(partition);
    app.emit('session-created', created);
    return created;
  },
};

interface ShownDialog {
  parent: unknown;
  options: { message?: string; detail?: string; buttons?: string[]; cancelId?: number; defaultId?: number };
}

const dialog = {
  shown: [] as ShownDialog[],
  /** What the user clicks next: a button index, or 'pending' to keep the dialog open until answer() is called. */
  nextResponse: 0 as number | 'pending',
  pending: [] as ((response: number) => void)[],
  showMessageBox(first: unknown, second?: unknown): Promise<{ response: number; checkboxChecked: boolean }> {
    const options = (second ?? first) as ShownDialog['options'];
    dialog.shown.push({ parent: second === undefined ? null : first, options });
    const answer = dialog.nextResponse;
    if (answer !== 'pending') return Promise.resolve({ response: answer, checkboxChecked: false });
    return new Promise((resolve) => dialog.pending.push((response) => resolve({ response, checkboxChecked: false })));
  },
  answer(response: number): void {
    for (const resolve of dialog.pending.splice(0)) resolve(response);
  },
};

const shell = {
  opened: [] as string[],
  openExternal(url: string): Promise<void> {
    shell.opened.push(url);
    return Promise.resolve();
  },
};

const ipcMain = new FakeIpc();

/** What `import ... from 'electron'` resolves to under vi.mock. */
export const fakeElectronModule = { app, BrowserWindow: FakeBrowserWindow, dialog, ipcMain, protocol, session, shell };

/** Lines main.ts logged ("[holdcell:electron] ..." on stderr), captured instead of printed once the app booted. */
const logs: string[] = [];

/** The same objects, for the test's own assertions. */
export const fake = { app, journal, windows, defaultSession, protocol, session, dialog, shell, ipcMain, logs };

const SHELL_LOG_PREFIX = '[holdcell:electron] ';

function captureShellLog(): void {
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: unknown, ...rest: never[]) => {
    const text = String(chunk);
    if (!text.startsWith(SHELL_LOG_PREFIX)) return write(chunk as string, ...rest);
    logs.push(text.slice(SHELL_LOG_PREFIX.length).trimEnd());
    return true;
  }) as typeof process.stderr.write;
}

/** Lets queued promise callbacks and I/O callbacks run (the main process reacts asynchronously). */
export async function settle(rounds = 5): Promise<void> {
  for (let round = 0; round < rounds; round += 1) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Imports electron/main.ts against this fake (the real host behind it), makes the app ready and returns the window
 * main.ts opened. Call once per test file: main.ts runs its start-up when first imported.
 */
export async function bootFakeMainProcess(): Promise<FakeBrowserWindow> {
  captureShellLog();
  await import('../../electron/main.js');
  app.becomeReady();
  for (let attempt = 0; attempt < 50 && windows.length === 0; attempt += 1) await settle(1);
  const [window] = windows;
  if (window === undefined) throw new Error('electron/main.ts did not open a window after ready');
  await settle();
  return window;
}

/** Ends the fake app the way Electron does on quit: main.ts closes the host, then quits. */
export async function quitFakeMainProcess(): Promise<void> {
  const event = fakeEvent({});
  app.emit('will-quit', event);
  for (let attempt = 0; attempt < 200 && app.quitCalls === 0; attempt += 1) await settle(1);
}
