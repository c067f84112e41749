// An API server audit log enters the case byte for byte (for the timeline); anything else is refused before a byte is copied.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditProblem } from '../../src/capture/node/kubernetes-audit.js';
import { runHoldcell } from '../support/holdcell-cli.js';

const FIXTURES = new URL('../fixtures/k8s-audit/', import.meta.url);

describe('audit log import', () => {
  let dir: string;
  let log: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'holdcell-audit-'));
    const lines = readdirSync(FIXTURES)
      .filter((name) => name.endsWith('.json'))
      .sort()
      .map((name) => readFileSync(new URL(name, FIXTURES), 'utf8').trim());
    log = join(dir, 'audit.log');
    writeFileSync(log, `${lines.join('\n')}\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('given real audit events, when the beginning is judged, then it passes; other JSON and text do not', () => {
    expect(auditProblem(readFileSync(log, 'utf8'))).toBeUndefined();
    expect(auditProblem('{"kind":"Pod","metadata":{}}\n')).toMatch(/line 1 is not an audit.k8s.io Event/);
    expect(auditProblem('GET /healthz 200\n')).toMatch(/line 1 is not JSON/);
    expect(auditProblem('\n\n')).toBe('the file is empty');
  });

  it('given the CLI, when an audit log is imported, then the case holds it unchanged as a flagged kubernetes-object item', async () => {
    const caseDir = join(dir, 'case');
    const run = await runHoldcell(['import-audit', log, '--case', caseDir, '--context', 'prod', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const item = JSON.parse(run.stdout) as {
      path: string;
      kind: string;
      format: string;
      flags: string[];
      complete: boolean;
    };
    expect(item).toMatchObject({
      kind: 'kubernetes-object',
      format: 'jsonl',
      flags: ['imported', 'kubernetes-audit-log'],
      complete: true,
    });
    expect(readFileSync(join(caseDir, item.path))).toEqual(readFileSync(log));
    expect((await runHoldcell(['verify', caseDir])).code).toBe(0);

    const bogus = join(dir, 'app.log');
    writeFileSync(bogus, 'GET / 200\n');
    const refused = await runHoldcell(['import-audit', bogus, '--case', caseDir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/is not a Kubernetes audit log: line 1 is not JSON/);
  });
});
