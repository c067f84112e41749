// Findings for privilege, planted tools and tampered packages: each rule fires on the attacker's change and not on its look-alike.
import { describe, expect, it } from 'vitest';
import { entry, findingOf, findingsOf, imageMeta, lookupsFor, meta } from './findings-fixtures.js';
import { createFindingsEvaluator } from '../../src/forensics/common/findings.js';

const MIB = 1024 * 1024;
/** struct vfs_cap_data revision 2 (magic 0x02000000 | effective), permitted = 1 << bit, as getcap/setcap write it. */
function capabilityXattr(...bits: number[]): string {
  const bytes = Buffer.alloc(20);
  bytes.writeUInt32LE(0x02000001, 0);
  for (const bit of bits)
    bytes.writeUInt32LE((bytes.readUInt32LE(bit < 32 ? 4 : 12) | (1 << (bit % 32))) >>> 0, bit < 32 ? 4 : 12);
  return bytes.toString('base64');
}

describe('setuid-setgid-added', () => {
  it('given chmod u+s on a root-owned find, then it is critical: anyone who runs it runs as root', async () => {
    const found = await findingOf(
      'setuid-setgid-added',
      entry('usr/bin/find', 'metadata', { before: imageMeta({ mode: 0o755 }), after: meta({ mode: 0o4755 }) }),
    );
    expect(found).toMatchObject({ severity: 'critical', attack: 'T1548.001' });
    expect(found?.detail).toBe(
      'usr/bin/find gained the setuid bit (mode 0755 → 4755, owner 0:0): any user who runs it runs as root',
    );
  });

  it('given a new setgid file owned by a user, then it is high and says it is new with the bit', async () => {
    const found = await findingOf(
      'setuid-setgid-added',
      entry('home/dev/tool', 'added', { after: meta({ mode: 0o2755, uid: 1000, gid: 1000 }) }),
    );
    expect(found).toMatchObject({ severity: 'high' });
    expect(found?.detail).toBe('home/dev/tool is new with the setgid bit (mode 2755, owner 1000:1000)');
  });

  it('given passwd rewritten with the setuid bit it always had, or a setgid directory, then nothing', async () => {
    const upgraded = entry('usr/bin/passwd', 'modified', {
      before: imageMeta({ mode: 0o4755 }),
      after: meta({ mode: 0o4755 }),
    });
    expect(await findingOf('setuid-setgid-added', upgraded)).toBeUndefined();
    const shared = entry('srv/shared', 'metadata', {
      before: imageMeta({ type: 'dir', mode: 0o775 }),
      after: meta({ type: 'dir', mode: 0o2775 }),
    });
    expect(await findingOf('setuid-setgid-added', shared)).toBeUndefined();
  });
});

describe('file-capability-added', () => {
  it('given python3 copied with cap_setuid+ep, then the capability is named in the finding', async () => {
    const found = await findingOf(
      'file-capability-added',
      entry('usr/local/bin/python3', 'metadata', {
        before: imageMeta({ mode: 0o755 }),
        after: meta({ mode: 0o755, xattrs: { 'security.capability': capabilityXattr(7) } }),
      }),
    );
    expect(found).toMatchObject({ severity: 'high', attack: 'T1548' });
    expect(found?.detail).toBe('usr/local/bin/python3 now carries file capabilities: cap_setuid=ep');
  });

  it('given ping keeping the cap_net_raw the image gave it, then nothing', async () => {
    const xattrs = { 'security.capability': capabilityXattr(13) };
    const found = await findingOf(
      'file-capability-added',
      entry('usr/bin/ping', 'metadata', { before: imageMeta({ xattrs }), after: meta({ mode: 0o700, xattrs }) }),
    );
    expect(found).toBeUndefined();
  });
});

describe('executable-in-temp', () => {
  it('given a miner dropped into /tmp with mode 0755, then it is a high ingress-tool finding', async () => {
    const found = await findingOf(
      'executable-in-temp',
      entry('tmp/xmrig', 'added', { after: meta({ mode: 0o755, size: 5 * MIB }) }),
    );
    expect(found).toMatchObject({ severity: 'high', attack: 'T1105' });
    expect(found?.detail).toBe('tmp/xmrig: new executable, mode 0755, 5.0 MiB, in a world-writable temp folder');
  });

  it('given an ELF payload in /dev/shm not yet chmodded, then its magic bytes give it away (4 bytes read)', async () => {
    const facts = entry('dev/shm/payload', 'added', { after: meta({ mode: 0o644, size: 8000 }) });
    const scene = { container: { 'dev/shm/payload': '\x7fELF\x02\x01\x01' + '\0'.repeat(50) } };
    const lookups = lookupsFor(scene);
    const findings = await createFindingsEvaluator(lookups)(facts);
    expect(findings.find((f) => f.rule === 'executable-in-temp')?.detail).toContain('ELF binary not (yet) marked');
    expect(lookups.reads.every((read) => read.maxBytes === 4)).toBe(true);
  });

  it('given a text note and an empty 0755 placeholder in /tmp, then nothing', async () => {
    const note = entry('tmp/notes.txt', 'added', { after: meta({ mode: 0o644 }) });
    expect(await findingOf('executable-in-temp', note, { container: { 'tmp/notes.txt': 'todo: rotate keys' } })).toBe(
      undefined,
    );
    const empty = entry('tmp/lock', 'added', { after: meta({ mode: 0o755, size: 0 }) });
    expect(await findingOf('executable-in-temp', empty)).toBeUndefined();
  });
});

describe('executable-in-hidden-dir', () => {
  it('given a binary inside /var/lib/.cache, then the hidden folder is named', async () => {
    const found = await findingOf(
      'executable-in-hidden-dir',
      entry('var/lib/.cache/kdevd', 'added', { after: meta({ mode: 0o755, size: 2 * MIB }) }),
    );
    expect(found).toMatchObject({ severity: 'medium', attack: 'T1564.001' });
    expect(found?.detail).toContain('inside the hidden directory ".cache"');
  });

  it('given a rewritten ~/.bashrc (hidden name, no hidden folder) or a new app binary, then nothing', async () => {
    const bashrc = entry('root/.bashrc', 'modified', { before: imageMeta(), after: meta() });
    expect(await findingOf('executable-in-hidden-dir', bashrc)).toBeUndefined();
    const app = entry('opt/app/bin/server', 'added', { after: meta({ mode: 0o755 }) });
    expect(await findingOf('executable-in-hidden-dir', app)).toBeUndefined();
  });
});

describe('kernel-thread-name', () => {
  it('given /usr/bin/kworker and a "[kthreadd]" binary added, then both pass for kernel work', async () => {
    const kworker = await findingOf(
      'kernel-thread-name',
      entry('usr/bin/kworker', 'added', { after: meta({ mode: 0o755 }) }),
    );
    expect(kworker).toMatchObject({ severity: 'high', attack: 'T1036.004' });
    const bracketed = await findingOf(
      'kernel-thread-name',
      entry('var/tmp/[kthreadd]', 'added', { after: meta({ mode: 0o700 }) }),
    );
    expect(bracketed?.detail).toContain('named "[kthreadd]" like a kernel thread');
  });

  it("given coreutils' /usr/bin/[ and the packaged watchdog daemon, then nothing", async () => {
    const test = entry('usr/bin/[', 'added', { after: meta({ mode: 0o755 }) });
    expect(await findingOf('kernel-thread-name', test)).toBeUndefined();
    const watchdog = entry('usr/sbin/watchdog', 'modified', {
      before: imageMeta({ mode: 0o755 }),
      after: meta({ mode: 0o755 }),
      package: { manager: 'dpkg', name: 'watchdog', tampered: false },
    });
    expect(await findingOf('kernel-thread-name', watchdog)).toBeUndefined();
  });
});

describe('hidden-executable', () => {
  it('given an ELF named /usr/lib/.sshd, then it is a hidden executable', async () => {
    const found = await findingOf(
      'hidden-executable',
      entry('usr/lib/.sshd', 'added', { after: meta({ mode: 0o755, size: 900_000 }) }),
    );
    expect(found).toMatchObject({ severity: 'medium', attack: 'T1564.001' });
    expect(found?.detail).toBe('usr/lib/.sshd: new executable, mode 0755, 878.9 KiB, with a hidden name');
  });

  it("given Docker's empty 0755 /.dockerenv, then nothing", async () => {
    const dockerenv = entry('.dockerenv', 'added', { after: meta({ mode: 0o755, size: 0 }) });
    expect(await findingsOf(dockerenv)).toEqual([]);
  });
});

describe('unpackaged-system-binary', () => {
  const socat = entry('usr/bin/socat', 'added', { after: meta({ mode: 0o755, size: 400_000 }) });

  it('given a new /usr/bin/socat that no dpkg package lists, then it is a low masquerading finding', async () => {
    const found = await findingOf('unpackaged-system-binary', socat, { packageManagers: ['dpkg'] });
    expect(found).toMatchObject({ severity: 'low', attack: 'T1036.005' });
  });

  it('given an image without a package database, or a file a package lists, then nothing', async () => {
    expect(await findingOf('unpackaged-system-binary', socat)).toBeUndefined();
    const listed = { ...socat, package: { manager: 'dpkg' as const, name: 'socat' } };
    expect(await findingOf('unpackaged-system-binary', listed, { packageManagers: ['dpkg'] })).toBeUndefined();
  });
});

describe('permissions-weakened', () => {
  it('given /etc/shadow made 0666, then it is world-writable now', async () => {
    const found = await findingOf(
      'permissions-weakened',
      entry('etc/shadow', 'metadata', { before: imageMeta({ mode: 0o640 }), after: meta({ mode: 0o666 }) }),
    );
    expect(found).toMatchObject({ severity: 'medium', attack: 'T1222.002' });
    expect(found?.detail).toBe('etc/shadow became world-writable (mode 0640 → 0666)');
  });

  it('given a sticky scratch folder made 1777, or a file that was already 0666, then nothing', async () => {
    const scratch = entry('srv/scratch', 'metadata', {
      before: imageMeta({ type: 'dir', mode: 0o755 }),
      after: meta({ type: 'dir', mode: 0o1777 }),
    });
    expect(await findingOf('permissions-weakened', scratch)).toBeUndefined();
    const already = entry('var/app/cache.db', 'modified', {
      before: imageMeta({ mode: 0o666 }),
      after: meta({ mode: 0o666 }),
    });
    expect(await findingOf('permissions-weakened', already)).toBeUndefined();
  });
});

describe('high-entropy-file', () => {
  it('given a 12 MiB blob at 7.99 bits/byte, then medium; a .tar.gz of the same is only low', async () => {
    const blob = await findingOf(
      'high-entropy-file',
      entry('var/tmp/blob.bin', 'added', { after: meta({ size: 12 * MIB, entropy: 7.991 }) }),
    );
    expect(blob).toMatchObject({ severity: 'medium', attack: 'T1027' });
    expect(blob?.detail).toBe('var/tmp/blob.bin: 12.0 MiB at 7.99 bits/byte');
    const archive = await findingOf(
      'high-entropy-file',
      entry('root/backup.tar.gz', 'added', { after: meta({ size: 12 * MIB, entropy: 7.991 }) }),
    );
    expect(archive?.severity).toBe('low');
    expect(archive?.detail).toContain('compressed format');
  });

  it('given a large text-like file, or a small random one, then nothing', async () => {
    const text = entry('var/app/data.json', 'modified', {
      before: imageMeta(),
      after: meta({ size: 3 * MIB, entropy: 5.2 }),
    });
    expect(await findingOf('high-entropy-file', text)).toBeUndefined();
    const small = entry('tmp/key.bin', 'added', { after: meta({ size: MIB - 1, entropy: 7.99 }) });
    expect(await findingOf('high-entropy-file', small)).toBeUndefined();
  });
});

describe('package-file-tampered and package-conffile-changed', () => {
  const coreutils = {
    manager: 'dpkg' as const,
    name: 'coreutils',
    version: '9.1-1',
    expectedChecksum: '7987cf330ff5bb94015dfbb9eae5a99f',
  };

  it('given /usr/bin/ls rewritten so its md5 no longer matches coreutils, then it is a trojaned binary', async () => {
    const found = await findingOf(
      'package-file-tampered',
      entry('usr/bin/ls', 'modified', {
        before: imageMeta({ mode: 0o755 }),
        after: meta({ mode: 0o755 }),
        package: { ...coreutils, tampered: true },
      }),
    );
    expect(found).toMatchObject({ severity: 'high', attack: 'T1554' });
    expect(found?.detail).toBe(
      'usr/bin/ls no longer matches the md5 7987cf330ff5bb94015dfbb9eae5a99f recorded by dpkg package coreutils 9.1-1',
    );
  });

  it('given /usr/bin/ls replaced by a symlink to a dropped binary, then it is tampered too', async () => {
    const found = await findingOf(
      'package-file-tampered',
      entry('usr/bin/ls', 'type', {
        before: imageMeta({ mode: 0o755 }),
        after: meta({ type: 'symlink', mode: 0o777, linkTarget: '/tmp/.l' }),
        package: coreutils,
      }),
    );
    expect(found?.detail).toBe(
      'usr/bin/ls, a file of dpkg package coreutils 9.1-1, was replaced by a symlink pointing to /tmp/.l',
    );
  });

  it("given a package file whose new content matches the package's checksum (the image had patched it), then nothing", async () => {
    const same = entry('usr/bin/ls', 'modified', {
      before: imageMeta(),
      after: meta(),
      package: { ...coreutils, tampered: false },
    });
    expect(await findingsOf(same)).toEqual([]);
  });

  it('given an edited dpkg conffile, then only an info finding: editing configuration is normal', async () => {
    const conffile = {
      manager: 'dpkg' as const,
      name: 'dpkg',
      conffile: true,
      expectedChecksum: '94bb6c1363245e46256908a5d52ba4fb',
    };
    const sides = { before: imageMeta({ mode: 0o755 }), after: meta({ mode: 0o755 }) };
    const edited = entry('etc/cron.daily/dpkg', 'modified', { ...sides, package: { ...conffile, tampered: true } });
    const rules = (await findingsOf(edited)).map((finding) => [finding.rule, finding.severity]);
    expect(rules).toContainEqual(['package-conffile-changed', 'info']);
    expect(rules.map(([rule]) => rule)).not.toContain('package-file-tampered');
    const untouched = entry('etc/cron.daily/dpkg', 'modified', { ...sides, package: { ...conffile, tampered: false } });
    expect(await findingOf('package-conffile-changed', untouched)).toBeUndefined();
  });
});
