// Findings for persistence and remote access: cron, systemd, init, shell profiles, SSH keys, ld.so.preload, sudo, web shells.
import { describe, expect, it } from 'vitest';
import { entry, findingOf, imageMeta, meta } from './findings-fixtures.js';

const added = (path: string, overrides = {}) => entry(path, 'added', { after: meta(overrides) });
const modified = (path: string) =>
  entry(path, 'modified', { before: imageMeta({ size: 200 }), after: meta({ size: 260 }) });

describe('cron-persistence', () => {
  it('given a job dropped into /etc/cron.d and root’s spool crontab rewritten, then both are cron persistence', async () => {
    const dropped = await findingOf('cron-persistence', added('etc/cron.d/update-check'));
    expect(dropped).toMatchObject({ severity: 'high', attack: 'T1053.003' });
    expect(dropped?.detail).toBe(
      'etc/cron.d/update-check was added (file, mode 0644): cron runs what it lists on a schedule (as root for system crontabs)',
    );
    const spool = await findingOf('cron-persistence', modified('var/spool/cron/crontabs/root'));
    expect(spool?.detail).toContain('was modified (200 bytes → 260 bytes)');
  });

  it('given a cron.daily script made executable, then the permission change is the finding', async () => {
    const found = await findingOf(
      'cron-persistence',
      entry('etc/cron.daily/backup', 'metadata', { before: imageMeta({ mode: 0o644 }), after: meta({ mode: 0o755 }) }),
    );
    expect(found?.detail).toContain('had its permissions changed (mode 0644 → 0755)');
  });

  it('given only the cron.d folder’s mtime, a touched crontab, or a deleted job, then nothing', async () => {
    const folder = entry('etc/cron.d', 'metadata', {
      before: imageMeta({ type: 'dir', mode: 0o755 }),
      after: meta({ type: 'dir', mode: 0o755 }),
    });
    expect(await findingOf('cron-persistence', folder)).toBeUndefined();
    const touched = entry('etc/crontab', 'metadata', { before: imageMeta(), after: meta() });
    expect(await findingOf('cron-persistence', touched)).toBeUndefined();
    const removed = entry('etc/cron.d/e2scrub_all', 'deleted', { before: imageMeta() });
    expect(await findingOf('cron-persistence', removed)).toBeUndefined();
  });
});

describe('systemd-persistence', () => {
  it('given a wants/ link, a rewritten unit under merged /usr and a user unit in a home, then each is found', async () => {
    const link = await findingOf(
      'systemd-persistence',
      added('etc/systemd/system/multi-user.target.wants/dbus-helper.service', {
        type: 'symlink',
        mode: 0o777,
        linkTarget: '/etc/systemd/system/dbus-helper.service',
      }),
    );
    expect(link).toMatchObject({ severity: 'high', attack: 'T1543.002' });
    expect(link?.detail).toContain('symlink pointing to /etc/systemd/system/dbus-helper.service');
    expect(await findingOf('systemd-persistence', modified('usr/lib/systemd/system/ssh.service'))).toBeDefined();
    expect(await findingOf('systemd-persistence', added('home/dev/.config/systemd/user/agent.service'))).toBeDefined();
  });

  it('given journald.conf edited (systemd configuration, not a unit), then nothing', async () => {
    expect(await findingOf('systemd-persistence', modified('etc/systemd/journald.conf'))).toBeUndefined();
  });
});

describe('init-persistence', () => {
  it('given rc.local rewritten, a new init.d script and its rc2.d link, then each is init persistence', async () => {
    const rcLocal = await findingOf('init-persistence', modified('etc/rc.local'));
    expect(rcLocal).toMatchObject({ severity: 'high', attack: 'T1037' });
    expect(await findingOf('init-persistence', added('etc/init.d/net-helper', { mode: 0o755 }))).toBeDefined();
    const link = added('etc/rc2.d/S99net-helper', { type: 'symlink', mode: 0o777, linkTarget: '../init.d/net-helper' });
    expect(await findingOf('init-persistence', link)).toBeDefined();
  });

  it('given initramfs configuration changed, then nothing', async () => {
    expect(await findingOf('init-persistence', modified('etc/initramfs-tools/initramfs.conf'))).toBeUndefined();
  });
});

describe('shell-profile-persistence', () => {
  it("given root's .bashrc, a user's .profile and a new profile.d script, then each is shell persistence", async () => {
    const bashrc = await findingOf('shell-profile-persistence', modified('root/.bashrc'));
    expect(bashrc).toMatchObject({ severity: 'medium', attack: 'T1546.004' });
    expect(await findingOf('shell-profile-persistence', modified('home/alice/.profile'))).toBeDefined();
    expect(await findingOf('shell-profile-persistence', added('etc/profile.d/proxy.sh'))).toBeDefined();
  });

  it('given a backup copy deeper in a home and a history file, then nothing', async () => {
    expect(await findingOf('shell-profile-persistence', added('home/alice/old/.bashrc'))).toBeUndefined();
    expect(await findingOf('shell-profile-persistence', modified('root/.bash_history'))).toBeUndefined();
  });
});

describe('ssh-authorized-keys', () => {
  const operatorKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOpsKeyOperatorsOnlyxxxxxxxxxxxxxxxxxxxxxxxx ops@bastion\n';
  const attackerKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAttackerKeyxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx attacker@kali\n';

  it("given the attacker's key appended to root's authorized_keys, then the new key and its comment are named", async () => {
    const path = 'root/.ssh/authorized_keys';
    const found = await findingOf('ssh-authorized-keys', modified(path), {
      image: { [path]: operatorKey },
      container: { [path]: operatorKey + attackerKey },
    });
    expect(found).toMatchObject({ severity: 'high', attack: 'T1098.004' });
    expect(found?.detail).toBe(
      'root/.ssh/authorized_keys was modified (200 bytes → 260 bytes): 1 key added (ssh-ed25519 "attacker@kali"), 0 removed',
    );
  });

  it('given a new authorized_keys2 in a home, then it counts its keys', async () => {
    const path = 'home/deploy/.ssh/authorized_keys2';
    const found = await findingOf('ssh-authorized-keys', added(path), { container: { [path]: attackerKey } });
    expect(found?.detail).toContain('1 key added (ssh-ed25519 "attacker@kali")');
  });

  it('given known_hosts learning a host, or authorized_keys removed, then nothing', async () => {
    expect(await findingOf('ssh-authorized-keys', modified('root/.ssh/known_hosts'))).toBeUndefined();
    const removed = entry('root/.ssh/authorized_keys', 'deleted', { before: imageMeta() });
    expect(await findingOf('ssh-authorized-keys', removed)).toBeUndefined();
  });
});

describe('sshd-config-changed', () => {
  it('given sshd_config edited, then medium with what to look for', async () => {
    const found = await findingOf('sshd-config-changed', modified('etc/ssh/sshd_config'));
    expect(found).toMatchObject({ severity: 'medium', attack: 'T1098.004' });
    expect(found?.detail).toContain('PermitRootLogin');
  });

  it('given the SSH client configuration edited, then nothing', async () => {
    expect(await findingOf('sshd-config-changed', modified('etc/ssh/ssh_config'))).toBeUndefined();
  });
});

describe('ld-so-preload', () => {
  it('given /etc/ld.so.preload naming a process hider, then critical, with the library named', async () => {
    const path = 'etc/ld.so.preload';
    const found = await findingOf('ld-so-preload', added(path, { size: 35 }), {
      container: { [path]: '/usr/local/lib/libprocesshider.so\n' },
    });
    expect(found).toMatchObject({ severity: 'critical', attack: 'T1574.006' });
    expect(found?.detail).toBe(
      'etc/ld.so.preload was added (file, mode 0644): every dynamically linked program now loads /usr/local/lib/libprocesshider.so',
    );
  });

  it('given an empty ld.so.preload, then only medium: nothing is preloaded yet', async () => {
    const path = 'etc/ld.so.preload';
    const found = await findingOf('ld-so-preload', added(path, { size: 0 }), { container: { [path]: '' } });
    expect(found?.severity).toBe('medium');
  });

  it('given the linker search path configuration changed, then nothing', async () => {
    expect(await findingOf('ld-so-preload', modified('etc/ld.so.conf.d/x86_64-linux-gnu.conf'))).toBeUndefined();
  });
});

describe('sudoers-changed', () => {
  it('given a sudoers.d drop-in added, then high', async () => {
    const found = await findingOf('sudoers-changed', added('etc/sudoers.d/90-svc', { mode: 0o440 }));
    expect(found).toMatchObject({ severity: 'high', attack: 'T1548.003' });
  });

  it("given sudo's own plugin configuration changed, then nothing", async () => {
    expect(await findingOf('sudoers-changed', modified('etc/sudo.conf'))).toBeUndefined();
  });
});

describe('web-shell and web-script-modified', () => {
  it('given shell.php uploaded under /var/www and cmd.JSPX in a JBoss webapp, then both are web shells', async () => {
    const php = await findingOf('web-shell', added('var/www/html/uploads/shell.php', { size: 120 }));
    expect(php).toMatchObject({ severity: 'high', attack: 'T1505.003' });
    expect(php?.detail).toBe('var/www/html/uploads/shell.php: new .php script in a web root (120 bytes)');
    expect(await findingOf('web-shell', added('opt/jboss/webapps/ROOT/cmd.JSPX'))).toBeDefined();
    expect(await findingOf('web-shell', added('usr/local/tomcat/webapps/ROOT/x.jsp'))).toBeDefined();
  });

  it('given an uploaded image in the web root, or a PHP file outside any web root, then nothing', async () => {
    expect(await findingOf('web-shell', added('var/www/html/uploads/logo.png'))).toBeUndefined();
    expect(await findingOf('web-shell', added('home/dev/tool.php'))).toBeUndefined();
  });

  it('given index.php rewritten, then medium; a stylesheet rewritten is nothing', async () => {
    expect(await findingOf('web-script-modified', modified('var/www/html/index.php'))).toMatchObject({
      severity: 'medium',
    });
    expect(await findingOf('web-script-modified', modified('var/www/html/style.css'))).toBeUndefined();
  });
});
