// The sandbox as data: the hardened Docker create body for an evidence copy, its name, labels and idle/shell choices.
import { z } from 'zod';

export const LABEL_CASE = 'org.holdcell.case';
export const LABEL_SANDBOX = 'org.holdcell.sandbox';
export const LABEL_SOURCE_CONTAINER = 'org.holdcell.source-container';
/** Where the case lives on the host that started the sandbox, so terminal sessions land in its custody log. */
export const LABEL_CASE_DIR = 'org.holdcell.case-dir';
/** "idle" or "detonate": what the sandbox runs. */
export const LABEL_SANDBOX_MODE = 'org.holdcell.sandbox-mode';

const MIB = 1024 * 1024;

export const SANDBOX_LIMITS = {
  pids: 256,
  memoryBytes: 512 * MIB,
  /** One CPU. */
  nanoCpus: 1_000_000_000,
} as const;

/** Writable scratch space: tmpfs only, never executable, so a dropped binary cannot be run from it. */
export const SANDBOX_TMPFS: Readonly<Record<string, string>> = {
  '/tmp': 'rw,noexec,nosuid,nodev,size=64m',
  '/run': 'rw,noexec,nosuid,nodev,size=16m',
  '/scratch': 'rw,noexec,nosuid,nodev,size=64m',
};
/** Mount options for tmpfs laid over the image's declared volumes (see hardenedCreateBody). */
const VOLUME_TMPFS = 'rw,noexec,nosuid,nodev,size=16m';

/** About 68 years: the largest value both coreutils and busybox `sleep` accept as plain seconds. */
export const IDLE_SECONDS = '2147483647';

export interface ProgramChoice {
  /** The path whose presence in the image's filesystem makes this choice usable. */
  probe: string;
  command: string[];
}

/** Idle commands, tried in order against the image's filesystem without running anything. */
export const IDLE_COMMANDS: readonly ProgramChoice[] = [
  { probe: '/bin/sleep', command: ['/bin/sleep', IDLE_SECONDS] },
  { probe: '/usr/bin/sleep', command: ['/usr/bin/sleep', IDLE_SECONDS] },
  { probe: '/bin/busybox', command: ['/bin/busybox', 'sleep', IDLE_SECONDS] },
  { probe: '/usr/bin/busybox', command: ['/usr/bin/busybox', 'sleep', IDLE_SECONDS] },
];

/** Terminal shells, first present wins. */
export const TERMINAL_SHELLS: readonly ProgramChoice[] = [
  { probe: '/bin/bash', command: ['/bin/bash'] },
  { probe: '/bin/sh', command: ['/bin/sh'] },
  { probe: '/bin/busybox', command: ['/bin/busybox', 'sh'] },
];

/** The parts of an image's or container's inspect JSON the sandbox relies on; everything else is passed over. */
export const InspectConfig = z.object({
  Id: z.string(),
  Config: z
    .object({
      Labels: z
        .record(z.string(), z.string())
        .nullish()
        .transform((labels) => labels ?? {}),
      Volumes: z
        .record(z.string(), z.unknown())
        .nullish()
        .transform((volumes) => Object.keys(volumes ?? {}).sort()),
      Entrypoint: z
        .array(z.string())
        .nullish()
        .transform((entrypoint) => entrypoint ?? []),
      Cmd: z
        .array(z.string())
        .nullish()
        .transform((cmd) => cmd ?? []),
      User: z.string().default(''),
    })
    .nullish()
    .transform((config) => config ?? { Labels: {}, Volumes: [], Entrypoint: [], Cmd: [], User: '' }),
});
export type InspectConfig = z.infer<typeof InspectConfig>;

/** Container names allow [a-zA-Z0-9][a-zA-Z0-9_.-]+; a case id may hold anything, so keep a short safe form of it. */
export function caseShortName(caseId: string): string {
  const safe = caseId
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+/, '')
    .slice(0, 8)
    .replace(/[._-]+$/, '');
  return safe === '' ? 'case' : safe;
}

export function sandboxName(caseId: string, sourceContainerId: string): string {
  return `holdcell-sandbox-${caseShortName(caseId)}-${sourceContainerId.slice(0, 12)}`;
}

/** Go's os.FileMode type bits as the archive API reports them in its path stat. */
const GO_MODE_TYPE_BITS = [31, 27, 26, 25, 24, 21, 19] as const;
const GO_MODE_SYMLINK_BIT = 27;

function hasBit(mode: number, bit: number): boolean {
  // 1 << 31 is negative in JavaScript; plain arithmetic keeps every bit position honest.
  return Math.floor(mode / 2 ** bit) % 2 === 1;
}

export function isSymlinkMode(mode: number): boolean {
  return hasBit(mode, GO_MODE_SYMLINK_BIT);
}

/** A regular file with at least one execute bit. */
export function isExecutableMode(mode: number): boolean {
  return GO_MODE_TYPE_BITS.every((bit) => !hasBit(mode, bit)) && (mode & 0o111) !== 0;
}

export interface SandboxBodyInput {
  /** Image id (content address) to run: never a tag, which anyone can move. */
  imageId: string;
  caseId: string;
  caseDir: string;
  sourceContainerId: string;
  /** The idle command; undefined means detonate (the image's own Entrypoint/Cmd run, still hardened). */
  idleCommand: string[] | undefined;
  /** The engine has an init binary (docker-init): reaps zombies and forwards signals. */
  init: boolean;
  /** Volumes the image declares: Docker would back each with a host volume unless something is mounted there. */
  imageVolumes: readonly string[];
}

export interface SandboxBody {
  body: Record<string, unknown>;
  /** What was applied, in a responder's words, for the custody log and the UI. */
  hardening: string[];
}

/** The Docker create body of a sandbox: no network, no capabilities, no privileges, read-only, limited. */
export function hardenedCreateBody(input: SandboxBodyInput): SandboxBody {
  const tmpfs: Record<string, string> = { ...SANDBOX_TMPFS };
  // Docker skips creating an image volume when something is already mounted at its path; an empty tmpfs there
  // keeps the sandbox free of host-backed storage.
  const volumes = input.imageVolumes.filter((path) => tmpfs[path] === undefined);
  for (const path of volumes) tmpfs[path] = VOLUME_TMPFS;
  const detonate = input.idleCommand === undefined;
  const body: Record<string, unknown> = {
    Image: input.imageId,
    NetworkDisabled: true,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    OpenStdin: false,
    Tty: false,
    // A health check would exec the suspect's own probe command inside the sandbox on a timer.
    Healthcheck: { Test: ['NONE'] },
    Labels: {
      [LABEL_CASE]: input.caseId,
      [LABEL_SANDBOX]: '1',
      [LABEL_SOURCE_CONTAINER]: input.sourceContainerId,
      [LABEL_CASE_DIR]: input.caseDir,
      [LABEL_SANDBOX_MODE]: detonate ? 'detonate' : 'idle',
    },
    ...(input.idleCommand === undefined ? {} : { Entrypoint: input.idleCommand, Cmd: null }),
    HostConfig: {
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      CapAdd: [],
      SecurityOpt: ['no-new-privileges:true'],
      Privileged: false,
      ReadonlyRootfs: true,
      Tmpfs: tmpfs,
      PidsLimit: SANDBOX_LIMITS.pids,
      Memory: SANDBOX_LIMITS.memoryBytes,
      // Equal to Memory: no swap on top, so the limit is the limit.
      MemorySwap: SANDBOX_LIMITS.memoryBytes,
      NanoCpus: SANDBOX_LIMITS.nanoCpus,
      Binds: [],
      Mounts: [],
      Devices: [],
      VolumesFrom: [],
      PortBindings: {},
      PublishAllPorts: false,
      IpcMode: 'private',
      PidMode: '',
      UTSMode: '',
      UsernsMode: '',
      RestartPolicy: { Name: 'no' },
      AutoRemove: false,
      ...(input.init ? { Init: true } : {}),
    },
  };
  const hardening = [
    'network: none (networking disabled)',
    'capabilities: all dropped',
    'no-new-privileges',
    'not privileged',
    'read-only root filesystem',
    ...Object.entries(SANDBOX_TMPFS).map(([path, options]) => `tmpfs ${path} (${options})`),
    ...volumes.map((path) => `image volume ${path} covered by an empty tmpfs (no host-backed volume)`),
    `pids limit ${SANDBOX_LIMITS.pids}`,
    `memory limit ${SANDBOX_LIMITS.memoryBytes / MIB} MiB, no swap`,
    `cpu limit ${SANDBOX_LIMITS.nanoCpus / 1e9}`,
    'no bind mounts, no volumes from other containers, no devices, no published ports',
    'private IPC and PID namespaces',
    'health check disabled',
    'restart policy: no',
    ...(input.init ? ['init process (docker-init)'] : []),
    input.idleCommand === undefined
      ? "detonate: the evidence's own entrypoint and command run, under the same hardening"
      : `entrypoint replaced by idle command: ${input.idleCommand.join(' ')}`,
  ];
  return { body, hardening };
}
