// Proves the real-Docker test rig itself: the imported images, the CLI helpers and the fault-injecting socket proxy.
import { execFile } from 'node:child_process';
import http from 'node:http';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  TEST_IMAGES,
  TEST_LABEL,
  TEST_LABEL_KEY,
  createTestContainer,
  docker,
  dockerPsAllIds,
  dockerSocketPath,
  removeTestContainers,
} from '../support/docker-cli.js';
import { startSocketProxy } from '../support/socket-proxy.js';
import type { SocketProxy } from '../support/socket-proxy.js';

const run = promisify(execFile);

interface PingResult {
  status: number;
  body: string;
}

/** A real HTTP request over a unix socket; agent: false gives each request its own connection. */
function get(socketPath: string, path: string, signal?: AbortSignal): Promise<PingResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath, path, method: 'GET', agent: false, ...(signal ? { signal } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

afterAll(async () => {
  await removeTestContainers();
});

describe('the test images a responder investigates', () => {
  it('given setup.sh ran, then both test images exist and carry the test label', async () => {
    for (const image of Object.values(TEST_IMAGES)) {
      const label = await docker([
        'image',
        'inspect',
        '--format',
        `{{index .Config.Labels "${TEST_LABEL_KEY}"}}`,
        image,
      ]);
      expect(label.trim(), image).toBe('1');
    }
  });

  it('given a busybox container is created and started, when we list containers, then it is there running; when removed, it is gone', async () => {
    const id = await createTestContainer({
      name: 'rig-busybox',
      args: ['--network', 'none'],
      command: ['sleep', '300'],
      start: true,
    });
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(await dockerPsAllIds()).toContain(id);

    const [running, name, label] = (
      await docker([
        'inspect',
        '--format',
        `{{.State.Running}} {{.Name}} {{index .Config.Labels "${TEST_LABEL_KEY}"}}`,
        id,
      ])
    )
      .trim()
      .split(' ');
    expect(running).toBe('true');
    expect(name).toMatch(/^\/hc-test-rig-busybox-[0-9a-f]{8}$/);
    expect(label).toBe('1');

    // The image's non-root user exists, so tests can run workloads as nobody.
    expect(await docker(['exec', id, 'id', '-u', 'nobody'])).toBe('65534\n');

    expect(await removeTestContainers()).toBeGreaterThanOrEqual(1);
    expect(await dockerPsAllIds()).not.toContain(id);
  });

  it('given the debian image, then it holds a real dpkg database, checked inside the engine without extracting anything to the host', async () => {
    // dpkg-query reads /var/lib/dpkg/status; if the file were missing or fake it would list nothing.
    const out = await docker([
      'run',
      '--rm',
      '--network',
      'none',
      '--label',
      TEST_LABEL,
      TEST_IMAGES.debian,
      // "$@" hands the format through untouched, so the shell never expands dpkg's ${Package} fields.
      'sh',
      '-c',
      'test -f /var/lib/dpkg/status && exec dpkg-query "$@"',
      'sh',
      '-W',
      '-f',
      '${Package} ${Status}\n',
      'bash',
      'dpkg',
    ]);
    expect(out).toContain('bash install ok installed');
    expect(out).toContain('dpkg install ok installed');
  });

  it('given the debian image, when a container of it is exported, then the tar stream lists var/lib/dpkg/status', async () => {
    const id = await createTestContainer({ name: 'rig-debian', image: TEST_IMAGES.debian });
    // Listing only (tar -t): the archive is read as a stream and nothing lands on the host filesystem.
    const { stdout } = await run('bash', ['-o', 'pipefail', '-c', `docker export ${id} | tar -t`], {
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(stdout.split('\n')).toContain('var/lib/dpkg/status');
  });
});

describe('the socket proxy that breaks engine streams on purpose', () => {
  let proxy: SocketProxy;

  beforeAll(async () => {
    proxy = await startSocketProxy({ target: dockerSocketPath() });
  });

  afterAll(async () => {
    await proxy.dispose();
  });

  it('given pass mode, when we GET /_ping through the proxy, then dockerd answers OK', async () => {
    proxy.setMode('pass');
    const res = await get(proxy.path, '/_ping');
    expect(res).toEqual({ status: 200, body: 'OK' });
  });

  it('given refuse mode, when we connect, then the connection is closed at once and no request gets through', async () => {
    proxy.setMode('refuse');
    await expect(get(proxy.path, '/_ping')).rejects.toThrow(/socket hang up|ECONNRESET|EPIPE/);
    // Earlier connections finish closing asynchronously; the refused one must never have been counted.
    await vi.waitFor(() => expect(proxy.connections()).toBe(0));
    proxy.setMode('pass');
    await expect(get(proxy.path, '/_ping')).resolves.toEqual({ status: 200, body: 'OK' });
  });

  it('given stall mode, when a request waits on an AbortSignal, then it times out within about a second instead of hanging', async () => {
    proxy.setMode('stall');
    const started = Date.now();
    await expect(get(proxy.path, '/_ping', AbortSignal.timeout(1000))).rejects.toMatchObject({
      name: expect.stringMatching(/AbortError|TimeoutError/),
    });
    expect(Date.now() - started).toBeLessThan(2500);
    proxy.setMode('pass');
    await expect(get(proxy.path, '/_ping')).resolves.toEqual({ status: 200, body: 'OK' });
  });

  it('given stall mode, when the stall is lifted, then the held engine bytes arrive intact', async () => {
    proxy.setMode('stall');
    const pending = get(proxy.path, '/_ping');
    await new Promise((r) => setTimeout(r, 300));
    expect(proxy.connections()).toBeGreaterThanOrEqual(1);
    proxy.setMode('pass');
    await expect(pending).resolves.toEqual({ status: 200, body: 'OK' });
  });

  it('given a stalled connection, when cutAll() fires, then the client sees the connection die', async () => {
    proxy.setMode('stall');
    const pending = get(proxy.path, '/_ping');
    await new Promise((r) => setTimeout(r, 300));
    proxy.cutAll();
    await expect(pending).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(proxy.connections()).toBe(0); // cutAll drops them synchronously
    proxy.setMode('pass');
  });

  it('given cut mode after 20 bytes, when we GET /_ping, then the response is cut mid-headers', async () => {
    proxy.setMode('cut', { faultAfterBytes: 20 });
    await expect(get(proxy.path, '/_ping')).rejects.toThrow(/socket hang up|ECONNRESET|Parse Error/);
    proxy.setMode('pass');
  });

  it('given corrupt mode at the first body byte, when we GET /_ping, then the body differs from what the engine sent', async () => {
    const clean = await get(proxy.path, '/_ping');
    // Find the body's offset from a raw response: headers end at the blank line; "OK" follows it.
    const raw = await rawPing(proxy.path);
    const bodyAt = raw.indexOf('\r\n\r\n') + 4;
    proxy.setMode('corrupt', { faultAfterBytes: bodyAt });
    const res = await get(proxy.path, '/_ping');
    proxy.setMode('pass');
    expect(res.status).toBe(200);
    expect(res.body).not.toBe(clean.body);
    expect(res.body.length).toBe(clean.body.length);
  });

  it('given the engine socket goes away and comes back, then requests fail meanwhile and succeed afterwards', async () => {
    await proxy.stop();
    await expect(get(proxy.path, '/_ping')).rejects.toThrow(/ENOENT|ECONNREFUSED/);
    await proxy.start();
    await expect(get(proxy.path, '/_ping')).resolves.toEqual({ status: 200, body: 'OK' });
  });
});

/** GET /_ping as raw bytes (headers included) through the proxy, to locate offsets for corruption. */
async function rawPing(socketPath: string): Promise<string> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const sock = net.createConnection({ path: socketPath });
    const chunks: Buffer[] = [];
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    sock.on('error', reject);
    sock.write('GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n');
  });
}
