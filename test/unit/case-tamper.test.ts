// The tamper matrix: every way a case folder can be altered after acquisition is caught by verify, named precisely.
import { createHash } from 'node:crypto';
import { readFile, rename, rm, stat, symlink, truncate, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CaseRecorder } from '../../src/forensics/common/case-recorder.js';
import type { CaseStore } from '../../src/forensics/node/case-store.js';
import { formatVerifyReport } from '../../src/cli/commands/verify.js';
import { chunked, makeWritable, newStore, realTar, removeTree, spec, tempDir } from './case-fixtures.js';

const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

const FS = 'fs-export-3f2a1b9c0d11';
const INSPECT = 'inspect-3f2a1b9c0d11';
const LOGS = 'logs-3f2a1b9c0d11';

describe('verify: the tamper matrix', () => {
  let root: string;
  let store: CaseStore;
  let recorder: CaseRecorder;
  let dir: string;
  const file = (name: string): string => path.join(dir, name);

  async function editJson(
    name: string,
    edit: (value: { items: Record<string, unknown>[] } & Record<string, unknown>) => void,
  ) {
    const value = JSON.parse(await readFile(file(name), 'utf8')) as { items: Record<string, unknown>[] };
    edit(value);
    await writeFile(file(name), `${JSON.stringify(value, null, 2)}\n`);
  }

  async function custodyLines(): Promise<string[]> {
    return (await readFile(file('custody.jsonl'), 'utf8')).slice(0, -1).split('\n');
  }

  async function writeCustody(lines: string[]): Promise<void> {
    await writeFile(file('custody.jsonl'), lines.map((line) => `${line}\n`).join(''));
  }

  async function problems() {
    const report = await store.verify(dir);
    expect(report.ok).toBe(report.problems.length === 0);
    return report.problems.map(({ subject, kind }) => ({ subject, kind }));
  }

  beforeEach(async () => {
    root = await tempDir();
    store = newStore(root);
    recorder = await store.create('web-1', { title: 'web-1 compromise' });
    dir = recorder.caseDir;
    await recorder.record({
      action: 'engine.pause',
      target: { engineId: 'default', containerId: 'c0ffee' },
      outcome: 'ok',
    });
    const tar = await realTar({ 'etc/passwd': 'root:x:0:0::/root:/bin/sh\n', 'tmp/.x/miner': Buffer.alloc(20000, 7) });
    await recorder.addStream(spec(FS, 'fs-export.tar'), chunked(tar, 3000));
    await recorder.addJson(spec(INSPECT, 'inspect.json', { kind: 'container-inspect', format: 'json' }), {
      Id: 'c0ffee',
      State: { Pid: 4242 },
    });
    await recorder.addStream(
      spec(LOGS, 'logs.txt', { kind: 'container-logs', format: 'text' }),
      chunked(Buffer.from('GET /shell.php 200\nGET /shell.php?cmd=id 200\n')),
    );
  });
  afterEach(async () => removeTree(root));

  it('given an untouched case, then every item and record checks out', async () => {
    const report = await store.verify(dir);
    expect(report).toEqual({ caseDir: dir, ok: true, itemsChecked: 3, custodyRecordsChecked: 9, problems: [] });
    expect(formatVerifyReport(report)).toEqual([`verify: OK: 3 evidence items, 9 custody records check out in ${dir}`]);
  });

  it('given one flipped byte in the export, then verify names that item with both hashes', async () => {
    const bytes = await readFile(file('evidence/fs-export.tar'));
    const expected = sha256(bytes);
    bytes[777] = (bytes[777] ?? 0) ^ 0x01;
    await writeFile(file('evidence/fs-export.tar'), bytes);
    const report = await store.verify(dir);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      { subject: FS, kind: 'hash-mismatch', detail: `sha256 mismatch (expected ${expected}, got ${sha256(bytes)})` },
    ]);
    expect(formatVerifyReport(report)[0]).toBe(
      `verify: FAILED at evidence item ${FS}: sha256 mismatch (expected ${expected}, got ${sha256(bytes)})`,
    );
  });

  it('given a truncated export, then verify reports it truncated with both sizes', async () => {
    const { size } = await stat(file('evidence/fs-export.tar'));
    await truncate(file('evidence/fs-export.tar'), 5000);
    const report = await store.verify(dir);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatchObject({ subject: FS, kind: 'truncated' });
    expect(report.problems[0]?.detail).toMatch(`evidence/fs-export.tar is truncated: 5000 of ${size} bytes`);
  });

  it('given a deleted item, then verify reports it missing', async () => {
    await unlink(file('evidence/inspect.json'));
    expect(await problems()).toEqual([{ subject: INSPECT, kind: 'missing' }]);
  });

  it('given a renamed item, then it is missing under its name and its bytes are found unlisted under the new one', async () => {
    await rename(file('evidence/logs.txt'), file('evidence/logs-old.txt'));
    const report = await store.verify(dir);
    expect(report.problems).toEqual([
      {
        subject: LOGS,
        kind: 'missing',
        detail: 'evidence/logs.txt is missing (evidence/logs-old.txt holds its exact bytes: renamed?)',
      },
      {
        subject: 'evidence/logs-old.txt',
        kind: 'unlisted-file',
        detail: `evidence/logs-old.txt is a file not in the manifest (it holds the exact bytes of item ${LOGS}: renamed?)`,
      },
    ]);
  });

  it('given an extra file dropped into evidence/, then verify reports it unlisted', async () => {
    await writeFile(file('evidence/planted.sh'), '#!/bin/sh\n');
    expect(await problems()).toEqual([{ subject: 'evidence/planted.sh', kind: 'unlisted-file' }]);
  });

  it('given a manifest item whose sha256 was changed, then the item mismatches and the manifest is edited', async () => {
    await editJson('manifest.json', (m) => {
      (m.items[1] as { sha256: string }).sha256 = 'f'.repeat(64);
    });
    expect(await problems()).toEqual([
      { subject: INSPECT, kind: 'hash-mismatch' },
      { subject: 'manifest', kind: 'manifest-edited' },
      { subject: INSPECT, kind: 'manifest-edited' },
    ]);
  });

  it('given a manifest item whose byte count was changed, then size and manifest problems are both reported', async () => {
    await editJson('manifest.json', (m) => {
      (m.items[2] as { bytes: number }).bytes += 1;
    });
    expect(await problems()).toEqual([
      { subject: LOGS, kind: 'truncated' },
      { subject: 'manifest', kind: 'manifest-edited' },
      { subject: LOGS, kind: 'manifest-edited' },
    ]);
  });

  it('given an item deleted from the manifest, then its file is unlisted and custody still remembers adding it', async () => {
    await editJson('manifest.json', (m) => {
      m.items.splice(0, 1);
    });
    expect(await problems()).toEqual([
      { subject: 'evidence/fs-export.tar', kind: 'unlisted-file' },
      { subject: 'manifest', kind: 'manifest-edited' },
      { subject: FS, kind: 'manifest-edited' },
    ]);
  });

  it('given a file altered and its manifest entry rewritten to match, then custody still catches the edit', async () => {
    const altered = Buffer.from('GET /index.html 200\n');
    await writeFile(file('evidence/logs.txt'), altered);
    await editJson('manifest.json', (m) => {
      Object.assign(m.items[2] as object, { sha256: sha256(altered), bytes: altered.length });
    });
    expect(await problems()).toEqual([
      { subject: 'manifest', kind: 'manifest-edited' },
      { subject: LOGS, kind: 'manifest-edited' },
    ]);
  });

  it('given a removed custody record, then the chain is broken', async () => {
    const lines = await custodyLines();
    expect(JSON.parse(lines[2] ?? '')).toMatchObject({ action: 'engine.pause' });
    await writeCustody([...lines.slice(0, 2), ...lines.slice(3)]);
    expect(await problems()).toEqual([{ subject: 'custody', kind: 'chain-broken' }]);
  });

  it('given two custody records swapped, then the chain is broken', async () => {
    const lines = await custodyLines();
    await writeCustody([lines[0], lines[1], lines[3], lines[2], ...lines.slice(4)] as string[]);
    const found = await problems();
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((p) => p.subject === 'custody' && p.kind === 'chain-broken')).toBe(true);
  });

  it('given a custody record edited in place, then the chain is broken', async () => {
    const lines = await custodyLines();
    lines[2] = (lines[2] ?? '').replace('"operator":"responder-1"', '"operator":"someone-else"');
    await writeCustody(lines);
    expect(await problems()).toEqual([{ subject: 'custody', kind: 'chain-broken' }]);
  });

  it('given a sealed case whose log lost its tail, then verify reports the custody truncated', async () => {
    await store.seal(dir);
    expect((await store.verify(dir)).ok).toBe(true);
    await makeWritable(dir);
    const lines = await custodyLines();
    await writeCustody(lines.slice(0, -1));
    expect(await problems()).toEqual([{ subject: 'custody', kind: 'truncated' }]);
  });

  it('given a sealed case whose last record was edited, then it is no longer the sealed head', async () => {
    await store.seal(dir);
    await makeWritable(dir);
    const lines = await custodyLines();
    lines[lines.length - 1] = (lines.at(-1) ?? '').replace('case sealed', 'case sealed!');
    await writeCustody(lines);
    expect(await problems()).toEqual([{ subject: 'custody', kind: 'chain-broken' }]);
  });

  it('given a sealed case whose seal was removed from case.json, then the seal record in custody betrays it', async () => {
    await store.seal(dir);
    await makeWritable(dir);
    const caseJson = JSON.parse(await readFile(file('case.json'), 'utf8')) as Record<string, unknown>;
    delete caseJson['sealed'];
    await writeFile(file('case.json'), `${JSON.stringify(caseJson, null, 2)}\n`);
    expect(await problems()).toEqual([{ subject: 'case.json', kind: 'invalid' }]);
  });

  it('given case.json edited after creation, then verify says it differs from what case.create vouched for', async () => {
    const caseJson = JSON.parse(await readFile(file('case.json'), 'utf8')) as Record<string, unknown>;
    caseJson['operator'] = 'nobody';
    await writeFile(file('case.json'), `${JSON.stringify(caseJson, null, 2)}\n`);
    expect(await problems()).toEqual([{ subject: 'case.json', kind: 'invalid' }]);
  });

  it('given an item replaced by a symlink to a host file, then it is reported and never followed', async () => {
    await rm(file('evidence/inspect.json'));
    await symlink('/etc/hostname', file('evidence/inspect.json'));
    const report = await store.verify(dir);
    expect(report.problems).toEqual([
      {
        subject: INSPECT,
        kind: 'invalid',
        detail: 'evidence/inspect.json is not a regular file (links are never followed)',
      },
    ]);
  });

  it('given a manifest path pointing outside evidence/, then it is refused without being read', async () => {
    await editJson('manifest.json', (m) => {
      (m.items[0] as { path: string }).path = 'evidence/../case.json';
    });
    const found = await problems();
    expect(found[0]).toEqual({ subject: FS, kind: 'invalid' });
    expect(found).toContainEqual({ subject: 'evidence/fs-export.tar', kind: 'unlisted-file' });
  });

  it('given manifest.json deleted, then verify reports it missing and still checks the custody chain', async () => {
    await unlink(file('manifest.json'));
    const report = await store.verify(dir);
    expect(report.problems.map((p) => [p.subject, p.kind])).toEqual([['manifest', 'missing']]);
    expect(report.custodyRecordsChecked).toBe(9);
  });
});
