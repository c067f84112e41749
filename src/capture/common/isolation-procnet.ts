// Parses the kernel's /proc text (net/tcp, net/udp, net/unix, status) of a suspect's processes into plain records.
//
// These are conveniences for the reader of a host-proc item; the raw tables are stored beside them, because a
// socket path chosen by the suspect can contain a newline and so forge a line of /proc/net/unix.

export interface InetSocket {
  /** Kernel slot number ("sl"). */
  slot: number;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  state: string;
  uid: number;
  inode: number;
}

export interface UnixSocket {
  inode: number;
  type: string;
  state: string;
  /** True when the socket accepts connections (__SO_ACCEPTCON). */
  listening: boolean;
  /** Bound path; abstract names start with "@"; null when unbound. */
  path: string | null;
}

const TCP_STATES: Readonly<Record<number, string>> = {
  0x01: 'ESTABLISHED',
  0x02: 'SYN_SENT',
  0x03: 'SYN_RECV',
  0x04: 'FIN_WAIT1',
  0x05: 'FIN_WAIT2',
  0x06: 'TIME_WAIT',
  0x07: 'CLOSE',
  0x08: 'CLOSE_WAIT',
  0x09: 'LAST_ACK',
  0x0a: 'LISTEN',
  0x0b: 'CLOSING',
  0x0c: 'NEW_SYN_RECV',
};

const UNIX_TYPES: Readonly<Record<number, string>> = { 1: 'STREAM', 2: 'DGRAM', 5: 'SEQPACKET' };
const UNIX_STATES: Readonly<Record<number, string>> = {
  1: 'UNCONNECTED',
  2: 'CONNECTING',
  3: 'CONNECTED',
  4: 'DISCONNECTING',
};
const SO_ACCEPTCON = 0x10000;

/** The kernel prints each 32-bit word of an address in host byte order; on little-endian hosts its bytes are reversed. */
function wordBytes(hex: string, littleEndian: boolean): number[] {
  const bytes: number[] = [];
  for (let offset = 0; offset < hex.length; offset += 8) {
    const word = hex.slice(offset, offset + 8);
    const pairs = [0, 2, 4, 6].map((at) => Number.parseInt(word.slice(at, at + 2), 16));
    bytes.push(...(littleEndian ? pairs.reverse() : pairs));
  }
  return bytes;
}

/** RFC 5952 text: lowercase, the longest run (≥ 2) of zero groups as "::", IPv4-mapped addresses in dotted form. */
function formatIpv6(bytes: readonly number[]): string {
  const groups: number[] = [];
  for (let index = 0; index < 16; index += 2) groups.push(((bytes[index] ?? 0) << 8) | (bytes[index + 1] ?? 0));
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytes.slice(12, 16).join('.')}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8;) {
    if (groups[start] !== 0) {
      start += 1;
      continue;
    }
    let end = start;
    while (end < 8 && groups[end] === 0) end += 1;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** "0B00007F:B419" → { address: "127.0.0.11", port: 46105 }. */
export function decodeSocketAddress(
  text: string,
  littleEndian: boolean,
): { address: string; port: number } | undefined {
  const match = /^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})$/.exec(text);
  if (!match) return undefined;
  const [, hex = '', port = ''] = match;
  const bytes = wordBytes(hex, littleEndian);
  const address = hex.length === 8 ? bytes.join('.') : formatIpv6(bytes);
  return { address, port: Number.parseInt(port, 16) };
}

/** Rows of /proc/<pid>/net/{tcp,tcp6,udp,udp6}; lines that do not fit the format are left out (the raw table keeps them). */
export function parseInetTable(text: string, protocol: 'tcp' | 'udp', littleEndian: boolean): InetSocket[] {
  const sockets: InetSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const [slot = '', local = '', remote = '', state = '', , , , uid = '', , inode = ''] = fields;
    const localAddress = decodeSocketAddress(local, littleEndian);
    const remoteAddress = decodeSocketAddress(remote, littleEndian);
    if (!/^\d+:$/.test(slot) || !localAddress || !remoteAddress || !/^[0-9A-Fa-f]{2}$/.test(state)) continue;
    const code = Number.parseInt(state, 16);
    sockets.push({
      slot: Number.parseInt(slot, 10),
      localAddress: localAddress.address,
      localPort: localAddress.port,
      remoteAddress: remoteAddress.address,
      remotePort: remoteAddress.port,
      // An unconnected UDP socket sits in TCP_CLOSE; "UNCONN" is what ss prints for it.
      state: protocol === 'udp' && code === 0x07 ? 'UNCONN' : (TCP_STATES[code] ?? `0x${state}`),
      uid: Number.parseInt(uid, 10),
      inode: Number.parseInt(inode, 10),
    });
  }
  return sockets;
}

/** Rows of /proc/<pid>/net/unix: "Num RefCount Protocol Flags Type St Inode [Path]". */
export function parseUnixTable(text: string): UnixSocket[] {
  const sockets: UnixSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const match =
      /^[0-9a-fA-F]+: [0-9a-fA-F]+ [0-9a-fA-F]+ ([0-9a-fA-F]+) ([0-9a-fA-F]+) ([0-9a-fA-F]+) +(\d+)(?: (.*))?$/.exec(
        line,
      );
    if (!match) continue;
    const [, flags = '0', type = '0', state = '0', inode = '0', path] = match;
    sockets.push({
      inode: Number.parseInt(inode, 10),
      type: UNIX_TYPES[Number.parseInt(type, 16)] ?? `0x${type}`,
      state: UNIX_STATES[Number.parseInt(state, 16)] ?? `0x${state}`,
      listening: (Number.parseInt(flags, 16) & SO_ACCEPTCON) !== 0,
      path: path === undefined || path === '' ? null : path,
    });
  }
  return sockets;
}

/** /proc/<pid>/status as key → value, in the kernel's order ("Name", "State", "PPid", "Uid", "NSpid", …). */
export function parseProcStatus(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    fields[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  return fields;
}

/** The inode of "socket:[12345]" (what /proc/<pid>/fd/N points to for a socket), else undefined. */
export function socketInode(linkTarget: string): number | undefined {
  const match = /^socket:\[(\d+)\]$/.exec(linkTarget);
  return match ? Number.parseInt(match[1] ?? '', 10) : undefined;
}

/** True when a line of /proc/<pid>/cgroup places the process in this container's cgroup (v1 or v2, cgroupfs or systemd). */
export function cgroupNamesContainer(cgroupText: string, containerId: string): boolean {
  return cgroupText.split('\n').some((line) => {
    const path = line.split(':').slice(2).join(':');
    return path.split('/').some((segment) => segment === containerId || segment.includes(`-${containerId}.scope`));
  });
}
