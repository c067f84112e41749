// Renders the report document as Markdown: no raw HTML, no links, every evidence string escaped and visible.
import { SHORT_HASH, type Block, type Inline, type ReportDocument } from './report-blocks.js';
import { defuseLineStart, escapeMarkdown, markdownText, visible } from './report-escape.js';
import type { Citation, Text } from './report-model.js';

const isText = (inline: Inline): inline is Text =>
  typeof inline === 'string' || 'display' in inline || 'code' in inline;

function citation(cite: Citation): string {
  const hash = cite.sha256.length > SHORT_HASH ? `${cite.sha256.slice(0, SHORT_HASH)}…` : cite.sha256;
  // A locator may quote evidence (a file's raw name): made visible like any other evidence string.
  const where = cite.locator === undefined ? '' : `, ${visible(cite.locator)}`;
  // The brackets are escaped: "[…](…)" must never form a link, whatever follows.
  return escapeMarkdown(`[${cite.itemId} sha256 ${hash}${where}]`);
}

function inline(content: readonly Inline[]): string {
  return content
    .map((part) => {
      if (isText(part)) return markdownText(part);
      if ('cite' in part) return citation(part.cite);
      const text = markdownText(part.text);
      return part.mark === 'strong' || part.mark === 'bad' || part.mark.startsWith('sev-') ? `**${text}**` : text;
    })
    .join('');
}

/** A table cell: its content on one line (visible escapes already removed every newline). */
const cell = (content: readonly Inline[]): string => inline(content) || ' ';

function block(item: Block): string {
  switch (item.type) {
    case 'heading':
      return `${'#'.repeat(item.level)} ${markdownText(item.text)}`;
    case 'paragraph':
      return defuseLineStart(inline(item.content));
    case 'list':
      return item.items.map((entry) => `- ${defuseLineStart(inline(entry))}`).join('\n');
    case 'table': {
      const header = `| ${item.headers.map((text) => markdownText(text)).join(' | ')} |`;
      const rule = `| ${item.headers.map(() => '---').join(' | ')} |`;
      const rows = item.rows.map((row) => `| ${row.cells.map(cell).join(' | ')} |`);
      return [header, rule, ...rows].join('\n');
    }
    case 'tree':
      // A nested list: indentation carries the ancestry, and nothing in a list item is taken literally.
      return item.lines
        .map((line) => `${'  '.repeat(line.indent)}- ${defuseLineStart(inline(line.content))}`)
        .join('\n');
  }
}

export function renderMarkdown(document: ReportDocument): string {
  const parts = [
    `# ${markdownText(document.title)}`,
    defuseLineStart(inline(document.subtitle)),
    ...document.blocks.map(block),
    '---',
    defuseLineStart(inline(document.footer)),
  ];
  return `${parts.join('\n\n')}\n`;
}
