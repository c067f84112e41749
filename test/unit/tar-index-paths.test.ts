// Byte paths, their display form and tar times: what a responder sees must be escaped, and reversible to the bytes.
import { describe, expect, it } from 'vitest';
import { base64ToByteString, byteStringToBase64, displayPath } from '../../src/forensics/common/display-path.js';
import { permissionString } from '../../src/forensics/common/tar-entry-type.js';
import { climbsOut, normaliseTarPath, resolveArchiveLink } from '../../src/forensics/common/tar-path.js';
import { problemText } from '../../src/forensics/common/tar-problem.js';
import {
  compareIsoTimes,
  epochNanosFromIso,
  isoFromEpochNanos,
  isoFromEpochSeconds,
  isoFromPaxTime,
} from '../../src/forensics/common/tar-time.js';

const bytes = (...values: number[]): string => String.fromCharCode(...values);
const utf8 = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

describe('tar member names as index paths', () => {
  it.each([
    ['./etc/passwd', 'etc/passwd'],
    ['/etc//passwd/', 'etc/passwd'],
    ['././a/./b', 'a/b'],
    ['./', ''],
    ['.', ''],
    ['/', ''],
    ['bin/', 'bin'],
    ['../../etc/shadow', '../../etc/shadow'],
  ])('given %j, then the index path is %j', (name, path) => {
    expect(normaliseTarPath(name)).toBe(path);
  });

  it('given names with "..", then they are flagged as climbing out of the root', () => {
    expect(['..', '../x', 'a/../../x', 'a/..'].map(climbsOut)).toEqual([true, true, true, true]);
    expect(['a..b', '..a/b', 'a/b..'].map(climbsOut)).toEqual([false, false, false]);
  });

  it('given links between members of a docker save, then they resolve inside the archive and never above it', () => {
    expect(resolveArchiveLink('abc/layer.tar', '../def/layer.tar')).toBe('def/layer.tar');
    expect(resolveArchiveLink('abc/layer.tar', '/def/layer.tar')).toBe('def/layer.tar');
    expect(resolveArchiveLink('abc/layer.tar', '../../../etc/shadow')).toBeUndefined();
  });
});

describe('display form of a byte path', () => {
  it('given plain UTF-8, then the path is shown as is and no base64 is needed', () => {
    expect(displayPath('etc/passwd')).toEqual({ path: 'etc/passwd' });
    expect(displayPath(utf8('home/zoë/café'))).toEqual({ path: 'home/zoë/café' });
  });

  it('given an escape sequence, a newline, a bidi override or HTML, then control characters are escaped and the raw bytes come along', () => {
    const hostile = utf8('tmp/\u001b]52;c;SGVsbG8=\u0007\n\u202Etxt.exe<img src=x onerror=alert(1)>');
    const shown = displayPath(hostile);
    expect(shown.path).toBe('tmp/\\x1b]52;c;SGVsbG8=\\x07\\n\\u{202e}txt.exe<img src=x onerror=alert(1)>');
    expect(shown.path).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(base64ToByteString(shown.pathBase64 ?? '')).toBe(hostile);
  });

  it('given bytes that are not UTF-8, then each is shown as \\xNN and base64 carries the exact bytes', () => {
    const raw = `not${bytes(0xff, 0xfe)}-utf8`;
    expect(displayPath(raw)).toEqual({
      path: 'not\\xff\\xfe-utf8',
      pathBase64: Buffer.from(raw, 'latin1').toString('base64'),
    });
  });

  it('given a name with a real backslash, then it is doubled so it cannot pass for an escape, and base64 is given', () => {
    expect(displayPath('a\\x41')).toEqual({ path: 'a\\\\x41', pathBase64: Buffer.from('a\\x41').toString('base64') });
  });

  it('given any byte string, then base64 round-trips it (and matches node)', () => {
    for (const length of [0, 1, 2, 3, 4, 5, 255]) {
      const raw = bytes(...Array.from({ length }, (_, index) => (index * 37 + 11) % 256));
      const encoded = byteStringToBase64(raw);
      expect(encoded).toBe(Buffer.from(raw, 'latin1').toString('base64'));
      expect(base64ToByteString(encoded)).toBe(raw);
    }
    expect(base64ToByteString('not base64!')).toBeUndefined();
  });
});

describe('tar times as UTC ISO strings', () => {
  it('given whole seconds, then there is no fraction', () => {
    expect(isoFromEpochSeconds(0)).toBe('1970-01-01T00:00:00Z');
    expect(isoFromEpochSeconds(1_700_000_000)).toBe('2023-11-14T22:13:20Z');
    expect(isoFromEpochSeconds(-1)).toBe('1969-12-31T23:59:59Z');
    expect(isoFromEpochSeconds(86_399)).toBe('1970-01-01T23:59:59Z');
  });

  it('given PAX decimal times, then the digits are kept to the nanosecond without trailing zeros', () => {
    expect(isoFromPaxTime('1700000000.123456789')).toBe('2023-11-14T22:13:20.123456789Z');
    expect(isoFromPaxTime('1700000000.500')).toBe('2023-11-14T22:13:20.5Z');
    expect(isoFromPaxTime('1700000000.0000000001')).toBe('2023-11-14T22:13:20Z');
    expect(isoFromPaxTime('1700000000')).toBe('2023-11-14T22:13:20Z');
    // Half a second before 1960: GNU tar 1.34 lists this one as 00:00:01.5 (its own display slip); it is 00:00:00.5.
    expect(isoFromPaxTime('-315619199.5')).toBe('1960-01-01T00:00:00.5Z');
    expect(isoFromPaxTime('soon')).toBeUndefined();
  });

  it('given instants outside the years 0000–9999, then the ISO expanded year form is used, agreeing with Date where Date reaches', () => {
    expect(isoFromEpochSeconds(253_402_300_800)).toBe(new Date(253_402_300_800_000).toISOString().replace('.000', ''));
    expect(isoFromEpochNanos(-62_198_755_200n * 1_000_000_000n)).toBe('-000001-01-01T00:00:00Z');
    expect(isoFromEpochSeconds(2n ** 62n)).toMatch(/^\+146138\d{6}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});

describe('comparing times written with different precision', () => {
  it('given times as the index and Docker write them, then they order by instant, not by text', () => {
    expect('2024-01-01T00:00:20.5Z' < '2024-01-01T00:00:20Z').toBe(true);
    expect(compareIsoTimes('2024-01-01T00:00:20.5Z', '2024-01-01T00:00:20Z')).toBe(1);
    expect(compareIsoTimes('2024-01-01T00:00:20.500000000Z', '2024-01-01T00:00:20.5Z')).toBe(0);
    expect(compareIsoTimes('1969-12-31T23:59:59.999999999Z', '1970-01-01T00:00:00Z')).toBe(-1);
    expect(compareIsoTimes('+400001970-01-01T00:00:00Z', '9999-12-31T23:59:59Z')).toBe(1);
  });

  it('given any instant the index writes, then reading it back gives the same nanoseconds', () => {
    for (const nanos of [
      0n,
      -1n,
      1_700_000_000_123_456_789n,
      -315_619_199_500_000_000n,
      146_097n * 86_400n * 1_000_000n * 1_000_000_000n,
    ]) {
      expect(epochNanosFromIso(isoFromEpochNanos(nanos))).toBe(nanos);
    }
    expect(epochNanosFromIso('yesterday')).toBeUndefined();
  });
});

describe('modes and problems in words', () => {
  it('given special bits, then the rwx string shows s, S, t and T the way ls does', () => {
    expect(permissionString(0o4755)).toBe('rwsr-xr-x');
    expect(permissionString(0o4644)).toBe('rwSr--r--');
    expect(permissionString(0o2750)).toBe('rwxr-s---');
    expect(permissionString(0o1777)).toBe('rwxrwxrwt');
    expect(permissionString(0o1776)).toBe('rwxrwxrwT');
  });

  it('given a problem about a hostile name, then its text shows the name escaped', () => {
    const text = problemText(
      { kind: 'duplicate-path', offset: 1024, path: utf8('x\u001b[2J'), detail: 'occurrence 2' },
      'layer 1',
    );
    expect(text).toBe('duplicate-path layer 1 at byte 1024 (x\\x1b[2J): occurrence 2');
  });
});
