// OpenSSH known_hosts: parsing, host matching (patterns, negation, hashed names, [host]:port) and host-key verdicts.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface KnownHostEntry {
  file: string;
  /** 1-based, as editors and `ssh-keygen -F` count. */
  line: number;
  marker: 'revoked' | 'cert-authority' | undefined;
  /** The host field exactly as written: comma-separated patterns, or one `|1|salt|hash`. */
  hosts: string;
  keyType: string;
  key: Buffer;
}

export interface KnownHostsFile {
  file: string;
  entries: KnownHostEntry[];
  /** Lines skipped and why, so a responder can fix a file that silently failed to vouch for a host. */
  problems: string[];
}

/** One known_hosts line that matched, as shown to a responder. */
export interface EntryRef {
  file: string;
  line: number;
  keyType: string;
  fingerprint: string;
}

interface VerdictBase {
  /** `host` for port 22, `[host]:port` otherwise: the name OpenSSH looks up. */
  lookupName: string;
  keyType: string;
  fingerprint: string;
  /** The server's key, base64, as it would appear in a known_hosts line. */
  keyBase64: string;
  problems: string[];
}

export type HostKeyVerdict =
  | (VerdictBase & { status: 'trusted'; match: EntryRef })
  | (VerdictBase & { status: 'revoked'; match: EntryRef })
  | (VerdictBase & { status: 'changed'; known: EntryRef[] })
  | (VerdictBase & { status: 'unknown' });

/** Reads an SSH wire-format string (uint32 length + bytes) at offset; undefined when the blob is too short. */
function readSshString(blob: Buffer, offset: number): Buffer | undefined {
  if (blob.length < offset + 4) return undefined;
  const length = blob.readUInt32BE(offset);
  if (blob.length < offset + 4 + length) return undefined;
  return blob.subarray(offset + 4, offset + 4 + length);
}

/** The key type a public key blob names in its first field (e.g. ssh-ed25519), or undefined when malformed. */
export function keyTypeOfBlob(blob: Buffer): string | undefined {
  const type = readSshString(blob, 0);
  if (type === undefined || type.length === 0 || type.length > 64) return undefined;
  const text = type.toString('latin1');
  return /^[\x21-\x7e]+$/.test(text) ? text : undefined;
}

/** OpenSSH's default fingerprint: SHA256:<base64 without padding>. */
export function sshFingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The word OpenSSH prints before "key fingerprint is": ED25519, ECDSA, RSA, DSA. */
export function keyTypeLabel(keyType: string): string {
  if (keyType === 'ssh-ed25519') return 'ED25519';
  if (keyType.startsWith('ecdsa-sha2-')) return 'ECDSA';
  if (keyType === 'ssh-rsa') return 'RSA';
  if (keyType === 'ssh-dss') return 'DSA';
  if (keyType.startsWith('sk-ssh-ed25519')) return 'ED25519-SK';
  if (keyType.startsWith('sk-ecdsa-')) return 'ECDSA-SK';
  return keyType;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function parseKnownHosts(text: string, file: string): KnownHostsFile {
  const entries: KnownHostEntry[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.replace(/\r$/, '').trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const fields = trimmed.split(/[ \t]+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const word = fields.shift();
      if (word === '@revoked') marker = 'revoked';
      else if (word === '@cert-authority') marker = 'cert-authority';
      else {
        problems.push(`${file}:${line}: unknown marker, line ignored`);
        return;
      }
    }
    const [hosts, keyType, keyText] = fields;
    if (hosts === undefined || keyType === undefined || keyText === undefined || !BASE64.test(keyText)) {
      problems.push(`${file}:${line}: not "hosts keytype base64-key", line ignored`);
      return;
    }
    const key = Buffer.from(keyText, 'base64');
    if (keyTypeOfBlob(key) !== keyType) {
      problems.push(`${file}:${line}: the key does not decode as ${keyType}, line ignored`);
      return;
    }
    entries.push({ file, line, marker, hosts, keyType, key });
  });
  return { file, entries, problems };
}

/** Reads known_hosts files; a missing file is normal (no entries), an unreadable one is reported. */
export function readKnownHostsFiles(files: readonly string[]): KnownHostsFile[] {
  return files.map((file) => {
    try {
      return parseKnownHosts(readFileSync(file, 'utf8'), file);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { file, entries: [], problems: [] };
      return { file, entries: [], problems: [`${file}: cannot be read (${code ?? String(error)})`] };
    }
  });
}

/** The name OpenSSH stores and looks up: lower-case host, bracketed with the port when it is not 22. */
export function lookupName(host: string, port: number): string {
  const lower = host.toLowerCase();
  return port === 22 ? lower : `[${lower}]:${port}`;
}

/** sshd's match_pattern: `*` any run, `?` one character, everything else literal. */
export function matchPattern(text: string, pattern: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    's',
  );
  return regex.test(text);
}

/** sshd's match_hostname: any positive pattern matches and no negated (`!`) pattern does. */
export function matchHostPatterns(name: string, patterns: string): boolean {
  let positive = false;
  for (const raw of patterns.split(',')) {
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw).toLowerCase();
    if (pattern === '') continue;
    if (matchPattern(name, pattern)) {
      if (negated) return false;
      positive = true;
    }
  }
  return positive;
}

/** A `|1|base64(salt)|base64(HMAC-SHA1(salt, name))` entry (HashKnownHosts yes) names exactly one host. */
function matchHashedHost(name: string, field: string): boolean {
  const parts = field.split('|');
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2] ?? '', 'base64');
  const expected = Buffer.from(parts[3] ?? '', 'base64');
  if (salt.length !== 20 || expected.length !== 20) return false;
  const actual = createHmac('sha1', salt).update(name).digest();
  return timingSafeEqual(actual, expected);
}

export function entryMatchesHost(entry: KnownHostEntry, name: string): boolean {
  return entry.hosts.startsWith('|') ? matchHashedHost(name, entry.hosts) : matchHostPatterns(name, entry.hosts);
}

function ref(entry: KnownHostEntry): EntryRef {
  return { file: entry.file, line: entry.line, keyType: entry.keyType, fingerprint: sshFingerprint(entry.key) };
}

/**
 * Decides about a server's host key like OpenSSH's StrictHostKeyChecking=yes, with one stricter rule: a key marked
 * `@revoked` is refused for every host, whatever the line's host patterns say, because revocation means the key
 * itself is compromised. `@cert-authority` lines never vouch for a plain key (host certificates are not offered).
 */
export function verifyHostKey(
  serverKey: Buffer,
  host: string,
  port: number,
  files: readonly KnownHostsFile[],
): HostKeyVerdict {
  const name = lookupName(host, port);
  const keyType = keyTypeOfBlob(serverKey) ?? 'unknown-key-type';
  const base: VerdictBase = {
    lookupName: name,
    keyType,
    fingerprint: sshFingerprint(serverKey),
    keyBase64: serverKey.toString('base64'),
    problems: files.flatMap((file) => file.problems),
  };
  const entries = files.flatMap((file) => file.entries);
  const revoked = entries.find((entry) => entry.marker === 'revoked' && entry.key.equals(serverKey));
  if (revoked) return { ...base, status: 'revoked', match: ref(revoked) };
  const forHost = entries.filter((entry) => entry.marker === undefined && entryMatchesHost(entry, name));
  const trusted = forHost.find((entry) => entry.key.equals(serverKey));
  if (trusted) return { ...base, status: 'trusted', match: ref(trusted) };
  if (forHost.length > 0) return { ...base, status: 'changed', known: forHost.map(ref) };
  return { ...base, status: 'unknown' };
}

/** Host-key algorithms ssh2 can negotiate, per known_hosts key type. */
const ALGORITHMS_FOR_KEY_TYPE: Readonly<Record<string, readonly string[]>> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
  'ssh-dss': ['ssh-dss'],
};

/**
 * The host-key algorithms to ask for first, like OpenSSH does: those of the keys known_hosts already holds for this
 * host, so a server with several host keys presents one we can check instead of an unknown one.
 */
export function preferredHostKeyAlgorithms(host: string, port: number, files: readonly KnownHostsFile[]): string[] {
  const name = lookupName(host, port);
  const algorithms = files
    .flatMap((file) => file.entries)
    .filter((entry) => entry.marker === undefined && entryMatchesHost(entry, name))
    .flatMap((entry) => ALGORITHMS_FOR_KEY_TYPE[entry.keyType] ?? []);
  return [...new Set(algorithms)];
}

function describeRef(entry: EntryRef): string {
  return `${entry.file}:${entry.line} (${keyTypeLabel(entry.keyType)} ${entry.fingerprint})`;
}

export type HostKeyRefusalCode = 'SSH_HOST_KEY_UNKNOWN' | 'SSH_HOST_KEY_CHANGED' | 'SSH_HOST_KEY_REVOKED';

/** Thrown (from inside the SSH handshake) when a host key is not trusted; the message tells the responder what to do. */
export class HostKeyRefusedError extends Error {
  constructor(
    readonly code: HostKeyRefusalCode,
    message: string,
    readonly verdict: HostKeyVerdict,
  ) {
    super(message);
    this.name = 'HostKeyRefusedError';
  }
}

/**
 * The refusal for an untrusted verdict, or undefined when trusted. `addTo` is the known_hosts file a responder
 * should add a verified key to; `checked` lists every file that was consulted.
 */
export function hostKeyRefusal(
  verdict: HostKeyVerdict,
  options: { checked: readonly string[]; addTo: string },
): HostKeyRefusedError | undefined {
  const presented = `${keyTypeLabel(verdict.keyType)} key fingerprint is ${verdict.fingerprint}`;
  const notes = verdict.problems.length === 0 ? '' : ` Note: ${verdict.problems.join('; ')}.`;
  const refused = 'HoldCell refused the connection before any Docker API call.';
  switch (verdict.status) {
    case 'trusted':
      return undefined;
    case 'unknown':
      return new HostKeyRefusedError(
        'SSH_HOST_KEY_UNKNOWN',
        `SSH host ${verdict.lookupName} is not in known_hosts (checked: ${options.checked.join(', ') || 'no files'}). ` +
          `The server's ${presented}. ${refused} Verify this fingerprint out of band (on the engine host: ` +
          `ssh-keygen -lf /etc/ssh/ssh_host_${keyTypeLabel(verdict.keyType).toLowerCase().replace('-sk', '')}_key.pub), ` +
          `and only if it matches, add this line to ${options.addTo}: ` +
          `${verdict.lookupName} ${verdict.keyType} ${verdict.keyBase64}${notes}`,
        verdict,
      );
    case 'changed':
      return new HostKeyRefusedError(
        'SSH_HOST_KEY_CHANGED',
        `WARNING: SSH HOST KEY FOR ${verdict.lookupName} HAS CHANGED. Someone could be intercepting the connection ` +
          `(man-in-the-middle), or the host key was replaced. The server's ${presented}, but known_hosts holds ` +
          `${verdict.known.map(describeRef).join(', ')}. ${refused} If the change is legitimate, verify the new ` +
          `fingerprint out of band, remove the old entry (ssh-keygen -R '${verdict.lookupName}' -f <file>) and add ` +
          `the new key.${notes}`,
        verdict,
      );
    case 'revoked':
      return new HostKeyRefusedError(
        'SSH_HOST_KEY_REVOKED',
        `SSH host key for ${verdict.lookupName} is REVOKED: the server's ${presented}, which ` +
          `${describeRef(verdict.match)} marks @revoked. ${refused} Treat the engine host as compromised until ` +
          `its keys are replaced.${notes}`,
        verdict,
      );
  }
}
