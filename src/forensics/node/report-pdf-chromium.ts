// The report's PDF printer in web and CLI mode: Chromium driven by playwright-core (the one file that imports it).
//
// The page is set from a string (page.setContent: no URL, no file), with JavaScript off, the context offline, and
// every request routed to an abort and counted — the report's own CSP already forbids any load, so a count above
// zero means something is wrong and the caller refuses the PDF.
import type { Browser, Request } from 'playwright-core';
import { ContractError } from '../../contract/envelope.js';
import type { PdfPrinter, PdfResult } from '../common/report-pdf.js';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

const FLAGS = [
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--disable-extensions',
  '--disable-sync',
  '--no-first-run',
  '--no-pings',
];

export class ChromiumPdfPrinter implements PdfPrinter {
  private readonly executablePath: string;

  constructor(options: { executablePath?: string } = {}) {
    this.executablePath = options.executablePath ?? DEFAULT_CHROMIUM;
  }

  private async launch(): Promise<Browser> {
    // Imported on first use: the desktop app prints with Electron and never loads playwright-core.
    const { chromium } = await import('playwright-core');
    // Chromium refuses to start its sandbox as root (this VM, CI); the page has no script and loads nothing.
    const sandbox = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
    try {
      return await chromium.launch({ executablePath: this.executablePath, args: [...FLAGS, ...sandbox] });
    } catch (error) {
      throw new ContractError(
        'UNAVAILABLE',
        `cannot start Chromium at ${this.executablePath} to print the PDF (set CHROMIUM_PATH): ${(error as Error).message.split('\n')[0]}`,
      );
    }
  }

  print = async (html: string, options: { signal?: AbortSignal } = {}): Promise<PdfResult> => {
    options.signal?.throwIfAborted();
    const browser = await this.launch();
    const onAbort = (): void => void browser.close();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const context = await browser.newContext({
        javaScriptEnabled: false,
        offline: true,
        serviceWorkers: 'block',
        acceptDownloads: false,
      });
      const seen = new Set<Request>();
      const attempted: string[] = [];
      const count = (request: Request): void => {
        if (seen.has(request)) return;
        seen.add(request);
        attempted.push(request.url());
      };
      await context.route('**/*', (route) => {
        count(route.request());
        return route.abort('blockedbyclient');
      });
      const page = await context.newPage();
      // Requests routing cannot see (file:, blocked by Chromium itself) still show up here.
      page.on('request', count);
      await page.setContent(html, { waitUntil: 'load' });
      const frames = page.frames().length - 1;
      for (let frame = 0; frame < frames; frame++) attempted.push('(a frame)');
      const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true, tagged: true });
      options.signal?.throwIfAborted();
      return {
        pdf: new Uint8Array(pdf),
        requests: attempted.length,
        attempted,
        engine: `chromium ${browser.version()} via playwright-core`,
      };
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      await browser.close();
    }
  };
}
