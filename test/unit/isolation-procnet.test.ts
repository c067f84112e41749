// Reading the kernel's /proc tables of a suspect: addresses, ports, states and socket paths come out as a responder reads them.
import { describe, expect, it } from 'vitest';
import {
  cgroupNamesContainer,
  decodeSocketAddress,
  parseInetTable,
  parseProcStatus,
  parseUnixTable,
  socketInode,
} from '../../src/capture/common/isolation-procnet.js';

const TCP_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';

describe('/proc/net addresses', () => {
  it('given little-endian hex words, then IPv4 and IPv6 addresses read as usual', () => {
    expect(decodeSocketAddress('0B00007F:B419', true)).toEqual({ address: '127.0.0.11', port: 46105 });
    expect(decodeSocketAddress('00000000000000000000000001000000:0050', true)).toEqual({ address: '::1', port: 80 });
    expect(decodeSocketAddress('000080FE000000000000000001000000:0016', true)).toEqual({
      address: 'fe80::1',
      port: 22,
    });
    expect(decodeSocketAddress('0000000000000000FFFF00000500000A:1F90', true)).toEqual({
      address: '::ffff:10.0.0.5',
      port: 8080,
    });
    expect(decodeSocketAddress('00000000000000000000000000000000:0000', true)).toEqual({ address: '::', port: 0 });
  });

  it('given a big-endian host, then the words are read in order', () => {
    expect(decodeSocketAddress('7F00000B:0035', false)).toEqual({ address: '127.0.0.11', port: 53 });
  });

  it('given something that is not an address, then it is refused', () => {
    expect(decodeSocketAddress('0B00007F', true)).toBeUndefined();
    expect(decodeSocketAddress('ZZ00007F:0035', true)).toBeUndefined();
  });
});

describe('/proc/net tables', () => {
  it('given a tcp table with a listener and a connection, then both come out with state, uid and inode', () => {
    const text = [
      TCP_HEADER,
      '   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 57112 1 00000000c79328fd 100 0 0 10 0',
      '   1: 0200A8C0:1F90 0100A8C0:D431 01 00000000:00000000 02:000AFB4D 00000000    33        0 57200 2 00000000aaaa0000 20 4 30 10 -1',
      'garbage line that the parser must skip',
      '',
    ].join('\n');
    expect(parseInetTable(text, 'tcp', true)).toEqual([
      {
        slot: 0,
        localAddress: '0.0.0.0',
        localPort: 8080,
        remoteAddress: '0.0.0.0',
        remotePort: 0,
        state: 'LISTEN',
        uid: 0,
        inode: 57112,
      },
      {
        slot: 1,
        localAddress: '192.168.0.2',
        localPort: 8080,
        remoteAddress: '192.168.0.1',
        remotePort: 54321,
        state: 'ESTABLISHED',
        uid: 33,
        inode: 57200,
      },
    ]);
  });

  it('given an unconnected udp socket, then its state reads UNCONN as ss prints it', () => {
    const text = `${TCP_HEADER} ref pointer drops\n16088: 0B00007F:AE65 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 57111 2 00000000ad47a0b6 0\n`;
    expect(parseInetTable(text, 'udp', true)).toMatchObject([
      { localAddress: '127.0.0.11', localPort: 44645, state: 'UNCONN', inode: 57111 },
    ]);
  });

  it('given a unix table, then listeners, connected sockets, abstract names and paths with spaces are kept', () => {
    const text = [
      'Num       RefCount Protocol Flags    Type St Inode Path',
      '0000000000000000: 00000002 00000000 00010000 0001 01 23456 /run/app server.sock',
      '0000000000000000: 00000003 00000000 00000000 0001 03 23457',
      '0000000000000000: 00000002 00000000 00000000 0002 01 23458 @/tmp/.hidden',
      '',
    ].join('\n');
    expect(parseUnixTable(text)).toEqual([
      { inode: 23456, type: 'STREAM', state: 'UNCONNECTED', listening: true, path: '/run/app server.sock' },
      { inode: 23457, type: 'STREAM', state: 'CONNECTED', listening: false, path: null },
      { inode: 23458, type: 'DGRAM', state: 'UNCONNECTED', listening: false, path: '@/tmp/.hidden' },
    ]);
  });
});

describe('/proc/<pid> files', () => {
  it('given a status file, then its fields come out in the kernel order', () => {
    const status = parseProcStatus(
      'Name:\tsleep\nState:\tS (sleeping)\nPPid:\t30626\nUid:\t0\t0\t0\t0\nNSpid:\t30647\t1\n',
    );
    expect(Object.keys(status)).toEqual(['Name', 'State', 'PPid', 'Uid', 'NSpid']);
    expect(status).toMatchObject({ Name: 'sleep', State: 'S (sleeping)', NSpid: '30647\t1' });
  });

  it('given fd link targets, then only sockets yield an inode', () => {
    expect(socketInode('socket:[57112]')).toBe(57112);
    expect(socketInode('pipe:[57073]')).toBeUndefined();
    expect(socketInode('/tmp/socket:[1]')).toBeUndefined();
  });

  it("given cgroup files, then only the container's own cgroup (v1, v2, systemd scope) matches", () => {
    const id = 'f'.repeat(64);
    expect(cgroupNamesContainer(`9:pids:/docker/${id}\n0::/docker/${id}\n`, id)).toBe(true);
    expect(cgroupNamesContainer(`0::/system.slice/docker-${id}.scope\n`, id)).toBe(true);
    expect(cgroupNamesContainer(`0::/system.slice/docker-${'e'.repeat(64)}.scope\n`, id)).toBe(false);
    expect(cgroupNamesContainer('0::/\n', id)).toBe(false);
    expect(cgroupNamesContainer(`0::/user.slice/${id}-imposter\n`, id)).toBe(false);
  });
});
