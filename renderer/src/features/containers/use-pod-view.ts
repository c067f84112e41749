// Subscribes to the host's live pod stream (every kubeconfig context) and keeps the folded view in React state.
import { useEffect, useState } from 'react';
import type { AppClient } from '../../../../src/contract/app-contract.js';
import { applyPodChange, emptyPodView, type PodView } from '../../../../src/capture/common/kubernetes-view.js';

export function usePodView(client: AppClient): { view: PodView; error: string | undefined } {
  const [view, setView] = useState<PodView>(emptyPodView);
  const [error, setError] = useState<string>();
  useEffect(() => {
    setView(emptyPodView);
    setError(undefined);
    return client.kubernetes.watchPods(
      {},
      (change) => setView((current) => applyPodChange(current, change)),
      (failure) => setError(failure.message),
    );
  }, [client]);
  return { view, error };
}
