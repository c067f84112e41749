// Electron main process: app lifecycle and lock-down; all real work is delegated to the host over the IPC pipe.
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  session,
  shell,
  type MessageBoxOptions,
  type Session,
  type WebContents,
} from 'electron';
import { createHost } from '../src/host/create-host.js';
import { electronPdfPrinter } from './report-pdf.js';
import { loadHostConfig } from '../src/host/config.js';
import { registerAppProtocol, registerAppSchemeAsPrivileged } from './app-protocol.js';
import { createIpcPipe, type IpcPipe } from './ipc-pipe.js';
import { visibleText } from '../src/contract/visible-text.js';
import { externalUrlDecision, isAllowedAppUrl, isAllowedRequestUrl } from './policy.js';
import { createMainWindow, loadApp } from './window.js';

const RENDERER_ROOT = fileURLToPath(new URL('../renderer/', import.meta.url));

const log = (line: string): void => {
  process.stderr.write(`[holdcell:electron] ${line}\n`);
};

// Two instances would share one case folder and race on custody logs; the second one hands over to the first.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  // Both must happen before 'ready': sandboxing every renderer and the app:// scheme's privileges are fixed at startup.
  app.enableSandbox();
  registerAppSchemeAsPrivileged();
  start();
}

function start(): void {
  // Reports print through this Electron's own Chromium (printToPDF), not a system browser.
  const host = createHost(loadHostConfig(process.env), { pdfPrinter: electronPdfPrinter() });
  let mainWindow: BrowserWindow | undefined;
  let hostClosed = false;
  let confirming = false;

  /** One pipe (and RPC server) per loaded document: a reload must not inherit the old page's calls and subscriptions. */
  const connectHost = (window: BrowserWindow): void => {
    let current: IpcPipe | undefined;
    const connect = (): void => {
      current?.close();
      const pipe = createIpcPipe(window.webContents, log);
      const server = host.serve(pipe, 'ipc', log);
      pipe.onClose(() => server.close());
      current = pipe;
    };
    connect();
    window.webContents.on('did-start-navigation', (details) => {
      if (details.isMainFrame && !details.isSameDocument) connect();
    });
  };

  const openWindow = (): void => {
    const window = createMainWindow();
    mainWindow = window;
    window.on('closed', () => {
      if (mainWindow === window) mainWindow = undefined;
    });
    connectHost(window);
    loadApp(window).catch((error: unknown) => log(`failed to load the renderer: ${String(error)}`));
  };

  /** Opens an https link in the user's browser only after they saw the exact (escaped) URL and agreed. */
  const offerExternal = async (url: string, owner: WebContents): Promise<void> => {
    const decision = externalUrlDecision(url);
    if (!decision.allowed) {
      log(`refused to open ${JSON.stringify(url)}: ${decision.reason}`);
      return;
    }
    // One dialog at a time: a misbehaving page must not be able to bury the user in prompts.
    if (confirming) return;
    confirming = true;
    try {
      const parent = BrowserWindow.fromWebContents(owner) ?? mainWindow;
      const options: MessageBoxOptions = {
        type: 'question',
        buttons: ['Cancel', 'Open in browser'],
        defaultId: 0,
        cancelId: 0,
        noLink: true,
        title: 'Open external link',
        message: 'Open this link in your web browser?',
        detail: visibleText(decision.url),
      };
      const { response } = parent ? await dialog.showMessageBox(parent, options) : await dialog.showMessageBox(options);
      if (response === 1) await shell.openExternal(decision.url);
    } catch (error) {
      log(`could not open ${JSON.stringify(url)}: ${String(error)}`);
    } finally {
      confirming = false;
    }
  };

  const lockDownSession = (target: Session): void => {
    // Camera, microphone, notifications, geolocation, HID, serial…: a forensics viewer needs none of them.
    target.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
    target.setPermissionCheckHandler(() => false);
    target.setDevicePermissionHandler(() => false);
    // Custom protocol only: the page's CSP already limits it to 'self'; this also holds if a CSP or a bug ever slips,
    // so nothing the renderer shows can reach the network or the local disk through file:.
    target.webRequest.onBeforeRequest((details, callback) => {
      if (isAllowedRequestUrl(details.url)) return callback({});
      log(`blocked a request to ${JSON.stringify(details.url)}`);
      callback({ cancel: true });
    });
    // Evidence is written by the host only, into the case folder; the browser side never saves a file anywhere.
    target.on('will-download', (event) => {
      event.preventDefault();
      log('blocked a download');
    });
  };

  app.on('session-created', lockDownSession);

  app.on('web-contents-created', (_event, contents) => {
    // Every navigation away from the loaded document is refused; https links are offered to the real browser instead.
    contents.on('will-navigate', (event) => {
      event.preventDefault();
      if (!isAllowedAppUrl(event.url)) void offerExternal(event.url, contents);
    });
    // Emitted before will-navigate, for every frame; when it is prevented Electron skips will-navigate, so main-frame
    // links are offered to the browser here too (offerExternal shows one dialog at a time either way).
    contents.on('will-frame-navigate', (event) => {
      event.preventDefault();
      if (event.isMainFrame && !isAllowedAppUrl(event.url)) void offerExternal(event.url, contents);
      else if (!event.isMainFrame) log(`blocked a frame navigation to ${JSON.stringify(event.url)}`);
    });
    contents.on('will-redirect', (event) => {
      event.preventDefault();
      log(`blocked redirect to ${JSON.stringify(event.url)}`);
    });
    contents.on('will-attach-webview', (event) => {
      event.preventDefault();
      log('blocked a <webview>');
    });
    contents.setWindowOpenHandler(({ url }) => {
      void offerExternal(url, contents);
      return { action: 'deny' };
    });
    contents.on('render-process-gone', (_e, details) =>
      log(`renderer gone: ${details.reason} (exit ${details.exitCode})`),
    );
  });

  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  app.on('window-all-closed', () => {
    // macOS apps stay alive without windows; elsewhere closing the last window ends the session.
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('activate', () => {
    if (app.isReady() && BrowserWindow.getAllWindows().length === 0) openWindow();
  });

  // The host owns running jobs and open evidence files: quitting waits for it to finish cleanly, exactly once.
  app.on('will-quit', (event) => {
    if (hostClosed) return;
    event.preventDefault();
    hostClosed = true;
    host
      .close()
      .catch((error: unknown) => log(`host did not close cleanly: ${String(error)}`))
      .finally(() => app.quit());
  });

  app
    .whenReady()
    .then(() => {
      lockDownSession(session.defaultSession);
      registerAppProtocol(RENDERER_ROOT, log);
      openWindow();
    })
    .catch((error: unknown) => {
      log(`startup failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      app.exit(1);
    });
}
