// Escaping for the report: every string made visible first (control, C1, bidi, zero-width), then made inert for its format.
//
// Visible first, so what a reader sees is the same in Markdown, HTML and PDF; format escaping second, so no evidence
// string can become markup, a link, a table cell boundary or a heading.
import { visibleDisplayText, visibleText } from '../../contract/visible-text.js';
import type { Display, Text } from './report-model.js';

const isDisplay = (text: Text): text is Display => typeof text === 'object' && 'display' in text;

/** The visible form of a piece of text (raw evidence escaped; host display forms only where still unsafe). */
export function visible(text: Text): string {
  if (typeof text === 'string') return visibleText(text);
  if (isDisplay(text)) return visibleDisplayText(text.display);
  return visible(text.code);
}

const HTML_ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text and attribute values: the five characters that can end or open markup become entities. */
export function escapeHtml(visibleForm: string): string {
  return visibleForm.replace(/[&<>"']/g, (character) => HTML_ENTITIES[character] ?? character);
}

export const htmlText = (text: Text): string => escapeHtml(visible(text));

/**
 * Markdown punctuation that can open or close markup: emphasis, code, links and images, raw HTML and autolinks
 * (<…>), table cells and strikethrough; backslash first so the escapes themselves stay literal. "&" only where it
 * would start an entity (&lt; &#60;), so "ATT&CK" stays readable.
 */
const MARKDOWN_SPECIAL = /[\\`*_[\]()<>|~]|&(?=#?[A-Za-z0-9]+;)/g;

/**
 * GFM turns bare http(s)/ftp URLs, www. names and e-mail addresses into links by itself. Evidence must not become
 * a link, so the character that completes such a pattern is shown as a visible escape (\x2f for "/", \x2e for
 * ".", \x40 for "@"): unambiguous, because a real backslash is always shown doubled.
 */
function defuseAutolinks(text: string): string {
  return text
    .replace(/\b(https?|ftp):\/\//gi, (_match, scheme: string) => `${scheme}:\\x2f/`)
    .replace(/\bwww\./gi, (match) => `${match.slice(0, 3)}\\x2e`)
    .replace(/([A-Za-z0-9._%+-])@(?=[A-Za-z0-9-]+\.)/g, '$1\\x40');
}

/**
 * Block markers that act only at the start of a line: heading, list, quote, setext underline, ordered list. The
 * Markdown renderer applies this to every line it starts with content (paragraphs, list items).
 */
export function defuseLineStart(line: string): string {
  return line.replace(/^(#|[-+=]|\d+[.)])/, (marker) =>
    marker.length === 1 ? `\\${marker}` : `${marker.slice(0, -1)}\\${marker.slice(-1)}`,
  );
}

export function escapeMarkdown(visibleForm: string): string {
  return defuseAutolinks(visibleForm).replace(MARKDOWN_SPECIAL, (character) => `\\${character}`);
}

export const markdownText = (text: Text): string => escapeMarkdown(visible(text));
