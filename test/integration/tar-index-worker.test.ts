// The built diff indexes evidence on a worker thread (where: 'worker') exactly as on the main thread, and says so
// clearly, without hanging, when the worker fails, dies or is cancelled.
//
// The worker script exists only in the build: this test imports the compiled modules (npm run build first). No
// engine is needed. The dying workers are stand-ins (a copy of the build whose worker script exits or throws),
// named as such: a real worker cannot be made to crash on purpose from outside.
import { createReadStream } from 'node:fs';
import { cp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManifestItem } from '../../src/forensics/common/case-model.js';
import { CaseStore } from '../../src/forensics/node/case-store.js';
import type { indexEvidenceItem as IndexEvidenceItem } from '../../src/forensics/node/tar-index-thread.js';
import { indexFileName } from '../../src/forensics/node/tar-index-store.js';
import { dir, file, gnuLong, header, pax, symlink as tarSymlink, tar } from '../support/hostile-tar.js';
import { buildSaveArchive, buildTree, removeDir, run, tempDir } from '../unit/tar-index-support.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DIST = path.join(REPO, 'dist/src');

type IndexItem = typeof IndexEvidenceItem;

async function builtThread(distSrc = DIST): Promise<IndexItem> {
  const module = (await import(path.join(distSrc, 'forensics/node/tar-index-thread.js'))) as {
    indexEvidenceItem: IndexItem;
  };
  return module.indexEvidenceItem;
}

/** A hostile export: climbing and invalid-UTF-8 PAX names, a GNU long link name, then a header with a bad checksum. */
const HOSTILE = tar(
  [
    dir('etc/'),
    file('../../escaped', 'climbs\n'),
    pax([['path', Buffer.from('bad-\xff\xfe-utf8/\u001b[2J', 'latin1')]]),
    file('placeholder', 'pax named'),
    gnuLong('K', '../'.repeat(60)),
    tarSymlink('link', 'x'),
    header({ name: 'broken', size: 10, checksum: 'bad' }),
    file('after-broken', 'never read'),
  ],
  { end: false },
);

const source = { engineId: 'default', endpoint: 'unix:///var/run/docker.sock', containerId: 'c'.repeat(64) };

let work: string;
const items: ManifestItem[] = [];
/** Two cases holding the same evidence: one indexed on the main thread, one on workers. */
const caseDirs = { thread: '', worker: '' };

beforeAll(async () => {
  work = await tempDir('worker');
  await mkdir(`${work}/tree`);
  await buildTree(`${work}/tree`, { devices: false, capability: false, outOfRange: true });
  await run('tar', ['--format=pax', '-C', `${work}/tree`, '-cf', `${work}/export.tar`, '.']);
  const image = await buildSaveArchive(
    work,
    'image',
    [
      { createdBy: 'ADD base /', files: { 'etc/os-release': 'ID=test\n', 'bin/sh': 'shell' } },
      { createdBy: 'RUN rm /bin/sh', files: { 'bin/.wh.sh': '', 'tmp/.x/dropper': 'MZ' } },
    ],
    { layout: 'docker' },
  );
  await writeFile(`${work}/hostile.tar`, HOSTILE);
  await writeFile(`${work}/not-a-save.tar`, tar([file('hello', 'not a docker save')]));
  const store = new CaseStore({ casesRoot: `${work}/cases`, operator: 'responder-1', toolVersion: 'holdcell test' });
  for (const where of ['thread', 'worker'] as const) {
    const caseDir = `${work}/cases/${where}`;
    caseDirs[where] = caseDir;
    const recorder = await store.openOrCreate(caseDir);
    const add = (id: string, kind: ManifestItem['kind'], from: string, imageId?: string) =>
      recorder.addStream(
        { id, kind, fileName: `${id}.tar`, format: 'tar', source: { ...source, ...(imageId ? { imageId } : {}) } },
        createReadStream(from),
      );
    const added = [
      await add('fs-export-1', 'filesystem-export', `${work}/export.tar`),
      await add('image-save-1', 'image-save', image.file, `sha256:${image.configSha256}`),
      await add('fs-export-hostile', 'filesystem-export', `${work}/hostile.tar`),
      await add('image-save-bad', 'image-save', `${work}/not-a-save.tar`),
    ];
    if (where === 'thread') items.push(...added);
  }
}, 120_000);

afterAll(async () => {
  if (work) await removeDir(work);
});

const item = (id: string): ManifestItem => {
  const found = items.find((candidate) => candidate.id === id);
  if (found === undefined) throw new Error(`no item ${id}`);
  return found;
};

describe('given the same evidence in two cases', () => {
  it.each(['fs-export-1', 'image-save-1', 'fs-export-hostile'])(
    'when %s is indexed on a worker and on the main thread, then the stored indexes are byte-identical',
    async (id) => {
      const indexEvidenceItem = await builtThread();
      const progress: number[] = [];
      const onWorker = await indexEvidenceItem(caseDirs.worker, item(id), {
        rebuild: true,
        store: true,
        where: 'worker',
        onProgress: (bytes) => progress.push(bytes),
      });
      const onThread = await indexEvidenceItem(caseDirs.thread, item(id), { rebuild: true, store: true });
      expect(onWorker.where).toBe('worker');
      expect(onThread.where).toBe('thread');
      expect(onWorker.source).toBe('built');
      expect(onWorker.saveProblem).toBeUndefined();
      // What came back through the packed transfer is what the main thread built.
      expect(onWorker.index).toEqual(onThread.index);
      const stored = await readFile(path.join(caseDirs.worker, 'analysis', indexFileName(id)));
      const reference = await readFile(path.join(caseDirs.thread, 'analysis', indexFileName(id)));
      expect(stored.length).toBeGreaterThan(200);
      expect(stored.equals(reference)).toBe(true);
      // And a stored index loaded back on a worker is the same index again.
      const loaded = await indexEvidenceItem(caseDirs.worker, item(id), {
        rebuild: false,
        store: true,
        where: 'worker',
      });
      expect(loaded.source).toBe('loaded');
      expect(loaded.index).toEqual(onThread.index);
    },
    60_000,
  );

  it('when the hostile export is indexed on a worker, then its names are bytes and it stops at the bad header', async () => {
    const indexEvidenceItem = await builtThread();
    const { index } = await indexEvidenceItem(caseDirs.worker, item('fs-export-hostile'), {
      rebuild: true,
      store: false,
      where: 'worker',
    });
    if (index.kind !== 'tar') throw new Error('expected a tar index');
    expect(index.index.entries.map((entry) => entry.path)).toEqual([
      'etc',
      '../../escaped',
      'bad-\xff\xfe-utf8/\u001b[2J',
      'link',
    ]);
    expect(index.index.complete).toBe(false);
    expect(index.index.problems.map((problem) => problem.kind)).toContain('bad-header');
  });
});

describe('given a worker that cannot answer', () => {
  it('when the evidence is not a docker save, then the worker rejects with the same ImageArchiveError as the thread', async () => {
    const indexEvidenceItem = await builtThread();
    const onThread = await indexEvidenceItem(caseDirs.thread, item('image-save-bad'), { rebuild: true, store: false })
      .then(() => undefined)
      .catch((error: unknown) => error as Error);
    const onWorker = await indexEvidenceItem(caseDirs.worker, item('image-save-bad'), {
      rebuild: true,
      store: false,
      where: 'worker',
    }).catch((error: unknown) => error as Error);
    expect(onThread).toBeInstanceOf(Error);
    expect(onWorker).toBeInstanceOf(Error);
    expect((onWorker as Error).name).toBe('ImageArchiveError');
    expect((onWorker as Error).message).toBe((onThread as Error).message);
    expect((onWorker as Error).message.length).toBeGreaterThan(20);
  });

  it('when the evidence file is gone, then the worker rejects with the file in its message', async () => {
    const indexEvidenceItem = await builtThread();
    const gone = { ...item('fs-export-1'), path: 'evidence/missing.tar' };
    await expect(
      indexEvidenceItem(caseDirs.worker, gone, { rebuild: true, store: false, where: 'worker' }),
    ).rejects.toThrow(/ENOENT.*missing\.tar/);
  });

  it('when the diff is cancelled while the worker indexes, then it rejects with the cancel reason', async () => {
    const indexEvidenceItem = await builtThread();
    const controller = new AbortController();
    const pending = indexEvidenceItem(caseDirs.worker, item('fs-export-1'), {
      rebuild: true,
      store: false,
      where: 'worker',
      signal: controller.signal,
    });
    const reason = new Error('the responder cancelled the diff');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  describe('given stand-in builds whose worker script dies (a copy of dist/src with the worker replaced)', () => {
    let copies: string;
    beforeAll(async () => {
      copies = `${work}/builds`;
      // The copies resolve their packages (zod…) through a node_modules link beside them.
      await mkdir(copies, { recursive: true });
      await symlink(path.join(REPO, 'node_modules'), `${copies}/node_modules`);
    });

    async function standIn(name: string, worker: string): Promise<IndexItem> {
      const distSrc = `${copies}/${name}`;
      await cp(DIST, distSrc, { recursive: true });
      await writeFile(path.join(distSrc, 'forensics/node/tar-index-worker.js'), worker);
      return builtThread(distSrc);
    }

    it('when the worker exits without answering, then the diff rejects saying so with its exit code', async () => {
      const indexEvidenceItem = await standIn('exits', '// stand-in: a worker that dies at once\nprocess.exit(7);\n');
      await expect(
        indexEvidenceItem(caseDirs.worker, item('fs-export-1'), { rebuild: true, store: false, where: 'worker' }),
      ).rejects.toThrow('the indexing worker exited (code 7) before it answered');
    });

    it('when the worker throws outside the job, then the diff rejects with that error', async () => {
      const indexEvidenceItem = await standIn(
        'throws',
        "// stand-in: a worker that fails to start\nthrow new Error('worker could not load its modules');\n",
      );
      await expect(
        indexEvidenceItem(caseDirs.worker, item('fs-export-1'), { rebuild: true, store: false, where: 'worker' }),
      ).rejects.toThrow('worker could not load its modules');
    });
  });
});

afterAll(async () => {
  if (work) await rm(`${work}/builds`, { recursive: true, force: true });
});
