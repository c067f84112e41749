// Syscall capture of a pod through an ephemeral debug container, against the stand-in API server running real strace.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PodCaptures } from '../../src/capture/node/kubernetes-capture.js';
import { SCENE } from '../stand-ins/kube-scene.js';
import { runHoldcell } from '../support/holdcell-cli.js';
import { callContext, startKubeRig, type KubeRig } from './kubernetes-support.js';

const ref = { clusterId: 'stand-in', namespace: SCENE.namespace, name: SCENE.suspect };

describe('pod capture through an ephemeral container against the stand-in API server', () => {
  let rig: KubeRig;
  let captures: PodCaptures;

  beforeAll(async () => {
    rig = await startKubeRig();
    captures = new PodCaptures({
      clusters: rig.clusters,
      openCase: rig.cases.openOrCreate,
      defaultImage: 'holdcell-test/tracer:1',
    });
  });
  afterAll(async () => rig.close());

  it('given a running suspect, when captured for 2 s, then strace from an ephemeral SYS_PTRACE-only container is a hashed trace item (stand-in)', async () => {
    const caseDir = join(rig.dir, 'capture');
    const result = await captures.capturePod({ ref, caseDir, seconds: 2 }, callContext());
    expect(result).toMatchObject({
      targetContainer: 'web',
      stoppedBy: 'duration',
      complete: true,
      image: 'holdcell-test/tracer:1',
    });
    expect(result.command).toEqual([
      'timeout',
      '-s',
      'INT',
      '2',
      'strace',
      '-f',
      '-ttt',
      '-yy',
      '-s',
      '4096',
      '-p',
      '1',
    ]);

    // The ephemeral container was added through the subresource with a strategic merge patch, ptrace and nothing else.
    const patch = rig.standIn.requests.find((entry) => entry.path.endsWith('/ephemeralcontainers'));
    expect(patch).toMatchObject({
      method: 'PATCH',
      contentType: 'application/strategic-merge-patch+json',
      status: 200,
    });
    const [container] = (patch?.body as { spec: { ephemeralContainers: Record<string, unknown>[] } }).spec
      .ephemeralContainers;
    expect(container).toMatchObject({
      name: result.ephemeralContainer,
      targetContainerName: 'web',
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'], add: ['SYS_PTRACE'] },
      },
    });

    // Real strace output of the suspect's real process: its loop forks and runs cat on /etc/hostname.
    const [item] = result.items;
    expect(item).toMatchObject({ kind: 'syscall-trace', complete: true, flags: ['ephemeral-container', 'strace'] });
    const trace = readFileSync(join((await rig.cases.open(caseDir)).caseDir, item?.path ?? '')).toString('utf8');
    expect(trace).toMatch(/^(\d+ +)?\d{10}\.\d{6} [a-z_0-9]+\(/m);
    expect(trace).toContain('execve(');
    expect(trace).toContain('/etc/hostname');

    const custody = await (await rig.cases.open(caseDir)).custody();
    expect(custody.map((record) => record.action)).toEqual(
      expect.arrayContaining(['capture.start', 'kubernetes.ephemeral.create', 'capture.stop']),
    );
    expect(custody.find((record) => record.action === 'capture.stop')?.sha256).toBe(item?.sha256);

    const replay = await runHoldcell([
      'replay',
      join((await rig.cases.open(caseDir)).caseDir, item?.path ?? ''),
      '--json',
    ]);
    expect(replay.code).toBe(0);
    const replayed = JSON.parse(replay.stdout) as { processes: { argv: string[] }[] };
    expect(replayed.processes.some((process) => process.argv.includes('/etc/hostname'))).toBe(true);
  });

  it('given a container that does not exist or is not running, when captured, then the error says so and nothing is added (stand-in)', async () => {
    const patches = rig.standIn.requests.filter((entry) => entry.path.endsWith('/ephemeralcontainers')).length;
    await expect(
      captures.capturePod({ ref, caseDir: join(rig.dir, 'capture-bad'), seconds: 1, container: 'nope' }, callContext()),
    ).rejects.toThrow(/has no container "nope"/);
    expect(rig.standIn.requests.filter((entry) => entry.path.endsWith('/ephemeralcontainers')).length).toBe(patches);
  });

  it('given the CLI, when `holdcell capture pod/…` runs, then it reports the ephemeral container and exits 0 (stand-in)', async () => {
    const run = await runHoldcell(
      [
        'capture',
        `pod/shop/${SCENE.suspect}`,
        '--case',
        join(rig.dir, 'capture-cli'),
        '--seconds',
        '1',
        '--image',
        'holdcell-test/tracer:1',
      ],
      { env: { KUBECONFIG: rig.kubeconfig } },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/through ephemeral container holdcell-trace-[0-9a-f]{8} \(holdcell-test\/tracer:1\)/);
  });
});
