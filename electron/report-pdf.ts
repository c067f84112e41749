// Prints the post-mortem's HTML to PDF inside the desktop app: a hidden window with no script, no network, no file access.
//
// Web mode and the CLI print with Chromium through playwright-core; the desktop app has Chromium already, so it uses
// webContents.printToPDF. The page gets its own in-memory session whose request filter lets exactly one load through
// (the report document itself) and cancels and counts every other, so a report that tried to load anything is
// refused by the report service, as in web mode.
import { BrowserWindow, session } from 'electron';
import type { PdfPrinter, PdfResult } from '../src/host/report-wiring.js';

/** No "persist:" prefix: the session lives in memory and leaves nothing on disk. */
const PARTITION = 'holdcell-report-pdf';
/** Chromium refuses URLs longer than 2 MiB; the report arrives as a data: URL, so larger pages are refused clearly. */
const MAX_URL = 2 * 1024 * 1024;

export function electronPdfPrinter(): PdfPrinter {
  return {
    async print(html: string, options: { signal?: AbortSignal } = {}): Promise<PdfResult> {
      options.signal?.throwIfAborted();
      const documentUrl = `data:text/html;charset=utf-8;base64,${Buffer.from(html, 'utf8').toString('base64')}`;
      if (documentUrl.length > MAX_URL) {
        throw new Error(
          `the report is ${html.length} characters, too large for the in-app printer: print it with holdcell report --format pdf`,
        );
      }
      const reportSession = session.fromPartition(PARTITION, { cache: false });
      const attempted: string[] = [];
      let documentLoaded = false;
      reportSession.webRequest.onBeforeRequest((details, callback) => {
        if (!documentLoaded && details.resourceType === 'mainFrame' && details.url === documentUrl) {
          documentLoaded = true;
          callback({});
          return;
        }
        attempted.push(details.url.slice(0, 200));
        callback({ cancel: true });
      });
      reportSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
      reportSession.setPermissionCheckHandler(() => false);
      const window = new BrowserWindow({
        show: false,
        webPreferences: {
          session: reportSession,
          // The report has no script; none may run even if one were smuggled in.
          javascript: false,
          sandbox: true,
          contextIsolation: true,
          nodeIntegration: false,
          nodeIntegrationInSubFrames: false,
          nodeIntegrationInWorker: false,
          webSecurity: true,
          allowRunningInsecureContent: false,
          experimentalFeatures: false,
          webviewTag: false,
          spellcheck: false,
          navigateOnDragDrop: false,
          // A print-only window: no middle-click may even ask for a new window.
          disableBlinkFeatures: 'Auxclick',
        },
      });
      window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
      window.webContents.on('will-navigate', (event) => event.preventDefault());
      const onAbort = (): void => window.destroy();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        await window.loadURL(documentUrl);
        const pdf = await window.webContents.printToPDF({
          pageSize: 'A4',
          printBackground: true,
          preferCSSPageSize: true,
          generateTaggedPDF: true,
        });
        options.signal?.throwIfAborted();
        return {
          pdf: new Uint8Array(pdf),
          requests: attempted.length,
          attempted,
          engine: `electron ${process.versions.electron ?? '?'} printToPDF (chromium ${process.versions.chrome ?? '?'})`,
        };
      } finally {
        options.signal?.removeEventListener('abort', onAbort);
        reportSession.webRequest.onBeforeRequest(null);
        if (!window.isDestroyed()) window.destroy();
      }
    },
  };
}
