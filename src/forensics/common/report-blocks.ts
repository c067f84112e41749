// The report as format-neutral blocks (headings, paragraphs, lists, tables): what Markdown and HTML both render.
import type { Citation, Text } from './report-model.js';

/** Inline content: text (escaped by the renderer), a citation, or text with a semantic mark (a CSS class in HTML). */
export type Inline = Text | { cite: Citation } | { mark: Mark; text: Text };

export type Mark = 'strong' | 'ok' | 'bad' | 'muted' | `sev-${string}` | 'flag' | 'nowrap' | 'long';

export interface TableRow {
  cells: Inline[][];
  /** An anchor citations link to (evidence rows): letters, digits and dashes only. */
  anchor?: string;
}

export type Block =
  | { type: 'heading'; level: 2 | 3; text: string; anchor?: string }
  | { type: 'paragraph'; content: Inline[] }
  | { type: 'list'; items: Inline[][] }
  /** widths: percent of the page per column (whole numbers, summing to 100). */
  | { type: 'table'; label: string; headers: string[]; widths: number[]; rows: TableRow[] }
  /** Preformatted lines (the process tree): indentation is meaningful. */
  | { type: 'tree'; lines: { indent: number; content: Inline[] }[] };

export interface ReportDocument {
  title: string;
  /** Under the title: case id, as-of time, tool. */
  subtitle: Inline[];
  blocks: Block[];
  footer: Inline[];
}

/** "fs-export-3f2a1b… sha256 9b1c2d3e4f5a…": short enough to read inline, the full hash is in the evidence table. */
export const SHORT_HASH = 16;

/** The anchor a citation links to: the evidence row, or the custody section. */
export function citationAnchor(cite: Citation): string {
  return cite.itemId === 'custody.jsonl' ? 'containment' : `item-${cite.itemId.replace(/[^a-z0-9-]/g, '-')}`;
}
