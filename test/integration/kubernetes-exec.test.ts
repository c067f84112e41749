// The adapter's streaming sessions against the stand-in: exit codes from the Status on channel 3 over v5 and v4,
// attach, and a session the server drops without a status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeExec } from '../../src/capture/node/kubernetes-api.js';
import { SCENE } from '../stand-ins/kube-scene.js';
import { startKubeRig, type KubeRig } from './kubernetes-support.js';

async function drain(session: KubeExec): Promise<string> {
  let text = '';
  for await (const chunk of session.stdout) text += Buffer.from(chunk).toString('utf8');
  return text;
}

describe('exec and attach sessions against the stand-in API server', () => {
  let rig: KubeRig;
  beforeAll(async () => {
    rig = await startKubeRig();
  });
  afterAll(async () => rig.close());

  for (const protocol of ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const) {
    it(`given ${protocol}, when a command exits 3, then the exit code comes from the Status on channel 3 (stand-in)`, async () => {
      rig.standIn.execProtocol = protocol;
      const api = (await rig.clusters()).get('stand-in');
      const session = await api.exec('shop', SCENE.suspect, 'web', ['sh', '-c', 'exit 3']);
      await drain(session);
      expect(await session.result()).toMatchObject({ exitCode: 3, statusReceived: true, protocol });
      expect((await session.result()).message).toMatch(/exit code 3/);
    });
  }

  it('given a command that succeeds, when run, then its output and exit 0 arrive (stand-in)', async () => {
    rig.standIn.execProtocol = 'v5.channel.k8s.io';
    const api = (await rig.clusters()).get('stand-in');
    const session = await api.exec('shop', SCENE.suspect, 'web', ['cat', '/etc/hostname']);
    expect(await drain(session)).toBe(`${SCENE.suspect}\n`);
    expect(await session.result()).toMatchObject({ exitCode: 0, statusReceived: true });
  });

  it('given the server drops the socket mid-output, when the session ends, then no status is claimed (stand-in)', async () => {
    rig.standIn.cutExecAfterBytes = 5;
    try {
      const api = (await rig.clusters()).get('stand-in');
      const session = await api.exec('shop', SCENE.suspect, 'web', ['cat', '/etc/hostname']);
      expect(await drain(session)).toBe(SCENE.suspect.slice(0, 5));
      expect(await session.result()).toMatchObject({ exitCode: null, statusReceived: false });
    } finally {
      rig.standIn.cutExecAfterBytes = undefined;
    }
  });

  it("given attach to a running container, when output arrives, then it is the container's log stream (stand-in)", async () => {
    const api = (await rig.clusters()).get('stand-in');
    const session = await api.exec('shop', SCENE.suspect, 'metrics', undefined);
    expect(session.path).toMatch(/\/attach\?container=metrics&stdout=true&stderr=true$/);
    const iterator = session.stdout[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(Buffer.from(first.value as Uint8Array).toString()).toBe('scrape ok\n');
    session.close();
    expect((await session.result()).statusReceived).toBe(false);
  });
});
