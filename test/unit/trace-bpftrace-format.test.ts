// bpftrace's raw values turned into strace's text: every byte survives the round trip, addresses read like strace's.
import { describe, expect, it } from 'vitest';
import {
  argvText,
  fdNote,
  hexBytes,
  ipv6Text,
  joinStringChunks,
  quoteBytes,
  sockaddrText,
} from '../../src/capture/common/trace/bpftrace-format.js';
import {
  cloneFlagsText,
  modeText,
  openFlagsText,
  returnText,
  socketTypeText,
} from '../../src/capture/common/trace/bpftrace-names.js';
import { decodeStraceString } from '../../src/capture/common/trace/trace-bytes.js';
import { sockAddr, stringArray } from '../../src/capture/common/trace/strace-args.js';

describe('strace-style text from captured bytes', () => {
  it('given every byte value, when quoted, then the replay’s strace decoder gives back the same bytes', () => {
    const all = Uint8Array.from({ length: 256 }, (_, index) => index);
    const quoted = quoteBytes(all, false);
    expect(decodeStraceString(quoted)).toEqual({ bytes: all, truncated: false });
    // A literal backslash-x sequence in the data stays literal: it cannot pass for an escaped byte.
    expect(decodeStraceString(quoteBytes(Buffer.from('\\x41'), true))).toEqual({
      bytes: new Uint8Array(Buffer.from('\\x41')),
      truncated: true,
    });
  });

  it('given %rh output, then hex pairs become bytes and anything else is refused', () => {
    expect(hexBytes('2f 65 00 ff')).toEqual(Uint8Array.from([0x2f, 0x65, 0, 0xff]));
    expect(hexBytes('')).toEqual(new Uint8Array(0));
    expect(hexBytes('2f 6')).toBeUndefined();
    expect(hexBytes('2f  65')).toBeUndefined();
  });

  it('given str() chunks, then a chunk continues the string only when the one before filled up', () => {
    const full = new Uint8Array(128).fill(0x61);
    full[127] = 0;
    const tail = Uint8Array.from([0x62, 0x63, 0, 0x7a]);
    expect(joinStringChunks([Uint8Array.from([0x2f, 0, 0x41])], 127)).toEqual({
      bytes: Uint8Array.from([0x2f]),
      truncated: false,
    });
    expect(joinStringChunks([full, tail], 127)?.bytes.length).toBe(129);
    expect(joinStringChunks([full, tail], 127)?.truncated).toBe(false);
    // Full in its last chunk, or its next chunk missing: it may go on, so it is marked cut.
    expect(joinStringChunks([full, full], 127)?.truncated).toBe(true);
    expect(joinStringChunks([full], 127)?.truncated).toBe(true);
    expect(joinStringChunks([undefined, tail], 127)).toBeUndefined();
  });

  it('given an exec’s argv block, then it reads as strace’s array; a cut block ends in a cut element and ...', () => {
    const block = Buffer.from('sh\0-c\0echo "hi"\0');
    expect(argvText(block, block.length)).toBe('["sh", "-c", "echo \\"hi\\""]');
    expect(stringArray(argvText(block, block.length))).toEqual({ items: ['sh', '-c', 'echo "hi"'], truncated: false });
    const cut = argvText(block.subarray(0, 8), block.length);
    expect(cut).toBe('["sh", "-c", "ec"..., ...]');
    expect(stringArray(cut)).toEqual({ items: ['sh', '-c', 'ec'], truncated: true });
  });

  it('given IPv6 addresses, then they print as glibc’s inet_ntop does', () => {
    const v6 = (text: string): Uint8Array => {
      const [head = '', tail = ''] = text.split('::');
      const words = (part: string): number[] =>
        part === '' ? [] : part.split(':').map((word) => Number.parseInt(word, 16));
      const left = words(head);
      const right = words(tail);
      const all = text.includes('::')
        ? [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right]
        : left;
      return Uint8Array.from(all.flatMap((word) => [word >> 8, word & 0xff]));
    };
    expect(ipv6Text(v6('::1'))).toBe('::1');
    expect(ipv6Text(new Uint8Array(16))).toBe('::');
    expect(ipv6Text(v6('2001:db8::1'))).toBe('2001:db8::1');
    expect(ipv6Text(v6('fe80::1:0:0:1'))).toBe('fe80::1:0:0:1');
    expect(ipv6Text(v6('1:0:0:1:0:0:0:1'))).toBe('1:0:0:1::1');
    expect(ipv6Text(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1]))).toBe('::ffff:10.0.0.1');
  });

  it('given socket addresses, then strace’s text comes out and the replay’s parser reads it back', () => {
    const inet = Uint8Array.from([2, 0, 0x11, 0x5c, 10, 255, 255, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(sockaddrText(inet, 16)).toBe(
      '{sa_family=AF_INET, sin_port=htons(4444), sin_addr=inet_addr("10.255.255.1")}',
    );
    expect(sockAddr(sockaddrText(inet, 16))).toEqual({ family: 'AF_INET', address: '10.255.255.1', port: 4444 });
    const path = Buffer.concat([Buffer.from([1, 0]), Buffer.from('/run/x"y.sock\0junk')]);
    expect(sockaddrText(path, path.length)).toBe('{sa_family=AF_UNIX, sun_path="/run/x\\"y.sock"}');
    expect(sockAddr(sockaddrText(path, path.length))?.address).toBe('/run/x"y.sock');
    const abstract = Buffer.concat([Buffer.from([1, 0, 0]), Buffer.from('hidden')]);
    expect(sockAddr(sockaddrText(abstract, abstract.length))?.address).toBe('@hidden');
    expect(sockaddrText(Uint8Array.from([1, 0]), 2)).toBe('{sa_family=AF_UNIX}');
    expect(sockaddrText(Uint8Array.from([16, 0, 0, 0]), 12)).toBe('{sa_family=AF_NETLINK}');
    // Fewer bytes than an AF_INET address needs: the family only, no invented port or address.
    expect(sockaddrText(inet.subarray(0, 6), 16)).toBe('{sa_family=AF_INET}');
  });

  it('given an fd’s mode, device and inode, then the note is what strace -yy says, or nothing when unsure', () => {
    expect(fdNote(0o10600n, 0n, 42n)).toBe('pipe:[42]');
    expect(fdNote(0o140777n, 0n, 7n)).toBe('socket:[7]');
    expect(fdNote(0o20620n, (136n << 20n) | 3n, 9n)).toBe('/dev/pts/3<char 136:3>');
    expect(fdNote(0o20666n, (1n << 20n) | 3n, 9n)).toBe('/dev/null<char 1:3>');
    expect(fdNote(0o100644n, 0n, 9n)).toBeUndefined();
    expect(fdNote(0o20666n, (250n << 20n) | 1n, 9n)).toBeUndefined();
  });

  it('given numbers, then flags, modes and results read as strace prints them', () => {
    expect(openFlagsText(0o1101n)).toBe('O_WRONLY|O_CREAT|O_TRUNC');
    expect(openFlagsText(0o2000000n)).toBe('O_RDONLY|O_CLOEXEC');
    expect(openFlagsText(0o20200002n)).toBe('O_RDWR|O_TMPFILE');
    expect(openFlagsText(0o4010000n | 1n)).toBe('O_WRONLY|O_SYNC');
    expect(openFlagsText(1n | (1n << 40n))).toBe('O_WRONLY|0x10000000000');
    expect(modeText(0o755n)).toBe('0755');
    expect(modeText(0o4755n)).toBe('04755');
    expect(modeText(0n)).toBe('000');
    expect(cloneFlagsText(0x1200011n)).toBe('CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD');
    expect(socketTypeText(0o2000002n)).toBe('SOCK_DGRAM|SOCK_CLOEXEC');
    expect(returnText(3n)).toBe('3');
    expect(returnText(-111n)).toBe('-1 ECONNREFUSED (Connection refused)');
    expect(returnText(-512n)).toBe('? ERESTARTSYS (To be restarted if SA_RESTART is set)');
    expect(returnText(-4000n)).toBe('-1 ERRNO_4000 (Unknown error 4000)');
  });
});
