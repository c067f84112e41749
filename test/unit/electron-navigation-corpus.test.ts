// Hostile URL corpora (test/fixtures/electron-*-corpus.json): every navigation and every openExternal candidate is
// blocked, both by the policy functions main.ts uses and by the handlers it wires onto a (fake) window and session.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  externalUrlDecision,
  isAllowedAppUrl,
  isAllowedRequestUrl,
  resolveAppRequestPath,
} from '../../electron/policy.js';
import { visibleText } from '../../src/contract/visible-text.js';
import {
  bootFakeMainProcess,
  fake,
  FakeFrame,
  quitFakeMainProcess,
  settle,
  type FakeWebContents,
} from './electron-fake.js';

vi.mock('electron', async () => (await import('./electron-fake.js')).fakeElectronModule);

interface CorpusEntry {
  url: string;
  note: string;
}

function loadCorpus(name: string): CorpusEntry[] {
  const file = path.resolve(import.meta.dirname, '../fixtures', name);
  return (JSON.parse(readFileSync(file, 'utf8')) as { entries: CorpusEntry[] }).entries;
}

const navigationCorpus = loadCorpus('electron-navigation-corpus.json');
const openExternalCorpus = loadCorpus('electron-open-external-corpus.json');
/** Test titles show the URL escaped, as the responder's dialog would: no raw control or bidi characters in the log. */
const cases = (corpus: CorpusEntry[]) => corpus.map((entry) => [visibleText(entry.url), entry] as const);

const RENDERER_ROOT = path.resolve('/srv/holdcell/dist/renderer');
let casesRoot: string;
let contents: FakeWebContents;

beforeAll(async () => {
  casesRoot = mkdtempSync(path.join(tmpdir(), 'holdcell-electron-corpus-'));
  vi.stubEnv('HOLDCELL_CASES', casesRoot);
  contents = (await bootFakeMainProcess()).webContents;
});

afterAll(async () => {
  await quitFakeMainProcess();
  vi.unstubAllEnvs();
  rmSync(casesRoot, { recursive: true, force: true });
});

beforeEach(() => {
  fake.dialog.shown.length = 0;
  fake.dialog.nextResponse = 1; // were a dialog ever shown, the responder would say yes: only the policy stands between
  fake.shell.opened.length = 0;
});

describe('given the corpora', () => {
  it('then they are big enough and have a note per entry', () => {
    expect(navigationCorpus.length).toBeGreaterThanOrEqual(40);
    expect(openExternalCorpus.length).toBeGreaterThanOrEqual(30);
    for (const entry of [...navigationCorpus, ...openExternalCorpus]) expect(entry.note.length).toBeGreaterThan(5);
    expect(new Set(navigationCorpus.map((entry) => entry.url)).size).toBe(navigationCorpus.length);
    expect(new Set(openExternalCorpus.map((entry) => entry.url)).size).toBe(openExternalCorpus.length);
  });

  it('then the same handlers do let the allow-listed link through, so "blocked" below is not a vacuous result', async () => {
    expect(contents.openWindow('https://attack.mitre.org/techniques/T1611/')).toBe('deny');
    await settle();
    expect(fake.shell.opened).toEqual(['https://attack.mitre.org/techniques/T1611/']);
  });
});

describe('given the navigation corpus, through the policy functions', () => {
  it.each(cases(navigationCorpus))('%s is not our app, not served, not requested, not offered', (_title, { url }) => {
    expect(isAllowedAppUrl(url)).toBe(false);
    expect(resolveAppRequestPath(RENDERER_ROOT, url)).toBeUndefined();
    expect(isAllowedRequestUrl(url)).toBe(false);
    expect(externalUrlDecision(url).allowed).toBe(false);
  });
});

describe('given the navigation corpus, through the handlers main.ts wired', () => {
  it.each(cases(navigationCorpus))('%s is blocked everywhere and nothing opens', async (_title, { url }) => {
    const subframe = new FakeFrame('app://holdcell/index.html', contents.mainFrame);
    expect(contents.navigate(url)).toBe('cancelled');
    expect(contents.navigate(url, subframe)).toBe('cancelled');
    expect(contents.redirect(url)).toBe('cancelled');
    expect(contents.openWindow(url)).toBe('deny');
    expect(contents.attachWebview(url)).toBe(true);
    expect(await contents.session.request(url, 'subFrame')).toEqual({ cancel: true });
    await settle();
    expect(fake.dialog.shown).toEqual([]);
    expect(fake.shell.opened).toEqual([]);
  });
});

describe('given the openExternal corpus', () => {
  it.each(cases(openExternalCorpus))('%s is refused with a reason, offered by no handler', async (_title, { url }) => {
    const decision = externalUrlDecision(url);
    expect(decision.allowed).toBe(false);
    expect(decision.reason.length).toBeGreaterThan(10);
    expect(contents.openWindow(url)).toBe('deny');
    expect(contents.navigate(url)).toBe('cancelled');
    await settle();
    expect(fake.dialog.shown).toEqual([]);
    expect(fake.shell.opened).toEqual([]);
  });
});
