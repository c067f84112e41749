// Unit tests for the Electron shell without an Electron binary: security policy, IPC sender checks, preload bridge.
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { createIpcPipe } from '../../electron/ipc-pipe.js';
import {
  APP_ENTRY_URL,
  EXTERNAL_LINK_HOSTS,
  IPC_CHANNEL,
  externalUrlDecision,
  isAllowedAppUrl,
  isPathInside,
  resolveAppRequestPath,
} from '../../electron/policy.js';
import { visibleText } from '../../src/contract/visible-text.js';
import { REPORT_STYLE_SOURCE } from '../../src/forensics/common/report-style.js';
import { mimeTypeFor, RENDERER_CSP } from '../../src/host/renderer-assets.js';

describe('isAllowedAppUrl', () => {
  it.each([
    APP_ENTRY_URL,
    'app://holdcell/',
    'app://holdcell/assets/index-abc123.js',
    'app://holdcell/index.html#/cases/42',
  ])('accepts %s', (url) => expect(isAllowedAppUrl(url)).toBe(true));

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
    expect(decision).toEqual({
      allowed: true,
      url: 'https://attack.mitre.org/techniques/T1611/',
      reason: expect.any(String),
    });
  });

  it('normalises so the dialog shows what will really open (upper-case scheme and host, default port)', () => {
    const decision = externalUrlDecision('HTTPS://ATTACK.MITRE.ORG:443/techniques/T1611/?b=c#d');
    expect(decision.allowed).toBe(true);
    expect(decision.allowed && decision.url).toBe('https://attack.mitre.org/techniques/T1611/?b=c#d');
  });

  it.each(EXTERNAL_LINK_HOSTS)('allows the allow-listed host %s', (host) => {
    expect(externalUrlDecision(`https://${host}/`).allowed).toBe(true);
  });

  it.each([
    ['https://bücher.example/a', /punycode/],
    ['https://xn--ttack-2we.mitre.org/', /punycode/],
    ['https://attack.mitre.org:8443/', /port 8443/],
    ['https://example.com/', /allow-list/],
    ['https://attack.mitre.org.evil.example/', /allow-list/],
    ['https://mitre.org/', /allow-list/],
  ])('rejects %s, saying why', (url, reason) => {
    const decision = externalUrlDecision(url);
    expect(decision.allowed).toBe(false);
    expect(decision.reason).toMatch(reason);
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
    'https://user@attack.mitre.org/',
    'https://user:secret@attack.mitre.org/',
    'https://attack.mitre.org@evil.example/',
    'https://:pw@attack.mitre.org/',
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
    'https://exa\u200bmple.com/', // zero-width space that IDNA would silently drop
    'https://example.com/\u202egpj.exe', // right-to-left override
    'https://ex\u00adample.com/', // soft hyphen
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
    expect(resolveAppRequestPath(root, 'app://holdcell/assets/app%20x.js?v=1#h')).toBe(
      path.join(root, 'assets', 'app x.js'),
    );
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
    expect(RENDERER_CSP).toBe(
      `default-src 'none'; script-src 'self'; style-src 'self' ${REPORT_STYLE_SOURCE}; img-src 'self' data:; font-src 'self'; connect-src 'self'; ` +
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

describe('the URL shown in the openExternal confirmation (visibleText)', () => {
  it('shows bidi overrides, zero-width and control characters visibly', () => {
    expect(visibleText('https://a.example/\u202Egpj.exe')).toBe('https://a.example/\\u{202e}gpj.exe');
    expect(visibleText('a\u200Bb\u0007c\u0085d')).toBe('a\\u{200b}b\\x07c\\x85d');
  });

  it('leaves ordinary URLs alone', () => {
    expect(visibleText('https://example.com/a?b=c#d')).toBe('https://example.com/a?b=c#d');
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

/** What createIpcPipe takes; spelled this way so no test file imports 'electron' (only electron/ may). */
type WebContents = Parameters<typeof createIpcPipe>[0];

// Stand-ins for the few WebContents members the pipe touches: enough to exercise the sender checks without Electron.
function standInWebContents() {
  const mainFrame = { url: 'app://holdcell/index.html' };
  const contents = Object.assign(new EventEmitter(), {
    ipc: new EventEmitter(),
    mainFrame,
    destroyed: false,
    sent: [] as unknown[][],
    isDestroyed() {
      return contents.destroyed;
    },
    send(...args: unknown[]) {
      contents.sent.push(args);
    },
  });
  return contents;
}

describe('createIpcPipe', () => {
  const open = () => {
    const contents = standInWebContents();
    const logged: string[] = [];
    const pipe = createIpcPipe(contents as unknown as WebContents, (line) => logged.push(line));
    const received: unknown[] = [];
    pipe.onMessage((message) => received.push(message));
    return { contents, pipe, received, logged };
  };

  it('delivers messages from the main frame of app://holdcell and answers on the same channel', () => {
    const { contents, pipe, received } = open();
    contents.ipc.emit(IPC_CHANNEL, { senderFrame: contents.mainFrame }, { t: 'call', id: '1' });
    pipe.send({ t: 'ok', id: '1' });
    expect(received).toEqual([{ t: 'call', id: '1' }]);
    expect(contents.sent).toEqual([[IPC_CHANNEL, { t: 'ok', id: '1' }]]);
  });

  it.each([
    ['a subframe', (mainFrame: object) => ({ senderFrame: { url: 'app://holdcell/index.html' }, mainFrame })],
    ['a frame that is gone', () => ({ senderFrame: null })],
  ])('drops, counts and logs a message from %s', (_name, makeEvent) => {
    const { contents, pipe, received, logged } = open();
    contents.ipc.emit(IPC_CHANNEL, makeEvent(contents.mainFrame), { t: 'call', id: 'x' });
    expect(received).toEqual([]);
    expect(pipe.rejectedCount()).toBe(1);
    expect(logged).toHaveLength(1);
  });

  it('drops messages once the main frame shows anything but app://holdcell', () => {
    const { contents, pipe, received } = open();
    contents.mainFrame.url = 'https://evil.example/';
    contents.ipc.emit(IPC_CHANNEL, { senderFrame: contents.mainFrame }, { t: 'call', id: 'x' });
    expect(received).toEqual([]);
    expect(pipe.rejectedCount()).toBe(1);
  });

  it.each(['destroyed', 'render-process-gone'])('closes once on %s and stops listening', (event) => {
    const { contents, pipe, received } = open();
    let closes = 0;
    pipe.onClose(() => (closes += 1));
    contents.emit(event);
    contents.emit('destroyed');
    contents.ipc.emit(IPC_CHANNEL, { senderFrame: contents.mainFrame }, { t: 'call', id: 'late' });
    pipe.send({ t: 'ok', id: 'late' });
    expect(closes).toBe(1);
    expect(received).toEqual([]);
    expect(contents.sent).toEqual([]);
    expect(contents.ipc.listenerCount(IPC_CHANNEL)).toBe(0);
  });
});

describe('preload bridge', () => {
  /** Runs the real preload source against a stand-in 'electron' module and returns what it exposed. */
  const loadPreload = () => {
    const source = readFileSync(new URL('../../electron/preload.cts', import.meta.url), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    });
    const exposed = new Map<string, unknown>();
    const ipcRenderer = Object.assign(new EventEmitter(), { sent: [] as unknown[][] });
    Object.assign(ipcRenderer, { send: (...args: unknown[]) => ipcRenderer.sent.push(args) });
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
      ipcRenderer,
    };
    const exports = {};
    vm.runInNewContext(outputText, {
      exports,
      module: { exports },
      require: (name: string) => {
        if (name !== 'electron') throw new Error(`module not found: ${name}`);
        return electron;
      },
    });
    return { exposed, ipcRenderer };
  };

  it('exposes exactly holdcell = { send, onMessage }', () => {
    const { exposed } = loadPreload();
    expect([...exposed.keys()]).toEqual(['holdcell']);
    expect(Object.keys(exposed.get('holdcell') as object).sort()).toEqual(['onMessage', 'send']);
  });

  it('sends on the single channel, strips the IPC event and unsubscribes', () => {
    const { exposed, ipcRenderer } = loadPreload();
    const bridge = exposed.get('holdcell') as {
      send(message: unknown): void;
      onMessage(listener: (...args: unknown[]) => void): () => void;
    };
    bridge.send({ t: 'call', id: '1' });
    expect(ipcRenderer.sent).toEqual([[IPC_CHANNEL, { t: 'call', id: '1' }]]);

    const calls: unknown[][] = [];
    const off = bridge.onMessage((...args) => calls.push(args));
    ipcRenderer.emit(IPC_CHANNEL, { sender: ipcRenderer }, { t: 'ok', id: '1' });
    off();
    ipcRenderer.emit(IPC_CHANNEL, { sender: ipcRenderer }, { t: 'ok', id: '2' });
    expect(calls).toEqual([[{ t: 'ok', id: '1' }]]);
    expect(ipcRenderer.listenerCount(IPC_CHANNEL)).toBe(0);
    expect(() => bridge.onMessage('nope' as never)).toThrow(/expects a function/);
  });
});
