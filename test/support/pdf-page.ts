// A PDF page rendered to PNG with poppler's pdftoppm, as a reader's viewer would show it (80 dpi).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Writes `<pngStem>.png`: page `page` (1-based) of the PDF at `pdfPath`. */
export async function renderPdfPage(pdfPath: string, pngStem: string, page = 1): Promise<void> {
  const pages = ['-f', String(page), '-l', String(page)];
  await run('pdftoppm', ['-png', '-r', '80', ...pages, '-singlefile', pdfPath, pngStem]);
}
