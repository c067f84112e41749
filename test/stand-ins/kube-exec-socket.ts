// Stand-in kubelet streaming: exec/attach over websockets with the channel subprotocols (v4/v5.channel.k8s.io).
//
// Framing as the apiserver/kubelet send it: every binary message starts with its channel byte (1 stdout, 2 stderr,
// 3 the error/status channel carrying a Status JSON). v5 adds the close signal (channel 255 + a stream id) that a
// client sends to half-close its stdin; the server never sends it, it ends a session with the status and a close.
import type { WebSocket } from 'ws';
import type { RuntimeProcess } from './kube-runtime.js';

export type ChannelProtocol = 'v5.channel.k8s.io' | 'v4.channel.k8s.io';

const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const CLOSE = 255;

/** Close signals the client sent (v5 only), by socket: what a test can assert about half-closed streams. */
export const closeSignals = new WeakMap<WebSocket, number[]>();

/** Listens for the client's frames: a v5 close signal is recorded; anything on a v4 socket on channel 255 is a protocol error. */
export function acceptClientFrames(socket: WebSocket): void {
  socket.on('message', (data: Buffer) => {
    if (data[0] !== CLOSE) return;
    if (socket.protocol !== 'v5.channel.k8s.io') {
      socket.close(1002, 'close signal outside v5.channel.k8s.io');
      return;
    }
    closeSignals.set(socket, [...(closeSignals.get(socket) ?? []), data[1] ?? -1]);
  });
}

/** The subprotocol the stand-in picks from what the client offered: the preferred one when offered, else v4. */
export function chooseProtocol(offered: Set<string>, preferred: ChannelProtocol): ChannelProtocol | false {
  if (offered.has(preferred)) return preferred;
  if (offered.has('v4.channel.k8s.io')) return 'v4.channel.k8s.io';
  return false;
}

function frame(channel: number, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from([channel]), data]);
}

/** The Status a kubelet sends on channel 3 when the process ended (remotecommand's v4 error stream). */
export function exitStatus(code: number, command: string[]): Record<string, unknown> {
  if (code === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

async function pump(source: NodeJS.ReadableStream, socket: WebSocket, channel: number): Promise<void> {
  for await (const chunk of source) {
    if (socket.readyState !== socket.OPEN) return;
    await new Promise<void>((resolve) => socket.send(frame(channel, chunk as Buffer), () => resolve()));
  }
}

/** Streams a process over the socket, then its status, then closes; `cutAfterBytes` drops the socket mid-stream. */
export async function serveProcess(
  socket: WebSocket,
  process: RuntimeProcess,
  command: string[],
  options: { cutAfterBytes?: number } = {},
): Promise<void> {
  if (options.cutAfterBytes !== undefined) {
    let sent = 0;
    for await (const chunk of process.stdout) {
      const buffer = chunk as Buffer;
      const room = options.cutAfterBytes - sent;
      if (room <= 0) break;
      socket.send(frame(STDOUT, buffer.subarray(0, room)));
      sent += Math.min(room, buffer.length);
    }
    socket.terminate();
    return;
  }
  await Promise.all([pump(process.stdout, socket, STDOUT), pump(process.stderr, socket, STDERR)]);
  const code = await process.exited;
  if (socket.readyState !== socket.OPEN) return;
  socket.send(frame(STATUS, Buffer.from(JSON.stringify(exitStatus(code, command)))));
  socket.close(1000);
}
