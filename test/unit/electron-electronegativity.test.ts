// The Electronegativity wrapper (scripts/electronegativity.mjs): which SARIF findings fail the run, how allow-listed
// ones are recorded, and that a real scan of a planted insecure app exits non-zero and names each finding.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const WRAPPER = path.join(ROOT, 'scripts', 'electronegativity.mjs');

interface Finding {
  ruleId: string;
  severity: string;
  confidence: string;
  where: string;
  message: string;
  justification?: string;
}
interface AllowEntry {
  ruleId: string;
  file: string;
  reason: string;
}
interface Issue {
  id: string;
  file: string;
  description: string;
  severity?: { name: string };
  confidence?: { name: string };
  location?: { line: number; column: number };
  manualReview?: boolean;
}
interface WrapperModule {
  evaluateSarif(sarif: unknown): { blocking: Finding[]; suppressed: Finding[]; belowBar: Finding[] };
  toSarif(
    result: { issues: Issue[]; errors: { file: string; message: string; tolerable?: boolean }[] },
    options: { allowList?: AllowEntry[]; toolVersion?: string },
  ): { sarif: { runs: { results: Record<string, unknown>[] }[] }; staleAllowList: AllowEntry[] };
  ALLOWED_FINDINGS: AllowEntry[];
}

// A variable specifier: the wrapper is plain JavaScript run by Node, not part of a TypeScript project.
const wrapperUrl = new URL('../../scripts/electronegativity.mjs', import.meta.url).href;
const wrapper = (await import(wrapperUrl)) as WrapperModule;

const SEVERITIES = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH'];
const CONFIDENCES = ['TENTATIVE', 'FIRM', 'CERTAIN'];

function sarifResult(ruleId: string, properties: Record<string, unknown> | undefined, extra: object = {}) {
  return {
    ruleId,
    message: { text: `${ruleId} finding` },
    locations: [{ physicalLocation: { artifactLocation: { uri: 'dist/electron/main.js' }, region: { startLine: 3 } } }],
    ...(properties === undefined ? {} : { properties }),
    ...extra,
  };
}

describe('given a SARIF report with a finding at every severity and confidence', () => {
  const results = SEVERITIES.flatMap((severity) =>
    CONFIDENCES.map((confidence) => sarifResult(`${severity}_${confidence}`, { severity, confidence })),
  );
  const verdict = wrapper.evaluateSarif({ version: '2.1.0', runs: [{ results }] });

  it('then exactly MEDIUM and HIGH at FIRM or CERTAIN block the run', () => {
    expect(verdict.blocking.map((f) => f.ruleId).sort()).toEqual([
      'HIGH_CERTAIN',
      'HIGH_FIRM',
      'MEDIUM_CERTAIN',
      'MEDIUM_FIRM',
    ]);
  });

  it('then every other finding is kept and reported below the bar, none lost', () => {
    expect(verdict.belowBar).toHaveLength(8);
    expect(verdict.belowBar.map((f) => f.ruleId)).toEqual(
      expect.arrayContaining(['HIGH_TENTATIVE', 'MEDIUM_TENTATIVE', 'LOW_CERTAIN', 'INFORMATIONAL_FIRM']),
    );
  });

  it('then each blocking finding says what, how bad and where', () => {
    expect(verdict.blocking.find((f) => f.ruleId === 'HIGH_FIRM')).toEqual({
      ruleId: 'HIGH_FIRM',
      severity: 'HIGH',
      confidence: 'FIRM',
      where: 'dist/electron/main.js:3',
      message: 'HIGH_FIRM finding',
    });
  });
});

describe('given SARIF the wrapper cannot fully trust', () => {
  it("when a finding carries no severity or confidence (e.g. the tool's own SARIF), then it blocks", () => {
    const verdict = wrapper.evaluateSarif({ runs: [{ results: [sarifResult('NO_PROPERTIES', undefined)] }] });
    expect(verdict.blocking.map((f) => f.ruleId)).toEqual(['NO_PROPERTIES']);
  });

  it('when a severity name is unknown, then it blocks', () => {
    const verdict = wrapper.evaluateSarif({
      runs: [{ results: [sarifResult('ODD', { severity: 'CRITICAL', confidence: 'FIRM' })] }],
    });
    expect(verdict.blocking.map((f) => f.ruleId)).toEqual(['ODD']);
  });

  it('when a file could not be parsed, then the scan counts as incomplete and blocks', () => {
    const verdict = wrapper.evaluateSarif({
      runs: [
        {
          invocations: [
            { toolExecutionNotifications: [{ level: 'error', message: { text: 'could not parse x.js' } }] },
          ],
          results: [],
        },
      ],
    });
    expect(verdict.blocking.map((f) => f.message)).toEqual(['could not parse x.js']);
  });

  it('when the report has no runs at all, then it blocks', () => {
    expect(wrapper.evaluateSarif({}).blocking).toHaveLength(1);
  });

  it('when a MEDIUM/FIRM finding is suppressed as accepted, then it is listed with its reason and does not block', () => {
    const suppressed = sarifResult(
      'ACCEPTED',
      { severity: 'MEDIUM', confidence: 'FIRM' },
      { suppressions: [{ kind: 'external', status: 'accepted', justification: 'reviewed: handler denies it' }] },
    );
    const rejected = sarifResult(
      'REJECTED',
      { severity: 'MEDIUM', confidence: 'FIRM' },
      { suppressions: [{ kind: 'external', status: 'rejected', justification: 'nope' }] },
    );
    const verdict = wrapper.evaluateSarif({ runs: [{ results: [suppressed, rejected] }] });
    expect(verdict.suppressed.map((f) => [f.ruleId, f.justification])).toEqual([
      ['ACCEPTED', 'reviewed: handler denies it'],
    ]);
    expect(verdict.blocking.map((f) => f.ruleId)).toEqual(['REJECTED']);
  });
});

describe('given Electronegativity results and an allow-list', () => {
  const issue = (id: string, file: string): Issue => ({
    id,
    file,
    description: `${id} description`,
    severity: { name: 'MEDIUM' },
    confidence: { name: 'FIRM' },
    location: { line: 8, column: 19 },
    manualReview: false,
  });
  const allowList: AllowEntry[] = [
    { ruleId: 'AUXCLICK_JS_CHECK', file: 'dist/electron/window.js', reason: 'window open is denied' },
    { ruleId: 'GONE_CHECK', file: 'dist/electron/old.js', reason: 'fixed long ago' },
  ];
  const { sarif, staleAllowList } = wrapper.toSarif(
    {
      issues: [
        issue('AUXCLICK_JS_CHECK', 'dist/electron/window.js'),
        issue('AUXCLICK_JS_CHECK', 'dist/electron/other-window.js'),
        issue('CSP_GLOBAL_CHECK', 'N/A'),
      ],
      errors: [],
    },
    { allowList, toolVersion: '1.10.3' },
  );
  const results = sarif.runs[0]?.results ?? [];

  it("then severity and confidence travel in the SARIF, which Electronegativity's own writer drops", () => {
    expect(results[0]?.properties).toMatchObject({ severity: 'MEDIUM', confidence: 'FIRM' });
    expect(results[0]?.level).toBe('warning');
  });

  it('then only the exact rule-and-file entry is suppressed, with its reason', () => {
    expect(results[0]?.suppressions).toEqual([
      { kind: 'external', status: 'accepted', justification: 'window open is denied' },
    ]);
    expect(results[1]?.suppressions).toBeUndefined();
    expect(wrapper.evaluateSarif(sarif).blocking.map((f) => f.where)).toEqual([
      'dist/electron/other-window.js:8',
      '(whole app)',
    ]);
  });

  it('then an allow-list entry that matched nothing is reported as stale', () => {
    expect(staleAllowList.map((entry) => entry.ruleId)).toEqual(['GONE_CHECK']);
  });

  it('then every shipped allow-list entry names a rule, a file and a reason of substance', () => {
    expect(wrapper.ALLOWED_FINDINGS.length).toBeGreaterThan(0);
    for (const entry of wrapper.ALLOWED_FINDINGS) {
      expect(entry.ruleId).toMatch(/^[A-Z_]+_CHECK$/);
      expect(entry.file).toMatch(/^dist\//);
      expect(entry.reason.length).toBeGreaterThan(60);
    }
  });
});

describe('given a planted app with an insecure window, scanned for real', () => {
  let folder: string;
  let run: ReturnType<typeof spawnSync>;
  const sarifFile = () => path.join(folder, 'report.sarif');

  beforeAll(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'holdcell-electronegativity-'));
    const app = path.join(folder, 'app');
    mkdirSync(app);
    writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify({ name: 'planted', devDependencies: { electron: '45.4.1' } }),
    );
    writeFileSync(
      path.join(app, 'main.js'),
      [
        "const { app, BrowserWindow } = require('electron');",
        'app.whenReady().then(() => {',
        '  const win = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, webSecurity: false } });',
        "  win.loadURL('http://example.com/');",
        '});',
      ].join('\n'),
    );
    run = spawnSync(process.execPath, [WRAPPER, '--input', app, '--sarif', sarifFile()], {
      encoding: 'utf8',
      timeout: 60_000,
    });
  });

  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('then the wrapper exits non-zero', () => {
    expect(run.status).toBe(1);
  });

  it('then it lists each blocking finding with severity, confidence and place', () => {
    const stderr = String(run.stderr);
    expect(stderr).toMatch(/FAIL: \d+ finding\(s\) at or above MEDIUM\/FIRM/);
    expect(stderr).toContain('HIGH/FIRM CONTEXT_ISOLATION_JS_CHECK main.js:3');
    expect(stderr).toContain('MEDIUM/CERTAIN WEB_SECURITY_JS_CHECK main.js:3');
    expect(stderr).toContain('MEDIUM/CERTAIN HTTP_RESOURCES_JS_CHECK main.js:4');
    expect(stderr).toContain('HIGH/CERTAIN LIMIT_NAVIGATION_GLOBAL_CHECK (whole app)');
  });

  it('then the SARIF it wrote parses and carries the same findings with their grades', () => {
    const sarif = JSON.parse(readFileSync(sarifFile(), 'utf8')) as {
      version: string;
      runs: { results: Record<string, unknown>[] }[];
    };
    expect(sarif.version).toBe('2.1.0');
    const ids = (sarif.runs[0]?.results ?? []).map((result) => result.ruleId);
    expect(ids).toEqual(
      expect.arrayContaining(['CONTEXT_ISOLATION_JS_CHECK', 'WEB_SECURITY_JS_CHECK', 'SANDBOX_JS_CHECK']),
    );
    expect(wrapper.evaluateSarif(sarif).blocking.length).toBeGreaterThanOrEqual(3);
  });
});

describe('given a mistyped command line', () => {
  it('then the wrapper exits 2 with the usage', () => {
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, [WRAPPER, '--imput', 'x'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      status = (error as { status: number }).status;
      stderr = String((error as { stderr: string }).stderr);
    }
    expect(status).toBe(2);
    expect(stderr).toMatch(/usage: electronegativity\.mjs/);
  });
});
