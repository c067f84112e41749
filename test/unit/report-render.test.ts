// A responder's report must never run, link or hide what an attacker wrote: Markdown and HTML escaping, determinism, CSP.
import { createHash } from 'node:crypto';
import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { assembleReport } from '../../src/forensics/common/report-assemble.js';
import { renderReportText } from '../../src/forensics/common/report-render.js';
import { sha256Base64 } from '../../src/forensics/common/report-sha256.js';
import { REPORT_CSP, REPORT_CSS } from '../../src/forensics/common/report-style.js';
import { incidentInputs } from './report-fixtures.js';

const render = (format: 'md' | 'html', inputs = incidentInputs()) => renderReportText(assembleReport(inputs), format);

/** Every tag name in the page; evidence can add none, since each "<" in it is written as &lt;. */
function tagNames(html: string): Set<string> {
  return new Set([...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)/g)].map((match) => (match[1] as string).toLowerCase()));
}

const ALLOWED_TAGS = [
  'html',
  'head',
  'meta',
  'title',
  'style',
  'body',
  'header',
  'main',
  'footer',
  'h1',
  'h2',
  'h3',
  'p',
  'ul',
  'li',
  'table',
  'colgroup',
  'col',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'span',
  'a',
  'code',
  'strong',
  'div',
];

describe('given a case whose evidence is full of hostile strings', () => {
  describe('when the report is rendered as HTML', () => {
    const html = render('html');

    it('then the page holds only our own markup: no script, no handler, no inline style, no link out of the page', () => {
      expect(html).not.toMatch(/<script/i);
      expect([...tagNames(html)].filter((tag) => !ALLOWED_TAGS.includes(tag))).toEqual([]);
      // Attributes of real tags only (an escaped "&lt;img onerror=…" is text): no handler, style or source among them.
      const attributes = new Set(
        (html.match(/<[a-zA-Z][^>]*>/g) ?? []).flatMap((tag) =>
          [...tag.matchAll(/\s([a-zA-Z-]+)=/g)].map((match) => (match[1] as string).toLowerCase()),
        ),
      );
      expect([...attributes].sort()).toEqual([
        'aria-label',
        'charset',
        'class',
        'content',
        'href',
        'http-equiv',
        'id',
        'lang',
        'name',
      ]);
      const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((match) => match[1] as string);
      expect(hrefs.length).toBeGreaterThan(0);
      expect(hrefs.filter((href) => !/^#[a-z0-9-]+$/.test(href))).toEqual([]);
    });

    it('then every hostile string is there, escaped as entities and with its control, bidi and zero-width characters visible', () => {
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html).toContain('](javascript:alert(2))');
      expect(html).toContain('&lt;img src=x onerror=alert(4)&gt;');
      expect(html).toContain('\\x1b[31mred\\x1b[0m');
      expect(html).toContain('\\u{202e}gpj.exe');
      expect(html).toContain('\\u{200b}hidden');
      expect(html).toContain('&amp;lt;');
      expect(html).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200b-\u200f]/);
    });

    it("then the CSP admits exactly the page's own style by its SHA-256 and nothing else", () => {
      const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1];
      expect(style).toBe(REPORT_CSS);
      const hash = createHash('sha256')
        .update(style ?? '')
        .digest('base64');
      const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1];
      expect(csp).toBe(REPORT_CSP);
      expect(csp).toBe(
        `default-src 'none'; style-src 'sha256-${hash}'; img-src data:; base-uri 'none'; form-action 'none'`,
      );
      expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<style>'));
    });
  });

  describe('when the report is rendered as Markdown and read by markdown-it with raw HTML and linkify on', () => {
    const markdown = render('md');
    const parser = new MarkdownIt({ html: true, linkify: true });
    const rendered = parser.render(markdown);

    it('then it makes no raw HTML, no link, no image: the only tags are Markdown structure', () => {
      expect(rendered).not.toMatch(/<script|<img|<a\s|<iframe/i);
      const tags = [...rendered.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)/g)].map((match) =>
        (match[1] as string).toLowerCase(),
      );
      expect(
        [...new Set(tags)].filter(
          (tag) =>
            !['h1', 'h2', 'h3', 'p', 'ul', 'li', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'strong', 'hr'].includes(
              tag,
            ),
        ),
      ).toEqual([]);
    });

    it('then GFM autolinks cannot form either: URLs, www. names and e-mail addresses are shown with a visible escape', () => {
      expect(markdown).not.toMatch(/https?:\/\//i);
      expect(markdown).not.toMatch(/\bwww\./i);
      expect(markdown).not.toMatch(/[A-Za-z0-9]@[A-Za-z0-9-]+\./);
      expect(rendered).toContain('https:\\x2f/evil.example/p');
      expect(rendered).toContain('www\\x2eevil.example');
    });

    it('then the hostile strings read back visible, and a leading "#" or "-" starts no heading or list', () => {
      expect(rendered).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(rendered).toContain('](javascript:alert(2))');
      expect(rendered).toContain('\\x1b[31mred\\x1b[0m');
      expect(rendered).toContain('\\u{202e}gpj.exe');
      expect(markdown).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u200b-\u200f]/);
      const hostileNote = renderReportText(
        assembleReport({
          ...incidentInputs(),
          annotations: [{ id: 'n', at: '2026-11-23T00:00:00Z', operator: '# boss', kind: 'note', text: '- [ ] x' }],
        }),
        'md',
      );
      expect(parser.render(hostileNote)).toContain('<li>2026-11-23T00:00:00Z · # boss · note: - [ ] x</li>');
    });

    it('then table rows keep their columns although evidence holds "|"', () => {
      const evidence = markdown.split('\n').filter((line) => line.startsWith('| mount-data'));
      expect(evidence).toHaveLength(1);
      expect((evidence[0] ?? '').split(/(?<!\\)\|/).length - 2).toBe(7);
    });
  });

  describe('when it is rendered twice, or from the same case read in another order', () => {
    it('then both formats are byte-identical', () => {
      const shuffled = incidentInputs();
      shuffled.items = [...shuffled.items].reverse();
      shuffled.json = [...shuffled.json].reverse();
      if ('events' in shuffled.timeline) shuffled.timeline.events = [...shuffled.timeline.events].reverse();
      for (const format of ['md', 'html'] as const) {
        const first = render(format);
        expect(render(format)).toBe(first);
        expect(render(format, shuffled)).toBe(first);
      }
    });
  });
});

describe('the SHA-256 the CSP is computed with (pure TypeScript, no crypto in the common layer)', () => {
  it.each([
    ['empty', ''],
    ['short', 'abc'],
    ['55 bytes (one block with its padding)', 'a'.repeat(55)],
    ['56 bytes (padding spills into a second block)', 'a'.repeat(56)],
    ['64 bytes', 'b'.repeat(64)],
    ['multi-byte and astral UTF-8', 'ünïcødé \u{1f600} \u202e'],
    ["the report's stylesheet", REPORT_CSS],
  ])('given %s text, then it equals node:crypto', (_name, text) => {
    expect(sha256Base64(text)).toBe(createHash('sha256').update(text, 'utf8').digest('base64'));
  });
});
