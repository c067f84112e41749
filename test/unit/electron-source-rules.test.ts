// Electron checklist as source rules: no <webview> in the renderer, no insecure switch or file: loading in the shell,
// openExternal only behind the confirmation, no remote module. Each rule is first shown to catch a planted sample.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Files below `dir` (repo-relative) with one of `extensions`, skipping build output. */
function sourceFiles(dir: string, extensions: readonly string[]): { file: string; text: string }[] {
  const found: { file: string; text: string }[] = [];
  const walk = (relative: string): void => {
    for (const entry of readdirSync(path.join(ROOT, relative), { withFileTypes: true })) {
      const child = path.posix.join(relative, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'dist') walk(child);
      } else if (extensions.some((extension) => entry.name.endsWith(extension))) {
        found.push({ file: child, text: readFileSync(path.join(ROOT, child), 'utf8') });
      }
    }
  };
  walk(dir);
  return found;
}

/** Comments out of the way, so a rule reads code (a comment may well explain why <webview> is banned). */
const code = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//gu, '').replace(/(^|[^:])\/\/.*$/gmu, '$1');

interface Rule {
  name: string;
  pattern: RegExp;
  /** A line that must trip the rule, so a typo in the pattern cannot make it pass vacuously. */
  planted: string;
}

const RENDERER_RULES: Rule[] = [
  { name: '<webview> element', pattern: /<\s*webview\b/iu, planted: '<webview src="https://x.example" />' },
  {
    name: 'webview created from script',
    pattern: /createElement\(\s*['"`]webview/iu,
    planted: "document.createElement('webview')",
  },
  {
    name: 'electron import',
    pattern: /from\s+['"]electron['"]|require\(\s*['"]electron['"]/u,
    planted: "import x from 'electron'",
  },
];

const SHELL_RULES: Rule[] = [
  {
    name: 'nodeIntegration on',
    pattern: /nodeIntegration\w*\s*:\s*true/u,
    planted: 'nodeIntegrationInSubFrames: true',
  },
  { name: 'contextIsolation off', pattern: /contextIsolation\s*:\s*false/u, planted: 'contextIsolation: false' },
  { name: 'sandbox off', pattern: /sandbox\s*:\s*false/u, planted: 'sandbox: false' },
  { name: 'webSecurity off', pattern: /webSecurity\s*:\s*false/u, planted: 'webSecurity: false' },
  {
    name: 'insecure content on',
    pattern: /allowRunningInsecureContent\s*:\s*true/u,
    planted: 'allowRunningInsecureContent: true',
  },
  {
    name: 'experimental features on',
    pattern: /experimentalFeatures\s*:\s*true/u,
    planted: 'experimentalFeatures: true',
  },
  { name: 'Blink features enabled', pattern: /enableBlinkFeatures/u, planted: "enableBlinkFeatures: 'CSSVariables'" },
  { name: 'webview tag on', pattern: /webviewTag\s*:\s*true/u, planted: 'webviewTag: true' },
  { name: 'file loading', pattern: /\bloadFile\(|['"`]file:/u, planted: "win.loadURL('file:///index.html')" },
  {
    name: 'Chromium switch',
    pattern: /appendSwitch|appendArgument|disable-web-security|no-sandbox/u,
    planted: "app.commandLine.appendSwitch('disable-web-security')",
  },
  {
    name: 'remote module',
    pattern: /@electron\/remote|enableRemoteModule/u,
    planted: "require('@electron/remote/main')",
  },
  {
    name: 'security warnings silenced',
    pattern: /ELECTRON_DISABLE_SECURITY_WARNINGS/u,
    planted: "process.env.ELECTRON_DISABLE_SECURITY_WARNINGS = 'true'",
  },
];

const renderer = sourceFiles('renderer', ['.ts', '.tsx', '.html']);
const shell = sourceFiles('electron', ['.ts', '.cts']);

describe.each([
  ['the renderer source', () => renderer, RENDERER_RULES],
  ['the Electron shell source', () => shell, SHELL_RULES],
])('given %s', (_name, files, rules) => {
  it('then there is source to check', () => expect(files().length).toBeGreaterThan(3));

  it.each(rules.map((rule) => [rule.name, rule] as const))(
    'then the "%s" rule catches its planted sample',
    (_n, rule) => {
      expect(rule.pattern.test(rule.planted)).toBe(true);
    },
  );

  it.each(rules.map((rule) => [rule.name, rule] as const))('then no file matches "%s"', (_n, rule) => {
    const offenders = files()
      .filter(({ text }) => rule.pattern.test(code(text)))
      .map(({ file }) => file);
    expect(offenders).toEqual([]);
  });
});

describe('given shell.openExternal (checklist 15)', () => {
  it('then it is called exactly once, in main.ts, only after the responder chose "Open in browser"', () => {
    const calls = shell.flatMap(({ file, text }) =>
      code(text)
        .split('\n')
        .filter((line) => /openExternal\(/u.test(line))
        .map((line) => `${file}: ${line.trim()}`),
    );
    expect(calls).toEqual(['electron/main.ts: if (response === 1) await shell.openExternal(decision.url);']);
  });
});

describe('given the renderer page (checklist 20: no Electron API in the page)', () => {
  it('then only the preload exposes anything to the page, through contextBridge', () => {
    const exposing = shell.filter(({ text }) => /exposeInMainWorld\(/u.test(code(text))).map(({ file }) => file);
    expect(exposing).toEqual(['electron/preload.cts']);
  });
});
