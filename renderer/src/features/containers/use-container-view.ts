// Subscribes to the host's live container stream and keeps the folded view in React state.
import { useEffect, useState } from 'react';
import type { AppClient } from '../../../../src/contract/app-contract.js';
import {
  applyContainerChange,
  emptyContainerView,
  type ContainerView,
} from '../../../../src/capture/common/container-view.js';

export function useContainerView(client: AppClient): { view: ContainerView; error: string | undefined } {
  const [view, setView] = useState<ContainerView>(emptyContainerView);
  const [error, setError] = useState<string>();
  useEffect(() => {
    setView(emptyContainerView);
    setError(undefined);
    return client.capture.watchContainers(
      {},
      (change) => setView((current) => applyContainerChange(current, change)),
      (failure) => setError(failure.message),
    );
  }, [client]);
  return { view, error };
}
