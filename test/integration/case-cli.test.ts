// `holdcell verify` and `holdcell case seal` from a shell (built CLI, no engine involved): exit codes and what they print.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CaseStore } from '../../src/forensics/node/case-store.js';
import { chunked, realTar, removeTree, spec, tempDir } from '../unit/case-fixtures.js';
import { runHoldcell } from '../support/holdcell-cli.js';

// No engine: DOCKER_HOST points nowhere, so any engine call would fail loudly.
const holdcell = (args: string[], env: Record<string, string>) =>
  runHoldcell(args, { env: { DOCKER_HOST: 'unix:///run/holdcell-no-engine.sock', ...env }, timeoutMs: 30_000 });

describe('holdcell verify / case seal from a shell', () => {
  let root: string;
  let env: Record<string, string>;
  beforeEach(async () => {
    root = await tempDir();
    env = { HOLDCELL_CASES: root, HOLDCELL_OPERATOR: 'shell-responder' };
  });
  afterEach(async () => removeTree(root));

  async function makeCase(name: string, complete: boolean) {
    const store = new CaseStore({ casesRoot: root, operator: 'capture', toolVersion: 'holdcell test' });
    const recorder = await store.create(name, { title: name });
    const tar = await realTar({ 'etc/hostname': 'web-1\n' });
    const item = await recorder.addStream(
      spec('fs-export-3f2a1b9c0d11', 'fs.tar'),
      chunked(complete ? tar : tar.subarray(0, 1536)),
    );
    return { dir: recorder.caseDir, item };
  }

  it('given a pristine case, then verify exits 0; given a flipped byte, then it exits 3 naming the item first', async () => {
    const { dir, item } = await makeCase('good', true);
    const ok = await holdcell(['verify', dir], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^verify: OK: 1 evidence item, 4 custody records check out in /);

    const file = path.join(dir, 'evidence/fs.tar');
    const bytes = await readFile(file);
    bytes[10] = (bytes[10] ?? 0) ^ 1;
    await writeFile(file, bytes);
    const bad = await holdcell(['verify', dir], env);
    expect(bad.code).toBe(3);
    expect(bad.stdout.split('\n')[0]).toMatch(
      new RegExp(
        `^verify: FAILED at evidence item fs-export-3f2a1b9c0d11: sha256 mismatch \\(expected ${item.sha256}, got [0-9a-f]{64}\\)$`,
      ),
    );
    const json = await holdcell(['verify', '--json', dir], env);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      itemsChecked: 1,
      problems: [{ subject: 'fs-export-3f2a1b9c0d11' }],
    });
  });

  it('given an incomplete case, then case seal exits non-zero with the reason; a complete one seals', async () => {
    await makeCase('partial', false);
    const refused = await holdcell(['case', 'seal', 'partial'], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/cannot seal .*incomplete evidence items: fs-export-3f2a1b9c0d11/);

    await makeCase('whole', true);
    const sealed = await holdcell(['case', 'seal', 'whole', '--json'], env);
    expect(sealed.code).toBe(0);
    expect(JSON.parse(sealed.stdout)).toMatchObject({ sealed: true, custodyRecords: 5 });
    expect((await holdcell(['verify', 'whole'], env)).code).toBe(0);
  });

  it('given --help, then verify and every case subcommand print their usage', async () => {
    for (const args of [
      ['verify', '--help'],
      ['case', '--help'],
      ['case', 'init', '--help'],
      ['case', 'custody', '--help'],
    ]) {
      const { code, stdout } = await holdcell(args, env);
      expect(code, args.join(' ')).toBe(0);
      expect(stdout).toContain('Usage: holdcell');
    }
  });
});
