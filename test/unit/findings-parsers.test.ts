// The content readers behind findings (passwd, authorized_keys, ld.so.preload, file capabilities) and byte-string display.
import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToByteString, displayByteString } from '../../src/forensics/common/byte-text.js';
import {
  authorizedKeyChanges,
  describeFileCapability,
  parseAuthorizedKeys,
  parsePasswd,
  parsePreload,
} from '../../src/forensics/common/findings-parsers.js';

describe('passwd', () => {
  it('given comments, NIS lines and a broken uid, then only real accounts are read', () => {
    const text =
      '# local\nroot:x:0:0:root:/root:/bin/bash\n+@netgroup::::::\nbad:x:abc:0::/:/bin/sh\nsvc:x:998:998::/srv:/usr/sbin/nologin\r\n';
    expect(parsePasswd(text)).toEqual([
      { name: 'root', uid: 0, home: '/root', shell: '/bin/bash' },
      { name: 'svc', uid: 998, home: '/srv', shell: '/usr/sbin/nologin' },
    ]);
  });
});

describe('authorized_keys', () => {
  it('given options before the key and a duplicated line, then key types, comments and multiset changes are right', () => {
    const keyA = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC0 ops@bastion';
    const keyB = 'command="/bin/sh",no-pty ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI0 backdoor key';
    expect(parseAuthorizedKeys(`# keys\n${keyA}\n\n${keyB}\n`)).toEqual([
      { line: keyA, type: 'ssh-rsa', comment: 'ops@bastion' },
      { line: keyB, type: 'ssh-ed25519', comment: 'backdoor key' },
    ]);
    const changes = authorizedKeyChanges(`${keyA}\n`, `${keyA}\n${keyA}\n${keyB}\n`);
    expect(changes.added.map((key) => key.comment)).toEqual(['ops@bastion', 'backdoor key']);
    expect(changes.removed).toEqual([]);
  });
});

describe('ld.so.preload', () => {
  it('given comments, spaces and colons as separators, then every library is listed in order', () => {
    expect(parsePreload('# hide\n/lib/a.so /lib/b.so:/lib/c.so\n\n')).toEqual(['/lib/a.so', '/lib/b.so', '/lib/c.so']);
  });
});

describe('file capabilities', () => {
  it('given the xattr Debian ships on ping (cap_net_raw=ep), then getcap text comes out', () => {
    // vfs_cap_data revision 2: le32 0x02000001 (effective), permitted low word 1 << 13, the rest zero.
    expect(describeFileCapability('AQAAAgAgAAAAAAAAAAAAAAAAAAA=')).toBe('cap_net_raw=ep');
  });

  it('given a revision 3 value with high-word capabilities and a namespace root, and garbage, then both are handled', () => {
    const bytes = Buffer.alloc(24);
    bytes.writeUInt32LE(0x03000000, 0); // revision 3, not effective
    bytes.writeUInt32LE(1 << 21, 4); // cap_sys_admin
    bytes.writeUInt32LE(1 << (39 - 32), 12); // cap_bpf
    bytes.writeUInt32LE(100000, 20);
    expect(describeFileCapability(bytes.toString('base64'))).toBe(
      'cap_sys_admin,cap_bpf=p (user namespace root uid 100000)',
    );
    expect(describeFileCapability('bm90IGEgY2Fw')).toBeUndefined();
    expect(describeFileCapability('%%%')).toBeUndefined();
  });
});

describe('byte strings', () => {
  it('given raw bytes with UTF-8, controls and invalid sequences, then the display form escapes exactly the bad parts', () => {
    const raw = Buffer.concat([Buffer.from('café/\u202eexe\n'), Buffer.from([0xff, 0xc0, 0xaf]), Buffer.from('\\x')]);
    const text = bytesToByteString(raw);
    expect(text.length).toBe(raw.length);
    expect(displayByteString(text)).toBe('café/\\u{202e}exe\\n\\xff\\xc0\\xaf\\\\x');
  });

  it('given a large buffer, then conversion neither overflows the stack nor loses a byte', () => {
    const raw = Buffer.alloc(1_000_000, 0xe9);
    expect(Buffer.from(bytesToByteString(raw), 'latin1').equals(raw)).toBe(true);
  });

  it('given base64, then bytes match Node’s decoder; non-base64 is refused', () => {
    const sample = Buffer.from([0, 1, 2, 250, 251, 252, 253]);
    expect(Buffer.from(base64ToBytes(sample.toString('base64')) ?? []).equals(sample)).toBe(true);
    expect(base64ToBytes('abc')).toBeUndefined();
    expect(base64ToBytes('ab!=')).toBeUndefined();
  });
});
