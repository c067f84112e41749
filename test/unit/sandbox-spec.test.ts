// The sandbox's create body, name and file-mode reading: what a responder relies on before any engine is asked.
import { describe, expect, it } from 'vitest';
import {
  caseShortName,
  hardenedCreateBody,
  InspectConfig,
  isExecutableMode,
  isSymlinkMode,
  sandboxName,
  type SandboxBodyInput,
} from '../../src/capture/common/sandbox-spec.js';

const SOURCE = 'c26ccfb4c56e0123456789abcdef0123456789abcdef0123456789abcdef0123';
const input: SandboxBodyInput = {
  imageId: `sha256:${'ab'.repeat(32)}`,
  caseId: 'a38738c9-d7fa-438b-8c1e-37cbb38264e5',
  caseDir: '/cases/incident-7',
  sourceContainerId: SOURCE,
  idleCommand: ['/bin/sleep', '2147483647'],
  init: true,
  imageVolumes: [],
};

describe('the hardened create body', () => {
  it('given an idle sandbox, then it has no network, no capabilities, no privileges, a read-only root and limits', () => {
    const { body } = hardenedCreateBody(input);
    expect(body).toMatchObject({
      Image: input.imageId,
      NetworkDisabled: true,
      Entrypoint: ['/bin/sleep', '2147483647'],
      Cmd: null,
      Healthcheck: { Test: ['NONE'] },
      Labels: {
        'org.holdcell.case': input.caseId,
        'org.holdcell.sandbox': '1',
        'org.holdcell.source-container': SOURCE,
        'org.holdcell.case-dir': '/cases/incident-7',
        'org.holdcell.sandbox-mode': 'idle',
      },
      HostConfig: {
        NetworkMode: 'none',
        CapDrop: ['ALL'],
        CapAdd: [],
        SecurityOpt: ['no-new-privileges:true'],
        Privileged: false,
        ReadonlyRootfs: true,
        PidsLimit: 256,
        Memory: 536_870_912,
        MemorySwap: 536_870_912,
        NanoCpus: 1_000_000_000,
        Binds: [],
        Mounts: [],
        Devices: [],
        AutoRemove: false,
        Init: true,
      },
    });
    const tmpfs = (body['HostConfig'] as { Tmpfs: Record<string, string> }).Tmpfs;
    expect(Object.keys(tmpfs).sort()).toEqual(['/run', '/scratch', '/tmp']);
    for (const options of Object.values(tmpfs)) expect(options).toMatch(/noexec.*nosuid.*nodev/);
  });

  it('given detonate, then the image keeps its own entrypoint and command but nothing of the hardening goes', () => {
    const idle = hardenedCreateBody(input);
    const detonated = hardenedCreateBody({ ...input, idleCommand: undefined });
    expect(detonated.body).not.toHaveProperty('Entrypoint');
    expect(detonated.body).not.toHaveProperty('Cmd');
    expect(detonated.body['HostConfig']).toEqual(idle.body['HostConfig']);
    expect((detonated.body['Labels'] as Record<string, string>)['org.holdcell.sandbox-mode']).toBe('detonate');
    expect(detonated.hardening.at(-1)).toMatch(/^detonate: /);
    expect(idle.hardening.at(-1)).toBe('entrypoint replaced by idle command: /bin/sleep 2147483647');
  });

  it('given an image that declares volumes, then each is covered by a tmpfs so Docker creates no host volume', () => {
    const { body, hardening } = hardenedCreateBody({ ...input, imageVolumes: ['/tmp', '/var/lib/data'] });
    const tmpfs = (body['HostConfig'] as { Tmpfs: Record<string, string> }).Tmpfs;
    expect(tmpfs['/var/lib/data']).toMatch(/^rw,noexec,nosuid,nodev,size=/);
    expect(tmpfs['/tmp']).toBe('rw,noexec,nosuid,nodev,size=64m');
    expect(hardening.filter((line) => line.startsWith('image volume'))).toEqual([
      'image volume /var/lib/data covered by an empty tmpfs (no host-backed volume)',
    ]);
  });

  it('given an engine without an init binary, then Init is not asked for and not claimed', () => {
    const { body, hardening } = hardenedCreateBody({ ...input, init: false });
    expect(body['HostConfig']).not.toHaveProperty('Init');
    expect(hardening.some((line) => line.includes('init'))).toBe(false);
  });
});

describe('the sandbox name', () => {
  it('given a case id, then the name is holdcell-sandbox-<case short>-<container id12>', () => {
    expect(sandboxName(input.caseId, SOURCE)).toBe('holdcell-sandbox-a38738c9-c26ccfb4c56e');
  });

  it('given a hostile case id, then only container-name characters survive', () => {
    expect(caseShortName('../Evil\u202eCase\n')).toBe('evil-cas');
    expect(caseShortName('...')).toBe('case');
    expect(sandboxName('--x', SOURCE)).toMatch(/^holdcell-sandbox-x-c26ccfb4c56e$/);
  });
});

describe('file modes from the archive stat', () => {
  it("given the modes dockerd reports (Go's os.FileMode), then executables, links and directories are told apart", () => {
    expect(isExecutableMode(0o755)).toBe(true); // /usr/bin/sleep
    expect(isExecutableMode(0o644)).toBe(false);
    expect(isSymlinkMode(134_218_239)).toBe(true); // /bin/sh -> /bin/busybox
    expect(isExecutableMode(134_218_239)).toBe(false);
    expect(isExecutableMode(2 ** 31 + 0o755)).toBe(false); // a directory
    expect(isSymlinkMode(2 ** 31 + 0o755)).toBe(false);
  });
});

describe('reading inspect JSON', () => {
  it('given nulls where Docker writes nulls, then labels, volumes, entrypoint and command are empty, not missing', () => {
    const parsed = InspectConfig.parse({
      Id: 'sha256:1',
      Config: { Labels: null, Volumes: null, Entrypoint: null, Cmd: ['sh'] },
    });
    expect(parsed.Config).toEqual({ Labels: {}, Volumes: [], Entrypoint: [], Cmd: ['sh'], User: '' });
    expect(InspectConfig.parse({ Id: 'x', Config: { Volumes: { '/b': {}, '/a': {} } } }).Config.Volumes).toEqual([
      '/a',
      '/b',
    ]);
  });
});
