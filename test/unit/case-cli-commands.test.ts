// `holdcell verify` and `holdcell case …` as command functions (no build needed): output, JSON, exit codes.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerCase } from '../../src/cli/commands/case.js';
import { registerVerify } from '../../src/cli/commands/verify.js';
import { caseDirArgument, EXIT_VERIFY_FAILED } from '../../src/cli/run.js';
import { chunked, realTar, removeTree, spec, tempDir } from './case-fixtures.js';
import { CaseStore } from '../../src/forensics/node/case-store.js';

interface Run {
  stdout: string;
  exitCode: number;
  error?: Error;
}

/** Runs one command line through the real command registrations, capturing what it prints and the exit code. */
async function holdcell(args: string[]): Promise<Run> {
  const program = new Command().name('holdcell').exitOverride();
  registerVerify(program);
  registerCase(program);
  let stdout = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  process.exitCode = 0;
  try {
    await program.parseAsync(['node', 'holdcell', ...args]);
    return { stdout, exitCode: Number(process.exitCode ?? 0) };
  } catch (error) {
    return { stdout, exitCode: Number(process.exitCode ?? 0), error: error as Error };
  } finally {
    write.mockRestore();
    process.exitCode = 0;
  }
}

describe('holdcell verify and case commands', () => {
  let root: string;
  const savedEnv = { cases: process.env['HOLDCELL_CASES'], operator: process.env['HOLDCELL_OPERATOR'] };

  beforeEach(async () => {
    root = await tempDir();
    process.env['HOLDCELL_CASES'] = root;
    process.env['HOLDCELL_OPERATOR'] = 'cli-responder';
  });
  afterEach(async () => {
    for (const [key, value] of [
      ['HOLDCELL_CASES', savedEnv.cases],
      ['HOLDCELL_OPERATOR', savedEnv.operator],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await removeTree(root);
  });

  async function caseWithExport(name: string) {
    const store = new CaseStore({ casesRoot: root, operator: 'capture', toolVersion: 'holdcell test' });
    const recorder = await store.create(name, { title: 'from capture' });
    const item = await recorder.addStream(spec('fs-export-3f2a', 'fs.tar'), chunked(await realTar({ x: 'y' })));
    return { dir: recorder.caseDir, item };
  }

  it('given case init with a name, then the case is created under the cases root by the configured operator', async () => {
    const run = await holdcell(['case', 'init', 'incident-7', '--title', 'web-1', '--json']);
    expect(run.error).toBeUndefined();
    const summary = JSON.parse(run.stdout) as { caseDir: string; case: { operator: string; title: string } };
    expect(summary.caseDir).toBe(path.join(root, 'incident-7'));
    expect(summary.case).toMatchObject({ operator: 'cli-responder', title: 'web-1' });
  });

  it('given a pristine case, then verify exits 0 and says OK', async () => {
    const { dir } = await caseWithExport('good');
    const run = await holdcell(['verify', dir]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe(`verify: OK: 1 evidence item, 4 custody records check out in ${dir}\n`);
  });

  it('given a flipped byte, then verify exits 3 and names the broken item first', async () => {
    const { dir, item } = await caseWithExport('flipped');
    const file = path.join(dir, 'evidence/fs.tar');
    const bytes = await readFile(file);
    bytes[3] = (bytes[3] ?? 0) ^ 4;
    await writeFile(file, bytes);
    await writeFile(path.join(dir, 'evidence/extra.bin'), 'x');

    const run = await holdcell(['verify', dir]);
    expect(run.exitCode).toBe(EXIT_VERIFY_FAILED);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      new RegExp(
        `^verify: FAILED at evidence item fs-export-3f2a: sha256 mismatch \\(expected ${item.sha256}, got [0-9a-f]{64}\\)$`,
      ),
    );
    expect(lines[1]).toBe('  also evidence/extra.bin: evidence/extra.bin is a file not in the manifest');
    expect(lines[2]).toBe(`verify: 2 problems in ${dir} (1 evidence item, 4 custody records checked)`);

    const json = await holdcell(['verify', dir, '--json']);
    expect(json.exitCode).toBe(EXIT_VERIFY_FAILED);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      problems: [{ kind: 'hash-mismatch' }, { kind: 'unlisted-file' }],
    });
  });

  it('given a case with an incomplete item, then case seal fails with the item id and the case stays open', async () => {
    const store = new CaseStore({ casesRoot: root, operator: 'capture', toolVersion: 'holdcell test' });
    const recorder = await store.create('partial', { title: '' });
    await recorder.addStream(spec('fs-export-cut', 'cut.tar'), chunked(Buffer.alloc(700, 1)));
    const run = await holdcell(['case', 'seal', 'partial']);
    expect(run.error?.message).toMatch(/cannot seal .*incomplete evidence items: fs-export-cut/);
    const show = await holdcell(['case', 'show', 'partial']);
    expect(show.stdout).toMatch(/^state {5}open; incomplete items: fs-export-cut \(cannot be sealed\)$/m);
    expect(show.stdout).toMatch(
      /fs-export-cut\s+filesystem-export\s+700\s+[0-9a-f]{64}\s+no: stream ended after 700 bytes/,
    );
  });

  it('given a complete case, then case seal seals it and case custody lists every record ending with the seal', async () => {
    await caseWithExport('done');
    const sealed = await holdcell(['case', 'seal', 'done', '--json']);
    expect(sealed.error).toBeUndefined();
    expect(JSON.parse(sealed.stdout)).toMatchObject({ sealed: true });
    const custody = await holdcell(['case', 'custody', 'done', '--json']);
    const { records, total } = JSON.parse(custody.stdout) as {
      records: { action: string; operator: string }[];
      total: number;
    };
    expect(total).toBe(5);
    expect(records.map((r) => r.action)).toEqual([
      'case.create',
      'manifest.write',
      'evidence.add',
      'manifest.write',
      'case.seal',
    ]);
    expect(records.at(-1)?.operator).toBe('cli-responder');
    const table = await holdcell(['case', 'custody', 'done']);
    expect(table.stdout.split('\n')[0]).toMatch(/^SEQ\s+AT\s+OPERATOR\s+ACTION\s+OUTCOME\s+TARGET\s+DETAIL$/);
    expect(table.stdout).toMatch(/\n4\s+\S+Z\s+cli-responder\s+case\.seal\s+ok\s+-\s+case sealed/);
  });

  it('given hostile text in a case title, then case show prints it escaped', async () => {
    await holdcell(['case', 'init', 'hostile', '--title', 'evil\u001b]52;c;x\u0007\u202etxt']);
    const show = await holdcell(['case', 'show', 'hostile']);
    expect(show.stdout).toContain('"evil\\x1b]52;c;x\\x07\\u{202e}txt"');
    expect(show.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
  });

  it('given no such case, then verify fails with NOT_FOUND naming the folder', async () => {
    const run = await holdcell(['verify', 'nope']);
    expect(run.error?.message).toBe(`no case folder at ${path.join(root, 'nope')}`);
  });

  it('given paths as a person types them, then ./x is here, a bare name is under the cases root', () => {
    expect(caseDirArgument('./x')).toBe(path.resolve('x'));
    expect(caseDirArgument('../x')).toBe(path.resolve('..', 'x'));
    expect(caseDirArgument('x')).toBe('x');
    expect(caseDirArgument('/abs/x')).toBe('/abs/x');
  });
});
