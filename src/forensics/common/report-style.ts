// The HTML report's one stylesheet and the CSP built from its hash: the page may apply exactly this style, load nothing.
import { sha256Base64 } from './report-sha256.js';

/** Column width classes .w1 … .w100 (percent): tables have a fixed layout, widths given per column by class. */
const COLUMN_WIDTHS = Array.from({ length: 100 }, (_, index) => `.w${index + 1} { width: ${index + 1}%; }`).join('\n');

/**
 * Inlined into the report's <style> verbatim: the CSP hash covers these exact characters. Print-first (the PDF is
 * this page printed), light on screen; long hashes and paths wrap anywhere rather than run off the page.
 */
export const REPORT_CSS = `
@page { size: A4; margin: 16mm 14mm; }
* { box-sizing: border-box; }
html { color: #1b1f24; background: #fff; }
body { font: 10.5pt/1.45 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1.5rem; }
h1 { font-size: 18pt; margin: 0 0 0.25rem; }
h2 { font-size: 13pt; margin: 1.6rem 0 0.5rem; padding-bottom: 0.2rem; border-bottom: 2px solid #2b4a6f; color: #2b4a6f; break-after: avoid; }
h3 { font-size: 11pt; margin: 1rem 0 0.4rem; break-after: avoid; }
p, ul, ol { margin: 0.3rem 0 0.6rem; }
li { margin: 0.15rem 0; }
.meta { color: #4a5561; font-size: 9.5pt; }
.muted { color: #6a7580; }
code, .mono { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 8.5pt; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; margin: 0.4rem 0 0.8rem; font-size: 8.5pt; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th, td { border: 1px solid #c9d1d9; padding: 0.25rem 0.4rem; text-align: left; vertical-align: top; overflow-wrap: break-word; }
td code, td .long, td .cite { overflow-wrap: anywhere; }
${COLUMN_WIDTHS}
th { background: #eef2f6; font-weight: 600; }
.cite { color: #4a5561; font-size: 8pt; }
td .cite { display: block; }
.cite a { color: inherit; }
.sev-critical, .sev-high { color: #9b1c1c; font-weight: 600; }
.sev-medium { color: #8a5a00; font-weight: 600; }
.ok { color: #1d6b36; font-weight: 600; }
.bad { color: #9b1c1c; font-weight: 600; }
.tree { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 9pt; white-space: pre-wrap; overflow-wrap: anywhere; }
.flag { display: inline-block; border: 1px solid #c9d1d9; border-radius: 3px; padding: 0 0.25rem; margin-right: 0.2rem; font-size: 8.5pt; }
.summary li { margin: 0.3rem 0; }
footer { margin-top: 2rem; border-top: 1px solid #c9d1d9; padding-top: 0.5rem; color: #6a7580; font-size: 8.5pt; }
`;

/** The CSP source that admits REPORT_CSS as an inline <style> ('sha256-…'). */
export const REPORT_STYLE_SOURCE = `'sha256-${sha256Base64(REPORT_CSS)}'`;

/**
 * The report page's policy: nothing may load (no scripts, fonts, frames, connections), the one style by hash, and
 * data: images only. A report opened from disk, mail or a ticket system can therefore never call anywhere.
 */
export const REPORT_CSP = [
  "default-src 'none'",
  `style-src ${REPORT_STYLE_SOURCE}`,
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
