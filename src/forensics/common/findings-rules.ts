// The findings rules as data: what makes a filesystem change suspicious, how bad, and which ATT&CK technique it is.
import { visibleText } from '../../contract/visible-text.js';
import type { AttackTechniqueId } from './attack-techniques.js';
import type { DiffChange, DiffSide, EntryType, FileMeta, Severity } from './diff-model.js';
import {
  authorizedKeyChanges,
  describeFileCapability,
  newAccounts,
  newUid0Accounts,
  parsePreload,
  type AuthorizedKey,
  type PasswdAccount,
} from './findings-parsers.js';
import type { EntryFacts, EntryMeta, Neighbour } from './findings.js';
import type { BytePath } from './tar-index-model.js';

/** A rule's verdict: the responder-facing explanation, and a severity when it differs from the rule's default. */
export interface RuleHit {
  detail: string;
  severity?: Severity;
}

/** The normalised context a rule's test sees (built by findings.ts for one entry). */
export interface RuleView {
  entry: EntryFacts;
  /** The entry's metadata as it is now: after, or before for a deleted entry. */
  current: EntryMeta;
  /** "/" + the byte path (what path globs match). */
  absolutePath: string;
  /** Last path component, as bytes. */
  name: BytePath;
  containerCreated: string;
  hasPackageDb: boolean;
  /** Display form of a byte string from evidence (invalid UTF-8 as \xNN, invisible characters escaped). */
  show(bytes: string): string;
  /** The entry's first bytes on one side; at most the rule's contentBytes. Undefined for anything but a file. */
  read(side: DiffSide, maxBytes: number): Promise<string | undefined>;
  /** The other children of the entry's directory in the container. */
  siblings(): Promise<readonly Neighbour[]>;
}

export interface FindingRule {
  id: string;
  title: string;
  /** Default severity; a test may raise or lower it for one entry (and says why in the detail). */
  severity: Severity;
  attack: AttackTechniqueId;
  description: string;
  /** When a responder should expect this rule to fire on innocent changes. */
  falsePositives: string;
  /** Cheap declarative conditions, all of which must hold before `test` runs. */
  match: {
    changes: readonly DiffChange[];
    /** Type of the entry as it is now (after; before for deletions). */
    types?: readonly EntryType[];
    /** Globs over the absolute path: "*" within a component, "**" across, "~/" = /root/ and /home/<user>/. */
    paths?: readonly string[];
  };
  /** Most bytes per side this rule reads through view.read; absent = the rule never reads content. */
  contentBytes?: number;
  test(view: RuleView): RuleHit | undefined | Promise<RuleHit | undefined>;
}

const ANY_BUT_DELETED: readonly DiffChange[] = ['added', 'modified', 'metadata', 'type'];
const REGULAR: readonly EntryType[] = ['file', 'hardlink'];
/** What a configuration file can be; directories are left out (their mtime changes whenever a child does). */
const NOT_DIRECTORY: readonly EntryType[] = ['file', 'hardlink', 'symlink', 'char', 'block', 'fifo', 'other'];
const MIB = 1024 * 1024;
const ELF_MAGIC = '\x7fELF';

function isRegular(meta: FileMeta | undefined): meta is FileMeta & { type: 'file' | 'hardlink' } {
  return meta !== undefined && (meta.type === 'file' || meta.type === 'hardlink');
}

function modeText(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < MIB) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / MIB).toFixed(1)} MiB`;
}

/** Whole seconds since the epoch: `docker export` truncates mtimes to the second, so finer comparison would lie. */
export function wholeSeconds(iso: string): number | undefined {
  const millis = Date.parse(iso.replace(/\.\d+(?=Z$|[+-]\d\d:?\d\d$)/, ''));
  return Number.isNaN(millis) ? undefined : Math.floor(millis / 1000);
}

function linkText(meta: FileMeta): string {
  return meta.type === 'symlink' && meta.linkTarget !== undefined ? ` pointing to ${meta.linkTarget}` : '';
}

/** How the entry changed, in words; undefined for a metadata change that touched only mtime or xattrs. */
function changeText(view: RuleView): string | undefined {
  const { change, before, after } = view.entry;
  if (change === 'deleted') return 'was deleted';
  if (after === undefined) return undefined;
  if (change === 'added') return `was added (${after.type}${linkText(after)}, mode ${modeText(after.mode)})`;
  if (change === 'modified' && after.type === 'symlink')
    return `now points to ${after.linkTarget ?? 'an unknown target'}`;
  if (change === 'modified') return `was modified (${sizeText(before?.size ?? 0)} → ${sizeText(after.size)})`;
  if (change === 'type') return `was replaced: ${before?.type ?? 'nothing'} → ${after.type}${linkText(after)}`;
  const parts: string[] = [];
  if (before !== undefined && (before.mode & 0o7777) !== (after.mode & 0o7777))
    parts.push(`mode ${modeText(before.mode)} → ${modeText(after.mode)}`);
  if (before !== undefined && (before.uid !== after.uid || before.gid !== after.gid))
    parts.push(`owner ${before.uid}:${before.gid} → ${after.uid}:${after.gid}`);
  return parts.length === 0 ? undefined : `had its permissions changed (${parts.join(', ')})`;
}

/**
 * Whether the container now holds an executable here that the image did not: a new or rewritten regular file
 * with an x bit (or ELF content not yet marked executable), or an existing file that was just made executable.
 * Empty files execute nothing (Docker's own 0755 /.dockerenv is one).
 */
async function newExecutable(view: RuleView): Promise<string | undefined> {
  const { change, before, after } = view.entry;
  if (!isRegular(after) || after.size === 0) return undefined;
  const executable = (after.mode & 0o111) !== 0;
  if (change === 'metadata') {
    const was = isRegular(before) && (before.mode & 0o111) !== 0;
    return executable && !was
      ? `made executable (mode ${modeText(before?.mode ?? 0)} → ${modeText(after.mode)})`
      : undefined;
  }
  const verb = change === 'added' ? 'new' : 'rewritten';
  if (executable) return `${verb} executable, mode ${modeText(after.mode)}, ${sizeText(after.size)}`;
  const head = await view.read('container', ELF_MAGIC.length);
  return head === ELF_MAGIC ? `${verb} ELF binary not (yet) marked executable, ${sizeText(after.size)}` : undefined;
}

/** A persistence location: any content, type or permission change that makes something run later. */
function persistenceRule(
  rule: Omit<FindingRule, 'match' | 'test'> & { paths: readonly string[]; why: string },
): FindingRule {
  const { paths, why, ...rest } = rule;
  return {
    ...rest,
    match: { changes: ANY_BUT_DELETED, types: NOT_DIRECTORY, paths },
    test: (view) => {
      const what = changeText(view);
      return what === undefined ? undefined : { detail: `${view.entry.path} ${what}: ${why}` };
    },
  };
}

function accountList(view: RuleView, accounts: readonly PasswdAccount[]): string {
  return accounts
    .map(
      (account) =>
        `${view.show(account.name)} (uid ${account.uid}, home ${view.show(account.home)}, shell ${view.show(account.shell)})`,
    )
    .join(', ');
}

function keyList(view: RuleView, keys: readonly AuthorizedKey[]): string {
  return keys.map((key) => `${view.show(key.type ?? 'unrecognised key')} "${view.show(key.comment)}"`).join(', ');
}

/** Both sides of the entry's content ("" for a side without a file), or undefined when the container side has none. */
async function bothSides(view: RuleView, maxBytes: number): Promise<{ before: string; after: string } | undefined> {
  const after = await view.read('container', maxBytes);
  if (after === undefined) return undefined;
  return { before: (await view.read('image', maxBytes)) ?? '', after };
}

const KERNEL_THREAD_NAME =
  /^(?:kworker|ksoftirqd|kswapd|migration|rcu_|watchdog)|^(?:kthreadd|kauditd|khungtaskd)$|^\[.+\]$/s;
const WEB_ROOTS = [
  '/var/www/**',
  '/srv/www/**',
  '/srv/http/**',
  '/usr/share/nginx/html/**',
  '/usr/local/apache2/htdocs/**',
  '/usr/local/tomcat/webapps/**',
  '/var/lib/tomcat*/webapps/**',
  '/opt/*/webapps/**',
];
const SERVER_SCRIPT = /\.(php[3-7]?|phtml|phar|jspx?|aspx?|ashx|cgi|pl|py|sh)$/i;
/** Formats whose content is compressed or encrypted by design: high entropy is expected there. */
const COMPRESSED =
  /\.(gz|tgz|xz|txz|zst|bz2|lz4|lzma|7z|zip|jar|war|ear|whl|deb|rpm|apk|png|jpe?g|gif|webp|mp4|mp3|woff2?|pdf)$/i;
/** logrotate's leftovers: numbered, compressed or date-suffixed copies, which it deletes by design. */
const ROTATED_LOG = /(\.\d+|\.old|\.gz|\.xz|\.bz2|\.zst|-\d{8})$/;
const HISTORY_FILES = [
  '.bash_history',
  '.zsh_history',
  '.ash_history',
  '.sh_history',
  '.python_history',
  '.mysql_history',
  '.psql_history',
];
const SYSTEM_BIN_DIRS = ['/usr/bin/*', '/usr/sbin/*', '/bin/*', '/sbin/*'];

export const FINDING_RULES: readonly FindingRule[] = [
  {
    id: 'setuid-setgid-added',
    title: 'Setuid or setgid bit added',
    severity: 'high',
    attack: 'T1548.001',
    description:
      'A regular file gained the setuid or setgid bit (or is new with it): whoever runs it gets its owner’s or ' +
      'group’s privileges. Critical when setuid and owned by root.',
    falsePositives: 'Installing a package inside the container that ships setuid helpers (passwd, su, ping).',
    match: { changes: ANY_BUT_DELETED, types: REGULAR },
    test: (view) => {
      const { before, after } = view.entry;
      if (after === undefined) return undefined;
      const had = isRegular(before) ? before.mode & 0o6000 : 0;
      const gained = after.mode & 0o6000 & ~had;
      if (gained === 0) return undefined;
      const bits = [gained & 0o4000 ? 'setuid' : '', gained & 0o2000 ? 'setgid' : ''].filter(Boolean).join(' and ');
      const root = (gained & 0o4000) !== 0 && after.uid === 0;
      const how = view.entry.change === 'added' ? 'is new with' : 'gained';
      const mode = isRegular(before) ? `${modeText(before.mode)} → ${modeText(after.mode)}` : modeText(after.mode);
      return {
        detail:
          `${view.entry.path} ${how} the ${bits} bit (mode ${mode}, owner ${after.uid}:${after.gid})` +
          (root ? ': any user who runs it runs as root' : ''),
        severity: root ? 'critical' : 'high',
      };
    },
  },
  {
    id: 'file-capability-added',
    title: 'File capability added',
    severity: 'high',
    attack: 'T1548',
    description:
      'A file’s security.capability extended attribute is new or changed: running it grants those capabilities ' +
      '(cap_setuid, cap_sys_admin, …) without setuid.',
    falsePositives: 'Packages installed in the container that set capabilities (ping with cap_net_raw).',
    match: { changes: ANY_BUT_DELETED, types: REGULAR },
    test: (view) => {
      const now = view.entry.after?.xattrs?.['security.capability'];
      if (now === undefined || now === view.entry.before?.xattrs?.['security.capability']) return undefined;
      const caps = describeFileCapability(now) ?? 'unreadable capability data';
      return { detail: `${view.entry.path} now carries file capabilities: ${caps}` };
    },
  },
  {
    id: 'executable-in-temp',
    title: 'New executable in a temporary directory',
    severity: 'high',
    attack: 'T1105',
    description:
      'A new or rewritten executable (x bit, or ELF content) under /tmp, /var/tmp or /dev/shm: world-writable ' +
      'places where downloaded tools and payloads are dropped.',
    falsePositives: 'Build steps or installers that unpack helpers into /tmp while the container runs.',
    match: { changes: ANY_BUT_DELETED, types: REGULAR, paths: ['/tmp/**', '/var/tmp/**', '/dev/shm/**'] },
    contentBytes: ELF_MAGIC.length,
    test: async (view) => {
      const what = await newExecutable(view);
      return what === undefined
        ? undefined
        : { detail: `${view.entry.path}: ${what}, in a world-writable temp folder` };
    },
  },
  {
    id: 'executable-in-hidden-dir',
    title: 'New executable in a hidden directory',
    severity: 'medium',
    attack: 'T1564.001',
    description: 'A new or rewritten executable below a directory whose name starts with "." (hidden from ls).',
    falsePositives: 'Per-user tool folders: ~/.local/bin (pip --user), ~/.cargo/bin, ~/.vscode-server, caches.',
    match: { changes: ANY_BUT_DELETED, types: REGULAR },
    contentBytes: ELF_MAGIC.length,
    test: async (view) => {
      const folders = view.entry.bytePath.split('/').slice(0, -1);
      const hidden = folders.find((folder) => folder.startsWith('.'));
      if (hidden === undefined) return undefined;
      const what = await newExecutable(view);
      return what === undefined
        ? undefined
        : { detail: `${view.entry.path}: ${what}, inside the hidden directory "${view.show(hidden)}"` };
    },
  },
  persistenceRule({
    id: 'cron-persistence',
    title: 'Cron job added or changed',
    severity: 'high',
    attack: 'T1053.003',
    description: 'A change to crontabs or cron folders (/etc/cron*, /var/spool/cron, /etc/periodic, anacrontab).',
    falsePositives: 'Packages installed in the container that ship cron jobs (logrotate, apt).',
    paths: ['/etc/cron*', '/etc/cron*/**', '/etc/anacrontab', '/var/spool/cron/**', '/etc/periodic/**'],
    why: 'cron runs what it lists on a schedule (as root for system crontabs)',
  }),
  persistenceRule({
    id: 'systemd-persistence',
    title: 'Systemd unit added or changed',
    severity: 'high',
    attack: 'T1543.002',
    description: 'A change to systemd unit folders (system and user units, drop-ins, wants/ links).',
    falsePositives: 'Packages installed in the container that ship services; containers rarely run systemd at all.',
    paths: [
      '/etc/systemd/system/**',
      '/etc/systemd/user/**',
      '/lib/systemd/system/**',
      '/usr/lib/systemd/system/**',
      '/lib/systemd/user/**',
      '/usr/lib/systemd/user/**',
      '~/.config/systemd/user/**',
    ],
    why: 'systemd starts the units here at boot or login',
  }),
  persistenceRule({
    id: 'init-persistence',
    title: 'Init script added or changed',
    severity: 'high',
    attack: 'T1037',
    description: 'A change to SysV/OpenRC init scripts, rc*.d links, rc.local, inittab or local.d.',
    falsePositives: 'Packages installed in the container that ship init scripts.',
    paths: ['/etc/init.d/**', '/etc/rc*.d/**', '/etc/rc.local', '/etc/inittab', '/etc/local.d/**'],
    why: 'init runs these scripts when the system (or the container’s init) starts',
  }),
  persistenceRule({
    id: 'shell-profile-persistence',
    title: 'Shell startup file added or changed',
    severity: 'medium',
    attack: 'T1546.004',
    description: 'A change to system or per-user shell startup files (profile, bashrc, zshrc and their folders).',
    falsePositives: 'A user customising their own shell inside an interactive container.',
    paths: [
      '/etc/profile',
      '/etc/profile.d/**',
      '/etc/bash.bashrc',
      '/etc/bashrc',
      '/etc/zshrc',
      '/etc/zprofile',
      '/etc/zshenv',
      '/etc/zlogin',
      '/etc/zsh/**',
      '~/.bashrc',
      '~/.profile',
      '~/.bash_profile',
      '~/.bash_login',
      '~/.bash_logout',
      '~/.zshrc',
      '~/.zprofile',
      '~/.zshenv',
      '~/.zlogin',
    ],
    why: 'every shell that starts (docker exec, ssh, cron with a login shell) runs it',
  }),
  {
    id: 'ssh-authorized-keys',
    title: 'SSH authorized_keys changed',
    severity: 'high',
    attack: 'T1098.004',
    description: 'An authorized_keys file was added, rewritten or replaced: each key line is a password-less login.',
    falsePositives: 'Provisioning that installs operators’ keys while the container runs.',
    match: { changes: ['added', 'modified', 'type'], types: NOT_DIRECTORY, paths: ['/**/.ssh/authorized_keys*'] },
    contentBytes: 256 * 1024,
    test: async (view) => {
      const sides = await bothSides(view, 256 * 1024);
      if (sides === undefined) return { detail: `${view.entry.path} ${changeText(view) ?? 'changed'}` };
      const { added, removed } = authorizedKeyChanges(sides.before, sides.after);
      const parts = [`${added.length} key${added.length === 1 ? '' : 's'} added`];
      if (added.length > 0) parts[0] += ` (${keyList(view, added)})`;
      parts.push(`${removed.length} removed`);
      return { detail: `${view.entry.path} ${changeText(view) ?? 'changed'}: ${parts.join(', ')}` };
    },
  },
  persistenceRule({
    id: 'sshd-config-changed',
    title: 'SSH server configuration changed',
    severity: 'medium',
    attack: 'T1098.004',
    description: 'sshd_config or a drop-in changed: it decides who may log in and which key files count.',
    falsePositives: 'Hardening or provisioning of an SSH-enabled container.',
    paths: ['/etc/ssh/sshd_config', '/etc/ssh/sshd_config.d/**'],
    why: 'check PermitRootLogin, AuthorizedKeysFile and PasswordAuthentication',
  }),
  {
    id: 'ld-so-preload',
    title: 'Dynamic linker preload configured',
    severity: 'critical',
    attack: 'T1574.006',
    description:
      '/etc/ld.so.preload was created or changed: the libraries it names are loaded into every dynamically linked ' +
      'program — the classic userland rootkit hook (process and file hiding).',
    falsePositives: 'Almost none in containers; some memory allocators or profilers are preloaded this way.',
    match: { changes: ['added', 'modified', 'type'], types: NOT_DIRECTORY, paths: ['/etc/ld.so.preload'] },
    contentBytes: 64 * 1024,
    test: async (view) => {
      const text = await view.read('container', 64 * 1024);
      if (text === undefined) return { detail: `${view.entry.path} ${changeText(view) ?? 'changed'}` };
      const libraries = parsePreload(text);
      if (libraries.length === 0)
        return {
          detail: `${view.entry.path} ${changeText(view) ?? 'changed'} but names no library`,
          severity: 'medium',
        };
      return {
        detail: `${view.entry.path} ${changeText(view) ?? 'changed'}: every dynamically linked program now loads ${libraries.map(view.show).join(', ')}`,
      };
    },
  },
  {
    id: 'account-files-changed',
    title: 'Account database changed',
    severity: 'medium',
    attack: 'T1098',
    description: '/etc/passwd, shadow, group or gshadow changed: accounts, password hashes or group memberships.',
    falsePositives: 'Images whose entrypoint creates a runtime user (useradd at start).',
    match: {
      changes: ['added', 'modified', 'metadata', 'type', 'deleted'],
      types: NOT_DIRECTORY,
      paths: ['/etc/passwd', '/etc/shadow', '/etc/group', '/etc/gshadow'],
    },
    test: (view) => {
      const what = changeText(view);
      return what === undefined ? undefined : { detail: `${view.entry.path} ${what}` };
    },
  },
  {
    id: 'new-uid0-account',
    title: 'New root-equivalent account',
    severity: 'critical',
    attack: 'T1136.001',
    description: 'An account with uid 0 appears in /etc/passwd that the image did not have as uid 0: a second root.',
    falsePositives: 'None expected; a legitimate second uid 0 account is itself a finding worth a look.',
    match: { changes: ['added', 'modified', 'type'], types: REGULAR, paths: ['/etc/passwd'] },
    contentBytes: 4 * MIB,
    test: async (view) => {
      const sides = await bothSides(view, 4 * MIB);
      const accounts = sides === undefined ? [] : newUid0Accounts(sides.before, sides.after);
      return accounts.length === 0
        ? undefined
        : { detail: `${view.entry.path} has a new uid 0 (root) account: ${accountList(view, accounts)}` };
    },
  },
  {
    id: 'new-local-account',
    title: 'New local account',
    severity: 'medium',
    attack: 'T1136.001',
    description: 'An account name appears in /etc/passwd that the image did not have (uid 0 ones: new-uid0-account).',
    falsePositives: 'Entrypoints that create the service user at start.',
    match: { changes: ['added', 'modified', 'type'], types: REGULAR, paths: ['/etc/passwd'] },
    contentBytes: 4 * MIB,
    test: async (view) => {
      const sides = await bothSides(view, 4 * MIB);
      const accounts = sides === undefined ? [] : newAccounts(sides.before, sides.after);
      return accounts.length === 0
        ? undefined
        : { detail: `${view.entry.path} has new accounts: ${accountList(view, accounts)}` };
    },
  },
  persistenceRule({
    id: 'sudoers-changed',
    title: 'Sudo rules changed',
    severity: 'high',
    attack: 'T1548.003',
    description: '/etc/sudoers or a file in /etc/sudoers.d changed: who may run what as root.',
    falsePositives: 'Provisioning that grants a service user sudo while the container runs.',
    paths: ['/etc/sudoers', '/etc/sudoers.d/**'],
    why: 'look for NOPASSWD and ALL grants',
  }),
  {
    id: 'package-file-tampered',
    title: 'Package file tampered',
    severity: 'high',
    attack: 'T1554',
    description:
      'A file owned by an OS package no longer matches the checksum the package database recorded (or was replaced ' +
      'by something that is not a file): a trojaned binary or library.',
    falsePositives: 'Upgrading packages inside the container (the image’s database predates the upgrade).',
    match: { changes: ['modified', 'type'] },
    test: (view) => {
      const pkg = view.entry.package;
      if (pkg === undefined || pkg.conffile === true) return undefined;
      const owner = `${pkg.manager} package ${pkg.name}${pkg.version === undefined ? '' : ` ${pkg.version}`}`;
      const algorithm = pkg.manager === 'dpkg' ? 'md5' : 'sha1';
      if (pkg.tampered === true)
        return {
          detail: `${view.entry.path} no longer matches the ${algorithm} ${pkg.expectedChecksum ?? ''} recorded by ${owner}`,
        };
      const after = view.entry.after;
      if (view.entry.change === 'type' && pkg.expectedChecksum !== undefined && !isRegular(after))
        return {
          detail: `${view.entry.path}, a file of ${owner}, was replaced by a ${after?.type ?? 'nothing'}${after === undefined ? '' : linkText(after)}`,
        };
      return undefined;
    },
  },
  {
    id: 'package-conffile-changed',
    title: 'Package configuration file edited',
    severity: 'info',
    attack: 'T1554',
    description:
      'A package’s configuration file (dpkg conffile) differs from the shipped one. Editing these is normal ' +
      'administration; listed so the edit can be reviewed.',
    falsePositives: 'Most of the time this is an administrator’s edit.',
    match: { changes: ['modified'] },
    test: (view) => {
      const pkg = view.entry.package;
      if (pkg?.conffile !== true || pkg.tampered !== true) return undefined;
      return {
        detail: `${view.entry.path}, a configuration file of package ${pkg.name}, differs from the shipped one`,
      };
    },
  },
  {
    id: 'timestomp',
    title: 'Modification time set back',
    severity: 'medium',
    attack: 'T1070.006',
    description:
      'A file whose content changed in the container carries an mtime older than the container itself, or exactly ' +
      'the mtime of an untouched neighbour (touch -r): its timestamp was forged to blend in.',
    falsePositives:
      'Tools that restore archive mtimes when they write files: dpkg/apt upgrades, tar and unzip extraction, ' +
      'cp -p, rsync -t, pip/npm installs. Neighbour equality is judged to the second (docker export truncates ' +
      'mtimes), so two files written in the same second as an image file can match by chance.',
    match: { changes: ['modified'], types: REGULAR },
    test: async (view) => {
      const { before, after } = view.entry;
      if (after === undefined) return undefined;
      const mtime = wholeSeconds(after.mtime);
      const created = wholeSeconds(view.containerCreated);
      if (mtime === undefined) return undefined;
      const older = created !== undefined && mtime < created;
      const twin = (await view.siblings()).find(
        (neighbour) => !neighbour.changed && wholeSeconds(neighbour.meta.mtime) === mtime,
      );
      if (!older && twin === undefined) return undefined;
      const reasons: string[] = [];
      if (older) {
        const same =
          before !== undefined && wholeSeconds(before.mtime) === mtime ? ' (the very mtime the image had)' : '';
        reasons.push(
          `its mtime ${visibleText(after.mtime)}${same} is older than the container (created ${visibleText(view.containerCreated)})`,
        );
      }
      if (twin !== undefined) reasons.push(`its mtime equals that of the untouched neighbour ${view.show(twin.path)}`);
      return { detail: `${view.entry.path}: content changed in the container, yet ${reasons.join(', and ')}` };
    },
  },
  {
    id: 'log-deleted',
    title: 'Log file deleted or emptied',
    severity: 'high',
    attack: 'T1070.002',
    description: 'A file under /var/log was deleted, truncated to zero bytes or replaced by a link.',
    falsePositives: 'logrotate removing rotated copies (.1, .gz, -YYYYMMDD: reported as medium); log cleanup jobs.',
    match: { changes: ['deleted', 'modified', 'type'], paths: ['/var/log/**'] },
    test: (view) => {
      const { change, before, after } = view.entry;
      if (!isRegular(before)) return undefined;
      let what: string | undefined;
      if (change === 'deleted') what = `was deleted (${sizeText(before.size)})`;
      else if (change === 'modified' && after?.size === 0 && before.size > 0)
        what = `was truncated to 0 bytes (was ${sizeText(before.size)})`;
      else if (change === 'type' && after !== undefined) what = `was replaced by a ${after.type}${linkText(after)}`;
      if (what === undefined) return undefined;
      const rotated = ROTATED_LOG.test(view.name);
      return {
        detail: `${view.entry.path} ${what}${rotated ? ' (a rotated copy: logrotate deletes these by design)' : ''}`,
        severity: rotated ? 'medium' : 'high',
      };
    },
  },
  {
    id: 'shell-history-cleared',
    title: 'Shell history cleared',
    severity: 'high',
    attack: 'T1070.003',
    description:
      'A shell or REPL history file was deleted, emptied, or made a symlink (usually to /dev/null, so nothing is ' +
      'recorded any more).',
    falsePositives: 'Images or users that disable history on purpose (HISTFILE=/dev/null links in dotfiles).',
    match: {
      changes: ['added', 'deleted', 'modified', 'type'],
      paths: HISTORY_FILES.map((name) => `/**/${name}`),
    },
    test: (view) => {
      const { change, before, after } = view.entry;
      if (after?.type === 'symlink')
        return { detail: `${view.entry.path} is now a symlink${linkText(after)}: the shell's history goes nowhere` };
      if (change === 'deleted' && isRegular(before))
        return { detail: `${view.entry.path} was deleted (${sizeText(before.size)} of command history)` };
      if (change === 'modified' && after?.size === 0 && before !== undefined && before.size > 0)
        return { detail: `${view.entry.path} was emptied (was ${sizeText(before.size)})` };
      return undefined;
    },
  },
  {
    id: 'web-shell',
    title: 'New script in a web root',
    severity: 'high',
    attack: 'T1505.003',
    description:
      'A new server-side script (.php, .jsp, .asp(x), .cgi, .pl, .py, .sh …) in a web server’s document root: ' +
      'the usual shape of a web shell.',
    falsePositives: 'Deployments that copy application code into a running container.',
    match: { changes: ['added'], types: REGULAR, paths: WEB_ROOTS },
    test: (view) => {
      const extension = SERVER_SCRIPT.exec(view.name)?.[1];
      return extension === undefined
        ? undefined
        : {
            detail: `${view.entry.path}: new .${view.show(extension)} script in a web root (${sizeText(view.current.size)})`,
          };
    },
  },
  {
    id: 'web-script-modified',
    title: 'Script in a web root modified',
    severity: 'medium',
    attack: 'T1505.003',
    description:
      'An existing server-side script in a web root was rewritten or replaced: a web shell injected into it.',
    falsePositives: 'Applications that rewrite their own scripts (plugin updates, caches written as .php).',
    match: { changes: ['modified', 'type'], paths: WEB_ROOTS },
    test: (view) =>
      SERVER_SCRIPT.test(view.name) ? { detail: `${view.entry.path} ${changeText(view) ?? 'changed'}` } : undefined,
  },
  {
    id: 'kernel-thread-name',
    title: 'Executable named like a kernel thread',
    severity: 'high',
    attack: 'T1036.004',
    description:
      'A new executable named like a kernel thread (kworker, kthreadd, ksoftirqd, migration, rcu_, watchdog, or ' +
      '"[name]"): in ps it passes for kernel work.',
    falsePositives: 'The watchdog daemon and similar packaged tools (skipped when their package checksum matches).',
    match: { changes: ANY_BUT_DELETED, types: REGULAR },
    contentBytes: ELF_MAGIC.length,
    test: async (view) => {
      if (!KERNEL_THREAD_NAME.test(view.name)) return undefined;
      if (view.entry.package !== undefined && view.entry.package.tampered !== true) return undefined;
      const what = await newExecutable(view);
      return what === undefined
        ? undefined
        : { detail: `${view.entry.path}: ${what}, named "${view.show(view.name)}" like a kernel thread` };
    },
  },
  {
    id: 'hidden-executable',
    title: 'Hidden executable',
    severity: 'medium',
    attack: 'T1564.001',
    description: 'A new executable whose name starts with "." (hidden from ls and most file browsers).',
    falsePositives: 'Rare; some installers keep hidden helper scripts.',
    match: { changes: ANY_BUT_DELETED, types: REGULAR },
    contentBytes: ELF_MAGIC.length,
    test: async (view) => {
      if (!view.name.startsWith('.')) return undefined;
      const what = await newExecutable(view);
      return what === undefined ? undefined : { detail: `${view.entry.path}: ${what}, with a hidden name` };
    },
  },
  {
    id: 'unpackaged-system-binary',
    title: 'Unpackaged binary in a system folder',
    severity: 'low',
    attack: 'T1036.005',
    description:
      'A new executable in /usr/bin, /usr/sbin, /bin or /sbin that no package of the image lists: a tool placed ' +
      'where trusted programs live. Only when the image has a package database.',
    falsePositives: 'Packages installed in the container (apt-get install) and tools copied in by hand.',
    match: { changes: ['added'], types: REGULAR, paths: SYSTEM_BIN_DIRS },
    test: (view) => {
      const after = view.entry.after;
      if (!view.hasPackageDb || view.entry.package !== undefined || after === undefined) return undefined;
      if ((after.mode & 0o111) === 0 || after.size === 0) return undefined;
      return { detail: `${view.entry.path}: new executable in a system folder that no installed package lists` };
    },
  },
  {
    id: 'permissions-weakened',
    title: 'Made world-writable',
    severity: 'medium',
    attack: 'T1222.002',
    description: 'A file or directory became writable by every user (o+w), so anyone can replace what it holds.',
    falsePositives: 'Sticky scratch folders (skipped) and careless chmod 777 by an application’s setup.',
    match: { changes: ['metadata', 'modified'], types: ['file', 'hardlink', 'dir'] },
    test: (view) => {
      const { before, after } = view.entry;
      if (before === undefined || after === undefined) return undefined;
      if ((after.mode & 0o002) === 0 || (before.mode & 0o002) !== 0) return undefined;
      if (after.type === 'dir' && (after.mode & 0o1000) !== 0) return undefined;
      return {
        detail: `${view.entry.path} became world-writable (mode ${modeText(before.mode)} → ${modeText(after.mode)})`,
      };
    },
  },
  {
    id: 'high-entropy-file',
    title: 'Large high-entropy file',
    severity: 'medium',
    attack: 'T1027',
    description:
      'A new or rewritten file of at least 1 MiB whose bytes look random (entropy ≥ 7.5 bits/byte): encrypted, ' +
      'packed or compressed content. Low for formats that are compressed by design.',
    falsePositives: 'Archives, images, media, compressed logs and packed binaries (UPX) of legitimate software.',
    match: { changes: ['added', 'modified'], types: REGULAR },
    test: (view) => {
      const after = view.entry.after;
      if (after === undefined || after.size < MIB || after.entropy === undefined || after.entropy < 7.5)
        return undefined;
      const compressed = COMPRESSED.test(view.name);
      return {
        detail:
          `${view.entry.path}: ${sizeText(after.size)} at ${after.entropy.toFixed(2)} bits/byte` +
          (compressed ? ' (its extension names a compressed format, where this is expected)' : ''),
        severity: compressed ? 'low' : 'medium',
      };
    },
  },
];
