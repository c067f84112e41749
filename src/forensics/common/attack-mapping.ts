// ATT&CK mapping as data: rules over timeline events of every source, each with its technique and why it matches.
//
// A rule looks at one event; the dropper chain (a file written, made executable, then run) needs the events before
// it and is applied while the merged timeline is walked in time order. The responder's own actions (custody) and
// the investigator's annotations are never mapped: they are not the attacker's.
import type { AttackTechniqueId } from './attack-techniques.js';
import { baseName, sortedTechniques } from './timeline-event.js';
import type { TimelineEvent, TimelineSource } from './timeline-model.js';

export interface AttackRule {
  id: string;
  technique: AttackTechniqueId;
  /** The sources whose events the rule looks at. */
  sources: readonly TimelineSource[];
  /** One line a responder reads: why an event that matches is this technique. */
  rationale: string;
  test: (event: TimelineEvent) => boolean;
}

/** Attribute listing the rules that added techniques to an event (comma-separated ids). */
export const RULES_ATTRIBUTE = 'attack.rules';

const PROCESS_SOURCES: readonly TimelineSource[] = ['syscall', 'tetragon'];
const FILE_SOURCES: readonly TimelineSource[] = ['syscall', 'tetragon', 'filesystem'];

const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh', 'tcsh', 'csh', 'fish', 'rbash']);
const ADMIN_TOOLS = new Set(['docker', 'kubectl', 'crictl', 'ctr', 'nerdctl', 'runc', 'podman', 'oc']);
const DOWNLOADERS = new Set(['curl', 'wget', 'fetch', 'tftp', 'aria2c', 'ftp', 'scp', 'sftp']);
const NETCATS = new Set(['nc', 'ncat', 'netcat', 'socat']);
const MINER = /xmrig|minerd|cpuminer|xmr-stak|ccminer|ethminer|nbminer|t-rex|phoenixminer|lolminer|cgminer|bfgminer/i;
const STRATUM = /stratum\d?\+(tcp|ssl|tls):\/\//i;
const RUNTIME_SOCKET = /(docker|containerd|crio|cri-dockerd|podman|dockershim)\.sock\b/;
const PROC1_ROOT = /\/proc\/1\/(root|cwd)(\/|\s|$)/;
const HOST_DEVICE = /(^|\s)\/dev\/(sd[a-z]|vd[a-z]|xvd[a-z]|hd[a-z]|nvme\d|dm-\d|mapper\/|root\b)/;
const CRON_PATH = /^\/etc\/(crontab$|cron\.[^/]+(\/|$))|^\/var\/spool\/cron(\/|$)/;
const ACCOUNT_PATH = /^\/etc\/(passwd|shadow|group|gshadow|sudoers)$|^\/etc\/sudoers\.d\//;
const AUTHORIZED_KEYS = /(^|\/)\.ssh\/authorized_keys2?$/;
const HISTORY_PATH = /(^|\/)\.(bash|ash|zsh|sh|ksh|mksh)_history$|(^|\/)\.zhistory$/;
const LOG_PATH = /^\/var\/log\//;

/** Kinds that put content at a path: written, created, renamed into place, linked, or seen added/changed. */
const WRITE_KINDS = new Set([
  'file.write',
  'file.truncate',
  'file.rename',
  'file.link',
  'file.symlink',
  'file.added',
  'file.modified',
  'file.retyped',
]);
/** Kinds that remove or empty what was at a path. */
const REMOVE_KINDS = new Set(['file.unlink', 'file.deleted', 'file.truncate']);

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * The names an exec event's program goes by: its exe path's last component and argv[0]'s. Both count because
 * busybox runs its applets by exec'ing /proc/self/exe with argv[0] "sh", "wget", "nc"…
 */
export function programsOf(event: TimelineEvent): string[] {
  const exe = baseName(text(event.attributes['exe']));
  const argv0 = baseName((event.subject.process ?? '').split(' ')[0] ?? '');
  return [...new Set([exe, argv0])].filter((name) => name !== '');
}

const isExec = (event: TimelineEvent): boolean => event.kind === 'process.exec';

/** An exec of one of these programs. */
const runs = (event: TimelineEvent, names: ReadonlySet<string> | readonly string[]): boolean => {
  const set: ReadonlySet<string> = Array.isArray(names) ? new Set(names) : (names as ReadonlySet<string>);
  return isExec(event) && programsOf(event).some((name) => set.has(name));
};

function argvOf(event: TimelineEvent): string[] {
  return (event.subject.process ?? '').split(/\s+/).filter((part) => part !== '');
}

/** Every path an event names: the subject's, a rename's new name, a link's target. */
export function pathsOf(event: TimelineEvent): string[] {
  return [event.subject.path, text(event.attributes['newPath']), text(event.attributes['target'])].filter(
    (path): path is string => path !== undefined && path !== '',
  );
}

const writes = (event: TimelineEvent, pattern: RegExp): boolean =>
  WRITE_KINDS.has(event.kind) && pathsOf(event).some((path) => pattern.test(path));
/** A write that empties the file (O_TRUNC) counts as removing what was there. */
const truncatingWrite = (event: TimelineEvent): boolean =>
  event.kind === 'file.write' && text(event.attributes['flags']).includes('O_TRUNC');
const removes = (event: TimelineEvent, pattern: RegExp): boolean =>
  (REMOVE_KINDS.has(event.kind) || truncatingWrite(event)) && pathsOf(event).some((path) => pattern.test(path));

/** Octal permission bits from a mode as traced ("0755", "S_ISUID|0755", "04755") or stored (number). */
export function modeBits(mode: unknown): number | undefined {
  if (typeof mode === 'number') return Number.isInteger(mode) ? mode : undefined;
  if (typeof mode !== 'string') return undefined;
  let bits = 0;
  let found = false;
  for (const part of mode.split('|')) {
    const token = part.trim();
    if (/^0[0-7]*$/.test(token)) {
      bits |= Number.parseInt(token, 8);
      found = true;
    } else if (token === 'S_ISUID') {
      bits |= 0o4000;
      found = true;
    } else if (token === 'S_ISGID') {
      bits |= 0o2000;
      found = true;
    } else if (/^S_IRWX[UGO]$/.test(token)) {
      bits |= 7 << { U: 6, G: 3, O: 0 }[token.charAt(6) as 'U' | 'G' | 'O'];
      found = true;
    } else if (/^S_I[RWX](USR|GRP|OTH)$/.test(token)) {
      const shift = token.endsWith('USR') ? 6 : token.endsWith('GRP') ? 3 : 0;
      bits |= ({ R: 4, W: 2, X: 1 }[token.charAt(3) as 'R' | 'W' | 'X'] ?? 0) << shift;
      found = true;
    }
  }
  return found ? bits : undefined;
}

export const ATTACK_RULES: readonly AttackRule[] = [
  {
    id: 'shell-exec',
    technique: 'T1059.004',
    sources: PROCESS_SOURCES,
    rationale: 'a Unix shell was started inside the container',
    test: (event) => runs(event, SHELLS) || (runs(event, ['busybox']) && SHELLS.has(argvOf(event)[1] ?? '')),
  },
  {
    id: 'container-admin-tool',
    technique: 'T1609',
    sources: PROCESS_SOURCES,
    rationale: 'a container administration client (docker, kubectl, crictl, ctr, runc…) ran inside the container',
    test: (event) => runs(event, ADMIN_TOOLS),
  },
  {
    id: 'engine-exec',
    technique: 'T1609',
    sources: ['engine'],
    rationale: 'a process was started in the container through the engine API (docker exec)',
    test: (event) => /^container\.exec_(create|start)$/.test(event.kind),
  },
  {
    id: 'kubernetes-exec',
    technique: 'T1609',
    sources: ['kubernetes-audit'],
    rationale: 'the Kubernetes API was asked to exec or attach into a pod',
    test: (event) => /^(exec|attach)$/.test(text(event.attributes['subresource'])),
  },
  {
    id: 'kubernetes-privileged-pod',
    technique: 'T1610',
    sources: ['kubernetes-audit'],
    rationale: "a pod was created privileged or sharing the node's namespaces or filesystem",
    test: (event) =>
      event.kind === 'k8s.audit.create' &&
      text(event.attributes['resource']) === 'pods' &&
      text(event.attributes['subresource']) === '' &&
      ['privileged', 'hostPID', 'hostNetwork', 'hostIPC', 'hostPath'].some((key) => event.attributes[key] === true),
  },
  {
    id: 'nsenter',
    technique: 'T1611',
    sources: PROCESS_SOURCES,
    rationale: "nsenter enters another process's namespaces (with -t 1: the host's)",
    test: (event) => runs(event, ['nsenter']),
  },
  {
    id: 'mount-host-device',
    technique: 'T1611',
    sources: PROCESS_SOURCES,
    rationale: "mounting a host block device gives the container the host's filesystem",
    test: (event) => runs(event, ['mount']) && HOST_DEVICE.test(event.subject.process ?? ''),
  },
  {
    id: 'runtime-socket',
    technique: 'T1611',
    sources: ['syscall', 'tetragon', 'falco'],
    rationale: "the container runtime's socket (docker.sock, containerd.sock…) controls the host",
    test: (event) =>
      [...pathsOf(event), event.subject.address ?? '', event.subject.process ?? ''].some((value) =>
        RUNTIME_SOCKET.test(value),
      ),
  },
  {
    id: 'proc1-root',
    technique: 'T1611',
    sources: PROCESS_SOURCES,
    rationale: "/proc/1/root is the root filesystem of pid 1's mount namespace (the host's, with host PID)",
    test: (event) => [...pathsOf(event), event.subject.process ?? ''].some((value) => PROC1_ROOT.test(`${value} `)),
  },
  {
    id: 'cron',
    technique: 'T1053.003',
    sources: FILE_SOURCES,
    rationale: 'cron tables run commands on a schedule: a change there is persistence',
    test: (event) =>
      writes(event, CRON_PATH) ||
      (event.kind === 'file.chmod' && pathsOf(event).some((path) => CRON_PATH.test(path))) ||
      (runs(event, ['crontab']) && !argvOf(event).includes('-l')),
  },
  {
    id: 'account-files',
    technique: 'T1098',
    sources: FILE_SOURCES,
    rationale: 'passwd, shadow, group and sudoers define who can log in and as whom',
    test: (event) => writes(event, ACCOUNT_PATH) || runs(event, ['usermod', 'chpasswd', 'gpasswd', 'passwd', 'visudo']),
  },
  {
    id: 'create-account',
    technique: 'T1136.001',
    sources: PROCESS_SOURCES,
    rationale: 'a local account was created',
    test: (event) => runs(event, ['useradd', 'adduser', 'newusers']),
  },
  {
    id: 'ssh-authorized-keys',
    technique: 'T1098.004',
    sources: FILE_SOURCES,
    rationale: 'a key in authorized_keys lets its holder log in without a password',
    test: (event) => writes(event, AUTHORIZED_KEYS),
  },
  {
    id: 'miner',
    technique: 'T1496',
    sources: ['syscall', 'tetragon', 'filesystem', 'container-logs'],
    rationale: 'a cryptocurrency miner (by name or by its stratum pool URL) uses the host for someone else',
    test: (event) =>
      (isExec(event) && (MINER.test(event.subject.process ?? '') || MINER.test(text(event.attributes['exe'])))) ||
      STRATUM.test(event.subject.process ?? '') ||
      (event.source === 'container-logs' && STRATUM.test(event.summary)) ||
      (event.kind === 'file.added' && MINER.test(baseName(event.subject.path ?? ''))),
  },
  {
    id: 'download-tool',
    technique: 'T1105',
    sources: PROCESS_SOURCES,
    rationale: 'curl, wget, nc and the like bring tools in from outside',
    test: (event) => {
      const operands = argvOf(event)
        .slice(1)
        .filter((arg) => !arg.startsWith('-'));
      if (runs(event, DOWNLOADERS)) return operands.length > 0;
      return runs(event, NETCATS) && operands.length >= 2;
    },
  },
  {
    id: 'history-cleared',
    technique: 'T1070.003',
    sources: FILE_SOURCES,
    rationale: 'removing or emptying shell history hides what was typed',
    test: (event) =>
      removes(event, HISTORY_PATH) ||
      (event.kind === 'file.symlink' && pathsOf(event).some((path) => HISTORY_PATH.test(path))) ||
      (isExec(event) && /\bhistory\s+-c\b|HISTFILE=\/dev\/null/.test(event.subject.process ?? '')),
  },
  {
    id: 'logs-cleared',
    technique: 'T1070.002',
    sources: FILE_SOURCES,
    rationale: 'deleting or truncating files under /var/log removes the system\u2019s record',
    test: (event) => removes(event, LOG_PATH),
  },
  {
    id: 'timestomp',
    technique: 'T1070.006',
    sources: ['syscall'],
    rationale: "touch -d/-t/-r sets a file's times to a chosen value, hiding when it was really changed",
    test: (event) =>
      event.kind === 'file.utime' &&
      /^(\S*\/)?touch\s(.*\s)?-(d|t|r|-date|-reference)\b/.test(event.subject.process ?? ''),
  },
  {
    id: 'setuid-chmod',
    technique: 'T1548.001',
    sources: ['syscall', 'tetragon'],
    rationale: 'a setuid or setgid bit makes the program run with its owner\u2019s privileges',
    test: (event) => event.kind === 'file.chmod' && ((modeBits(event.attributes['mode']) ?? 0) & 0o6000) !== 0,
  },
];

/** Rules by source, so each event is tested only against the rules for its source. */
const RULES_BY_SOURCE: ReadonlyMap<TimelineSource, readonly AttackRule[]> = (() => {
  const map = new Map<TimelineSource, AttackRule[]>();
  for (const rule of ATTACK_RULES) {
    for (const source of rule.sources) map.set(source, [...(map.get(source) ?? []), rule]);
  }
  return map;
})();

/** Adds techniques (and the rule ids that gave them) to an event; returns the same object when no rule matched. */
export function withTechniques(
  event: TimelineEvent,
  techniques: readonly string[],
  ruleIds: readonly string[],
): TimelineEvent {
  const before = event.techniques;
  const merged = sortedTechniques([...before, ...techniques]);
  const previous = text(event.attributes[RULES_ATTRIBUTE]);
  const rules = [...new Set([...(previous === '' ? [] : previous.split(',')), ...ruleIds])].sort().join(',');
  if (merged.length === before.length && rules === previous) return event;
  return { ...event, techniques: merged, attributes: { ...event.attributes, [RULES_ATTRIBUTE]: rules } };
}

/** Applies every per-event rule of the event's source. */
export function applyAttackRules(event: TimelineEvent): TimelineEvent {
  const rules = RULES_BY_SOURCE.get(event.source);
  if (rules === undefined) return event;
  const matched = rules.filter((rule) => rule.test(event));
  if (matched.length === 0) return event;
  return withTechniques(
    event,
    matched.map((rule) => rule.technique),
    matched.map((rule) => rule.id),
  );
}

/** The rule that needs history: a path written, then made executable, then executed (T1105). */
export const DROPPER_RULE = {
  id: 'dropper-chain',
  technique: 'T1105',
  rationale: 'a file written in the container, made executable and run is a tool brought in',
} as const;

/**
 * Walks events in time order: remembers paths written and paths made executable after being written, and tags
 * the chmod that arms a written file and every later exec of it with T1105.
 */
export class DropperChain {
  private readonly written = new Set<string>();
  private readonly armed = new Set<string>();

  apply(event: TimelineEvent): TimelineEvent {
    if (event.source === 'custody' || event.source === 'annotation') return event;
    if (WRITE_KINDS.has(event.kind)) {
      for (const path of pathsOf(event)) this.written.add(path);
      // The diff sees the end state: a file added with an execute bit was written and armed before acquisition.
      const mode = modeBits(event.attributes['mode']);
      if (event.source === 'filesystem' && mode !== undefined && (mode & 0o111) !== 0 && event.subject.path) {
        this.armed.add(event.subject.path);
      }
      return event;
    }
    if (event.kind === 'file.chmod' || event.kind === 'file.metadata') {
      const path = event.subject.path ?? '';
      const mode = modeBits(event.attributes['mode']);
      if (this.written.has(path) && mode !== undefined && (mode & 0o111) !== 0) {
        this.armed.add(path);
        return withTechniques(event, [DROPPER_RULE.technique], [DROPPER_RULE.id]);
      }
      return event;
    }
    if (isExec(event)) {
      const exe = text(event.attributes['exe']);
      if (this.armed.has(exe)) return withTechniques(event, [DROPPER_RULE.technique], [DROPPER_RULE.id]);
    }
    return event;
  }
}
