// known_hosts is read the way OpenSSH reads it, and a host key is trusted only when a matching, unrevoked line vouches for it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  hostKeyRefusal,
  keyTypeOfBlob,
  lookupName,
  matchHostPatterns,
  parseKnownHosts,
  preferredHostKeyAlgorithms,
  readKnownHostsFiles,
  sshFingerprint,
  verifyHostKey,
  type KnownHostsFile,
} from '../../src/capture/node/ssh-known-hosts.js';

// Test vectors made with OpenSSH 9 (ssh-keygen -t …; fingerprints from `ssh-keygen -lf`; hashed lines from `ssh-keygen -H`).
const ED25519 = 'AAAAC3NzaC1lZDI1NTE5AAAAIBIOS53LAC1PEJ3HVrsPUzclzHsKPJ2ukhF/jDg/xePc';
const ED25519_FP = 'SHA256:au2rTli9HoRNDfz1MEzbJiy02vlHv7Hk1daEfx2kMas';
const ECDSA =
  'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBDOkUSo5VE+VurkLTG4DSfFGtoNrOpidVE3i1iR95oWOEa+azih4rAHHLDRMjCUMoN6zPiiXOuW3iHl3gTlmkOk=';
const ECDSA_FP = 'SHA256:/Bhby2/wDXAiKbQ5bqeoR3H5//KL5cp/qi7hFtxel2Y';
const RSA =
  'AAAAB3NzaC1yc2EAAAADAQABAAABAQCPv9lTuugP+X1kULRcxtpXVIujDV60yDRpySzrZhJB3Yqie/6Lng7jy3rQlEkVFs4Dk0VROcbXDx8M2XFFNYWqcKv+WMHzKTEKjr0kuqJWtq+nxKdyoenbTNZk5dma75DdVxuromp/njY8s63KxJ+IFwWevjPIsury9jFV2IXbETgYE/WHEeai0H64GGG36QMTKKnkPly7yOaUpPKaymCF771SJkEBRqdVjJXKkkj+DcBdGOx64U9ATUt2McK5lv8plFg8hoHA7qHss0p05krjo4LYa2PJkoAxIJPgK0wJyVsZZtPCPLG2t5ryKatchaYnt4GjqdoiC+o8f/cGqrBp';
const RSA_FP = 'SHA256:4MPUZTItlLTGJqI+Eg2hwEIXsmNFFl+ufCLYTdvzrlM';
/** `[engine.corp]:2222 ssh-ed25519 …` and `bastion.corp ecdsa-sha2-nistp256 …` after `ssh-keygen -H`. */
const HASHED_ENGINE_2222 = `|1|EmXDHAbqyw07mZLc3re6CgHWUUA=|AQebTwUZ6peugwQyoRGLuxflY4g= ssh-ed25519 ${ED25519}`;
const HASHED_BASTION = `|1|wMyN2IN2b3vXGrYCcc2csbvHLgc=|KWrgZCU3hp8TpCh6aXdoXBxxOKE= ecdsa-sha2-nistp256 ${ECDSA}`;

const key = (base64: string): Buffer => Buffer.from(base64, 'base64');
const file = (text: string, name = 'known_hosts'): KnownHostsFile => parseKnownHosts(text, name);

describe('host key fingerprints and types', () => {
  it('given OpenSSH keys, then the fingerprint is the one ssh-keygen -lf prints and the type is read from the blob', () => {
    expect(sshFingerprint(key(ED25519))).toBe(ED25519_FP);
    expect(sshFingerprint(key(ECDSA))).toBe(ECDSA_FP);
    expect(sshFingerprint(key(RSA))).toBe(RSA_FP);
    expect(keyTypeOfBlob(key(ED25519))).toBe('ssh-ed25519');
    expect(keyTypeOfBlob(key(ECDSA))).toBe('ecdsa-sha2-nistp256');
    expect(keyTypeOfBlob(key(RSA))).toBe('ssh-rsa');
    expect(keyTypeOfBlob(Buffer.from([0, 0, 0, 99, 1]))).toBeUndefined();
  });
});

describe('host names and patterns', () => {
  it('given port 22 the plain host is looked up, any other port as [host]:port, always in lower case', () => {
    expect(lookupName('Engine.Corp', 22)).toBe('engine.corp');
    expect(lookupName('Engine.Corp', 2222)).toBe('[engine.corp]:2222');
    expect(lookupName('::1', 2222)).toBe('[::1]:2222');
  });

  it('given sshd PATTERNS, then * and ? are wildcards, ! vetoes, and other characters are literal', () => {
    expect(matchHostPatterns('web1.corp', '*.corp')).toBe(true);
    expect(matchHostPatterns('web1.corp', 'web?.corp')).toBe(true);
    expect(matchHostPatterns('web10.corp', 'web?.corp')).toBe(false);
    expect(matchHostPatterns('web1xcorp', 'web1.corp')).toBe(false);
    expect(matchHostPatterns('db.corp', '*.corp,!db.corp')).toBe(false);
    expect(matchHostPatterns('[engine.corp]:2222', '[engine.corp]:2222')).toBe(true);
    expect(matchHostPatterns('[engine.corp]:2222', 'engine.corp')).toBe(false);
    expect(matchHostPatterns('[engine.corp]:2222', '*')).toBe(true);
    expect(matchHostPatterns('engine.corp', 'ENGINE.corp')).toBe(true);
  });
});

describe('known_hosts verdicts', () => {
  it('given the right key under the [host]:port name, then the host is trusted and the line is named', () => {
    const verdict = verifyHostKey(key(ED25519), 'engine.corp', 2222, [
      file(`# fleet\n\nengine.corp ssh-ed25519 ${ED25519}\n[engine.corp]:2222 ssh-ed25519 ${ED25519}\n`),
    ]);
    expect(verdict).toMatchObject({ status: 'trusted', match: { line: 4, fingerprint: ED25519_FP } });
  });

  it('given an entry for port 22 only, then the same host on port 2222 is unknown (OpenSSH keeps ports apart)', () => {
    const verdict = verifyHostKey(key(ED25519), 'engine.corp', 2222, [file(`engine.corp ssh-ed25519 ${ED25519}\n`)]);
    expect(verdict.status).toBe('unknown');
  });

  it('given hashed entries written by ssh-keygen -H, then the hashed host name is matched with its salt', () => {
    const files = [file(`${HASHED_ENGINE_2222}\n${HASHED_BASTION}\n`)];
    expect(verifyHostKey(key(ED25519), 'engine.corp', 2222, files).status).toBe('trusted');
    expect(verifyHostKey(key(ECDSA), 'BASTION.corp', 22, files).status).toBe('trusted');
    expect(verifyHostKey(key(ED25519), 'engine.corp', 22, files).status).toBe('unknown');
    expect(verifyHostKey(key(ED25519), 'other.corp', 2222, files).status).toBe('unknown');
  });

  it('given a different key for the host, then the verdict is "changed" and names the known line', () => {
    const verdict = verifyHostKey(key(RSA), 'bastion.corp', 22, [file(HASHED_BASTION)]);
    expect(verdict).toMatchObject({
      status: 'changed',
      fingerprint: RSA_FP,
      known: [{ file: 'known_hosts', line: 1, keyType: 'ecdsa-sha2-nistp256', fingerprint: ECDSA_FP }],
    });
  });

  it('given a wildcard line that excludes the host with !, then that line does not vouch for it', () => {
    const files = [file(`*.corp,!db.corp ssh-ed25519 ${ED25519}\n`)];
    expect(verifyHostKey(key(ED25519), 'web.corp', 22, files).status).toBe('trusted');
    expect(verifyHostKey(key(ED25519), 'db.corp', 22, files).status).toBe('unknown');
  });

  it('given the key marked @revoked anywhere, then it is refused even where another line trusts it', () => {
    const files = [
      file(`engine.corp ssh-ed25519 ${ED25519}\n`, 'user'),
      file(`@revoked some.other.host ssh-ed25519 ${ED25519}\n`, 'global'),
    ];
    const verdict = verifyHostKey(key(ED25519), 'engine.corp', 22, files);
    expect(verdict).toMatchObject({ status: 'revoked', match: { file: 'global', line: 1 } });
    expect(hostKeyRefusal(verdict, { checked: ['user', 'global'], addTo: 'user' })?.code).toBe('SSH_HOST_KEY_REVOKED');
  });

  it('given only a @cert-authority line for the host, then it does not vouch for a plain host key', () => {
    const verdict = verifyHostKey(key(ED25519), 'engine.corp', 22, [
      file(`@cert-authority *.corp ssh-ed25519 ${ED25519}\n`),
    ]);
    expect(verdict.status).toBe('unknown');
  });

  it('given malformed lines, then they are skipped with a reason and the good lines still count', () => {
    const parsed = file(
      [
        `@bogus engine.corp ssh-ed25519 ${ED25519}`,
        'engine.corp ssh-ed25519',
        `engine.corp ssh-rsa ${ED25519}`,
        'engine.corp ssh-ed25519 !!!notbase64',
        `engine.corp ssh-ed25519 ${ED25519} a comment`,
      ].join('\n'),
    );
    expect(parsed.entries.map((entry) => entry.line)).toEqual([5]);
    expect(parsed.problems).toHaveLength(4);
    expect(parsed.problems[2]).toMatch(/known_hosts:3: the key does not decode as ssh-rsa/);
    const verdict = verifyHostKey(key(ED25519), 'engine.corp', 22, [parsed]);
    expect(verdict.status).toBe('trusted');
  });

  it('given an unknown host, then the refusal prints the fingerprint and the exact line to add after checking it', () => {
    const verdict = verifyHostKey(key(ED25519), '127.0.0.1', 2222, [file('')]);
    const refusal = hostKeyRefusal(verdict, { checked: ['/h/.ssh/known_hosts'], addTo: '/h/.ssh/known_hosts' });
    expect(refusal?.code).toBe('SSH_HOST_KEY_UNKNOWN');
    expect(refusal?.message).toContain(`ED25519 key fingerprint is ${ED25519_FP}`);
    expect(refusal?.message).toContain('before any Docker API call');
    expect(refusal?.message).toContain(`add this line to /h/.ssh/known_hosts: [127.0.0.1]:2222 ssh-ed25519 ${ED25519}`);
  });

  it('given a changed key, then the refusal warns of a possible man-in-the-middle and names both fingerprints', () => {
    const verdict = verifyHostKey(key(RSA), 'bastion.corp', 22, [file(HASHED_BASTION)]);
    const message = hostKeyRefusal(verdict, { checked: ['known_hosts'], addTo: 'known_hosts' })?.message ?? '';
    expect(message).toMatch(/HAS CHANGED/);
    expect(message).toMatch(/man-in-the-middle/);
    expect(message).toContain(RSA_FP);
    expect(message).toContain(ECDSA_FP);
  });

  it('given a trusted verdict, then there is no refusal', () => {
    const verdict = verifyHostKey(key(ED25519), 'engine.corp', 22, [file(`engine.corp ssh-ed25519 ${ED25519}`)]);
    expect(hostKeyRefusal(verdict, { checked: [], addTo: 'x' })).toBeUndefined();
  });
});

describe('reading known_hosts files and choosing host-key algorithms', () => {
  const dir = mkdtempSync(join(tmpdir(), 'holdcell-known-hosts-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('given a missing file, then it simply holds no entries; given a folder, then the problem is reported', () => {
    const [missing, folder] = readKnownHostsFiles([join(dir, 'absent'), dir]);
    expect(missing).toEqual({ file: join(dir, 'absent'), entries: [], problems: [] });
    expect(folder?.problems[0]).toMatch(/cannot be read \(EISDIR\)/);
  });

  it('given known keys for the host, then their algorithms are asked for first (RSA as rsa-sha2 and ssh-rsa)', () => {
    const path = join(dir, 'known_hosts');
    writeFileSync(
      path,
      `engine.corp ssh-rsa ${RSA}\nengine.corp ecdsa-sha2-nistp256 ${ECDSA}\nother ssh-ed25519 ${ED25519}\n`,
    );
    const files = readKnownHostsFiles([path]);
    expect(preferredHostKeyAlgorithms('engine.corp', 22, files)).toEqual([
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
      'ecdsa-sha2-nistp256',
    ]);
    expect(preferredHostKeyAlgorithms('unknown.corp', 22, files)).toEqual([]);
  });
});
