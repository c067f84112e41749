// MessagePipe over the single 'holdcell:rpc' IPC channel of one WebContents, accepting only our app's main frame.
import type { IpcMainEvent, WebContents } from 'electron';
import { Listeners, type MessagePipe } from '../src/contract/pipe.js';
import { IPC_CHANNEL, isAllowedAppUrl } from './policy.js';

export interface IpcPipe extends MessagePipe {
  /** Messages dropped because they came from a subframe, a foreign origin or a frame that is already gone. */
  rejectedCount(): number;
  /** Detaches from the WebContents (e.g. when its main frame starts loading a new document) and fires onClose. */
  close(): void;
}

export function createIpcPipe(webContents: WebContents, log: (line: string) => void = () => undefined): IpcPipe {
  const messages = new Listeners<[unknown]>();
  const closed = new Listeners<[]>();
  let open = true;
  let rejected = 0;

  const senderProblem = (event: IpcMainEvent): string | undefined => {
    const frame = event.senderFrame;
    // null once the frame navigated or died: its message can no longer be attributed, so it is not trusted.
    if (frame === null) return 'sender frame is gone';
    if (frame !== webContents.mainFrame) return `sender is a subframe (${JSON.stringify(frame.url)})`;
    if (!isAllowedAppUrl(frame.url)) return `sender origin is not app://holdcell (${JSON.stringify(frame.url)})`;
    return undefined;
  };

  const onIpc = (event: IpcMainEvent, message: unknown): void => {
    if (!open) return;
    const problem = senderProblem(event);
    if (problem !== undefined) {
      rejected += 1;
      log(`ipc: dropped message #${rejected} on ${IPC_CHANNEL}: ${problem}`);
      return;
    }
    messages.emit(message);
  };

  const close = (): void => {
    if (!open) return;
    open = false;
    if (!webContents.isDestroyed()) {
      webContents.ipc.removeListener(IPC_CHANNEL, onIpc);
      webContents.removeListener('destroyed', close);
      webContents.removeListener('render-process-gone', close);
    }
    closed.emit();
    messages.clear();
    closed.clear();
  };

  // webContents.ipc (not the global ipcMain) so a message can only ever reach the pipe of the window that sent it.
  webContents.ipc.on(IPC_CHANNEL, onIpc);
  webContents.once('destroyed', close);
  webContents.once('render-process-gone', close);

  return {
    send(message) {
      if (!open || webContents.isDestroyed()) return;
      webContents.send(IPC_CHANNEL, message);
    },
    onMessage: (listener) => messages.add(listener),
    onClose(listener) {
      if (!open) {
        // A late subscriber still learns that the pipe is gone instead of waiting forever.
        queueMicrotask(listener);
        return () => undefined;
      }
      return closed.add(listener);
    },
    rejectedCount: () => rejected,
    close,
  };
}
