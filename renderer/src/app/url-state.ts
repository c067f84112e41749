// View state lives in the URL hash (#/<view>?case=…&q=…), so a view can be bookmarked, shared in a ticket or restored.
import { useCallback, useMemo, useSyncExternalStore } from 'react';

export const VIEWS = ['containers', 'case', 'diff', 'replay', 'timeline', 'sandbox', 'report'] as const;
export type View = (typeof VIEWS)[number];

interface Route {
  view: View;
  params: URLSearchParams;
}

function parseHash(hash: string): Route {
  const body = hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = body.split('?', 2);
  const view = (VIEWS as readonly string[]).includes(path) ? (path as View) : 'containers';
  return { view, params: new URLSearchParams(query) };
}

/** A link to a view with exactly these parameters (for anchors that open a view in a given state). */
export function viewHref(view: View, params: Record<string, string>): string {
  const query = new URLSearchParams(params).toString();
  return `#/${view}${query ? `?${query}` : ''}`;
}

function writeHash(route: Route): void {
  const query = route.params.toString();
  window.history.replaceState(
    null,
    '',
    `${window.location.pathname}${window.location.search}#/${route.view}${query ? `?${query}` : ''}`,
  );
  // replaceState fires no event; tell the subscribers ourselves.
  window.dispatchEvent(new Event('holdcell:route'));
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  window.addEventListener('holdcell:route', onChange);
  return () => {
    window.removeEventListener('hashchange', onChange);
    window.removeEventListener('holdcell:route', onChange);
  };
}

const currentHash = (): string => window.location.hash;

export function useView(): [View, (view: View) => void] {
  const hash = useSyncExternalStore(subscribe, currentHash);
  const go = useCallback((view: View) => writeHash({ ...parseHash(window.location.hash), view }), []);
  return [parseHash(hash).view, go];
}

/** Sets several URL parameters at once ('' removes one), e.g. a seek that also selects a process. */
export function setHashParams(updates: Record<string, string>): void {
  const route = parseHash(window.location.hash);
  for (const [name, value] of Object.entries(updates)) {
    if (value === '') route.params.delete(name);
    else route.params.set(name, value);
  }
  writeHash(route);
}

/** One URL parameter shared by every view (e.g. the open case survives switching views). */
export function useHashParam(name: string): [string, (value: string) => void] {
  const hash = useSyncExternalStore(subscribe, currentHash);
  const update = useCallback(
    (next: string) => {
      const route = parseHash(window.location.hash);
      if (next === '') route.params.delete(name);
      else route.params.set(name, next);
      writeHash(route);
    },
    [name],
  );
  return [parseHash(hash).params.get(name) ?? '', update];
}

/** Every URL parameter of the current view (for views with many, e.g. the timeline's filters). */
export function useHashParams(): URLSearchParams {
  const hash = useSyncExternalStore(subscribe, currentHash);
  return useMemo(() => parseHash(hash).params, [hash]);
}
