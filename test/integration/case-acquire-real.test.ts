// Real engine bytes into a case: `docker export` over the real socket, and the same export cut or stalled by the fault proxy.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CaseStore } from '../../src/forensics/node/case-store.js';
import { createTestContainer, docker, dockerSocketPath } from '../support/docker-cli.js';
import { startSocketProxy, type SocketProxy } from '../support/socket-proxy.js';
import { removeTree, spec, tempDir } from '../unit/case-fixtures.js';

/** The engine's export endpoint as a byte stream (its own connection: agent false), destroyable like an EngineStream. */
function exportStream(socketPath: string, containerId: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = http.get({ socketPath, path: `/containers/${containerId}/export`, agent: false }, (response) => {
      if (response.statusCode !== 200) reject(new Error(`export answered ${response.statusCode}`));
      else resolve(response);
    });
    request.on('error', reject);
  });
}

/** The same export through the docker CLI, hashed independently of our code. */
function cliExportDigest(containerId: string): Promise<{ sha256: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const child = execFile('docker', ['export', containerId], { encoding: 'buffer', maxBuffer: 512 * 1024 * 1024 });
    const hash = createHash('sha256');
    let bytes = 0;
    child.stdout?.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve({ sha256: hash.digest('hex'), bytes }) : reject(new Error(`exit ${code}`)),
    );
  });
}

describe('a real docker export into a case', () => {
  let containerId: string;
  let expected: { sha256: string; bytes: number };
  let proxy: SocketProxy;
  let root: string;
  let store: CaseStore;

  beforeAll(async () => {
    containerId = await createTestContainer({ name: 'case-export', command: ['true'] });
    expected = await cliExportDigest(containerId);
    proxy = await startSocketProxy({ target: dockerSocketPath() });
  });
  afterAll(async () => {
    await proxy.dispose();
    await docker(['rm', '-f', containerId]);
  });
  beforeEach(async () => {
    root = await tempDir();
    store = new CaseStore({ casesRoot: root, operator: 'responder-1', toolVersion: 'holdcell test' });
    proxy.setMode('pass');
  });
  afterEach(async () => removeTree(root));

  const exportSpec = (id: string) =>
    spec(id, `${id}.tar`, {
      source: { engineId: 'default', endpoint: `unix://${dockerSocketPath()}`, containerId },
    });

  it('given a busybox container, when its export is streamed into a case, then the item is complete and byte-identical to docker export', async () => {
    const recorder = await store.create('exported', { title: '' });
    const item = await recorder.addStream(
      exportSpec('fs-export-ok'),
      await exportStream(dockerSocketPath(), containerId),
    );
    expect(item).toMatchObject({ complete: true, sha256: expected.sha256, bytes: expected.bytes });
    expect((await store.verify(recorder.caseDir)).ok).toBe(true);
    expect((await store.seal(recorder.caseDir)).sealed).toBe(true);
  });

  it('given the connection is cut mid-export by the fault proxy, then the item is incomplete, kept, and the case cannot be sealed', async () => {
    proxy.setMode('cut', { faultAfterBytes: 700_000 });
    const recorder = await store.create('cut', { title: '' });
    const item = await recorder.addStream(exportSpec('fs-export-cut'), await exportStream(proxy.path, containerId));
    expect(item.complete).toBe(false);
    expect(item.bytes).toBeGreaterThan(0);
    expect(item.bytes).toBeLessThan(700_000);
    expect(item.incompleteReason).toBe(`connection reset: ECONNRESET (after ${item.bytes} bytes)`);
    const kept = await readFile(path.join(recorder.caseDir, item.path));
    expect(kept.length).toBe(item.bytes);
    await expect(store.seal(recorder.caseDir)).rejects.toThrow(/incomplete evidence items: fs-export-cut/);
  });

  it('given the engine stalls mid-export, then the idle timeout abandons the stream and closes the connection', async () => {
    const recorder = await store.create('stalled', { title: '' });
    const response = await exportStream(proxy.path, containerId);
    proxy.setMode('stall');
    const started = Date.now();
    const item = await recorder.addStream(exportSpec('fs-export-stall'), response, { idleTimeoutMs: 500 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(item.complete).toBe(false);
    expect(item.incompleteReason).toMatch(/^idle for 500 ms: abandoned/);
    expect(response.destroyed).toBe(true);
  });
});
