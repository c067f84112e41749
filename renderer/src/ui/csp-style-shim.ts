// xterm.js writes its dynamic CSS into <style> elements, which our CSP (style-src 'self') refuses; this hands such
// code inert elements and applies their text through a constructable stylesheet instead (CSSOM, not inline markup).
//
// Why not 'unsafe-inline': the CSP stays strict for every other path, and nothing from evidence ever reaches this
// shim — it only carries the CSS that bundled libraries generate.

let installed = false;

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

  // Removal from the page (xterm disposes its elements) drops the sheet too.
  new MutationObserver((mutations) => {
    for (const mutation of mutations) {
      for (const node of mutation.removedNodes) if (node instanceof Element && sheets.has(node)) detach(node);
      for (const node of mutation.addedNodes)
        if (node instanceof HTMLTemplateElement && 'cssCarrier' in node.dataset) apply(node);
    }
  }).observe(document.documentElement, { childList: true, subtree: true });
}
