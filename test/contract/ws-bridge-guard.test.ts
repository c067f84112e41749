// The WebSocket bridge admits only the page it served: right token, right Origin, right Host, loopback only.
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RENDERER_CSP } from '../../src/host/renderer-assets.js';
import { startWsBridge, type WsBridge } from '../../src/host/ws-bridge.js';
import { connectWsClient } from '../support/ws-client-pipe.js';

function httpGet(port: number, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the WebSocket bridge guarding the host', () => {
  let bridge: WsBridge;
  let connections = 0;
  let origin: string;
  beforeAll(async () => {
    const parent = mkdtempSync(join(tmpdir(), 'holdcell-bridge-'));
    const rendererDir = join(parent, 'renderer');
    mkdirSync(join(rendererDir, 'assets'), { recursive: true });
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>HoldCell</title>');
    writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(parent, 'secret.txt'), 'outside the renderer');
    symlinkSync(join(parent, 'secret.txt'), join(rendererDir, 'link.txt'));
    bridge = await startWsBridge({ rendererDir, onConnection: () => (connections += 1) });
    origin = `http://127.0.0.1:${bridge.port}`;
  });
  afterAll(async () => bridge.close());

  const rpcUrl = (token: string) => `ws://127.0.0.1:${bridge.port}/rpc?token=${encodeURIComponent(token)}`;

  it('given the printed URL, then it points at 127.0.0.1 with a long random token', () => {
    expect(bridge.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${bridge.port}/\\?token=[A-Za-z0-9_-]{43}$`));
  });

  it('given the right token and Origin, then the connection is accepted', async () => {
    const before = connections;
    const client = await connectWsClient(rpcUrl(bridge.token), { Origin: origin });
    client.close();
    expect(connections).toBe(before + 1);
  });

  it('given no token or a wrong one, then the upgrade is refused with 401', async () => {
    await expect(connectWsClient(`ws://127.0.0.1:${bridge.port}/rpc`, { Origin: origin })).rejects.toThrow('HTTP 401');
    await expect(connectWsClient(rpcUrl(`${bridge.token.slice(0, -1)}x`), { Origin: origin })).rejects.toThrow(
      'HTTP 401',
    );
  });

  it('given another Origin (a page on another site, a look-alike, none at all), then the upgrade is refused', async () => {
    for (const foreign of [
      'http://evil.example',
      `http://localhost:${bridge.port}`,
      'null',
      `https://127.0.0.1:${bridge.port}`,
    ]) {
      await expect(connectWsClient(rpcUrl(bridge.token), { Origin: foreign })).rejects.toThrow('HTTP 403');
    }
    await expect(connectWsClient(rpcUrl(bridge.token), {})).rejects.toThrow('HTTP 403');
    expect(bridge.refusals().some((reason) => reason.includes('evil.example'))).toBe(true);
  });

  it('given a DNS-rebinding Host header, then neither the page nor the socket is served', async () => {
    await expect(connectWsClient(rpcUrl(bridge.token), { Origin: origin, Host: 'attacker.example' })).rejects.toThrow(
      'HTTP 403',
    );
    expect((await httpGet(bridge.port, '/', { Host: `attacker.example:${bridge.port}` })).status).toBe(421);
  });

  it('given a page request, then the renderer is served with the strict CSP and nothing outside its folder', async () => {
    const page = await httpGet(bridge.port, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toBe(RENDERER_CSP);
    expect(RENDERER_CSP).toContain("script-src 'self'");
    expect(RENDERER_CSP).not.toContain('unsafe');
    expect((await httpGet(bridge.port, '/assets/app.js')).headers['content-type']).toContain('javascript');
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/link.txt']) {
      const answer = await httpGet(bridge.port, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body).not.toContain('outside the renderer');
    }
  });
});
