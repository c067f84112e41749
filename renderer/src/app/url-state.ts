// View state lives in the URL hash (#/containers?q=…), so a view can be bookmarked, shared in a ticket or restored.
import { useCallback, useEffect, useState } from 'react';

function readHashParams(): URLSearchParams {
  const hash = window.location.hash.replace(/^#/, '');
  const query = hash.includes('?') ? hash.slice(hash.indexOf('?') + 1) : '';
  return new URLSearchParams(query);
}

export function useHashParam(name: string): [string, (value: string) => void] {
  const [value, setValue] = useState(() => readHashParams().get(name) ?? '');
  useEffect(() => {
    const onHashChange = (): void => setValue(readHashParams().get(name) ?? '');
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, [name]);
  const update = useCallback(
    (next: string) => {
      const params = readHashParams();
      if (next === '') params.delete(name);
      else params.set(name, next);
      const query = params.toString();
      window.history.replaceState(
        null,
        '',
        `${window.location.pathname}${window.location.search}#/containers${query ? `?${query}` : ''}`,
      );
      setValue(next);
    },
    [name],
  );
  return [value, update];
}
