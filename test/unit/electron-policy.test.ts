// Unit tests for the Electron shell's pure security policy: trusted app URLs, external links, path containment.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APP_ENTRY_URL,
  CONTENT_SECURITY_POLICY,
  IPC_CHANNEL,
  escapeForDisplay,
  externalUrlDecision,
  isAllowedAppUrl,
  isPathInside,
  mimeTypeFor,
  resolveAppRequestPath,
} from '../../electron/policy.js';

describe('isAllowedAppUrl', () => {
  it.each([APP_ENTRY_URL, 'app://holdcell/', 'app://holdcell/assets/index-abc123.js', 'app://holdcell/index.html#/cases/42'])(
    'accepts %s',
    (url) => expect(isAllowedAppUrl(url)).toBe(true),
  );

  it.each([
    'app://evil/index.html',
    'app://holdcell.evil.example/index.html',
    'app://holdcell:8080/index.html',
    'app://user@holdcell/index.html',
    'app://user:pw@holdcell/index.html',
    'apps://holdcell/index.html',
    'file:///index.html',
    'https://holdcell/index.html',
    'http://localhost:5173/',
    'about:blank',
    'data:text/html,<h1>x</h1>',
    'javascript:alert(1)',
    '',
    'not a url',
  ])('rejects %s', (url) => expect(isAllowedAppUrl(url)).toBe(false));
});

describe('externalUrlDecision', () => {
  it('allows a well-formed https URL and returns its normalised form', () => {
    const decision = externalUrlDecision('https://attack.mitre.org/techniques/T1611/');
    expect(decision).toEqual({ allowed: true, url: 'https://attack.mitre.org/techniques/T1611/', reason: expect.any(String) });
  });

  it('normalises so the dialog shows what will really open (punycode host, upper-case scheme)', () => {
    const decision = externalUrlDecision('HTTPS://bücher.example/a?b=c#d');
    expect(decision.allowed).toBe(true);
    expect(decision.allowed && decision.url).toBe('https://xn--bcher-kva.example/a?b=c#d');
  });

  it.each([
    ['http://example.com/', /scheme http:/],
    ['javascript:alert(1)', /scheme javascript:/],
    ['file:///etc/passwd', /scheme file:/],
    ['data:text/html,<script>alert(1)</script>', /scheme data:/],
    ['app://holdcell/index.html', /scheme app:/],
    ['ftp://example.com/', /scheme ftp:/],
    ['vbscript:msgbox', /scheme vbscript:/],
  ])('rejects %s', (url, reason) => {
    const decision = externalUrlDecision(url);
    expect(decision.allowed).toBe(false);
    expect(decision.reason).toMatch(reason);
  });

  it.each([
    'https://user@example.com/',
    'https://user:secret@example.com/',
    'https://example.com@evil.example/',
    'https://:pw@example.com/',
  ])('rejects credentials in %s', (url) => {
    const decision = externalUrlDecision(url);
    expect(decision.allowed).toBe(false);
    expect(decision.reason).toMatch(/credentials/);
  });

  it.each([
    'hxxps://example.com/',
    'https;//example.com/',
    'https//example.com/',
    'https:/example.com/',
    'https:example.com',
    'https:///example.com',
    '\u0455https://example.com/', // Cyrillic dze before a real scheme
    'һttps://example.com/', // Cyrillic shha as "h"
    'https\u200b://example.com/',
    ' https://example.com/',
    'https://example.com/\n',
    'https:\\\\example.com\\',
    'https://exa mple.com/',
    'https://',
    'https://[::1',
    '',
    `https://example.com/${'a'.repeat(3000)}`,
  ])('rejects the look-alike or malformed %j', (url) => {
    expect(externalUrlDecision(url).allowed).toBe(false);
  });
});

describe('isPathInside', () => {
  const root = path.resolve('/srv/holdcell/dist/renderer');

  it.each(['index.html', 'assets/index.js', './assets/../index.html', path.join(root, 'assets', 'a.css'), '..foo/x'])(
    'accepts %s',
    (candidate) => expect(isPathInside(root, candidate)).toBe(true),
  );

  it('treats the root itself as inside', () => expect(isPathInside(root, root)).toBe(true));

  it.each([
    '..',
    '../renderer-evil/index.html',
    '../../../etc/passwd',
    'assets/../../secret.txt',
    path.resolve('/etc/passwd'),
    path.resolve('/srv/holdcell/dist/renderer-other/x.js'), // shares the prefix, is not below the root
    path.resolve('/srv/holdcell/dist'),
    'index.html\0.png',
  ])('rejects %s', (candidate) => expect(isPathInside(root, candidate)).toBe(false));

  it('rejects everything for an empty root rather than trusting the working directory', () => {
    expect(isPathInside('', 'index.html')).toBe(false);
  });
});

describe('resolveAppRequestPath', () => {
  const root = path.resolve('/srv/holdcell/dist/renderer');

  it('maps app URLs to files below the root', () => {
    expect(resolveAppRequestPath(root, 'app://holdcell/index.html')).toBe(path.join(root, 'index.html'));
    expect(resolveAppRequestPath(root, 'app://holdcell/')).toBe(path.join(root, 'index.html'));
    expect(resolveAppRequestPath(root, 'app://holdcell/assets/app%20x.js?v=1#h')).toBe(path.join(root, 'assets', 'app x.js'));
  });

  it.each([
    'app://holdcell/../../etc/passwd', // normalised by the URL parser, must still land inside
    'app://holdcell/%2e%2e/%2e%2e/etc/passwd',
  ])('keeps dot segments inside the root for %s', (url) => {
    const file = resolveAppRequestPath(root, url);
    expect(file === undefined || isPathInside(root, file)).toBe(true);
  });

  it.each([
    'app://holdcell/..%2f..%2fetc%2fpasswd',
    'app://holdcell/assets/..%2F..%2F..%2Fsecret',
    'app://holdcell/%2e%2e%2f%2e%2e%2fsecret',
    'app://holdcell/..%5c..%5csecret',
    'app://holdcell/%2fetc%2fpasswd',
    'app://holdcell/index.html%00.png',
    'app://holdcell/%E0%A4%A', // malformed escape
    'app://other/index.html',
    'https://holdcell/index.html',
  ])('refuses %s', (url) => {
    expect(resolveAppRequestPath(root, url)).toBeUndefined();
  });
});

describe('response helpers', () => {
  it('uses the strict CSP', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'",
    );
  });

  it.each([
    ['index.html', 'text/html; charset=utf-8'],
    ['assets/a.js', 'text/javascript; charset=utf-8'],
    ['assets/a.CSS', 'text/css; charset=utf-8'],
    ['logo.svg', 'image/svg+xml'],
    ['icon.png', 'image/png'],
    ['font.woff2', 'font/woff2'],
    ['data.json', 'application/json; charset=utf-8'],
    ['a.js.map', 'application/json; charset=utf-8'],
    ['archive.tar', 'application/octet-stream'],
    ['Makefile', 'application/octet-stream'],
  ])('types %s as %s', (file, type) => expect(mimeTypeFor(file)).toBe(type));
});

describe('escapeForDisplay', () => {
  it('shows bidi overrides, zero-width and control characters visibly', () => {
    expect(escapeForDisplay('https://a.example/\u202Egpj.exe')).toBe('https://a.example/\\u{202E}gpj.exe');
    expect(escapeForDisplay('a\u200Bb\u0007c\u0085d')).toBe('a\\u{200B}b\\u{0007}c\\u{0085}d');
  });

  it('leaves ordinary URLs alone', () => {
    expect(escapeForDisplay('https://example.com/a?b=c#d')).toBe('https://example.com/a?b=c#d');
  });
});

describe('preload channel', () => {
  it('uses the same single channel as the main process (the sandboxed preload cannot import it)', () => {
    const preload = readFileSync(new URL('../../electron/preload.cts', import.meta.url), 'utf8');
    const channels = [...preload.matchAll(/const CHANNEL = '([^']+)'/gu)].map((match) => match[1]);
    expect(channels).toEqual([IPC_CHANNEL]);
    expect(IPC_CHANNEL).toBe('holdcell:rpc');
  });

  it('exposes only send and onMessage and imports nothing but electron', () => {
    const preload = readFileSync(new URL('../../electron/preload.cts', import.meta.url), 'utf8');
    expect([...preload.matchAll(/exposeInMainWorld\(/gu)]).toHaveLength(1);
    const code = preload.replace(/^\s*\/\/.*$/gmu, '');
    const imports = [...code.matchAll(/(?:require\(|from\s+)'([^']+)'/gu)].map((match) => match[1]);
    expect(imports).toEqual(['electron']);
  });
});
