// The diff's "Who wrote this?" link into the replay, shown only when the case holds syscall traces to ask.
import { useEffect, useState } from 'react';
import type { AppClient } from '../../../../src/contract/app-contract.js';
import { replayHref, tracePathFromDiff } from './replay-route.js';

export function WhoWroteLink({ client, caseDir, path }: { client: AppClient; caseDir: string; path: string }) {
  const [hasTraces, setHasTraces] = useState(false);
  useEffect(() => {
    let current = true;
    client.forensics.openCase({ caseDir }).then(
      (summary) => current && setHasTraces(summary.items.some((item) => item.kind === 'syscall-trace')),
      () => current && setHasTraces(false),
    );
    return () => {
      current = false;
    };
  }, [client, caseDir]);
  if (!hasTraces) return null;
  return (
    <a className="who-wrote-link" href={replayHref(caseDir, tracePathFromDiff(path))}>
      Who wrote this?
    </a>
  );
}
