// xterm.js writes its dynamic CSS into <style> elements, which our CSP (style-src 'self') refuses; this hands such
// code inert elements and applies their text through a constructable stylesheet instead (CSSOM, not inline markup).
//
// Why not 'unsafe-inline': the CSP stays strict for every other path, and nothing from evidence ever reaches this
// shim — it only carries the CSS that bundled libraries generate (and xterm's numeric cell colours, below).

let installed = false;

// One colour declaration as xterm writes it or as the browser serializes it back: a hex or rgb()/rgba() value only.
const COLOUR_DECLARATION = String.raw`\s*(?:color|background-color)\s*:\s*(?:#[0-9a-f]{6}(?:[0-9a-f]{2})?|rgba?\(\s*[\d.]+\s*(?:,\s*[\d.]+\s*){2,3}\))\s*;`;
const COLOURS_ONLY = new RegExp(`^(?:${COLOUR_DECLARATION})+\\s*$`, 'i');

/** True for an inline style made only of colour declarations with numeric values: nothing that loads or shows text. */
export function isColourOnlyStyle(value: string): boolean {
  return COLOURS_ONLY.test(value);
}

export function installCspStyleShim(): void {
  if (installed) return;
  installed = true;
  const createElement = document.createElement.bind(document);
  const sheets = new Map<Element, CSSStyleSheet>();

  const apply = (element: Element): void => {
    let sheet = sheets.get(element);
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheets.set(element, sheet);
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    }
    sheet.replaceSync(element.textContent ?? '');
  };
  const detach = (element: Element): void => {
    const sheet = sheets.get(element);
    if (!sheet) return;
    sheets.delete(element);
    document.adoptedStyleSheets = document.adoptedStyleSheets.filter((candidate) => candidate !== sheet);
  };

  // A <template> never renders and never applies its content, so no CSP check fires; its textContent is the CSS.
  document.createElement = ((tagName: string, options?: ElementCreationOptions) => {
    if (tagName.toLowerCase() !== 'style') return createElement(tagName, options);
    const carrier = createElement('template');
    carrier.dataset.cssCarrier = '';
    new MutationObserver(() => (carrier.isConnected ? apply(carrier) : detach(carrier))).observe(carrier, {
      childList: true,
      characterData: true,
      subtree: true,
    });
    return carrier;
  }) as typeof document.createElement;

  // xterm's DOM renderer colours 24-bit (truecolour) cells with setAttribute('style', 'color:#rrggbb;…'), which the
  // CSP refuses (style-src-attr): the cell lost its colour and the page filed a violation report for each one (found
  // by the hostile-strings e2e, whose terminal payloads use truecolour). Exactly that shape goes through CSSOM
  // instead, which the CSP does not govern; any other inline style still reaches the browser and is refused as before.
  const setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (this: Element, name: string, value: string): void {
    if (name.toLowerCase() === 'style' && this instanceof HTMLElement && isColourOnlyStyle(value)) {
      this.style.cssText = value;
      return;
    }
    setAttribute.call(this, name, value);
  };

  // Removal from the page (xterm disposes its elements) drops the sheet too.
  new MutationObserver((mutations) => {
    for (const mutation of mutations) {
      for (const node of mutation.removedNodes) if (node instanceof Element && sheets.has(node)) detach(node);
      for (const node of mutation.addedNodes)
        if (node instanceof HTMLTemplateElement && 'cssCarrier' in node.dataset) apply(node);
    }
  }).observe(document.documentElement, { childList: true, subtree: true });
}
