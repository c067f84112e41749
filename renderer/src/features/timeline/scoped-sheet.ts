// Geometry that changes at run time (a list's scroll height, its window's offset) as rules in a constructable
// stylesheet scoped to one element's class: the CSP (style-src 'self') forbids inline style attributes, and the
// rules carry only numbers computed here, never text from evidence.
import { useEffect, useMemo, useRef } from 'react';

let instances = 0;

export interface ScopedSheet {
  /** The class that scopes the rules: put it on the element they style. */
  scope: string;
  /** Replaces the rules (a no-op when the text is unchanged). */
  set(css: string): void;
}

export function useScopedSheet(prefix: string): ScopedSheet {
  const scope = useMemo(() => `${prefix}-${(instances += 1)}`, [prefix]);
  const sheet = useMemo(() => new CSSStyleSheet(), []);
  const last = useRef('');
  useEffect(() => {
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    return () => {
      document.adoptedStyleSheets = document.adoptedStyleSheets.filter((candidate) => candidate !== sheet);
    };
  }, [sheet]);
  return useMemo(
    () => ({
      scope,
      set(css: string) {
        if (css === last.current) return;
        last.current = css;
        sheet.replaceSync(css);
      },
    }),
    [scope, sheet],
  );
}
