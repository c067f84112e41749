// Socket syscalls: socket, bind, listen, connect (and its SO_ERROR outcome), accept, send and receive.
import { socketOfNote } from './replay-core.js';
import type { FdEntry, SocketInfo } from './replay-fds.js';
import { argsOf, bracketValue, fdPair, hasFlag, sockAddr } from './strace-args.js';
import { leadingInt, splitHostPort } from './strace-scan.js';
import {
  type Register,
  type Handler,
  resultOf,
  fdOf,
  returnNote,
  entryAt,
  family,
  protocolOf,
  endpoint,
  socketOf,
  netRecord,
  datagram,
  addBytes,
} from './replay-call-kit.js';

function sendOrReceive(outgoing: boolean, addressIndex: number): Handler {
  return (core, event, process) => {
    const args = argsOf(event);
    const value = fdOf(args[0]);
    if (value === undefined) return;
    const entry = core.entryOf(process, value);
    const bytes = leadingInt(event.ret);
    const address = addressIndex < 0 ? undefined : sockAddr(args[addressIndex]);
    if (address !== undefined && address.address !== null) {
      datagram(core, event, process, outgoing ? 'sendto' : 'recvfrom', value, entry, address, bytes);
      return;
    }
    if (entry !== undefined && bytes > 0) addBytes(core, event, process, value.fd, entry, bytes, outgoing);
  };
}

export function networkCalls(on: Register): void {
  on(['socket'], (core, event, process) => {
    const args = argsOf(event);
    const familyName = family(args[0]);
    const result = resultOf(event);
    const fd = leadingInt(event.ret);
    const note = result === 'ok' ? returnNote(event.ret, fd) : undefined;
    const socket: SocketInfo = {
      family: familyName,
      protocol: (note === undefined ? null : socketOfNote(note)?.protocol) ?? protocolOf(familyName, args[1]),
      local: null,
      remote: null,
    };
    netRecord(core, event, process, 'socket', result === 'ok' ? fd : null, socket, undefined, result);
    if (result === 'ok' && fd >= 0) {
      core.install(
        process,
        fd,
        core.newEntry('socket', null, args[1] ?? null, hasFlag(args[1], 'SOCK_CLOEXEC'), socket, null),
      );
    }
  });

  on(['socketpair'], (core, event, process) => {
    if (resultOf(event) !== 'ok') return;
    const args = argsOf(event);
    const pair = fdPair(args[3]);
    if (pair === undefined) return;
    const familyName = family(args[0]);
    const socket: SocketInfo = {
      family: familyName,
      protocol: protocolOf(familyName, args[1]),
      local: null,
      remote: null,
    };
    for (const end of pair) {
      core.install(
        process,
        end.fd,
        core.newEntry('socket', null, args[1] ?? null, hasFlag(args[1], 'SOCK_CLOEXEC'), socket, null),
      );
    }
  });

  on(['bind'], (core, event, process) => {
    const args = argsOf(event);
    const value = fdOf(args[0]);
    if (value === undefined) return;
    const entry = core.entryOf(process, value);
    const address = sockAddr(args[1]);
    const socket = socketOf(entry, value.note);
    const result = resultOf(event);
    netRecord(core, event, process, 'bind', value.fd, socket, address, result);
    if (result === 'ok' && entry !== undefined && address !== undefined) {
      core.install(process, value.fd, {
        ...entry,
        socket: { ...socket, local: endpoint(address.address, address.port) },
      });
    }
  });

  on(['listen'], (core, event, process) => {
    const value = fdOf(argsOf(event)[0]);
    if (value === undefined) return;
    const entry = core.entryOf(process, value);
    const socket = socketOf(entry, value.note);
    const local = socket.local === null ? { address: null, port: null } : splitHostPort(socket.local);
    netRecord(core, event, process, 'listen', value.fd, socket, { ...local, family: socket.family }, resultOf(event));
  });

  on(['connect'], (core, event, process) => {
    const args = argsOf(event);
    const value = fdOf(args[0]);
    if (value === undefined) return;
    const address = sockAddr(args[1]);
    if (address?.family === 'AF_UNSPEC') return;
    const entry = core.entryOf(process, value);
    const socket = socketOf(entry, value.note);
    const result = resultOf(event);
    const record = netRecord(core, event, process, 'connect', value.fd, socket, address, result);
    if (entry === undefined || (result !== 'ok' && result !== 'EINPROGRESS')) return;
    const remote = endpoint(address?.address ?? null, address?.port ?? null);
    const connected: FdEntry = { ...entry, socket: { ...socket, remote: remote ?? socket.remote }, counter: record };
    core.install(process, value.fd, connected);
    if (result === 'EINPROGRESS') core.pendingConnects.set(entry.desc, record);
  });

  on(['getsockopt'], (core, event, process) => {
    const args = argsOf(event);
    if (args[2] !== 'SO_ERROR' || resultOf(event) !== 'ok') return;
    const entry = entryAt(core, process, args[0]);
    if (entry === undefined) return;
    const record = core.pendingConnects.get(entry.desc);
    const value = bracketValue(args[3]);
    if (record === undefined || value === undefined) return;
    core.pendingConnects.delete(entry.desc);
    record.result = value === '0' ? 'ok' : value;
  });

  on(['accept', 'accept4'], (core, event, process) => {
    const args = argsOf(event);
    const listener = fdOf(args[0]);
    if (listener === undefined) return;
    const listening = core.entryOf(process, listener);
    const result = resultOf(event);
    const fd = leadingInt(event.ret);
    const note = result === 'ok' ? returnNote(event.ret, fd) : undefined;
    const socket = socketOf(listening, note);
    const peer = sockAddr(args[1]);
    const fromNote = socket.remote === null ? null : splitHostPort(socket.remote);
    const address = peer?.address != null ? peer : fromNote === null ? peer : { ...fromNote, family: socket.family };
    const record = netRecord(core, event, process, 'accept', result === 'ok' ? fd : null, socket, address, result);
    if (result === 'ok' && fd >= 0) {
      const remote = socket.remote ?? endpoint(peer?.address ?? null, peer?.port ?? null);
      const cloexec = hasFlag(args[3], 'SOCK_CLOEXEC');
      core.install(process, fd, core.newEntry('socket', null, null, cloexec, { ...socket, remote }, record));
    }
  });

  on(['sendto'], sendOrReceive(true, 4));

  on(['recvfrom'], sendOrReceive(false, 4));

  on(['send'], sendOrReceive(true, -1));

  on(['recv'], sendOrReceive(false, -1));

  on(['sendmsg', 'recvmsg', 'sendmmsg', 'recvmmsg'], (core, event, process) => {
    const args = argsOf(event);
    const value = fdOf(args[0]);
    if (value === undefined) return;
    const outgoing = event.name.startsWith('send');
    const name = /msg_name=(\{[^}]*\})/.exec(args[1] ?? '')?.[1];
    const address = sockAddr(name);
    const entry = core.entryOf(process, value);
    const bytes = event.name.endsWith('mmsg') ? 0 : leadingInt(event.ret);
    if (address !== undefined && address.address !== null) {
      datagram(core, event, process, outgoing ? 'sendto' : 'recvfrom', value, entry, address, bytes);
    } else if (entry !== undefined && bytes > 0) {
      addBytes(core, event, process, value.fd, entry, bytes, outgoing);
    }
  });
}
