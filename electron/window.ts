// The main BrowserWindow: sandboxed, context-isolated, no Node in the page, loading only app://holdcell/index.html.
import { fileURLToPath } from 'node:url';
import { BrowserWindow } from 'electron';
import { APP_ENTRY_URL } from './policy.js';

/** Compiled next to main.js as preload.cjs: sandboxed preloads must be CommonJS. */
const PRELOAD_PATH = fileURLToPath(new URL('./preload.cjs', import.meta.url));

export function createMainWindow(): BrowserWindow {
  const window = new BrowserWindow({
    title: 'HoldCell',
    width: 1400,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    // Shown once painted, so an investigator never stares at a white flash or a half-built page.
    show: false,
    backgroundColor: '#111418',
    webPreferences: {
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      // Electron's defaults, stated so a test and Electronegativity see them: no untested Chromium features.
      experimentalFeatures: false,
      webviewTag: false,
      spellcheck: false,
      // Evidence text must never be sent to a cloud spell-checker or navigated to by drag-and-drop.
      navigateOnDragDrop: false,
      preload: PRELOAD_PATH,
    },
  });
  window.once('ready-to-show', () => window.show());
  return window;
}

/** Separate from creation so the caller can attach the IPC pipe before the page can send anything. */
export function loadApp(window: BrowserWindow): Promise<void> {
  return window.loadURL(APP_ENTRY_URL);
}
