// `holdcell ps` from a shell: the same containers as `docker ps -a`, safe text, and a clear failure when the engine is gone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContainer, dockerPsAllIds, removeTestContainers } from '../support/docker-cli.js';
import { runHoldcell } from '../support/holdcell-cli.js';

const holdcell = (args: string[]) => runHoldcell(args, { timeoutMs: 30_000 });

describe('holdcell ps', () => {
  beforeAll(async () => {
    await removeTestContainers();
    await createTestContainer({ name: 'listed', command: ['true'] });
    await createTestContainer({ name: 'listed-too', args: ['--privileged'], command: ['true'] });
  });
  afterAll(async () => removeTestContainers());

  it('given the local engine, when I run ps --json, then the ids are those of docker ps -a', async () => {
    const { code, stdout } = await holdcell(['ps', '--json']);
    expect(code).toBe(0);
    const listing = JSON.parse(stdout) as {
      containers: { id: string; risks: { kind: string }[] }[];
      engines: unknown[];
    };
    expect(listing.containers.map((c) => c.id).sort()).toEqual((await dockerPsAllIds()).sort());
    expect(listing.engines).toHaveLength(1);
  });

  it('given the local engine, when I run ps, then a table lists short ids and risk kinds without control bytes', async () => {
    const { code, stdout } = await holdcell(['ps']);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toMatch(/^CONTAINER ID\s+NAME\s+IMAGE\s+STATE\s+CREATED\s+RISKS$/);
    expect(stdout).toMatch(/hc-test-listed-too-\w+\s+holdcell-test\/busybox:1\s+created\s+\S+\s+privileged,root-user/);
    expect(stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });

  it('given an engine that is not there, then ps exits 2 and says which endpoint it tried and why', async () => {
    const { code, stderr } = await holdcell(['ps', '--host', 'unix:///run/holdcell-no-such.sock']);
    expect(code).toBe(2);
    expect(stderr).toContain('Docker engine at unix:///run/holdcell-no-such.sock is not reachable');
    expect(stderr).toContain('does not exist');
  });

  it('given --help on every command, then each prints its usage', async () => {
    for (const args of [['--help'], ['ps', '--help'], ['serve', '--help']]) {
      const { code, stdout } = await holdcell(args);
      expect(code, args.join(' ')).toBe(0);
      expect(stdout).toContain('Usage: holdcell');
    }
  });
});
