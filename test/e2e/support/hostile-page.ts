// Watches a workbench page for anything hostile evidence could make it do, and scans what it renders for raw characters.
//
// What "anything" means: a script ran (the corpus's canary global, CSP violation events and console reports), a
// request or WebSocket left the workbench's origin, a frame navigated elsewhere, a popup or dialog opened, the
// clipboard or the window title was touched. What "raw characters" means: a control (C0, DEL, C1), format (bidi,
// zero-width, tags…), surrogate or line/paragraph-separator code point, a Hangul filler or a supplementary variation
// selector, in the text the page renders, in its human-facing attributes, or in the report preview's document.
import type { Page } from '@playwright/test';
import { CANARY_GLOBAL } from '../../support/hostile-strings.js';

/**
 * Code points that must never reach the screen raw. General categories Cc, Cf, Cs, Zl, Zp, noncharacters, the Hangul
 * fillers that render as blank letters, and the supplementary variation selectors that hide a byte each. "\n" and "\t" are
 * allowed where the check says so: layout puts them into innerText.
 */
export const RAW_PATTERN =
  '[\\p{Cc}\\p{Cf}\\p{Cs}\\p{Zl}\\p{Zp}\\p{Noncharacter_Code_Point}\\u115f\\u1160\\u3164\\uffa0\\u{e0100}-\\u{e01ef}]';

export interface Incidents {
  scriptRan: string[];
  csp: string[];
  requests: string[];
  navigations: string[];
  popups: string[];
  dialogs: string[];
  clipboard: string[];
  title: string[];
  errors: string[];
}

export interface PageWatch {
  /** Everything seen so far (plus the page's own records, read now); every list must stay empty. */
  incidents(): Promise<Incidents>;
}

/**
 * Console errors that are not the page doing something: Playwright reaching into the sandboxed report frame is
 * refused (Chromium logs it), and xterm.js logs each byte its parser finds out of place (DEL, a stray U+FFFD after
 * ESC) — the evidence is malformed terminal output, which the replay exists to show.
 */
const EXPECTED_CONSOLE = [
  /^Blocked script execution in 'about:srcdoc' because the document's frame is sandboxed/,
  /^xterm\.js: Parsing error: /,
];

function noIncidents(): Incidents {
  return {
    scriptRan: [],
    csp: [],
    requests: [],
    navigations: [],
    popups: [],
    dialogs: [],
    clipboard: [],
    title: [],
    errors: [],
  };
}

export async function watchPage(page: Page, origin: string): Promise<PageWatch> {
  const seen = noIncidents();
  // Before any app code: the violation listener, and a clipboard that records instead of writing (no permission is
  // granted either, so a real write would fail; this makes an attempt visible).
  await page.addInitScript(() => {
    const record = { csp: [] as string[], clipboard: [] as string[] };
    Object.defineProperty(window, '__hostileWatch', { value: record });
    document.addEventListener(
      'securitypolicyviolation',
      (event) =>
        record.csp.push(
          `${event.violatedDirective} ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber} ${event.sample}`,
        ),
      true,
    );
    const clipboard = navigator.clipboard as Clipboard | undefined;
    if (clipboard) {
      clipboard.writeText = async (text: string) => void record.clipboard.push(`writeText:${text}`);
      clipboard.write = async () => void record.clipboard.push('write');
    }
    const execCommand = document.execCommand.bind(document);
    document.execCommand = (command: string, ...rest: [boolean?, string?]) => {
      record.clipboard.push(`execCommand:${command}`);
      return execCommand(command, ...rest);
    };
  });
  const own = (url: string): boolean => url.startsWith(`${origin}/`) || url === origin;
  page.on('request', (request) => {
    if (!own(request.url())) seen.requests.push(`${request.method()} ${request.url()}`);
  });
  page.on('websocket', (socket) => {
    if (!socket.url().startsWith(origin.replace(/^http/, 'ws'))) seen.requests.push(`websocket ${socket.url()}`);
  });
  page.on('framenavigated', (frame) => {
    const url = frame.url();
    if (!own(url) && url !== 'about:srcdoc' && url !== 'about:blank') seen.navigations.push(url);
  });
  page.on('popup', (popup) => seen.popups.push(popup.url()));
  page.context().on('page', (opened) => {
    if (opened !== page) seen.popups.push(opened.url());
  });
  page.on('dialog', (dialog) => {
    seen.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('console', (message) => {
    const text = message.text();
    if (message.location().url.endsWith('/favicon.ico') || EXPECTED_CONSOLE.some((known) => known.test(text))) return;
    if (text.includes('Content Security Policy')) seen.csp.push(`console: ${text}`);
    else if (message.type() === 'error') seen.errors.push(`console: ${text}`);
  });
  page.on('pageerror', (error) => seen.errors.push(`pageerror: ${error.message}`));

  return {
    async incidents() {
      const inPage = await page.evaluate((canary) => {
        const record = (window as unknown as { __hostileWatch?: { csp: string[]; clipboard: string[] } })
          .__hostileWatch;
        const value = (window as unknown as Record<string, unknown>)[canary];
        return {
          canary: value === undefined ? [] : [`window.${canary} = ${String(value)}`],
          csp: record?.csp ?? ['the watch script did not run'],
          clipboard: record?.clipboard ?? [],
          title: document.title === 'HoldCell' ? [] : [`title is ${JSON.stringify(document.title)}`],
        };
      }, CANARY_GLOBAL);
      return {
        ...seen,
        scriptRan: [...seen.scriptRan, ...inPage.canary],
        csp: [...seen.csp, ...inPage.csp.map((entry) => `event: ${entry}`)],
        clipboard: [...seen.clipboard, ...inPage.clipboard],
        title: [...seen.title, ...inPage.title],
      };
    },
  };
}

/** What a surface must end with: every kind of incident, none seen. */
export const NO_INCIDENTS: Incidents = noIncidents();

export interface RenderScan {
  /** "where: U+XXXX in …context…" for each raw code point found (the first 40). */
  raw: string[];
  /** How many elements, attributes and characters were looked at (so a scan of nothing cannot pass silently). */
  elements: number;
  characters: number;
}

/**
 * Scans the page (or the part under `selector`): innerText (layout newlines and tabs allowed), textContent
 * (newlines allowed), the human-facing attributes (title, alt, placeholder, aria-*: nothing allowed), and each
 * report preview's srcdoc document parsed inertly (DOMParser runs nothing and loads nothing).
 */
export async function scanRendered(page: Page, selector = 'body'): Promise<RenderScan> {
  return page.evaluate(
    ({ pattern, selector }) => {
      const raw: string[] = [];
      const anyRaw = new RegExp(pattern, 'u');
      const find = (where: string, text: string, allowed: string): void => {
        for (let index = 0; index < text.length && raw.length < 40;) {
          const code = text.codePointAt(index) ?? 0;
          const char = String.fromCodePoint(code);
          if (anyRaw.test(char) && !allowed.includes(char)) {
            const context = JSON.stringify(text.slice(Math.max(0, index - 24), index + 24));
            raw.push(`${where}: U+${code.toString(16).toUpperCase().padStart(4, '0')} in ${context}`);
          }
          index += char.length;
        }
      };
      const roots = [...document.querySelectorAll<HTMLElement>(selector)];
      let elements = 0;
      let characters = 0;
      for (const root of roots) {
        const inner = root.innerText;
        const content = root.textContent ?? '';
        characters += content.length;
        find(`${selector} innerText`, inner, '\n\t');
        find(`${selector} textContent`, content, '\n');
        for (const element of [root, ...root.querySelectorAll('*')]) {
          elements += 1;
          for (const attribute of element.attributes) {
            const name = attribute.name;
            if (name === 'title' || name === 'alt' || name === 'placeholder' || name.startsWith('aria-'))
              find(`<${element.tagName.toLowerCase()} ${name}>`, attribute.value, '');
          }
          if (element instanceof HTMLIFrameElement && element.srcdoc) {
            const report = new DOMParser().parseFromString(element.srcdoc, 'text/html');
            characters += report.body.textContent?.length ?? 0;
            find('report preview textContent', report.body.textContent ?? '', '\n');
            for (const inner of report.querySelectorAll('*'))
              for (const attribute of inner.attributes)
                if (attribute.name === 'title' || attribute.name === 'alt' || attribute.name.startsWith('aria-'))
                  find(`report <${inner.tagName.toLowerCase()} ${attribute.name}>`, attribute.value, '');
          }
        }
      }
      return { raw, elements, characters };
    },
    { pattern: RAW_PATTERN, selector },
  );
}

/**
 * The ids of `expected` entries whose shown form is not in the text under `selector` (textContent, and for a
 * report frame its srcdoc's textContent): proves each string reached the surface, escaped exactly as promised.
 */
export async function missingShown(
  page: Page,
  expected: readonly { id: string; shown: string }[],
  selector = 'body',
): Promise<string[]> {
  return page.evaluate(
    ({ expected, selector }) => {
      const texts = [...document.querySelectorAll<HTMLElement>(selector)].map((element) =>
        element instanceof HTMLIFrameElement
          ? (new DOMParser().parseFromString(element.srcdoc, 'text/html').body.textContent ?? '')
          : (element.textContent ?? ''),
      );
      const text = texts.join('\n');
      return expected.filter((entry) => !text.includes(entry.shown)).map((entry) => entry.id);
    },
    { expected, selector },
  );
}
