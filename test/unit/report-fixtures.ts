// A small incident case as report inputs: a shell drops and runs a script, calls home, edits /etc/passwd; every string hostile.
import { createHash } from 'node:crypto';
import type {
  FileActivityView,
  NetworkActivityView,
  ProcessView,
} from '../../src/capture/common/trace/replay-model.js';
import type { CustodyRecord, ManifestItem } from '../../src/forensics/common/case-model.js';
import type { DiffEntry, DiffSummary } from '../../src/forensics/common/diff-model.js';
import type { CustodyLine, ReportInputs } from '../../src/forensics/common/report-assemble.js';
import type { Annotation, TimelineEvent } from '../../src/forensics/common/timeline-model.js';

/** What an attacker controls and hopes a report renders raw: markup, links, terminal escapes, bidi, zero-width. */
export const HOSTILE =
  '<script>alert(1)</script> ](javascript:alert(2)) [x](javascript:alert(3)) ![i](https://evil.example/i.png) ' +
  '\u001b[31mred\u001b[0m \u202egpj.exe \u200bhidden | # *b* _i_ `c` <img src=x onerror=alert(4)> ' +
  'https://evil.example/p www.evil.example a@evil.example &lt; \\ end';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
const CONTAINER = 'c0ffee'.padEnd(64, '1');
const IMAGE = `sha256:${'ab'.repeat(32)}`;

function item(id: string, kind: ManifestItem['kind'], extra: Partial<ManifestItem> = {}): ManifestItem {
  return {
    id,
    kind,
    path: `evidence/${id}.bin`,
    format: 'json',
    sha256: sha(id),
    bytes: id.length * 100,
    acquiredAt: '2026-11-22T22:10:00.000Z',
    completedAt: '2026-11-22T22:10:01.000Z',
    complete: true,
    flags: [],
    source: {
      engineId: 'default',
      endpoint: 'unix:///var/run/docker.sock',
      engineVersion: '20.10.24',
      containerId: CONTAINER,
      containerName: HOSTILE,
      imageId: IMAGE,
    },
    apiCalls: [],
    toolVersion: 'holdcell 0.1.0',
    operator: 'alice',
    ...extra,
  };
}

export const ITEMS: ManifestItem[] = [
  item('inspect-c0ffee', 'container-inspect'),
  item('image-inspect-abab', 'image-inspect', { acquiredAt: '2026-11-22T22:10:00.100Z' }),
  item('engine-info-c0ffee', 'engine-info', { acquiredAt: '2026-11-22T22:10:00.050Z' }),
  item('fs-export-c0ffee', 'filesystem-export', { format: 'tar', acquiredAt: '2026-11-22T22:10:00.200Z' }),
  item('image-save-abab', 'image-save', { format: 'tar', acquiredAt: '2026-11-22T22:10:00.300Z' }),
  item('trace-1', 'syscall-trace', { format: 'text', acquiredAt: '2026-11-22T22:05:00.000Z' }),
  item('mount-data', 'mount-archive', {
    format: 'tar',
    complete: false,
    incompleteReason: `stream cut: ${HOSTILE}`,
    flags: ['not-in-export', HOSTILE],
    acquiredAt: '2026-11-22T22:10:00.400Z',
  }),
];

const records: Omit<CustodyRecord, 'seq' | 'prevHash'>[] = [
  {
    at: '2026-11-22T22:00:00.000Z',
    operator: 'alice',
    action: 'case.create',
    target: {},
    params: {},
    outcome: 'ok',
    detail: '',
  },
  {
    at: '2026-11-22T22:05:00.000Z',
    operator: 'alice',
    action: 'capture.start',
    target: { containerId: CONTAINER },
    params: { tracer: 'strace' },
    outcome: 'ok',
    detail: '',
  },
  {
    at: '2026-11-22T22:08:00.000Z',
    operator: 'alice',
    action: 'engine.pause',
    target: { containerId: CONTAINER },
    params: { phase: 'contain', step: 'pause' },
    outcome: 'ok',
    detail: 'paused',
  },
  {
    at: '2026-11-22T22:08:01.000Z',
    operator: 'alice',
    action: 'engine.network.connect',
    target: { containerId: CONTAINER },
    params: { phase: 'contain', step: 'quarantine', network: 'holdcell-quarantine' },
    outcome: 'ok',
    detail: `attached to holdcell-quarantine ${HOSTILE}`,
  },
  {
    at: '2026-11-22T22:10:00.000Z',
    operator: 'alice',
    action: 'evidence.add',
    target: { itemId: 'inspect-c0ffee' },
    params: {},
    outcome: 'ok',
    detail: '',
  },
  {
    at: '2026-11-22T22:10:02.000Z',
    operator: 'alice',
    action: 'snapshot.finish',
    target: { containerId: CONTAINER },
    params: {},
    outcome: 'ok',
    detail: 'snapshot complete',
  },
];

export const CUSTODY: CustodyLine[] = records.map((record, seq) => {
  const full = { ...record, seq, prevHash: '0'.repeat(64) } as CustodyRecord;
  return { record: full, hash: sha(JSON.stringify(full)) };
});

const inspect = {
  Id: CONTAINER,
  Name: `/${HOSTILE}`,
  Created: '2026-11-22T21:59:00.123456789Z',
  Image: IMAGE,
  State: { Status: 'paused', Pid: 4242, StartedAt: '2026-11-22T21:59:01.5Z' },
  Config: { Image: `evil/${HOSTILE}:1`, User: '' },
  HostConfig: { Privileged: true, NetworkMode: 'bridge', PidMode: '', IpcMode: '', CapAdd: null },
  Mounts: [{ Type: 'bind', Source: '/var/run/docker.sock', Destination: '/var/run/docker.sock' }],
};
const imageInspect = {
  Id: IMAGE,
  RepoTags: [`evil/${HOSTILE}:1`],
  RepoDigests: [`evil@sha256:${'cd'.repeat(32)}`],
  Created: '2026-11-01T00:00:00Z',
};
const engineInfo = { Name: 'vm', ServerVersion: '20.10.24', OperatingSystem: 'Debian 12', KernelVersion: '6.1' };

function entry(path: string, change: DiffEntry['change'], rule: string, attack: string, severity: 'high' | 'critical') {
  return {
    path,
    change,
    findings: [
      {
        rule,
        severity,
        attack,
        detail: `${path}: \\x1b[31m display form, ${HOSTILE.replace(/[\u0000-\u001f\u202e\u200b]/g, '')}`,
      },
    ],
  } satisfies DiffEntry;
}

const DIFF_ENTRIES: DiffEntry[] = [
  entry('etc/passwd', 'modified', 'passwd-uid0', 'T1098', 'critical'),
  entry('tmp/dropper.sh', 'added', 'executable-in-temp', 'T1105', 'high'),
  {
    path: 'var/log/app.log',
    change: 'deleted',
    findings: [{ rule: 'log-deleted', severity: 'high', attack: 'T1070.002', detail: 'log removed' }],
  },
  { path: 'srv/readme', change: 'added', findings: [] },
];

const DIFF_SUMMARY: DiffSummary = {
  caseDir: '/cases/c',
  containerId: CONTAINER,
  imageId: IMAGE,
  containerCreated: '2026-11-22T21:59:00Z',
  counts: { added: 2, deleted: 1, modified: 1, metadata: 0, type: 0 },
  findings: { total: 3, bySeverity: { critical: 1, high: 2 }, byRule: {} },
  layers: [],
  packageManagers: [],
  indexed: { imageEntries: 10, containerEntries: 11 },
  sources: [
    { itemId: 'fs-export-c0ffee', sha256: sha('fs-export-c0ffee') },
    { itemId: 'image-save-abab', sha256: sha('image-save-abab') },
  ],
  problems: [],
};

function process(pid: number, id: number, parentId: number | null, argv: string[], startSeq: number): ProcessView {
  return {
    pid,
    ppid: parentId === null ? null : 100 + parentId,
    exe: argv.length === 0 ? null : (argv[0] ?? null),
    argv,
    start: `2026-11-22T22:06:0${startSeq % 10}.000000000Z`,
    startSeq,
    threads: [],
    uid: 0,
    euid: 0,
    gid: 0,
    cwd: '/',
    execs: [],
    credentials: [],
    origin: parentId === null ? 'first-seen' : 'clone',
    id,
    parentId,
  };
}

const at = (seq: number): string => `2026-11-22T22:06:${String(seq).padStart(2, '0')}.000000000Z`;
const file = (seq: number, pid: number, op: FileActivityView['op'], path: string): FileActivityView => ({
  seq,
  at: at(seq),
  pid,
  tid: pid,
  op,
  path,
  result: 'ok',
});
const connect = (seq: number, pid: number, address: string, port: number, result: string): NetworkActivityView => ({
  seq,
  at: at(seq),
  pid,
  tid: pid,
  op: 'connect',
  fd: 3,
  family: 'AF_INET',
  protocol: 'TCP',
  address,
  port,
  result,
});

export const TRACE = {
  item: ITEMS.find((candidate) => candidate.id === 'trace-1') as ManifestItem,
  processes: [
    process(100, 0, null, ['sh', '-c', HOSTILE], 1),
    process(101, 1, 0, [], 5),
    process(102, 2, 0, ['/tmp/dropper.sh'], 8),
    process(103, 3, 0, ['nc', '10.0.0.5', '4444'], 12),
    process(104, 4, 0, ['ls', '/'], 15),
  ],
  files: [
    file(3, 100, 'write', '/tmp/dropper.sh'),
    file(6, 101, 'chmod', '/tmp/dropper.sh'),
    file(9, 102, 'exec', '/tmp/dropper.sh'),
    file(10, 102, 'write', '/etc/passwd'),
    file(16, 104, 'read', '/etc/hosts'),
  ],
  network: [connect(13, 103, '10.0.0.5', 4444, 'ECONNREFUSED'), connect(14, 103, '10.0.0.5', 4444, 'ECONNREFUSED')],
  alerts: [],
};

function event(
  id: string,
  tns: string,
  source: TimelineEvent['source'],
  kind: string,
  techniques: string[],
  extra: Partial<TimelineEvent> = {},
): TimelineEvent {
  const seconds = Number(tns.slice(0, -9));
  return {
    id,
    tns,
    at: `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${tns.slice(-9)}Z`,
    source,
    kind,
    subject: {},
    summary: `${kind} ${HOSTILE}`,
    attributes: {},
    techniques,
    confidence: 'exact',
    evidence: { itemId: 'trace-1', sha256: sha('trace-1'), locator: `seq ${id.length}` },
    ...extra,
  };
}

const T0 = Date.parse('2026-11-22T22:06:01Z') / 1000;
export const EVENTS: TimelineEvent[] = [
  // A file time before everything: only approximate (an mtime), so detection must not lead with it.
  event('ev-mtime', `${T0 - 60}000000000`, 'filesystem', 'file.modified', ['T1098'], { confidence: 'approximate' }),
  event('ev-shell', `${T0}000000001`, 'syscall', 'process.exec', ['T1059.004'], { subject: { pid: 100 } }),
  event('ev-passwd', `${T0 + 9}000000000`, 'syscall', 'file.write', ['T1098'], {
    subject: { pid: 102, path: '/etc/passwd' },
  }),
  event('ev-quiet', `${T0 + 14}000000000`, 'syscall', 'process.exec', []),
  event('ev-pause', `${T0 + 119}000000000`, 'custody', 'responder.pause', [], {
    evidence: { itemId: 'custody.jsonl', sha256: 'f'.repeat(64), locator: 'record 2' },
  }),
];

export const ANNOTATIONS: Annotation[] = [
  { id: 'a1', at: '2026-11-22T23:00:00Z', operator: 'alice', kind: 'bookmark', eventId: 'ev-quiet', text: '' },
  {
    id: 'a2',
    at: '2026-11-22T23:01:00Z',
    operator: 'alice',
    kind: 'note',
    eventId: 'ev-shell',
    text: `analyst: ${HOSTILE}`,
  },
  { id: 'a3', at: '2026-11-22T23:02:00Z', operator: 'bob', kind: 'note', text: 'withdrawn later' },
  { id: 'a3', at: '2026-11-22T23:03:00Z', operator: 'bob', kind: 'note', text: 'withdrawn later', deleted: true },
];

export function incidentInputs(): ReportInputs {
  return {
    caseJson: {
      format: 'holdcell-case/1',
      caseId: 'case-1234',
      title: `Incident ${HOSTILE}`,
      createdAt: '2026-11-22T22:00:00.000Z',
      operator: 'alice',
      toolVersion: 'holdcell 0.1.0',
    },
    items: ITEMS,
    custody: CUSTODY,
    json: [
      { item: ITEMS[0] as ManifestItem, value: inspect },
      { item: ITEMS[1] as ManifestItem, value: imageInspect },
      { item: ITEMS[2] as ManifestItem, value: engineInfo },
    ],
    diff: { summary: DIFF_SUMMARY, entries: DIFF_ENTRIES },
    traces: [TRACE],
    traceProblems: [],
    timeline: {
      events: EVENTS,
      attackVersion: 'ATT&CK Enterprise v16.1',
      problems: [],
      total: 40,
      sha256: 'e'.repeat(64),
    },
    annotations: ANNOTATIONS,
    verify: {
      caseDir: '/cases/c',
      ok: true,
      itemsChecked: ITEMS.length,
      custodyRecordsChecked: CUSTODY.length,
      problems: [],
    },
    toolVersion: 'holdcell 0.1.0',
  };
}
