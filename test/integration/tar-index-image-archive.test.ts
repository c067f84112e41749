// A real `docker save` and `docker export` indexed in place: layers, history, whiteouts, diff_ids, read-back.
//
// The image is built by the engine from a Dockerfile (ENV and LABEL make empty_layer history entries; RUN makes
// layers, a deleted file a whiteout, a removed-and-recreated folder an opaque marker). Expectations come from the
// engine (`docker image inspect`) and from GNU tar listing each layer member streamed out of the save tar.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastWins } from '../../src/forensics/common/tar-index-view.js';
import type { IndexEntry } from '../../src/forensics/common/tar-index-model.js';
import { readEntrySlice } from '../../src/forensics/node/evidence-file-reader.js';
import {
  indexImageLayers,
  readImageArchive,
  type ImageArchive,
  type LayerIndex,
} from '../../src/forensics/node/image-archive.js';
import { indexTar, type TarIndex } from '../../src/forensics/node/tar-index.js';
import { createTestContainer, docker } from '../support/docker-cli.js';
import { GNU_LIST_FLAGS, gnuListing, parseGnuListing, run } from '../unit/tar-index-support.js';

const RUN_ONE =
  '/bin/sh -c mkdir -p /app/cache && echo hello > /app/greeting && echo gone > /app/temp && echo c > /app/cache/x';
const RUN_TWO =
  '/bin/sh -c rm /app/temp && chmod 4755 /app/greeting && rm -rf /app/cache && mkdir /app/cache && echo fresh > /app/cache/y';
const DOCKERFILE = [
  'FROM holdcell-test/busybox:1',
  'ENV STAGE=one',
  `RUN ${RUN_ONE.slice('/bin/sh -c '.length)}`,
  'LABEL org.holdcell.test=1',
  `RUN ${RUN_TWO.slice('/bin/sh -c '.length)}`,
].join('\n');

let work: string;
let tag: string;
let saveFile: string;
let exportFile: string;
let containerId: string | undefined;
let inspected: { Id: string; RootFS: { Layers: string[] } };
let archive: ImageArchive;
let layers: LayerIndex[];
let exportIndex: TarIndex;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'hc-tarindex-image-'));
  tag = `hc-test-tarindex-${randomBytes(4).toString('hex')}:1`;
  await docker(['build', '-q', '-t', tag, '-'], { input: DOCKERFILE, timeoutMs: 120_000 });
  inspected = (JSON.parse(await docker(['image', 'inspect', tag])) as (typeof inspected)[])[0] as typeof inspected;
  saveFile = path.join(work, 'save.tar');
  await docker(['save', '-o', saveFile, tag]);
  archive = await readImageArchive(saveFile);
  layers = await indexImageLayers(saveFile, archive);

  containerId = await createTestContainer({
    name: 'tarindex-export',
    image: tag,
    args: ['--network', 'none'],
    command: [
      'sh',
      '-c',
      'echo dropped > /tmp/payload && chmod 6755 /tmp/payload && ln -s /etc/shadow /app/s && rm /app/greeting',
    ],
  });
  await docker(['start', containerId]);
  await docker(['wait', containerId]);
  exportFile = path.join(work, 'export.tar');
  await docker(['export', '-o', exportFile, containerId]);
  exportIndex = await indexTar({ file: exportFile });
}, 180_000);

afterAll(async () => {
  if (containerId) await docker(['rm', '-f', containerId]).catch(() => undefined);
  if (tag) await docker(['rmi', '-f', tag]).catch(() => undefined);
  if (work) await rm(work, { recursive: true, force: true });
});

function layer(index: number): LayerIndex {
  const found = layers[index];
  if (found === undefined) throw new Error(`no layer ${index}`);
  return found;
}

function entry(entries: readonly IndexEntry[], path: string): IndexEntry {
  const found = lastWins(entries).byPath.get(path);
  if (found === undefined) throw new Error(`${path} is not indexed`);
  return found;
}

describe('given an image the engine built from a Dockerfile (ENV, RUN, LABEL, RUN), saved with docker save', () => {
  it('when read in place, then the image id and layer digests are the ones the engine reports', () => {
    expect(archive.problems).toEqual([]);
    expect(archive.layout).toBe('docker');
    expect(archive.imageId).toBe(inspected.Id);
    expect(archive.repoTags).toEqual([tag]);
    expect(archive.layers.map((item) => item.digest)).toEqual(inspected.RootFS.Layers);
  });

  it('then each layer carries its RUN instruction: ENV and LABEL made no layer and are skipped', () => {
    // The base layer came from `docker import`, whose history entry has a comment and no instruction.
    expect(archive.layers.map((item) => item.createdBy)).toEqual([undefined, RUN_ONE, RUN_TWO]);
  });

  it('when the layers are indexed as nested streams, then each hashes to its diff_id and lists what GNU tar lists', async () => {
    for (const item of layers) {
      expect(item.index.problems).toEqual([]);
      expect(item.index.complete).toBe(true);
      expect(`sha256:${item.index.sha256}`).toBe(item.layer.digest);
      const { stdout } = await run('sh', [
        '-c',
        `tar -xOf "$0" "$1" | tar ${GNU_LIST_FLAGS.join(' ')} -f -`,
        saveFile,
        item.layer.member,
      ]);
      expect(item.index.entries.map((found) => found.path)).toEqual(parseGnuListing(stdout).map((line) => line.path));
    }
  });

  it('then the second RUN layer holds the whiteout of the deleted file, the opaque marker of the recreated folder, and the setuid bit', () => {
    const entries = layer(2).index.entries;
    expect(entry(entries, 'app/.wh.temp')).toMatchObject({ type: 'file', size: 0 });
    expect(entry(entries, 'app/cache/.wh..wh..opq')).toMatchObject({ type: 'file', size: 0 });
    expect(entry(entries, 'app/greeting').mode).toBe(0o4755);
    expect(entry(entries, 'app/cache/y').size).toBe(6);
  });

  it('then a file of a layer reads back by layer start plus its offset, without extracting anything', async () => {
    const first = layer(1);
    const slice = await readEntrySlice(saveFile, entry(first.index.entries, 'app/greeting'), 0, 4096, {
      container: { range: first.layer.range, compression: first.layer.compression },
    });
    expect(slice.bytes.toString()).toBe('hello\n');
    const base = layer(0);
    const busybox = entry(base.index.entries, 'bin/busybox');
    const head = await readEntrySlice(saveFile, busybox, 0, 4, {
      container: { range: base.layer.range, compression: 'none' },
    });
    expect([...head.bytes]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
  });
});

describe('given a container of that image changed by its command, exported with docker export', () => {
  it('when indexed, then it lists exactly what GNU tar lists, complete, and shows the changes as they are', async () => {
    const listing = await gnuListing(exportFile);
    expect(exportIndex.problems).toEqual([]);
    expect(exportIndex.complete).toBe(true);
    expect(exportIndex.entries.map((found) => found.path)).toEqual(listing.map((line) => line.path));
    expect(entry(exportIndex.entries, 'tmp/payload').mode).toBe(0o6755);
    expect(entry(exportIndex.entries, 'app/s')).toMatchObject({ type: 'symlink', linkTarget: '/etc/shadow' });
    expect(lastWins(exportIndex.entries).byPath.has('app/greeting')).toBe(false);
    const payload = await readEntrySlice(exportFile, entry(exportIndex.entries, 'tmp/payload'), 0, 100);
    expect(payload.bytes.toString()).toBe('dropped\n');
  });

  it('then the image’s files in the export have the same content hashes as in their layers', () => {
    const base = lastWins(layer(0).index.entries).byPath;
    const exported = lastWins(exportIndex.entries).byPath;
    expect(exported.get('bin/busybox')?.sha256).toBe(base.get('bin/busybox')?.sha256);
    expect(exported.get('app/cache/y')?.sha256).toBe(
      lastWins(layer(2).index.entries).byPath.get('app/cache/y')?.sha256,
    );
  });
});
