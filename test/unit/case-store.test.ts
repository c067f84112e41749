// A case folder from creation to seal: its layout, what recording evidence writes, and what a sealed case refuses.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { lstat, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContractError } from '../../src/contract/envelope.js';
import { CaseJson, CustodyRecord, Manifest } from '../../src/forensics/common/case-model.js';
import { CaseService } from '../../src/forensics/node/case-service.js';
import { chunked, newStore, realTar, removeTree, SOURCE, spec, tempDir, tickingClock } from './case-fixtures.js';

const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');
const run = promisify(execFile);
const mode = async (file: string): Promise<number> => (await stat(file)).mode & 0o777;
const context = { signal: new AbortController().signal, progress: () => undefined };

async function custodyRecords(caseDir: string): Promise<CustodyRecord[]> {
  const text = await readFile(path.join(caseDir, 'custody.jsonl'), 'utf8');
  return text
    .trimEnd()
    .split('\n')
    .map((line) => CustodyRecord.parse(JSON.parse(line)));
}

async function rejection(promise: Promise<unknown>): Promise<ContractError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ContractError);
  return error as ContractError;
}

describe('case store', () => {
  let root: string;
  beforeEach(async () => {
    root = await tempDir();
  });
  afterEach(async () => removeTree(root));

  it('given a new case, then the folder has the documented layout and a custody log vouching for both documents', async () => {
    const recorder = await newStore(root).create('incident-42', { title: 'web-1 cryptominer' });
    expect(recorder.caseDir).toBe(path.join(root, 'incident-42'));
    expect((await readdir(recorder.caseDir)).sort()).toEqual([
      'analysis',
      'annotations.jsonl',
      'case.json',
      'custody.jsonl',
      'evidence',
      'manifest.json',
    ]);
    expect(await readFile(path.join(recorder.caseDir, 'annotations.jsonl'), 'utf8')).toBe('');
    const caseBytes = await readFile(path.join(recorder.caseDir, 'case.json'));
    const caseJson = CaseJson.parse(JSON.parse(caseBytes.toString('utf8')));
    expect(caseJson).toMatchObject({
      format: 'holdcell-case/1',
      title: 'web-1 cryptominer',
      createdAt: '2026-01-02T03:04:05.000Z',
      operator: 'responder-1',
      toolVersion: 'holdcell test',
    });
    expect(recorder.caseId).toBe(caseJson.caseId);
    const manifestBytes = await readFile(path.join(recorder.caseDir, 'manifest.json'));
    expect(Manifest.parse(JSON.parse(manifestBytes.toString('utf8')))).toEqual({
      format: 'holdcell-manifest/1',
      caseId: caseJson.caseId,
      items: [],
    });
    const records = await custodyRecords(recorder.caseDir);
    expect(records.map((r) => [r.action, r.sha256])).toEqual([
      ['case.create', sha256(caseBytes)],
      ['manifest.write', sha256(manifestBytes)],
    ]);
  });

  it('given case folder names, then absolute paths are kept, relative ones go under the cases root, bad ones are refused', async () => {
    const store = newStore(root);
    expect(store.resolveDir('/srv/cases/x')).toBe('/srv/cases/x');
    expect(store.resolveDir('team/x')).toBe(path.join(root, 'team/x'));
    expect((await rejection(Promise.resolve().then(() => store.resolveDir('')))).code).toBe('BAD_INPUT');
    expect((await rejection(Promise.resolve().then(() => store.resolveDir('a\0b')))).message).toMatch(/NUL/);
  });

  it('given folders that are not cases, then open and create say so instead of writing into them', async () => {
    const store = newStore(root);
    const missing = await rejection(store.open('nowhere'));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toBe(`no case folder at ${path.join(root, 'nowhere')}`);

    await mkdir(path.join(root, 'holiday-photos'));
    await writeFile(path.join(root, 'holiday-photos', 'beach.jpg'), 'jpeg');
    expect((await rejection(store.open('holiday-photos'))).message).toMatch(
      /is not a HoldCell case \(it has no case.json\)/,
    );
    expect((await rejection(store.openOrCreate('holiday-photos'))).message).toMatch(/exists and is not empty/);
    expect((await rejection(store.create('holiday-photos', { title: '' }))).code).toBe('BAD_INPUT');
    expect(await readdir(path.join(root, 'holiday-photos'))).toEqual(['beach.jpg']);

    await store.create('taken', { title: '' });
    expect((await rejection(store.create('taken', { title: '' }))).message).toMatch(/is already a case/);
  });

  it('given openOrCreate called twice at once for a new folder, then one case is created and both recorders share it', async () => {
    const store = newStore(root);
    const [a, b] = await Promise.all([store.openOrCreate('race'), store.openOrCreate('race')]);
    expect(a.caseId).toBe(b.caseId);
    expect((await custodyRecords(a.caseDir)).filter((r) => r.action === 'case.create')).toHaveLength(1);
    const again = await newStore(root).openOrCreate(path.join(root, 'race'));
    expect(again.caseId).toBe(a.caseId);
  });

  it('given engine JSON added, then it is stored exactly as given and recorded: evidence.add, manifest, manifest.write', async () => {
    const recorder = await newStore(root).create('json', { title: '' });
    const inspect = { Id: 'c0ffee', Name: '/suspect', Config: { Image: 'nginx', Env: ['A=1'] }, State: { Pid: 42 } };
    const item = await recorder.addJson(
      spec('inspect-c0ffee', 'inspect.json', { kind: 'container-inspect', format: 'json' }),
      inspect,
    );

    const stored = await readFile(path.join(recorder.caseDir, 'evidence', 'inspect.json'), 'utf8');
    expect(stored).toBe(`${JSON.stringify(inspect, null, 2)}\n`);
    expect(item).toMatchObject({
      id: 'inspect-c0ffee',
      path: 'evidence/inspect.json',
      format: 'json',
      sha256: sha256(stored),
      bytes: Buffer.byteLength(stored),
      complete: true,
      source: SOURCE,
      operator: 'responder-1',
      toolVersion: 'holdcell test',
    });
    expect(await mode(path.join(recorder.caseDir, 'evidence', 'inspect.json'))).toBe(0o444);

    const manifestBytes = await readFile(path.join(recorder.caseDir, 'manifest.json'));
    expect(Manifest.parse(JSON.parse(manifestBytes.toString('utf8'))).items).toEqual([item]);
    const records = await custodyRecords(recorder.caseDir);
    const [add, write] = records.slice(-2);
    expect(add).toMatchObject({
      action: 'evidence.add',
      target: { engineId: 'default', containerId: SOURCE.containerId, itemId: 'inspect-c0ffee' },
      params: { bytes: item.bytes, complete: true, path: 'evidence/inspect.json' },
      outcome: 'ok',
      sha256: item.sha256,
    });
    expect(write).toMatchObject({ action: 'manifest.write', sha256: sha256(manifestBytes), params: { items: 1 } });
    expect(await recorder.items()).toEqual([item]);
  });

  it('given the same acquisitions in two cases with the same clock, then evidence and manifest bytes are identical', async () => {
    const tar = await realTar({ 'etc/hostname': 'web-1\n' });
    const build = async (name: string) => {
      const recorder = await newStore(root, tickingClock()).create(name, { title: 'same' });
      await recorder.addStream(spec('fs-export-1', 'fs.tar'), chunked(tar, 1000));
      await recorder.addJson(spec('inspect-1', 'inspect.json', { kind: 'container-inspect', format: 'json' }), {
        b: 1,
        a: [2, 3],
      });
      const manifest = await readFile(path.join(recorder.caseDir, 'manifest.json'), 'utf8');
      return manifest.replaceAll(recorder.caseId, '<case>');
    };
    expect(await build('one')).toBe(await build('two'));
    expect(await readFile(path.join(root, 'one/evidence/fs.tar'))).toEqual(
      await readFile(path.join(root, 'two/evidence/fs.tar')),
    );
  });

  it('given unsafe or duplicate evidence names, then nothing is written and the source stream is released', async () => {
    const recorder = await newStore(root).create('names', { title: '' });
    await recorder.addJson(spec('first', 'first.json', { format: 'json' }), { ok: true });
    for (const [badSpec, pattern] of [
      [spec('a', '../escape.tar'), /contains a path separator/],
      [spec('b', '..'), /contains "\.\."/],
      [spec('c', 'nul\0.tar'), /NUL/],
      [spec('d', 'sub\\x.tar'), /path separator/],
      [spec('first', 'other.json'), /already exists in case/],
      [spec('e', 'first.json'), /already exists in evidence\/; evidence is never overwritten/],
      [spec('Bad_Id', 'x.tar'), /lowercase letters/],
      [spec('manifest', 'x.tar'), /reserved/],
    ] as const) {
      let destroyed = false;
      const stream = Object.assign(chunked(Buffer.from('data')), { destroy: () => (destroyed = true) });
      const error = await rejection(recorder.addStream(badSpec, stream));
      expect(error.code, badSpec.fileName).toBe('BAD_INPUT');
      expect(error.message).toMatch(pattern);
      expect(destroyed, badSpec.fileName).toBe(true);
    }
    expect((await readdir(path.join(recorder.caseDir, 'evidence'))).sort()).toEqual(['first.json']);
    expect(await readdir(root)).toEqual(['names']);
    expect((await recorder.items()).map((item) => item.id)).toEqual(['first']);
  });

  it('given a complete case sealed, then it is read-only, refuses writers, and still verifies from a copy elsewhere', async () => {
    const store = newStore(root);
    const recorder = await store.create('to-seal', { title: '' });
    await recorder.addStream(spec('fs-export-1', 'fs.tar'), chunked(await realTar({ 'a.txt': 'a' })));
    const summary = await store.seal('to-seal');

    expect(summary.sealed).toBe(true);
    const records = await custodyRecords(recorder.caseDir);
    const lines = (await readFile(path.join(recorder.caseDir, 'custody.jsonl'), 'utf8')).trimEnd().split('\n');
    expect(records.at(-1)?.action).toBe('case.seal');
    expect(summary.case.sealed).toEqual({
      at: records.at(-1)?.at,
      custodyRecords: records.length,
      custodyHead: sha256(lines.at(-1) ?? ''),
      manifestSha256: sha256(await readFile(path.join(recorder.caseDir, 'manifest.json'))),
    });
    for (const file of ['case.json', 'manifest.json', 'custody.jsonl', 'annotations.jsonl', 'evidence/fs.tar']) {
      expect(await mode(path.join(recorder.caseDir, file)), file).toBe(0o444);
    }
    for (const dir of ['.', 'evidence', 'analysis'])
      expect(await mode(path.join(recorder.caseDir, dir)), dir).toBe(0o555);

    expect((await rejection(store.open('to-seal'))).message).toMatch(/^case is sealed/);
    expect((await rejection(store.openOrCreate('to-seal'))).code).toBe('FAILED');
    expect((await rejection(recorder.record({ action: 'note', outcome: 'ok' }))).message).toMatch(/^case is sealed/);
    expect((await rejection(recorder.addJson(spec('late', 'late.json'), {}))).message).toMatch(/^case is sealed/);
    expect((await rejection(store.seal('to-seal'))).message).toMatch(/sealed already/);
    expect((await custodyRecords(recorder.caseDir)).length).toBe(records.length);

    // Another machine: a copy in another place, a store with another root and operator, no engine anywhere.
    const elsewhere = await tempDir('hc-other-machine-');
    try {
      await run('cp', ['-a', recorder.caseDir, path.join(elsewhere, 'copied')]);
      const other = newStore(path.join(elsewhere, 'unrelated-root'));
      const report = await other.verify(path.join(elsewhere, 'copied'));
      expect(report).toEqual({
        caseDir: path.join(elsewhere, 'copied'),
        ok: true,
        itemsChecked: 1,
        custodyRecordsChecked: records.length,
        problems: [],
      });
      expect((await other.summary(path.join(elsewhere, 'copied'))).items).toEqual(summary.items);
    } finally {
      await removeTree(elsewhere);
    }
  });

  it('given cases under the root, then list shows them newest first and skips folders that are not cases', async () => {
    const store = newStore(root, tickingClock());
    await store.create('older', { title: 'first' });
    await store.create('newer', { title: 'second' });
    await mkdir(path.join(root, 'not-a-case'));
    await store.seal('older');
    const listing = await store.list();
    expect(listing.map((c) => [path.basename(c.caseDir), c.title, c.sealed])).toEqual([
      ['newer', 'second', false],
      ['older', 'first', true],
    ]);
    expect(await newStore(path.join(root, 'absent')).list()).toEqual([]);
  });

  it('given the forensics service, then it creates, opens, pages custody, verifies and seals through the contract shapes', async () => {
    const service = new CaseService(newStore(root));
    const created = await service.createCase(
      { caseDir: 'svc', title: 'via service', operator: 'night-shift' },
      context,
    );
    expect(created).toMatchObject({ sealed: false, complete: true, custodyRecords: 2, items: [] });
    expect(created.case.operator).toBe('night-shift');
    const recorder = await newStore(root).open('svc');
    for (let index = 0; index < 5; index += 1)
      await recorder.record({ action: 'step', params: { index }, outcome: 'ok' });

    const page1 = await service.custodyLog({ caseDir: 'svc', offset: 0, limit: 3 }, context);
    expect(page1.records.map((r) => r.seq)).toEqual([0, 1, 2]);
    expect(page1).toMatchObject({ total: 7, nextOffset: 3 });
    const page3 = await service.custodyLog({ caseDir: 'svc', offset: 6, limit: 3 }, context);
    expect(page3.records.map((r) => r.seq)).toEqual([6]);
    expect(page3.nextOffset).toBeUndefined();

    const progress: number[] = [];
    await recorder.addJson(spec('one', 'one.json', { format: 'json' }), [1]);
    const report = await service.verifyCase(
      { caseDir: 'svc' },
      { signal: new AbortController().signal, progress: (p) => progress.push(p.done) },
    );
    expect(report.ok).toBe(true);
    expect(progress).toEqual([1]);
    expect((await service.sealCase({ caseDir: 'svc' }, context)).sealed).toBe(true);
    expect((await service.openCase({ caseDir: 'svc' }, context)).items.map((i) => i.id)).toEqual(['one']);
    expect((await service.listCases({}, context)).map((c) => c.title)).toEqual(['via service']);
    expect((await lstat(path.join(root, 'svc'))).isDirectory()).toBe(true);
  });
});
