// What prints the report's HTML to PDF: Chromium through playwright-core in web and CLI mode, Electron's printToPDF in the app.

export interface PdfResult {
  pdf: Uint8Array;
  /** Every load the page attempted (all refused): the report's own page must make none. */
  requests: number;
  /** The URLs attempted, for the error a responder reads when there were any. */
  attempted: string[];
  /** Which engine printed, for the custody record: "chromium 140.0.7339.80 via playwright-core", "electron printToPDF". */
  engine: string;
}

export interface PdfPrinter {
  /** Renders self-contained HTML with scripts off, no network and no file: access, and prints it on A4. */
  print(html: string, options?: { signal?: AbortSignal }): Promise<PdfResult>;
}
