// Renders the report document as one self-contained HTML page: inline style admitted by its hash, no script, nothing loaded.
import { citationAnchor, SHORT_HASH, type Block, type Inline, type ReportDocument } from './report-blocks.js';
import { escapeHtml, htmlText } from './report-escape.js';
import type { Citation, Text } from './report-model.js';
import { REPORT_CSP, REPORT_CSS } from './report-style.js';

const isText = (inline: Inline): inline is Text =>
  typeof inline === 'string' || 'display' in inline || 'code' in inline;

/** Anchors are generated from item ids (letters, digits, dashes): safe in an attribute, escaped all the same. */
const anchorAttribute = (anchor: string): string => escapeHtml(anchor.replace(/[^a-z0-9-]/g, '-'));

function citation(cite: Citation): string {
  const hash = cite.sha256.length > SHORT_HASH ? `${cite.sha256.slice(0, SHORT_HASH)}…` : cite.sha256;
  const where = cite.locator === undefined ? '' : `, ${htmlText(cite.locator)}`;
  return (
    `<span class="cite">[<a href="#${anchorAttribute(citationAnchor(cite))}">${htmlText(cite.itemId)}</a> ` +
    `sha256 <code>${escapeHtml(hash)}</code>${where}]</span>`
  );
}

function text(part: Text): string {
  return typeof part === 'object' && 'code' in part ? `<code>${htmlText(part.code)}</code>` : htmlText(part);
}

function inline(content: readonly Inline[]): string {
  return content
    .map((part) => {
      if (isText(part)) return text(part);
      if ('cite' in part) return citation(part.cite);
      return part.mark === 'strong'
        ? `<strong>${text(part.text)}</strong>`
        : `<span class="${part.mark}">${text(part.text)}</span>`;
    })
    .join('');
}

function block(item: Block): string {
  switch (item.type) {
    case 'heading': {
      const id = item.anchor === undefined ? '' : ` id="${anchorAttribute(item.anchor)}"`;
      return `<h${item.level}${id}>${htmlText(item.text)}</h${item.level}>`;
    }
    case 'paragraph':
      return `<p>${inline(item.content)}</p>`;
    case 'list':
      return `<ul>\n${item.items.map((entry) => `<li>${inline(entry)}</li>`).join('\n')}\n</ul>`;
    case 'table': {
      // Column widths by class: a style attribute would need the CSP to admit inline styles.
      const columns = `<colgroup>${item.widths.map((width) => `<col class="w${Math.round(width)}">`).join('')}</colgroup>`;
      const head = `<thead><tr>${item.headers.map((header) => `<th>${htmlText(header)}</th>`).join('')}</tr></thead>`;
      const rows = item.rows.map((row) => {
        const id = row.anchor === undefined ? '' : ` id="${anchorAttribute(row.anchor)}"`;
        return `<tr${id}>${row.cells.map((cell) => `<td>${inline(cell)}</td>`).join('')}</tr>`;
      });
      return `<table aria-label="${htmlText(item.label)}">\n${columns}\n${head}\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
    }
    case 'tree': {
      // Indentation by spaces in a pre-wrapped block: a style attribute would need the CSP to allow inline styles.
      const lines = item.lines.map(
        (line) => `${'   '.repeat(line.indent)}${line.indent > 0 ? '└─ ' : ''}${inline(line.content)}`,
      );
      return `<div class="tree">${lines.join('\n')}</div>`;
    }
  }
}

export function renderHtml(document: ReportDocument): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    // First in <head>, before the style it admits; a meta CSP cannot be loosened by anything after it.
    // REPORT_CSP is a constant without '"', '<' or '&' (a unit test holds it to that): written as is, readable.
    `<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="color-scheme" content="light">',
    `<title>${htmlText(document.title)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>${htmlText(document.title)}</h1>`,
    `<p class="meta">${inline(document.subtitle)}</p>`,
    '</header>',
    '<main>',
    ...document.blocks.map(block),
    '</main>',
    `<footer>${inline(document.footer)}</footer>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
