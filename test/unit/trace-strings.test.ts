// Bytes out of strace text: escapes decoded exactly, fd annotations and socket addresses read, nothing lost on the way.
import { describe, expect, it } from 'vitest';
import {
  base64Decode,
  base64Encode,
  bytesForJson,
  bytesToText,
  bytesToWellFormedText,
  decodeStraceString,
  textToBytes,
} from '../../src/capture/common/trace/trace-bytes.js';
import { fdPair, iovecBytes, sockAddr, stringArray } from '../../src/capture/common/trace/strace-args.js';
import { parseFdValue, parseReturn, splitArgs } from '../../src/capture/common/trace/strace-scan.js';
import { formatIso, formatNs, parseIso, parseNs } from '../../src/capture/common/trace/trace-time.js';
import { normalizePath, resolveAgainst } from '../../src/capture/common/trace/trace-paths.js';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

describe('strace string escapes', () => {
  it('given \\x1b, \\n, octal \\033 and \\0, then they become the exact bytes', () => {
    expect(decodeStraceString('"\\x1b[31mred\\33[0m\\n"')?.bytes).toEqual(
      bytes(0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x72, 0x65, 0x64, 0x1b, 0x5b, 0x30, 0x6d, 0x0a),
    );
    expect(decodeStraceString('"\\0\\1\\377\\303\\251\\"\\\\\\t"')?.bytes).toEqual(
      bytes(0, 1, 0xff, 0xc3, 0xa9, 0x22, 0x5c, 0x09),
    );
    // "\0003" is NUL then the digit 3: strace writes three octal digits when a digit follows.
    expect(decodeStraceString('"\\0003"')?.bytes).toEqual(bytes(0, 0x33));
  });

  it('given -xx hex for every byte, then the bytes are the same as plain text', () => {
    expect(decodeStraceString('"\\x2f\\x75\\x73\\x72"')?.bytes).toEqual(textToBytes('/usr'));
  });

  it('given a string cut by -s ("…"...), then it says truncated; an abstract socket name (@"…") decodes too', () => {
    expect(decodeStraceString('"# Locale name alias data base.\\n#"...')).toEqual({
      bytes: textToBytes('# Locale name alias data base.\n#'),
      truncated: true,
    });
    expect(decodeStraceString('@"/tmp/.X11-unix/X0"')?.bytes).toEqual(textToBytes('/tmp/.X11-unix/X0'));
    expect(decodeStraceString('NULL')).toBeUndefined();
  });

  it('given bytes that are not UTF-8, then text keeps them reversibly and JSON falls back to base64', () => {
    const raw = bytes(0x66, 0xff, 0xfe, 0x20, 0xc3, 0xa9);
    const text = bytesToText(raw);
    expect(text).toBe('f\udcff\udcfe é');
    expect(textToBytes(text)).toEqual(raw);
    expect(bytesToWellFormedText(raw)).toBe('f\ufffd\ufffd é');
    expect(bytesForJson(raw, false)).toEqual({ b64: base64Encode(raw) });
    expect(bytesForJson(textToBytes('hi\n'), true)).toEqual({ text: 'hi\n', truncated: true });
    expect(bytesForJson(textToBytes('\u001b[31m'), false)).toEqual({ b64: 'G1szMW0=' });
  });

  it('given any bytes, then base64 round-trips them', () => {
    const all = Uint8Array.from({ length: 256 }, (_, index) => index);
    for (const length of [0, 1, 2, 3, 4, 255, 256]) {
      const slice = all.subarray(0, length);
      expect(base64Decode(base64Encode(slice))).toEqual(slice);
    }
    expect(base64Encode(textToBytes('hello-beacon'))).toBe('aGVsbG8tYmVhY29u');
    expect(base64Decode('not base64!')).toBeUndefined();
  });
});

describe('arguments and annotations', () => {
  it('given nested structures, strings with commas and comments, then arguments split at top-level commas only', () => {
    expect(
      splitArgs('"/usr/bin/sh", ["sh", "-c", "a, b"], 0x7ffd /* 35 vars */, {sa_family=AF_INET, sin_port=htons(80)}'),
    ).toEqual([
      '"/usr/bin/sh"',
      '["sh", "-c", "a, b"]',
      '0x7ffd /* 35 vars */',
      '{sa_family=AF_INET, sin_port=htons(80)}',
    ]);
    expect(splitArgs('')).toEqual([]);
  });

  it('given -y/-yy annotations, then paths, devices, sockets and pipes are told apart', () => {
    expect(parseFdValue('AT_FDCWD</work/steering>')).toEqual({
      fd: -100,
      note: { fd: -100, raw: '/work/steering', kind: 'path', path: '/work/steering' },
    });
    expect(parseFdValue('1</dev/null<char 1:3>>')?.note).toMatchObject({ path: '/dev/null', device: 'char 1:3' });
    expect(parseFdValue('3</tmp/stx/a\\"b\\74c\\76d) = 1 x\\ny>')?.note?.path).toBe('/tmp/stx/a"b<c>d) = 1 x\ny');
    expect(parseFdValue('4<TCP:[127.0.0.1:48431->127.0.0.1:41910]>')?.note).toMatchObject({
      kind: 'socket',
      proto: 'TCP',
      local: '127.0.0.1:48431',
      remote: '127.0.0.1:41910',
    });
    expect(parseFdValue('3<TCPv6:[[::1]:80->[::1]:5000]>')?.note).toMatchObject({
      local: '[::1]:80',
      remote: '[::1]:5000',
    });
    expect(parseFdValue('3<TCP:[98670]>')?.note).toMatchObject({ kind: 'socket', inode: 98670 });
    expect(parseFdValue('7<UNIX-STREAM:[419173->419172,"/tmp/stx/sock"]>')?.note).toMatchObject({
      proto: 'UNIX-STREAM',
      inode: 419173,
      remote: '419172',
      path: '/tmp/stx/sock',
    });
    expect(parseFdValue('3<pipe:[98304]>')?.note).toMatchObject({ kind: 'pipe', inode: 98304 });
    expect(parseFdValue('5<anon_inode:[eventfd]>')?.note).toMatchObject({ kind: 'anon', path: 'eventfd' });
    expect(parseFdValue('3<\\x2f\\x65\\x74\\x63>')?.note?.path).toBe('/etc');
    expect(parseFdValue('3')).toEqual({ fd: 3, note: undefined });
    expect(parseFdValue('O_RDONLY')).toBeUndefined();
  });

  it('given return texts, then value, errno, note and annotation are read', () => {
    expect(parseReturn('-1 ENOENT (No such file or directory)')).toMatchObject({
      value: -1,
      errno: 'ENOENT',
      note: 'No such file or directory',
    });
    expect(parseReturn('3</etc/passwd>').fd).toMatchObject({ fd: 3, path: '/etc/passwd' });
    expect(parseReturn('0x55f40e79f000').value).toBe(0x55f40e79f000);
    expect(parseReturn('? ERESTARTSYS (To be restarted if SA_RESTART is set)').errno).toBe('ERESTARTSYS');
    expect(parseReturn('1 ([{fd=5, revents=POLLOUT}])')).toMatchObject({ value: 1, note: '[{fd=5, revents=POLLOUT}]' });
  });

  it('given socket addresses of every family strace prints, then address and port come out', () => {
    expect(sockAddr('{sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("1.2.3.4")}')).toEqual({
      family: 'AF_INET',
      address: '1.2.3.4',
      port: 80,
    });
    expect(
      sockAddr(
        '{sa_family=AF_INET6, sin6_port=htons(1), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}',
      ),
    ).toEqual({ family: 'AF_INET6', address: '::1', port: 1 });
    expect(sockAddr('{sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}')).toEqual({
      family: 'AF_UNIX',
      address: '/var/run/nscd/socket',
      port: null,
    });
    expect(sockAddr('{sa_family=AF_FILE, path="/dev/log"}')?.address).toBe('/dev/log');
    expect(sockAddr('{sa_family=AF_UNIX, sun_path=@"abstract"}')?.address).toBe('@abstract');
    expect(sockAddr('{sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}')).toEqual({
      family: 'AF_NETLINK',
      address: null,
      port: null,
    });
    expect(sockAddr('NULL')).toBeUndefined();
  });

  it('given argv arrays, pipe pairs and iovecs, then their parts are decoded', () => {
    expect(stringArray('["sh", "-c", "printf \\"\\\\033[31m\\""...]')).toEqual({
      items: ['sh', '-c', 'printf "\\033[31m"'],
      truncated: true,
    });
    expect(stringArray('["a", "b", ...]')).toEqual({ items: ['a', 'b'], truncated: true });
    expect(fdPair('[3<pipe:[98304]>, 4<pipe:[98304]>]')?.map((end) => end.fd)).toEqual([3, 4]);
    expect(iovecBytes('[{iov_base="hi", iov_len=2}, {iov_base="\\n", iov_len=1}]')).toEqual({
      bytes: textToBytes('hi\n'),
      truncated: false,
    });
  });
});

describe('instants and paths', () => {
  it('given nanosecond instants, then ISO and tns forms are exact both ways', () => {
    expect(formatIso(1795385307, 80541000)).toBe('2026-11-22T22:08:27.080541000Z');
    expect(formatNs(1795385307, 80541000)).toBe('1795385307080541000');
    expect(parseNs('1795385307080541001')).toEqual({ sec: 1795385307, nsec: 80541001 });
    expect(parseIso('2017-12-20T17:48:58.590038385Z')).toEqual({ sec: 1513792138, nsec: 590038385 });
    expect(parseIso('2026-11-22T23:08:27.5+01:00')).toEqual({ sec: 1795385307, nsec: 500000000 });
    expect(parseIso('yesterday')).toBeUndefined();
  });

  it('given relative names, then they resolve against the cwd lexically', () => {
    expect(resolveAgainst('/tmp/x', '../etc/./passwd')).toBe('/tmp/etc/passwd');
    expect(resolveAgainst(null, 'dropper')).toBe('dropper');
    expect(normalizePath('//etc//passwd/')).toBe('/etc/passwd');
    expect(normalizePath('/../..')).toBe('/');
  });
});
