// Given a real dockerd, the capture service lists containers with their risks and follows them live, across outages.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ContainerChange } from '../../src/capture/common/capture.contract.js';
import { ContainerCatalog } from '../../src/capture/node/container-catalog.js';
import { DockerEngine } from '../../src/capture/node/docker-engine.js';
import { EngineRegistry } from '../../src/capture/node/engine-registry.js';
import {
  createTestContainer,
  docker,
  dockerPsAllIds,
  dockerSocketPath,
  removeTestContainers,
  TEST_IMAGES,
} from '../support/docker-cli.js';
import { startSocketProxy, type SocketProxy } from '../support/socket-proxy.js';

const call = () => ({ signal: new AbortController().signal, progress: () => undefined });

describe('the container catalog on the real engine', () => {
  const catalog = new ContainerCatalog(
    new EngineRegistry([new DockerEngine('default', { kind: 'unix', socketPath: dockerSocketPath() })]),
  );
  let risky: string;
  let tame: string;
  beforeAll(async () => {
    await removeTestContainers();
    risky = await createTestContainer({
      name: 'risky',
      args: [
        '--privileged',
        '--pid',
        'host',
        '--ipc',
        'host',
        '--network',
        'host',
        '--cap-add',
        'SYS_PTRACE',
        '-v',
        `${dockerSocketPath()}:/var/run/docker.sock:ro`,
      ],
      command: ['sleep', '600'],
    });
    tame = await createTestContainer({
      name: 'tame',
      image: TEST_IMAGES.debian,
      args: ['--user', '65534:65534', '--network', 'none'],
      command: ['true'],
    });
  });
  afterAll(async () => removeTestContainers());

  it('given containers on the engine, when I list them, then the ids are exactly those of docker ps -a', async () => {
    const listing = await catalog.listContainers({}, call());
    expect(listing.engines).toMatchObject([
      { engineId: 'default', state: 'connected', endpoint: `unix://${dockerSocketPath()}` },
    ]);
    expect(listing.containers.map((c) => c.id).sort()).toEqual((await dockerPsAllIds()).sort());
  });

  it('given a risky and a tame container, then their badges come from their real configuration', async () => {
    const { containers } = await catalog.listContainers({}, call());
    const byId = new Map(containers.map((c) => [c.id, c]));
    expect(byId.get(risky)?.risks.map((risk) => risk.kind)).toEqual([
      'privileged',
      'host-network',
      'host-pid',
      'host-ipc',
      'root-user',
      'docker-socket',
      'added-capabilities',
    ]);
    expect(byId.get(tame)).toMatchObject({ image: TEST_IMAGES.debian, state: 'created', risks: [] });
    expect(byId.get(tame)?.name).toMatch(/^hc-test-tame-/);
    // The engine's own creation time, nanoseconds and all, kept as a string.
    expect(byId.get(tame)?.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,9}Z$/);
    expect(byId.get(tame)?.created).toBe((await docker(['inspect', '-f', '{{.Created}}', tame])).trim());
  });

  it('given a watch, then a snapshot comes first and each start, pause and removal follows from the event stream', async () => {
    const changes: ContainerChange[] = [];
    const controller = new AbortController();
    void catalog.watchContainers({}, { signal: controller.signal, emit: (change) => changes.push(change) });
    await vi.waitFor(() => expect(changes.some((c) => c.type === 'snapshot')).toBe(true), { timeout: 10_000 });
    const live = await createTestContainer({
      name: 'live',
      args: ['--network', 'none'],
      command: ['sleep', '600'],
      start: true,
    });
    await docker(['pause', live]);
    await vi.waitFor(
      () =>
        expect(
          changes.some((c) => c.type === 'upsert' && c.container.id === live && c.container.state === 'paused'),
        ).toBe(true),
      { timeout: 10_000 },
    );
    await docker(['rm', '-f', live]);
    await vi.waitFor(() => expect(changes.some((c) => c.type === 'remove' && c.id === live)).toBe(true), {
      timeout: 10_000,
    });
    controller.abort();
  });

  it('given an unknown engine id, then the error names the field and the configured engines', async () => {
    await expect(catalog.listContainers({ engineId: 'prod' }, call())).rejects.toMatchObject({
      code: 'NOT_FOUND',
      field: 'engineId',
      message: 'No engine "prod" is configured (configured: default)',
    });
  });
});

describe('an engine behind a failing connection (fault proxy in front of the real socket)', () => {
  let proxy: SocketProxy;
  let catalog: ContainerCatalog;
  beforeAll(async () => {
    proxy = await startSocketProxy({ target: dockerSocketPath() });
    catalog = new ContainerCatalog(
      new EngineRegistry([new DockerEngine('default', { kind: 'unix', socketPath: proxy.path })]),
      {
        reconnectDelayMs: { first: 100, max: 400 },
      },
    );
  });
  afterAll(async () => {
    await proxy.dispose();
    await removeTestContainers();
  });

  it('given the engine refuses connections, then the listing names the endpoint and the cause instead of failing', async () => {
    proxy.setMode('refuse');
    const listing = await catalog.listContainers({}, call());
    expect(listing.containers).toEqual([]);
    expect(listing.engines[0]?.state).toBe('unreachable');
    expect(listing.engines[0]?.error).toContain(`Docker engine at unix://${proxy.path}`);
    proxy.setMode('pass');
  });

  it('given the engine stalls, then the listing gives up with a timeout instead of hanging', async () => {
    proxy.setMode('stall');
    const started = Date.now();
    const listing = await catalog.listContainers({}, call());
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(listing.engines[0]?.error).toMatch(/did not answer in time/);
    proxy.setMode('pass');
  });

  it('given a watch when the engine dies and returns, then it reports the outage and resumes with a fresh snapshot', async () => {
    const changes: ContainerChange[] = [];
    const controller = new AbortController();
    void catalog.watchContainers({}, { signal: controller.signal, emit: (change) => changes.push(change) });
    await vi.waitFor(() => expect(changes.filter((c) => c.type === 'snapshot')).toHaveLength(1), { timeout: 10_000 });

    await proxy.stop();
    await vi.waitFor(
      () => expect(changes.some((c) => c.type === 'engine' && c.engine.state === 'unreachable')).toBe(true),
      { timeout: 10_000 },
    );
    const meanwhile = await createTestContainer({ name: 'meanwhile', command: ['true'] });
    await proxy.start();
    await vi.waitFor(
      () => {
        const snapshots = changes.filter((c) => c.type === 'snapshot');
        expect(snapshots.length).toBeGreaterThanOrEqual(2);
        expect(
          snapshots.at(-1)?.type === 'snapshot' && snapshots.at(-1)?.containers.some((c) => c.id === meanwhile),
        ).toBe(true);
      },
      { timeout: 15_000 },
    );
    controller.abort();
  });
});
