// The hostile-archive corpus: over 100 generated archives run through what the product runs on evidence, in child
// processes, with nothing escaping onto the host.
//
// Each case (test/support/hostile-tar-cases.ts) is indexed or refused with its specific reason; the host is
// checked around it: a canary tree next to the case folders (the targets the traversal names aim at, and the
// children's working directory) hashes the same before and after, no link, device, fifo, socket, hardlink or
// setuid file exists anywhere under the cases root, the case folders hold only their documents and still verify,
// no rejection went unhandled, and each case finished within 30 s and 1 GiB of RSS. The million-entry case runs
// in a child of its own so its peak RSS is measured alone. No Docker: the evidence is generated here.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore } from '../../src/forensics/node/case-store.js';
import { CANARY_FILES, hostileCases, type CaseResult, type HostileCase } from '../support/hostile-tar-cases.js';

const GIB = 1024 * 1024 * 1024;
const CASE_LIMIT_MS = 30_000;
const MILLION = 'scale-million-entries';
/** Host files a traversal or link names outright: read (never written) before and after. */
const HOST_FILES = ['/etc/passwd', '/etc/shadow', '/etc/group'];

interface ChildReport {
  results: CaseResult[];
  unhandled: number;
  uncaught: string[];
  rssStart: number;
  maxRss: number;
}

let work: string;
let casesRoot: string;
let canary: string;
let cwd: string;
const DEPTH = 3;
let cases: HostileCase[];
let reports: ChildReport[] = [];
let results = new Map<string, CaseResult>();
let logs = '';
let canaryBefore: string;
let hostBefore: string;

/** Every entry under a folder with its type, mode and (files) SHA-256: any change to the tree changes it. */
async function treeDigest(dir: string): Promise<string> {
  const lines: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const stats = await lstat(full);
    const hash = stats.isFile()
      ? createHash('sha256')
          .update(await readFile(full))
          .digest('hex')
      : '';
    lines.push(`${full} ${stats.mode.toString(8)} ${stats.size} ${hash}`);
  }
  return lines.sort().join('\n');
}

async function hostDigest(): Promise<string> {
  const parts: string[] = [];
  for (const file of HOST_FILES) {
    const bytes = await readFile(file).catch(() => Buffer.from('(unreadable)'));
    parts.push(`${file} ${createHash('sha256').update(bytes).digest('hex')}`);
  }
  parts.push(`/etc/cron.d ${(await readdir('/etc/cron.d').catch(() => [])).sort().join(',')}`);
  return parts.join('\n');
}

function runChild(child: string, only: string, timeoutMs: number): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [child, casesRoot, canary, cwd, String(DEPTH), only],
      { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: timeoutMs, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        logs += stderr;
        if (error) {
          const started = [...stderr.matchAll(/^start (\S+)$/gm)].at(-1)?.[1];
          reject(
            new Error(
              `the corpus child failed (last case started: ${started ?? 'none'}): ${error.message}\n${stderr.slice(-4000)}`,
            ),
          );
          return;
        }
        resolve(JSON.parse(stdout) as ChildReport);
      },
    );
  });
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'hc-hostile-archives-'));
  casesRoot = path.join(work, 'cases');
  canary = path.join(casesRoot, 'next-to-the-cases');
  cwd = path.join(canary, 'cwd', 'a', 'b');
  for (const [name, content] of Object.entries(CANARY_FILES)) {
    await mkdir(path.dirname(path.join(canary, name)), { recursive: true });
    await writeFile(path.join(canary, name), content);
  }
  cases = hostileCases({ canary, cwd, depth: DEPTH });
  canaryBefore = await treeDigest(canary);
  hostBefore = await hostDigest();

  const child = path.join(work, 'corpus-child.cjs');
  await build({
    entryPoints: [path.join(import.meta.dirname, 'hostile-archives-child.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: child,
    logLevel: 'silent',
  });
  // The million-entry case alone first (its peak RSS is then its own), then every other case in one child.
  reports = [await runChild(child, MILLION, 120_000), await runChild(child, `!${MILLION}`, 240_000)];
  results = new Map(reports.flatMap((report) => report.results).map((result) => [result.id, result]));
}, 420_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
}, 60_000);

/** Does a problem line (or the rejection) say what the case expects, specifically? */
function reasonOf(result: CaseResult, pattern: RegExp): string | undefined {
  return [result.reason ?? '', ...result.problems].find((line) => pattern.test(line));
}

describe('given more than 80 hostile archives generated by the test', () => {
  it('then the corpus covers every shape the issue lists, each case ran, and none crashed', () => {
    expect(cases.length).toBeGreaterThanOrEqual(80);
    expect(new Set(cases.map((item) => item.id)).size).toBe(cases.length);
    expect([...new Set(cases.map((item) => item.group))].sort()).toEqual([
      'diff',
      'kubectl',
      'links',
      'moby',
      'names',
      'privilege',
      'scale',
      'sparse',
      'special',
      'structure',
      'tar-fs',
      'traversal',
    ]);
    expect([...results.keys()].sort()).toEqual(cases.map((item) => item.id).sort());
    const crashed = [...results.values()].filter((result) => result.outcome === 'crashed');
    expect(crashed.map((result) => `${result.id}: ${result.reason}`)).toEqual([]);
  });

  it('when each is indexed or read, then it is indexed or refused as expected, with a specific reason', () => {
    const failures: string[] = [];
    for (const item of cases) {
      const result = results.get(item.id) as CaseResult;
      const { expect: wanted } = item;
      const say = (what: string) => failures.push(`${item.id} (${item.about}): ${what}`);
      if (result.outcome !== wanted.outcome) say(`outcome ${result.outcome} (${result.reason ?? result.problems[0]})`);
      if (wanted.reason !== undefined && reasonOf(result, wanted.reason) === undefined) {
        say(
          `no reason matching ${wanted.reason}; got ${JSON.stringify([result.reason, ...result.problems.slice(0, 5)])}`,
        );
      }
      if (wanted.complete !== undefined && result.complete !== wanted.complete) say(`complete ${result.complete}`);
      if (wanted.entries !== undefined && result.entries !== wanted.entries) say(`${result.entries} entries`);
      for (const [name, fields] of Object.entries(wanted.has ?? {})) {
        const found = result.facts.find((fact) => fact.path === name);
        if (found === undefined) say(`no entry ${JSON.stringify(name.slice(0, 80))}`);
        else {
          for (const [key, value] of Object.entries(fields)) {
            if (JSON.stringify(found[key as keyof typeof found]) !== JSON.stringify(value)) {
              say(
                `${JSON.stringify(name.slice(0, 80))}.${key} is ${JSON.stringify(found[key as keyof typeof found])}, not ${JSON.stringify(value)}`,
              );
            }
          }
        }
      }
      for (const rule of wanted.rules ?? [])
        if (!(result.rules ?? []).includes(rule)) say(`finding ${rule} missing (${result.rules})`);
      // An indexed case with no expected reason must still say why when it reports something.
      for (const line of result.problems) if (line.length < 25) say(`vague problem line ${JSON.stringify(line)}`);
    }
    expect(failures).toEqual([]);
  });

  it('then every case is logged with its outcome and the reason given', () => {
    for (const item of cases) {
      const result = results.get(item.id) as CaseResult;
      const line = logs.split('\n').find((candidate) => candidate.startsWith(`case ${item.id}: `));
      expect(line, item.id).toBeDefined();
      expect(line).toContain(`: ${result.outcome}, ${result.entries} entries`);
      if (item.expect.outcome === 'rejected') expect(line).toContain(String(result.reason).slice(0, 40));
    }
  });

  it('then each case took under 30 s and under 1 GiB of RSS, the million entries included', () => {
    const slow = [...results.values()].filter((result) => result.ms >= CASE_LIMIT_MS || result.peakRss >= GIB);
    expect(slow.map((result) => `${result.id}: ${result.ms} ms, ${result.peakRss} B`)).toEqual([]);
    for (const report of reports) expect(report.maxRss).toBeLessThan(GIB);
    const million = results.get(MILLION) as CaseResult;
    expect(million).toMatchObject({ outcome: 'indexed', entries: 1_000_000, complete: true });
    // The figures the README quotes.
    console.log(
      `[hostile-archives] ${cases.length} cases; million entries ${million.ms} ms, peak RSS ${((reports[0]?.maxRss ?? 0) / 2 ** 20) | 0} MiB; others max ${Math.max(...[...results.values()].filter((r) => r.id !== MILLION).map((r) => r.ms))} ms, child peak RSS ${((reports[1]?.maxRss ?? 0) / 2 ** 20) | 0} MiB; total ${[...results.values()].reduce((sum, r) => sum + r.ms, 0)} ms`,
    );
  });

  it('then no rejection went unhandled and no exception escaped', () => {
    for (const report of reports) {
      expect(report.unhandled).toBe(0);
      expect(report.uncaught).toEqual([]);
    }
  });
});

describe('given the host around the corpus', () => {
  it('then the canary tree next to the cases (the targets and the working directory) is byte for byte unchanged', async () => {
    expect(await treeDigest(canary)).toBe(canaryBefore);
    expect(await hostDigest()).toBe(hostBefore);
  });

  it('then no link, device, fifo, socket, hardlink or setuid file exists anywhere under the cases root', async () => {
    const bad: string[] = [];
    for (const entry of await readdir(casesRoot, { recursive: true, withFileTypes: true })) {
      const full = path.join(entry.parentPath, entry.name);
      const stats = await lstat(full);
      if (!stats.isFile() && !stats.isDirectory()) bad.push(`${full}: not a file or folder`);
      if (stats.isFile() && stats.nlink > 1) bad.push(`${full}: ${stats.nlink} links`);
      if ((stats.mode & 0o6000) !== 0) bad.push(`${full}: setuid/setgid`);
    }
    expect(bad).toEqual([]);
  });

  it('then the cases root holds only case folders (and the canary), each with only its documents, and each verifies', async () => {
    const store = new CaseStore({ casesRoot, operator: 'check', toolVersion: 'test' });
    const folders = (await readdir(casesRoot)).filter((name) => name !== path.basename(canary)).sort();
    expect(folders).toContain('corpus');
    for (const folder of folders) {
      const dir = path.join(casesRoot, folder);
      expect((await readdir(dir)).sort(), folder).toEqual([
        'analysis',
        'annotations.jsonl',
        'case.json',
        'custody.jsonl',
        'evidence',
        'manifest.json',
      ]);
      for (const name of await readdir(path.join(dir, 'analysis'))) {
        expect(name, folder).toMatch(/^(index-[\w.-]+\.jsonl|diff\.json)$/);
      }
      // Cut archives are recorded as incomplete acquisitions (kept, never sealed): the only problem allowed.
      const problems = (await store.verify(dir)).problems;
      expect(
        problems.filter((problem) => problem.kind !== 'incomplete'),
        folder,
      ).toEqual([]);
    }
  });
});
