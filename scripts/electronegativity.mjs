#!/usr/bin/env node
// Runs Electronegativity on the app as it ships, writes SARIF, and fails on any finding of severity ≥ MEDIUM and
// confidence ≥ FIRM that is not allow-listed with a reason (Electronegativity itself always exits 0).
//
// What is scanned, and why: what electron-builder packs into app.asar (dist/** minus types, build bookkeeping, source
// maps and declarations, plus package.json), staged into a temporary folder so SARIF paths read as repo paths
// (dist/electron/window.js) — except that the renderer's minified bundles are replaced by the renderer's own sources
// (renderer/src). Electronegativity's global checks correlate files — a CSP in the HTML the window loads, navigation
// and permission handlers anywhere in the main process — so scanning electron/ alone reports "no CSP" (it lives in
// renderer/index.html and src/host) and scanning renderer/ alone reports "no navigation limits"; only the shipped whole
// answers both. Main-process code is scanned compiled, as Electron runs it. The bundles are left out because they are
// mostly third-party code (React, xterm.js) whose minified scopes the tool cannot resolve (it flags every
// `setTimeout(fn)` it cannot trace), while in the page all of it runs under the CSP (script-src 'self', no
// 'unsafe-eval'), which refuses eval, new Function and string timers at runtime. Electronegativity does not read .cjs,
// so the sandboxed preload is covered by unit tests instead.
//
// Usage: node scripts/electronegativity.mjs [--input <folder>] [--sarif <file>]
//   --input  scan this folder as it is instead of the staged app (the wrapper's own tests use planted folders)
//   --sarif  where to write the report (default test-results/electronegativity.sarif)
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEFAULT_SARIF = path.join(ROOT, 'test-results', 'electronegativity.sarif');

export const SEVERITY_RANK = { INFORMATIONAL: 0, LOW: 1, MEDIUM: 2, HIGH: 3 };
export const CONFIDENCE_RANK = { TENTATIVE: 0, FIRM: 1, CERTAIN: 2 };
/** The bar: a finding at or above both fails the run. */
export const FAIL_AT = { severity: 'MEDIUM', confidence: 'FIRM' };

/**
 * Findings reviewed and accepted, each for one rule in one file, with the reason. An entry that no longer matches
 * anything fails the run too, so the list cannot outlive the code it excuses.
 */
export const ALLOWED_FINDINGS = [
  {
    ruleId: 'AUXCLICK_JS_CHECK',
    file: 'dist/electron/window.js',
    reason:
      'A middle-click can only ask for a new window, and setWindowOpenHandler denies every window request ' +
      '(test/unit/electron-navigation.test.ts, "a middle-click (auxclick)"); the renderer also renders no links.',
  },
  {
    ruleId: 'PRELOAD_JS_CHECK',
    file: 'dist/electron/window.js',
    reason:
      'Manual-review item, reviewed: the sandboxed preload exposes exactly holdcell.send/onMessage on one channel, ' +
      'imports only electron and drops the IPC event (test/unit/electron-policy.test.ts, "preload bridge").',
  },
];

/**
 * Electronegativity 1.10.3, loaded for in-process use: its CLI breaks against the commander we install, and its
 * i18n start-up downloads translations from S3 on every run; the stand-in below configures the bundled English
 * strings instead, so the test command makes no network request and prints the same text every time.
 */
function loadElectronegativity() {
  const require = createRequire(import.meta.url);
  const packageDir = path.dirname(require.resolve('@doyensec/electronegativity/package.json'));
  const i18nFile = path.join(packageDir, 'dist', 'locales', 'i18n.js');
  const i18n = createRequire(i18nFile)('i18n');
  const offlineI18n = () => {
    i18n.configure({
      locales: ['en-US'],
      defaultLocale: 'en-US',
      directory: path.dirname(i18nFile),
      updateFiles: false,
      objectNotation: true,
      retryInDefaultLocale: true,
      register: globalThis,
    });
    i18n.setLocale('en-US');
    return Promise.resolve();
  };
  require.cache[i18nFile] = { id: i18nFile, filename: i18nFile, loaded: true, exports: offlineI18n, children: [] };
  const run = require(path.join(packageDir, 'dist', 'runner.js'));
  const version = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')).version;
  return { run, version };
}

/** Stages the scan tree described at the top (shipped dist/ without renderer bundles, renderer sources, package.json). */
export function stageShippedApp(root, into) {
  const dist = path.join(root, 'dist');
  if (!existsSync(path.join(dist, 'electron', 'main.js')) || !existsSync(path.join(dist, 'renderer', 'index.html'))) {
    throw new Error(`no built app in ${dist}: run "npm run build" first`);
  }
  const shipped = (source) => {
    const relative = path.relative(dist, source).split(path.sep);
    if (relative[0] === 'types' || relative[0] === 'tsbuildinfo') return false;
    if (relative[0] === 'renderer' && relative[1] === 'assets') return false;
    return !/\.(map|d\.ts|d\.cts)$/u.test(source);
  };
  cpSync(dist, path.join(into, 'dist'), { recursive: true, filter: shipped });
  cpSync(path.join(root, 'renderer', 'src'), path.join(into, 'renderer', 'src'), { recursive: true });
  cpSync(path.join(root, 'package.json'), path.join(into, 'package.json'));
}

const levelFor = (severity) => (severity === 'HIGH' ? 'error' : severity === 'MEDIUM' ? 'warning' : 'note');

/**
 * SARIF 2.1.0 from Electronegativity's result. Its own SARIF writer drops severity and confidence (and writes the
 * file asynchronously after run() resolves), so the wrapper writes the report itself, keeping both as result
 * properties and recording allow-listed findings as accepted external suppressions with their reason.
 */
export function toSarif(result, { allowList = [], toolVersion = 'unknown' } = {}) {
  const used = new Set();
  const rules = new Map();
  const results = result.issues.map((issue) => {
    const file = issue.file === 'N/A' ? undefined : issue.file.split(path.sep).join('/');
    if (!rules.has(issue.id)) {
      rules.set(issue.id, {
        id: issue.id,
        shortDescription: { text: issue.description },
        helpUri: `https://github.com/doyensec/electronegativity/wiki/${issue.id}`,
      });
    }
    const sarifResult = {
      ruleId: issue.id,
      level: levelFor(issue.severity?.name),
      message: { text: issue.description },
      properties: {
        severity: issue.severity?.name,
        confidence: issue.confidence?.name,
        manualReview: Boolean(issue.manualReview),
        ...(issue.sample === undefined ? {} : { sample: issue.sample }),
      },
    };
    if (file !== undefined) {
      sarifResult.locations = [
        {
          physicalLocation: {
            artifactLocation: { uri: file },
            region: {
              startLine: Math.max(1, issue.location?.line ?? 1),
              startColumn: (issue.location?.column ?? 0) + 1,
            },
          },
        },
      ];
    }
    const allowed = allowList.find((entry) => entry.ruleId === issue.id && entry.file === (file ?? 'N/A'));
    if (allowed !== undefined) {
      used.add(allowed);
      sarifResult.suppressions = [{ kind: 'external', status: 'accepted', justification: allowed.reason }];
    }
    return sarifResult;
  });
  const notifications = result.errors.map((error) => ({
    level: error.tolerable ? 'warning' : 'error',
    message: { text: `could not parse ${error.file}: ${error.message}` },
  }));
  return {
    sarif: {
      $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: {
              name: 'Electronegativity',
              version: toolVersion,
              informationUri: 'https://github.com/doyensec/electronegativity',
              rules: [...rules.values()],
            },
          },
          invocations: [
            {
              executionSuccessful: notifications.every((n) => n.level !== 'error'),
              toolExecutionNotifications: notifications,
            },
          ],
          results,
        },
      ],
    },
    staleAllowList: allowList.filter((entry) => !used.has(entry)),
  };
}

/** One finding as the wrapper reports it. */
function describeResult(result) {
  const location = result.locations?.[0]?.physicalLocation;
  const where = location ? `${location.artifactLocation?.uri}:${location.region?.startLine ?? 1}` : '(whole app)';
  const { severity = '?', confidence = '?' } = result.properties ?? {};
  return { ruleId: result.ruleId, severity, confidence, where, message: result.message?.text ?? '' };
}

const meetsBar = (rank, name, bar) => (rank[name] ?? Number.POSITIVE_INFINITY) >= rank[bar];

/**
 * Splits a SARIF report into what fails the run and what does not. Fails closed: a result without a known severity or
 * confidence counts as blocking, and so does a tool error notification (a file that could not be parsed was not checked).
 */
export function evaluateSarif(sarif) {
  const blocking = [];
  const suppressed = [];
  const belowBar = [];
  const runs = Array.isArray(sarif?.runs) ? sarif.runs : [];
  if (runs.length === 0)
    blocking.push({ ruleId: '(report)', severity: '?', confidence: '?', where: '', message: 'SARIF has no runs' });
  for (const run of runs) {
    for (const invocation of run.invocations ?? []) {
      for (const notification of invocation.toolExecutionNotifications ?? []) {
        if (notification.level === 'error') {
          blocking.push({
            ruleId: '(scan error)',
            severity: '?',
            confidence: '?',
            where: '',
            message: notification.message?.text ?? '',
          });
        }
      }
    }
    for (const result of run.results ?? []) {
      const finding = describeResult(result);
      const accepted = (result.suppressions ?? []).some((s) => s.status === undefined || s.status === 'accepted');
      if (accepted) {
        suppressed.push({ ...finding, justification: result.suppressions.map((s) => s.justification).join('; ') });
      } else if (
        meetsBar(SEVERITY_RANK, finding.severity, FAIL_AT.severity) &&
        meetsBar(CONFIDENCE_RANK, finding.confidence, FAIL_AT.confidence)
      ) {
        blocking.push(finding);
      } else {
        belowBar.push(finding);
      }
    }
  }
  return { blocking, suppressed, belowBar };
}

const line = (f) => `  ${f.severity}/${f.confidence} ${f.ruleId} ${f.where} — ${f.message}`;

function parseArguments(argv) {
  const options = { input: undefined, sarif: DEFAULT_SARIF };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = argv[i + 1];
    if ((flag === '--input' || flag === '--sarif') && value !== undefined) {
      options[flag.slice(2)] = path.resolve(value);
      i += 1;
    } else {
      throw new Error(
        `unknown argument ${JSON.stringify(flag)}; usage: electronegativity.mjs [--input <folder>] [--sarif <file>]`,
      );
    }
  }
  return options;
}

export async function main(argv = process.argv.slice(2)) {
  const options = parseArguments(argv);
  const staging =
    options.input === undefined ? mkdtempSync(path.join(tmpdir(), 'holdcell-electronegativity-')) : undefined;
  try {
    if (staging !== undefined) stageShippedApp(ROOT, staging);
    const input = options.input ?? staging;
    const { run, version } = loadElectronegativity();
    const result = await run(
      {
        input,
        isSarif: true,
        customScan: [],
        // Needs the network (it downloads Electron's release list) and answers by today's date, not by our code;
        // the pinned, installed Electron version is checked by test/unit/electron-window.test.ts instead.
        excludeFromScan: ['availablesecurityfixesglobalcheck'],
        isRelative: true,
        isVerbose: false,
        parserPlugins: [],
      },
      false,
    );
    const { sarif, staleAllowList } = toSarif(result, { allowList: ALLOWED_FINDINGS, toolVersion: version });
    mkdirSync(path.dirname(options.sarif), { recursive: true });
    writeFileSync(options.sarif, `${JSON.stringify(sarif, null, 2)}\n`);

    // The verdict comes from the SARIF file as written, the same report CI uploads.
    const { blocking, suppressed, belowBar } = evaluateSarif(JSON.parse(readFileSync(options.sarif, 'utf8')));
    const stale = options.input === undefined ? staleAllowList : [];
    console.log(
      `electronegativity ${version}: ${result.globalChecks + result.atomicChecks} checks, ` +
        `${blocking.length + suppressed.length + belowBar.length} findings — ${blocking.length} blocking, ` +
        `${suppressed.length} allow-listed, ${belowBar.length} below ${FAIL_AT.severity}/${FAIL_AT.confidence}; ` +
        `SARIF: ${path.relative(process.cwd(), options.sarif) || options.sarif}`,
    );
    if (suppressed.length > 0) console.log(`allow-listed:\n${suppressed.map(line).join('\n')}`);
    if (belowBar.length > 0) console.log(`below the bar:\n${belowBar.map(line).join('\n')}`);
    if (stale.length > 0) {
      console.error(
        `allow-list entries that match nothing (remove them):\n${stale.map((e) => `  ${e.ruleId} ${e.file}`).join('\n')}`,
      );
    }
    if (blocking.length > 0) {
      console.error(
        `FAIL: ${blocking.length} finding(s) at or above ${FAIL_AT.severity}/${FAIL_AT.confidence}:\n${blocking.map(line).join('\n')}`,
      );
    }
    return blocking.length > 0 || stale.length > 0 ? 1 : 0;
  } finally {
    if (staging !== undefined) rmSync(staging, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(`electronegativity: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 2;
    },
  );
}
