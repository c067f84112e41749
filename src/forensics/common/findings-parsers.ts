// Reads the few contents findings need (passwd, authorized_keys, ld.so.preload, file capabilities) as byte strings.
import { base64ToBytes } from './byte-text.js';

export interface PasswdAccount {
  /** Byte string, as in the file: show it through displayByteString. */
  name: string;
  uid: number;
  home: string;
  shell: string;
}

/** Accounts of an /etc/passwd text; comments, NIS "+"/"-" lines and lines without a numeric uid are skipped. */
export function parsePasswd(text: string): PasswdAccount[] {
  const accounts: PasswdAccount[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const [name, , uid, , , home, shell] = line.replace(/\r$/, '').split(':');
    if (name === undefined || name === '' || uid === undefined || !/^\d{1,10}$/.test(uid)) continue;
    accounts.push({ name, uid: Number(uid), home: home ?? '', shell: shell ?? '' });
  }
  return accounts;
}

/** Accounts that have uid 0 after but did not (under that name) before: new root-equivalent logins, in file order. */
export function newUid0Accounts(before: string, after: string): PasswdAccount[] {
  const rootBefore = new Set(
    parsePasswd(before)
      .filter((account) => account.uid === 0)
      .map((account) => account.name),
  );
  return parsePasswd(after).filter((account) => account.uid === 0 && !rootBefore.has(account.name));
}

/** Accounts whose name did not exist before and whose uid is not 0 (those are newUid0Accounts), in file order. */
export function newAccounts(before: string, after: string): PasswdAccount[] {
  const names = new Set(parsePasswd(before).map((account) => account.name));
  return parsePasswd(after).filter((account) => account.uid !== 0 && !names.has(account.name));
}

export interface AuthorizedKey {
  line: string;
  /** Key algorithm ("ssh-ed25519", "ecdsa-sha2-nistp256", …), when recognised. */
  type?: string;
  /** The free-text comment after the key, often user@host of whoever generated it. */
  comment: string;
}

const KEY_TYPE = /^(ssh-(rsa|dss|ed25519)|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+)$/;

/** Key lines of an authorized_keys file (options before the key type are allowed; comments and blanks skipped). */
export function parseAuthorizedKeys(text: string): AuthorizedKey[] {
  const keys: AuthorizedKey[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const words = line.split(/[ \t]+/);
    const at = words.findIndex((word) => KEY_TYPE.test(word));
    const type = at < 0 ? undefined : words[at];
    keys.push({ line, ...(type === undefined ? {} : { type }), comment: at < 0 ? '' : words.slice(at + 2).join(' ') });
  }
  return keys;
}

/** Keys present after but not before, and the reverse (as multisets of lines). */
export function authorizedKeyChanges(
  before: string,
  after: string,
): { added: AuthorizedKey[]; removed: AuthorizedKey[] } {
  const difference = (from: AuthorizedKey[], minus: AuthorizedKey[]): AuthorizedKey[] => {
    const counts = new Map<string, number>();
    for (const key of minus) counts.set(key.line, (counts.get(key.line) ?? 0) + 1);
    return from.filter((key) => {
      const left = counts.get(key.line) ?? 0;
      if (left > 0) counts.set(key.line, left - 1);
      return left === 0;
    });
  };
  const beforeKeys = parseAuthorizedKeys(before);
  const afterKeys = parseAuthorizedKeys(after);
  return { added: difference(afterKeys, beforeKeys), removed: difference(beforeKeys, afterKeys) };
}

/** Libraries /etc/ld.so.preload names (whitespace or colon separated, "#" comments), in order. */
export function parsePreload(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .flatMap((line) => line.split(/[\s:]+/))
    .filter((entry) => entry !== '');
}

/** Linux capability numbers → names (include/uapi/linux/capability.h, 0–40). */
const CAPABILITIES = [
  'chown',
  'dac_override',
  'dac_read_search',
  'fowner',
  'fsetid',
  'kill',
  'setgid',
  'setuid',
  'setpcap',
  'linux_immutable',
  'net_bind_service',
  'net_broadcast',
  'net_admin',
  'net_raw',
  'ipc_lock',
  'ipc_owner',
  'sys_module',
  'sys_rawio',
  'sys_chroot',
  'sys_ptrace',
  'sys_pacct',
  'sys_admin',
  'sys_boot',
  'sys_nice',
  'sys_resource',
  'sys_time',
  'sys_tty_config',
  'mknod',
  'lease',
  'audit_write',
  'audit_control',
  'setfcap',
  'mac_override',
  'mac_admin',
  'syslog',
  'wake_alarm',
  'block_suspend',
  'audit_read',
  'perfmon',
  'bpf',
  'checkpoint_restore',
];

/** Size of struct vfs_cap_data by revision (VFS_CAP_REVISION_1/2/3). */
const REVISION_BYTES: Readonly<Record<number, number>> = { 1: 12, 2: 20, 3: 24 };

function capabilityNames(low: number, high: number): string[] {
  const names: string[] = [];
  for (let bit = 0; bit < 64; bit += 1) {
    const word = bit < 32 ? low : high;
    if (((word >>> (bit % 32)) & 1) === 1) names.push(`cap_${CAPABILITIES[bit] ?? String(bit)}`);
  }
  return names;
}

/**
 * getcap-style text of a security.capability xattr value (base64 of struct vfs_cap_data: le32 magic_etc, then
 * permitted/inheritable words; revision 1 has one word each, 2 and 3 two, 3 adds the namespace root uid).
 * Undefined when the bytes are not such a structure.
 */
export function describeFileCapability(base64: string): string | undefined {
  const bytes = base64ToBytes(base64);
  if (bytes === undefined || bytes.length < 12) return undefined;
  const word = (at: number): number =>
    ((bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16) | ((bytes[at + 3] ?? 0) << 24)) >>>
    0;
  const magic = word(0);
  const revision = magic >>> 24;
  if (bytes.length !== REVISION_BYTES[revision]) return undefined;
  const wide = revision !== 1;
  const permitted = capabilityNames(word(4), wide ? word(12) : 0);
  const inheritable = capabilityNames(word(8), wide ? word(16) : 0);
  const effective = (magic & 1) === 1;
  const parts: string[] = [];
  if (permitted.length > 0) parts.push(`${permitted.join(',')}=${effective ? 'e' : ''}p`);
  if (inheritable.length > 0) parts.push(`${inheritable.join(',')}=i`);
  if (revision === 3) parts.push(`(user namespace root uid ${word(20)})`);
  return parts.length === 0 ? 'no capabilities' : parts.join(' ');
}
