// The stage for isolate/release tests: a suspect serving HTTP on a user network under an alias, a peer that calls it.
//
// Everything is arranged and checked with the docker CLI (not through HoldCell's adapter), and removed by id
// afterwards; the shared removeTestContainers() is not used because other suites may run on the same engine.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Containment } from '../../src/capture/node/containment.js';
import { DockerEngine } from '../../src/capture/node/docker-engine.js';
import { EngineRegistry } from '../../src/capture/node/engine-registry.js';
import type { HostProcReader } from '../../src/capture/node/host-proc.js';
import { CustodyRecord, type ManifestItem } from '../../src/forensics/common/case-model.js';
import { CaseStore } from '../../src/forensics/node/case-store.js';
import { createTestContainer, docker, dockerSocketPath, TEST_LABEL } from '../support/docker-cli.js';

export const QUARANTINE = 'holdcell-quarantine';
export const ALIAS = 'shop-web';
export const GREETING = 'suspect-says-hi';

/** busybox httpd daemonizes itself, so the suspect runs two processes: httpd listening on 8080 and sleep 600. */
const SUSPECT_COMMAND = [
  'sh',
  '-c',
  `mkdir -p /www && echo ${GREETING} > /www/index.html && httpd -p 8080 -h /www && exec sleep 600`,
];

export const call = (signal: AbortSignal = new AbortController().signal) => ({ signal, progress: () => undefined });

/** Containers and networks made by this suite, removed in afterAll. */
export class Stage {
  readonly containers: string[] = [];
  readonly networks: string[] = [];
  readonly dirs: string[] = [];

  async network(tag: string): Promise<string> {
    const name = `hc-test-iso-${tag}-${randomBytes(3).toString('hex')}`;
    await docker(['network', 'create', '--label', TEST_LABEL, name]);
    this.networks.push(name);
    return name;
  }

  async container(name: string, args: string[], command: string[] = ['sleep', '600']): Promise<string> {
    const id = await createTestContainer({ name, args, command, start: true });
    this.containers.push(id);
    return id;
  }

  /** A suspect serving HTTP on `network` under ALIAS, and a peer on the same network to call it. */
  async scene(tag: string): Promise<{ network: string; suspect: string; peer: string }> {
    const network = await this.network(tag);
    const suspect = await this.container(
      `${tag}-suspect`,
      ['--network', network, '--network-alias', ALIAS],
      SUSPECT_COMMAND,
    );
    const peer = await this.container(`${tag}-peer`, ['--network', network]);
    await waitFor(() => peerReaches(peer), `the suspect ${suspect.slice(0, 12)} to serve HTTP to its peer`);
    return { network, suspect, peer };
  }

  async caseRoot(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'hc-isolate-'));
    this.dirs.push(dir);
    return dir;
  }

  async dispose(): Promise<void> {
    if (this.containers.length > 0) await docker(['rm', '-f', '-v', ...this.containers]).catch(() => undefined);
    for (const network of this.networks) await docker(['network', 'rm', network]).catch(() => undefined);
    await removeQuarantineIfUnused();
    for (const dir of this.dirs) await rm(dir, { recursive: true, force: true });
  }
}

/** The quarantine network is per engine and shared: removed only when nothing (ours or anyone's) is attached. */
export async function removeQuarantineIfUnused(): Promise<void> {
  try {
    const attached = (await docker(['network', 'inspect', '-f', '{{len .Containers}}', QUARANTINE])).trim();
    if (attached === '0') await docker(['network', 'rm', QUARANTINE]);
  } catch {
    // Absent, or taken by a container attached meanwhile: either way it is not ours to remove now.
  }
}

export async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** busybox httpd serving GREETING on 8080 in the foreground: a server for reachability checks. */
export const SERVER_COMMAND = [
  'sh',
  '-c',
  `mkdir -p /www && echo ${GREETING} > /www/index.html && exec httpd -f -p 8080 -h /www`,
];

/**
 * True when `from` gets GREETING from http://host:8080/ (a test-side exec; HoldCell itself never execs into a
 * suspect). busybox-static's own wget -T crashes here, so the coreutils-style `timeout` bounds the attempt.
 */
export async function reaches(from: string, host: string): Promise<boolean> {
  try {
    const page = await docker(['exec', from, 'timeout', '3', 'wget', '-q', '-O', '-', `http://${host}:8080/`], {
      timeoutMs: 10_000,
    });
    return page.includes(GREETING);
  } catch {
    return false;
  }
}

/** True when the peer gets the suspect's page through the network alias (exec runs in the peer, never the suspect). */
export const peerReaches = (peer: string): Promise<boolean> => reaches(peer, ALIAS);

/** The container's address on one network (or on the default bridge). */
export async function addressOn(id: string, network = 'bridge'): Promise<string> {
  const address = (await engineView(id)).networks[network]?.IPAddress;
  if (!address) throw new Error(`${id.slice(0, 12)} has no address on ${network}`);
  return address;
}

export interface EngineView {
  status: string;
  paused: boolean;
  networks: Record<string, { Aliases: string[] | null; NetworkID: string; IPAddress: string }>;
}

export async function engineView(id: string): Promise<EngineView> {
  const [raw] = JSON.parse(await docker(['inspect', id])) as [
    { State: { Status: string; Paused: boolean }; NetworkSettings: { Networks: EngineView['networks'] } },
  ];
  if (!raw) throw new Error(`docker inspect ${id} returned nothing`);
  return { status: raw.State.Status, paused: raw.State.Paused, networks: raw.NetworkSettings.Networks };
}

export function containment(
  store: CaseStore,
  options: { socketPath?: string; hostProc?: HostProcReader; topPsArgs?: string } = {},
) {
  const engine = new DockerEngine('default', { kind: 'unix', socketPath: options.socketPath ?? dockerSocketPath() });
  return new Containment({
    engines: new EngineRegistry([engine]),
    openCase: (dir) => store.openOrCreate(dir),
    openExistingCase: (dir) => store.open(dir),
    ...(options.hostProc ? { hostProc: options.hostProc } : {}),
    ...(options.topPsArgs ? { topPsArgs: options.topPsArgs } : {}),
  });
}

export function caseStore(casesRoot: string, operator = 'responder-1'): CaseStore {
  return new CaseStore({ casesRoot, operator, toolVersion: 'holdcell test' });
}

export async function custody(caseDir: string): Promise<CustodyRecord[]> {
  const text = await readFile(join(caseDir, 'custody.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => CustodyRecord.parse(JSON.parse(line)));
}

/** The item's file hashed here, independently of the case store. */
export async function fileSha256(caseDir: string, item: ManifestItem): Promise<string> {
  return createHash('sha256')
    .update(await readFile(join(caseDir, item.path)))
    .digest('hex');
}

/** Engine events about one container since a moment: "pause", "top", "network connect <net>", … */
export async function engineEvents(id: string, since: number, until: number): Promise<string[]> {
  const format = '{{.Type}} {{.Action}} {{index .Actor.Attributes "name"}} {{index .Actor.Attributes "container"}}';
  const window = ['--since', (since / 1000).toFixed(3), '--until', (until / 1000).toFixed(3)];
  const containerEvents = await docker(['events', ...window, '--filter', `container=${id}`, '--format', format]);
  const networkEvents = await docker(['events', ...window, '--filter', 'type=network', '--format', format]);
  const lines = [...containerEvents.split('\n'), ...networkEvents.split('\n')].filter((line) => line.trim() !== '');
  return lines.flatMap((line) => {
    const [type, action, name, container] = line.split(' ');
    if (type === 'container') return [`${action}`];
    if (type === 'network' && container === id) return [`network ${action} ${name}`];
    return [];
  });
}
