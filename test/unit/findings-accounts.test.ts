// Account findings on real Debian passwd files: a second root account, new local users, account database edits.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { entry, findingOf, findingsOf, imageMeta, lookupsFor, meta } from './findings-fixtures.js';
import { createFindingsEvaluator } from '../../src/forensics/common/findings.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/accounts/${name}`, import.meta.url)).toString('latin1');
/** bookworm's /etc/passwd, and the same after `useradd -o -u 0 … sysupdate` and `useradd -m … deploy` in a container. */
const IMAGE_PASSWD = fixture('passwd.image');
const CONTAINER_PASSWD = fixture('passwd.container');
const passwdChange = entry('etc/passwd', 'modified', {
  before: imageMeta({ size: IMAGE_PASSWD.length }),
  after: meta({ size: CONTAINER_PASSWD.length }),
});

describe('new-uid0-account', () => {
  it('given the attacker’s useradd -o -u 0 in a real bookworm container, then a critical finding names "sysupdate"', async () => {
    const lookups = lookupsFor({
      image: { 'etc/passwd': IMAGE_PASSWD },
      container: { 'etc/passwd': CONTAINER_PASSWD },
    });
    const findings = await createFindingsEvaluator(lookups)(passwdChange);
    expect(findings.map((finding) => [finding.rule, finding.severity, finding.attack])).toEqual([
      ['new-uid0-account', 'critical', 'T1136.001'],
      ['account-files-changed', 'medium', 'T1098'],
      ['new-local-account', 'medium', 'T1136.001'],
    ]);
    expect(findings[0]?.detail).toBe(
      'etc/passwd has a new uid 0 (root) account: sysupdate (uid 0, home /root, shell /bin/bash)',
    );
    expect(findings[2]?.detail).toBe(
      'etc/passwd has new accounts: deploy (uid 1000, home /home/deploy, shell /bin/bash)',
    );
    // Two rules read the same file; each side is read once.
    expect(lookups.reads.map((read) => read.side).sort()).toEqual(['container', 'image']);
  });

  it('given an existing account (games) switched to uid 0, then it is a new root account too', async () => {
    const edited = IMAGE_PASSWD.replace('games:x:5:60:', 'games:x:0:60:');
    expect(edited).not.toBe(IMAGE_PASSWD);
    const found = await findingOf('new-uid0-account', passwdChange, {
      image: { 'etc/passwd': IMAGE_PASSWD },
      container: { 'etc/passwd': edited },
    });
    expect(found?.detail).toContain('games (uid 0, home /usr/games, shell /usr/sbin/nologin)');
  });

  it('given an account name carrying a terminal escape, then it is shown escaped', async () => {
    const hostile = `${IMAGE_PASSWD}r\x1b[2Joot:x:0:0::/root:/bin/sh\n`;
    const found = await findingOf('new-uid0-account', passwdChange, {
      image: { 'etc/passwd': IMAGE_PASSWD },
      container: { 'etc/passwd': hostile },
    });
    expect(found?.detail).toContain('r\\x1b[2Joot (uid 0');
    expect(found?.detail).not.toContain('\x1b');
  });

  it('given only the new non-root user, then there is no uid 0 finding but a new local account', async () => {
    const onlyDeploy = `${IMAGE_PASSWD}deploy:x:1000:1000::/home/deploy:/bin/bash\n`;
    const rules = (
      await findingsOf(passwdChange, { image: { 'etc/passwd': IMAGE_PASSWD }, container: { 'etc/passwd': onlyDeploy } })
    ).map((finding) => finding.rule);
    expect(rules).toEqual(['account-files-changed', 'new-local-account']);
  });

  it('given passwd created where the image had none (scratch image), then its root account counts as new', async () => {
    const created = entry('etc/passwd', 'added', { after: meta() });
    const found = await findingOf('new-uid0-account', created, {
      container: { 'etc/passwd': 'root:x:0:0::/:/bin/sh\n' },
    });
    expect(found?.detail).toContain('root (uid 0, home /, shell /bin/sh)');
  });
});

describe('account-files-changed and new-local-account', () => {
  it('given /etc/shadow rewritten (a password set), then the account database change is reported', async () => {
    const found = await findingOf(
      'account-files-changed',
      entry('etc/shadow', 'modified', { before: imageMeta(), after: meta() }),
    );
    expect(found).toMatchObject({ severity: 'medium', attack: 'T1098' });
  });

  it("given useradd's backup passwd- written, or a user's shell changed, then neither rule fires", async () => {
    const backup = entry('etc/passwd-', 'modified', { before: imageMeta(), after: meta() });
    expect(await findingsOf(backup)).toEqual([]);
    const shellChanged = IMAGE_PASSWD.replace(
      'sync:x:4:65534:sync:/bin:/bin/sync',
      'sync:x:4:65534:sync:/bin:/bin/bash',
    );
    expect(shellChanged).not.toBe(IMAGE_PASSWD);
    const found = await findingOf('new-local-account', passwdChange, {
      image: { 'etc/passwd': IMAGE_PASSWD },
      container: { 'etc/passwd': shellChanged },
    });
    expect(found).toBeUndefined();
  });
});
