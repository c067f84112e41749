// The case's notes and bookmarks, always as the host has them: every change goes through the host (annotations.jsonl,
// custody logged) and the list is read back from it afterwards.
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Annotation } from '../../../../src/forensics/common/timeline-model.js';
import type { TimelineClient } from './timeline-client.js';

export interface Annotations {
  list: Annotation[];
  /** Annotations per event id. */
  byEvent: ReadonlyMap<string, Annotation[]>;
  /** Ids of bookmarked events, sorted. */
  bookmarked: string[];
  error: string | undefined;
  busy: boolean;
  add(kind: Annotation['kind'], eventId: string, text: string): Promise<void>;
  withdraw(id: string): Promise<void>;
}

export function useAnnotations(client: TimelineClient, caseDir: string): Annotations {
  const [list, setList] = useState<Annotation[]>([]);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const refresh = useCallback(async () => {
    if (caseDir === '') return setList([]);
    setList(await client.listAnnotations({ caseDir }));
  }, [client, caseDir]);

  useEffect(() => {
    let current = true;
    setList([]);
    if (caseDir !== '')
      client.listAnnotations({ caseDir }).then(
        (annotations) => current && setList(annotations),
        (failure: unknown) => current && setError(failure instanceof Error ? failure.message : String(failure)),
      );
    return () => {
      current = false;
    };
  }, [client, caseDir]);

  const change = useCallback(
    async (action: () => Promise<unknown>) => {
      setBusy(true);
      setError(undefined);
      try {
        await action();
        await refresh();
      } catch (failure) {
        setError(failure instanceof Error ? failure.message : String(failure));
      } finally {
        setBusy(false);
      }
    },
    [refresh],
  );

  const byEvent = useMemo(() => {
    const map = new Map<string, Annotation[]>();
    for (const annotation of list) {
      if (annotation.eventId === undefined) continue;
      const held = map.get(annotation.eventId);
      if (held) held.push(annotation);
      else map.set(annotation.eventId, [annotation]);
    }
    return map;
  }, [list]);
  const bookmarked = useMemo(
    () => [...new Set(list.filter((a) => a.kind === 'bookmark' && a.eventId).map((a) => a.eventId as string))].sort(),
    [list],
  );

  return {
    list,
    byEvent,
    bookmarked,
    error,
    busy,
    add: useCallback(
      (kind, eventId, text) => change(() => client.annotate({ caseDir, kind, eventId, text })),
      [change, client, caseDir],
    ),
    withdraw: useCallback((id) => change(() => client.withdrawAnnotation({ caseDir, id })), [change, client, caseDir]),
  };
}
