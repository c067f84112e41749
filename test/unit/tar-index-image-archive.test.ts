// docker save archives read in place: layouts, layer order, history, diff_id checks and read-back, with GNU tar-made saves.
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndexEntry } from '../../src/forensics/common/tar-index-model.js';
import { entryContent, readEntrySlice } from '../../src/forensics/node/evidence-file-reader.js';
import {
  ImageArchiveError,
  indexImageLayers,
  readImageArchive,
  type LayerIndex,
} from '../../src/forensics/node/image-archive.js';
import { indexTar } from '../../src/forensics/node/tar-index.js';
import { dockerSave, file as hostileFile, tar as hostileTar } from '../support/hostile-tar.js';
import {
  buildSaveArchive,
  padded,
  removeDir,
  run,
  sha256,
  tempDir,
  ustarHeader,
  type LayerSpec,
  type SavedImage,
} from './tar-index-support.js';

const LAYERS: LayerSpec[] = [
  {
    createdBy: '/bin/sh -c #(nop) ADD file:base in /',
    files: { 'etc/passwd': 'root:x:0:0::/root:/bin/sh\n', 'bin/sh': 'ELF shell', 'var/log/app.log': 'started\n' },
  },
  {
    createdBy: '/bin/sh -c apk add curl && rm /var/log/app.log',
    files: { 'usr/bin/curl': Buffer.alloc(300 * 1024, 7), 'var/log/.wh.app.log': '' },
  },
  {
    createdBy: '/bin/sh -c echo hi > /srv/hello',
    files: { 'srv/hello': 'hi\n', 'srv/.wh..wh..opq': '' },
  },
];

let work: string;
const saves: Record<string, SavedImage> = {};

beforeAll(async () => {
  work = await tempDir('image');
  for (const layout of ['docker', 'oci-gzip', 'docker-and-oci'] as const) {
    saves[layout] = await buildSaveArchive(work, layout, LAYERS, { layout });
  }
}, 60_000);

afterAll(async () => {
  if (work) await removeDir(work);
});

function save(layout: string): SavedImage {
  const found = saves[layout];
  if (found === undefined) throw new Error(`no ${layout} save`);
  return found;
}

function file(layer: LayerIndex, path: string): IndexEntry {
  const found = layer.index.entries.find((entry) => entry.path === path);
  if (found === undefined) throw new Error(`${path} not in layer ${layer.layer.index}`);
  return found;
}

describe.each(['docker', 'oci-gzip', 'docker-and-oci'])('given a %s image archive of three layers', (layout) => {
  it('when read, then the image id is the config hash and the layers come in order with diff_id and Dockerfile instruction', async () => {
    const { file: archiveFile, configSha256, diffIds } = save(layout);
    const archive = await readImageArchive(archiveFile);
    expect(archive.imageId).toBe(`sha256:${configSha256}`);
    expect(archive.layout).toBe(layout === 'docker' ? 'docker' : layout === 'oci-gzip' ? 'oci' : 'docker');
    expect(archive.repoTags).toEqual([`test/${layout}:1`]);
    expect(archive.problems).toEqual([]);
    // History interleaves ENV (empty_layer) entries; they are skipped when matching instructions to layers.
    expect(archive.layers.map((layer) => [layer.index, layer.digest, layer.createdBy])).toEqual(
      LAYERS.map((layer, index) => [index, diffIds[index], layer.createdBy]),
    );
    expect(archive.layers.map((layer) => layer.compression)).toEqual(
      Array(3).fill(layout === 'oci-gzip' ? 'gzip' : 'none'),
    );
  });

  it('when its layers are indexed, then each matches its diff_id and GNU tar’s own index of the layer tar', async () => {
    const { file: archiveFile, layerTars } = save(layout);
    const layers = await indexImageLayers(archiveFile, await readImageArchive(archiveFile));
    expect(layers).toHaveLength(3);
    for (const [index, layer] of layers.entries()) {
      expect(layer.index.problems).toEqual([]);
      expect(layer.index.complete).toBe(true);
      expect(`sha256:${layer.index.sha256}`).toBe(layer.layer.digest);
      // The same tar indexed on its own: identical entries, offsets relative to the layer tar.
      await writeFile(`${work}/alone.tar`, layerTars[index] as Buffer);
      expect(layer.index.entries).toEqual((await indexTar({ file: `${work}/alone.tar` })).entries);
    }
    expect(file(layers[1] as LayerIndex, 'var/log/.wh.app.log').type).toBe('file');
    expect(file(layers[2] as LayerIndex, 'srv/.wh..wh..opq').size).toBe(0);
  });

  it('when a file of a layer is read back by its offset, then its bytes are the original ones (gzip layers are decompressed again)', async () => {
    const { file: archiveFile } = save(layout);
    const layers = await indexImageLayers(archiveFile, await readImageArchive(archiveFile));
    const curlLayer = layers[1] as LayerIndex;
    const curl = file(curlLayer, 'usr/bin/curl');
    const container = { range: curlLayer.layer.range, compression: curlLayer.layer.compression };
    const tail = await readEntrySlice(archiveFile, curl, 200 * 1024, 256 * 1024, { container });
    expect(tail).toMatchObject({ offset: 200 * 1024, totalBytes: 300 * 1024, truncated: false });
    expect(tail.bytes.equals(Buffer.alloc(100 * 1024, 7))).toBe(true);
    const whole: Buffer[] = [];
    for await (const piece of entryContent(archiveFile, curl, { container, offset: 1 })) whole.push(piece);
    expect(Buffer.concat(whole).equals(Buffer.alloc(300 * 1024 - 1, 7))).toBe(true);
    const passwdLayer = layers[0] as LayerIndex;
    const passwd = await readEntrySlice(archiveFile, file(passwdLayer, 'etc/passwd'), 0, 4096, {
      container: { range: passwdLayer.layer.range, compression: passwdLayer.layer.compression },
    });
    expect(passwd.bytes.toString()).toBe('root:x:0:0::/root:/bin/sh\n');
  });
});

describe('given a legacy save where Docker deduplicated two identical layers with a symlink', () => {
  it('when read, then the link is resolved inside the archive and both layers point at the same bytes', async () => {
    const twin = { createdBy: 'COPY same /', files: { same: 'identical layer\n' } };
    const saved = await buildSaveArchive(work, 'dedup', [twin, { ...twin, createdBy: 'COPY same / (again)' }], {
      layout: 'docker',
      linkSecondToFirst: true,
    });
    const archive = await readImageArchive(saved.file);
    expect(archive.problems).toEqual([]);
    expect(archive.layers[1]?.range).toEqual(archive.layers[0]?.range);
    expect(archive.layers[1]?.member).toBe(archive.layers[0]?.member);
    const layers = await indexImageLayers(saved.file, archive);
    expect(layers.map((layer) => layer.index.problems)).toEqual([[], []]);
  });
});

describe('given archives that are not what they claim', () => {
  it('when a layer was altered after the image was built, then its diff_id mismatch is a problem and its entries are still indexed', async () => {
    const saved = await buildSaveArchive(work, 'tampered', LAYERS, { layout: 'docker' });
    const bytes = await readFile(saved.file);
    const archive = await readImageArchive(saved.file);
    const layer = archive.layers[0];
    if (layer === undefined) throw new Error('no layer');
    const alone = await indexTar({
      stream: (async function* () {
        yield bytes.subarray(layer.range.start, layer.range.end);
      })(),
    });
    const passwd = alone.entries.find((entry) => entry.path === 'etc/passwd');
    bytes[layer.range.start + (passwd?.dataOffset ?? 0)] = 0x52; // "root" → "Root"
    await writeFile(saved.file, bytes);
    const [first] = await indexImageLayers(saved.file, await readImageArchive(saved.file));
    expect(first?.index.entries).toHaveLength(alone.entries.length);
    expect(first?.index.problems).toEqual([
      {
        kind: 'digest-mismatch',
        detail: expect.stringMatching(
          new RegExp(`^layer 0 hashes to sha256:[0-9a-f]{64}, but the image config names it ${layer.digest}`),
        ),
      },
    ]);
  });

  it('when manifest.json is 5 MB, then it is refused with a clear error instead of being read', async () => {
    const dir = `${work}/huge-manifest`;
    await run('mkdir', ['-p', dir]);
    await writeFile(`${dir}/manifest.json`, `[${' '.repeat(5 * 1024 * 1024)}]`);
    await run('tar', ['-C', dir, '-cf', `${dir}.tar`, 'manifest.json']);
    await expect(readImageArchive(`${dir}.tar`)).rejects.toThrow(ImageArchiveError);
    await expect(readImageArchive(`${dir}.tar`)).rejects.toThrow(
      /manifest\.json is missing from the archive or too big/,
    );
  });

  it('when the tar has neither manifest.json nor index.json, then it is not taken for an image', async () => {
    const bytes = Buffer.concat([
      ustarHeader({ name: 'random.txt', size: 2, typeflag: '0' }),
      padded(Buffer.from('hi')),
      Buffer.alloc(1024),
    ]);
    await writeFile(`${work}/not-an-image.tar`, bytes);
    await expect(readImageArchive(`${work}/not-an-image.tar`)).rejects.toThrow(
      /neither manifest\.json nor index\.json/,
    );
  });

  it('when a layer is zstd-compressed, then it is named as not indexed rather than misread', async () => {
    const dir = `${work}/zstd`;
    await run('mkdir', ['-p', `${dir}/blobs/sha256`]);
    const layer = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(60)]);
    const layerDigest = sha256(layer);
    await writeFile(`${dir}/blobs/sha256/${layerDigest}`, layer);
    const config = Buffer.from(
      JSON.stringify({
        rootfs: { type: 'layers', diff_ids: [`sha256:${'0'.repeat(64)}`] },
        history: [{ created_by: 'ADD x' }],
      }),
    );
    await writeFile(`${dir}/blobs/sha256/${sha256(config)}`, config);
    await writeFile(
      `${dir}/manifest.json`,
      JSON.stringify([{ Config: `blobs/sha256/${sha256(config)}`, Layers: [`blobs/sha256/${layerDigest}`] }]),
    );
    await run('tar', ['-C', dir, '-cf', `${dir}.tar`, '.']);
    const archive = await readImageArchive(`${dir}.tar`);
    expect(archive.layers).toEqual([]);
    expect(archive.problems).toEqual([
      {
        kind: 'compression',
        detail: 'layer 0 is zstd-compressed, which HoldCell does not decompress: it is not indexed',
      },
    ]);
  });
});

// Found by fuzzing (test/unit/fuzz-tar-index.test.ts): an incomplete save cut inside its manifest.
describe('given a save cut inside manifest.json', () => {
  it('when read, then it is refused with an ImageArchiveError saying the save is incomplete', async () => {
    const saved = dockerSave([{ tar: hostileTar([hostileFile('etc/passwd', 'root:x:0:0::/root:/bin/sh\n')]) }]);
    const cut = saved.bytes.subarray(0, saved.bytes.indexOf('manifest.json') + 512 + 10);
    await writeFile(`${work}/cut-manifest.tar`, cut);
    await expect(readImageArchive(`${work}/cut-manifest.tar`)).rejects.toThrow(
      /^the document manifest\.json is cut short: the archive ends at byte \d+, inside its \d+ bytes \(an incomplete save\)$/,
    );
    await expect(readImageArchive(`${work}/cut-manifest.tar`)).rejects.toBeInstanceOf(ImageArchiveError);
  });
});
