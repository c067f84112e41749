// What the post-mortem says about an incident, section by section: each fact from the case, each with its evidence.
import { describe, expect, it } from 'vitest';
import { assembleReport } from '../../src/forensics/common/report-assemble.js';
import { reportDocument } from '../../src/forensics/common/report-document.js';
import { remediationFor } from '../../src/forensics/common/report-remediation.js';
import { HOSTILE, incidentInputs } from './report-fixtures.js';

describe('given a traced incident: a shell drops a script, runs it, edits /etc/passwd and calls home', () => {
  const model = assembleReport(incidentInputs());

  it('then the process tree holds every process that did something flagged, under its ancestors, and nothing else', () => {
    const tree = model.processes.nodes.map((node) => `${'  '.repeat(node.depth)}${node.pid}`);
    expect(tree).toEqual(['100', '  101', '  102', '  103']);
    const reasons = Object.fromEntries(model.processes.nodes.map((node) => [node.pid, node.reasons.join(' | ')]));
    expect(reasons[100]).toContain('write /tmp/dropper.sh, which was then executed');
    expect(reasons[100]).toContain('timeline: T1059.004');
    expect(reasons[101]).toContain('chmod /tmp/dropper.sh');
    expect(reasons[102]).toContain('ran /tmp/dropper.sh, written in this trace (seq 3)');
    expect(reasons[102]).toContain('write /etc/passwd (finding passwd-uid0 T1098)');
    expect(reasons[103]).toBe('connect 10.0.0.5:4444 (ECONNREFUSED)');
    for (const node of model.processes.nodes)
      expect(node.cite).toMatchObject({ itemId: 'trace-1', locator: expect.stringMatching(/^seq \d+$/) });
  });

  it('then the network indicators count the repeated call home once, citing the trace', () => {
    expect(model.network).toEqual([
      expect.objectContaining({
        op: 'connect',
        address: '10.0.0.5',
        port: 4444,
        result: 'ECONNREFUSED',
        count: 2,
        process: 'nc 10.0.0.5 4444',
      }),
    ]);
  });

  it('then containment lists the responder actions with their times and custody records, not the bookkeeping', () => {
    expect(model.containment.map((action) => `${action.at} ${action.action}`)).toEqual([
      '2026-11-22T22:05:00.000Z capture.start',
      '2026-11-22T22:08:00.000Z engine.pause',
      '2026-11-22T22:08:01.000Z engine.network.connect',
      '2026-11-22T22:10:02.000Z snapshot.finish',
    ]);
    expect(model.containment[1]?.label).toBe('isolate: paused the container (its processes frozen)');
    expect(model.containment[1]?.cite).toMatchObject({
      itemId: 'custody.jsonl',
      locator: 'record 2',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('then the ATT&CK table counts timeline events and filesystem findings apart, with first sightings from events only', () => {
    const rows = Object.fromEntries(model.attack.map((row) => [row.id, row]));
    expect(Object.keys(rows)).toEqual(['T1059.004', 'T1070.002', 'T1098', 'T1105']);
    // Two events (one only an mtime, earlier) and one finding; first seen is the exactly timed write.
    expect(rows['T1098']).toMatchObject({
      events: 2,
      findings: 1,
      count: 3,
      firstSeen: '2026-11-22T22:06:10.000000000Z',
    });
    expect(rows['T1105']).toMatchObject({ events: 0, findings: 1, firstSeen: null });
    expect(rows['T1098']?.cites.map((cite) => cite.itemId)).toEqual(['trace-1', 'fs-export-c0ffee']);
    expect(rows['T1070.002']?.cites[0]).toMatchObject({ itemId: 'image-save-abab', locator: 'path /var/log/app.log' });
  });

  it("then detection names the first exactly timed event mapped to ATT&CK (not a forgeable mtime, never the responder's own)", () => {
    expect(model.detection.firstAlert).toBeNull();
    expect(model.detection.firstMalicious).toMatchObject({
      at: '2026-11-22T22:06:01.000000001Z',
      techniques: ['T1059.004'],
    });
  });

  it('then key events put bookmarks first, then technique events in time order, with their notes; withdrawn notes are gone', () => {
    expect(model.keyEvents.events.map((event) => [event.bookmarked, event.at])).toEqual([
      [true, '2026-11-22T22:06:15.000000000Z'],
      [false, '2026-11-22T22:05:01.000000000Z'],
      [false, '2026-11-22T22:06:01.000000001Z'],
      [false, '2026-11-22T22:06:10.000000000Z'],
    ]);
    expect(model.keyEvents.events[2]?.notes).toEqual([`analyst: ${HOSTILE}`]);
    expect(model.notes.map((note) => note.text)).not.toContain('withdrawn later');
  });

  it('then findings are most severe first, and the evidence table flags the incomplete item with its reason', () => {
    expect(model.findings.rows.map((row) => row.severity)).toEqual(['critical', 'high', 'high']);
    expect(model.findings.rows[0]?.cites[0]).toMatchObject({ itemId: 'fs-export-c0ffee', locator: 'path /etc/passwd' });
    const mount = model.evidence.find((row) => row.id === 'mount-data');
    expect(mount).toMatchObject({ complete: false, incompleteReason: `stream cut: ${HOSTILE}` });
  });

  it('then scope reads the container, its image with digests and the engine from their JSON evidence', () => {
    expect(model.scope.containers[0]).toMatchObject({
      name: HOSTILE,
      state: 'paused',
      started: '2026-11-22T21:59:01.5Z',
      risks: expect.arrayContaining([expect.stringMatching(/^privileged/), expect.stringMatching(/^docker-socket/)]),
    });
    expect(model.scope.images[0]).toMatchObject({ role: 'origin', digests: [`evil@sha256:${'cd'.repeat(32)}`] });
    expect(model.scope.engines[0]).toMatchObject({ engineId: 'default', version: '20.10.24', os: 'Debian 12' });
  });

  it('then every sentence of the executive summary cites its evidence, and the report is as of the last custody record', () => {
    expect(model.asOf).toBe('2026-11-22T22:10:02.000Z');
    expect(model.summary.length).toBeGreaterThanOrEqual(7);
    for (const fact of model.summary) expect([fact.parts[0], fact.cites.length > 0]).toEqual([fact.parts[0], true]);
    const evidence = model.summary.find((fact) => String(fact.parts[0]).startsWith('7 evidence items'));
    expect(evidence?.cites.map((cite) => cite.itemId)).toEqual(['mount-data']);
  });

  it("then remediation has one row per technique, a sub-technique without its own row taking its parent's action", () => {
    expect(model.remediation.map((row) => row.technique)).toEqual(['T1059.004', 'T1070.002', 'T1098', 'T1105']);
    const [own] = remediationFor(['T1070.002']);
    const [parent] = remediationFor(['T1070']);
    expect(own?.action).toBe(parent?.action);
    expect(remediationFor(['T9999'])[0]).toMatchObject({
      name: 'technique T9999',
      action: expect.stringContaining('Review the cited evidence'),
    });
  });

  it('then every table of the layout spans exactly the page width', () => {
    for (const block of reportDocument(model).blocks) {
      if (block.type === 'table')
        expect([block.label, block.widths.reduce((a, b) => a + b, 0)]).toEqual([block.label, 100]);
    }
  });
});

describe('given a case with neither timeline nor diff nor traces', () => {
  const inputs = incidentInputs();
  const model = assembleReport({
    ...inputs,
    diff: { problem: 'no filesystem diff: the case holds no container export' },
    timeline: { problem: 'timeline not built: analysis/timeline.jsonl is missing' },
    traces: [],
    verify: {
      ...inputs.verify,
      ok: false,
      problems: [{ subject: 'trace-1', kind: 'hash-mismatch', detail: 'sha256 mismatch' }],
    },
  });

  it("then each section says why it is empty, the gaps are listed, and the failed verification leads the summary's last line", () => {
    expect(model.detection.note).toBe('not determined: no timeline (see problems)');
    expect(model.processes.note).toBe('no syscall trace in the case');
    expect(model.findings.note).toBe('no filesystem diff (see problems)');
    expect(model.problems).toEqual([
      'timeline not built: analysis/timeline.jsonl is missing',
      'no filesystem diff: the case holds no container export',
    ]);
    expect(model.summary.at(-1)?.parts.join('')).toBe('The case does NOT verify: trace-1: sha256 mismatch.');
  });
});

describe('given a flagged file whose name holds ESC and a byte that is not UTF-8, written by a traced process', () => {
  const inputs = incidentInputs();
  // The trace names it raw (the byte as U+DCFF, as the strace parser keeps it); the diff by display form + bytes.
  const raw = '/tmp/\u001b[31mev\udcff';
  const bytes = Buffer.concat([Buffer.from('tmp/\u001b[31mev'), Buffer.from([0xff])]);
  const trace = inputs.traces[0] as (typeof inputs.traces)[number];
  const model = assembleReport({
    ...inputs,
    diff: isDiff(inputs.diff)
      ? {
          ...inputs.diff,
          entries: [
            ...inputs.diff.entries,
            {
              path: 'tmp/\\x1b[31mev\\xff',
              pathBase64: bytes.toString('base64'),
              change: 'added',
              findings: [{ rule: 'executable-in-temp', severity: 'high', attack: 'T1105', detail: 'hidden dropper' }],
            },
          ],
        }
      : inputs.diff,
    traces: [
      {
        ...trace,
        files: [
          ...trace.files,
          { seq: 17, at: trace.files[0]?.at ?? '', pid: 104, tid: 104, op: 'write', path: raw, result: 'ok' },
        ],
      },
    ],
  });

  it('then the process that wrote it is in the attack tree with the finding, matched by its real name', () => {
    const node = model.processes.nodes.find((candidate) => candidate.pid === 104);
    expect(node?.reasons.join(' | ')).toContain(`write ${raw} (finding executable-in-temp T1105)`);
  });
});

function isDiff<T>(value: T | { problem: string }): value is T {
  return !(typeof value === 'object' && value !== null && 'problem' in value);
}
