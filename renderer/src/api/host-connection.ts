// Connects the renderer to its host over whichever pipe this window has, and reconnects a web-mode page when it drops.
import { appContract, type AppClient } from '../../../src/contract/app-contract.js';
import { createRpcClient } from '../../../src/contract/rpc-client.js';
import type { MessagePipe } from '../../../src/contract/pipe.js';
import { ipcPipe, openWebSocketPipe } from './bridge-pipes.js';

export type ConnectionState =
  | { state: 'connecting'; attempt: number; lastError?: string }
  | { state: 'connected'; client: AppClient }
  | { state: 'no-token' };

const TOKEN_KEY = 'holdcell.token';

/** The start token arrives in the URL once; keep it for this tab so a reload still connects, and drop it from the address bar. */
function startToken(): string | undefined {
  const params = new URLSearchParams(window.location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    params.delete('token');
    const search = params.toString();
    window.history.replaceState(
      null,
      '',
      `${window.location.pathname}${search ? `?${search}` : ''}${window.location.hash}`,
    );
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function connectToHost(onState: (state: ConnectionState) => void): () => void {
  let stopped = false;
  let closeClient: (() => void) | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  const attach = (pipe: MessagePipe): void => {
    const rpc = createRpcClient(appContract, pipe);
    closeClient = rpc.close;
    onState({ state: 'connected', client: rpc.api });
  };

  if (window.holdcell) {
    attach(ipcPipe(window.holdcell));
    return () => closeClient?.();
  }

  const token = startToken();
  if (token === undefined) {
    onState({ state: 'no-token' });
    return () => undefined;
  }

  const tryConnect = (attempt: number): void => {
    if (stopped) return;
    onState({ state: 'connecting', attempt });
    openWebSocketPipe(token).then(
      (pipe) => {
        if (stopped) return;
        pipe.onClose(() => {
          closeClient?.();
          if (!stopped) retryTimer = setTimeout(() => tryConnect(1), 1_000);
        });
        attach(pipe);
      },
      (error: unknown) => {
        onState({ state: 'connecting', attempt, lastError: error instanceof Error ? error.message : String(error) });
        retryTimer = setTimeout(() => tryConnect(attempt + 1), Math.min(5_000, 500 * attempt));
      },
    );
  };
  tryConnect(1);
  return () => {
    stopped = true;
    clearTimeout(retryTimer);
    closeClient?.();
  };
}
