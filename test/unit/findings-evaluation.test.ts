// The findings evaluator: stable order, content read only for candidates, bounded reads, path globs, the rules table itself.
import { describe, expect, it } from 'vitest';
import { entry, imageMeta, lookupsFor, meta } from './findings-fixtures.js';
import { ATTACK_RULES, DROPPER_RULE } from '../../src/forensics/common/attack-mapping.js';
import { ATTACK_TECHNIQUES, attackTechniqueName } from '../../src/forensics/common/attack-techniques.js';
import { REMEDIATION } from '../../src/forensics/common/report-remediation.js';
import { Severity } from '../../src/forensics/common/diff-model.js';
import { FINDING_RULES, type FindingRule } from '../../src/forensics/common/findings-rules.js';
import { compileGlobs, createFindingsEvaluator } from '../../src/forensics/common/findings.js';

describe('findings order', () => {
  it('given a hidden "kworker" dropped in /tmp/.x, then its findings come most severe first, in table order, every time', async () => {
    const facts = entry('tmp/.x/kworker', 'added', { after: meta({ mode: 0o755, size: 3_000_000 }) });
    const first = await createFindingsEvaluator(lookupsFor())(facts);
    expect(first.map((finding) => `${finding.severity} ${finding.rule}`)).toEqual([
      'high executable-in-temp',
      'high kernel-thread-name',
      'medium executable-in-hidden-dir',
    ]);
    const again = await createFindingsEvaluator(lookupsFor())(structuredClone(facts));
    expect(JSON.stringify(again)).toBe(JSON.stringify(first));
  });
});

describe('content access', () => {
  it('given a diff of 300 ordinary changes plus passwd and a /tmp note, then content is read only for those two', async () => {
    const lookups = lookupsFor({
      image: { 'etc/passwd': 'root:x:0:0::/root:/bin/sh\n' },
      container: { 'etc/passwd': 'root:x:0:0::/root:/bin/sh\n', 'tmp/note': 'hello' },
    });
    const evaluate = createFindingsEvaluator(lookups);
    for (let index = 0; index < 100; index += 1) {
      const id = String(index).padStart(3, '0');
      await evaluate(entry(`usr/share/doc/pkg${id}/changelog.gz`, 'deleted', { before: imageMeta() }));
      await evaluate(entry(`opt/app/data/${id}.json`, 'added', { after: meta() }));
      await evaluate(entry(`var/lib/app/state${id}`, 'metadata', { before: imageMeta(), after: meta({ uid: 1000 }) }));
    }
    await evaluate(entry('etc/passwd', 'modified', { before: imageMeta(), after: meta() }));
    await evaluate(entry('tmp/note', 'added', { after: meta({ size: 5 }) }));
    expect(lookups.reads).toEqual([
      { side: 'container', path: 'etc/passwd', maxBytes: 4 * 1024 * 1024 },
      { side: 'image', path: 'etc/passwd', maxBytes: 4 * 1024 * 1024 },
      { side: 'container', path: 'tmp/note', maxBytes: 4 },
    ]);
  });

  it('given a symlinked authorized_keys, then it is reported without reading through the link', async () => {
    const lookups = lookupsFor();
    const findings = await createFindingsEvaluator(lookups)(
      entry('root/.ssh/authorized_keys', 'type', {
        before: imageMeta(),
        after: meta({ type: 'symlink', mode: 0o777, linkTarget: '/home/attacker/keys' }),
      }),
    );
    expect(findings.map((finding) => finding.detail)).toEqual([
      'root/.ssh/authorized_keys was replaced: file → symlink pointing to /home/attacker/keys',
    ]);
    expect(lookups.reads.filter((read) => read.side === 'container')).toEqual([]);
  });

  it('given a rule that reads more than it declares, then the evaluator refuses', async () => {
    const greedy: FindingRule = {
      id: 'greedy',
      title: 'Greedy',
      severity: 'info',
      attack: 'T1027',
      description: 'reads too much',
      falsePositives: 'none',
      match: { changes: ['added'] },
      contentBytes: 16,
      test: async (view) => ((await view.read('container', 17)) === undefined ? undefined : { detail: 'x' }),
    };
    const evaluate = createFindingsEvaluator(lookupsFor({ container: { a: 'aaaa' } }), [greedy]);
    await expect(evaluate(entry('a', 'added', { after: meta() }))).rejects.toThrow(
      'rule greedy reads 17 bytes but declares 16',
    );
  });

  it('given several modified files in one folder, then its neighbours are listed once', async () => {
    const lookups = lookupsFor();
    const evaluate = createFindingsEvaluator(lookups);
    for (const name of ['a', 'b', 'c'])
      await evaluate(entry(`srv/data/${name}`, 'modified', { before: imageMeta(), after: meta() }));
    await evaluate(entry('srv/other/d', 'modified', { before: imageMeta(), after: meta() }));
    expect(lookups.siblingCalls).toEqual(['srv/data', 'srv/other']);
  });
});

describe('hostile paths', () => {
  it('given a web shell whose name carries an escape, a newline and invalid UTF-8, then the detail shows them escaped', async () => {
    const bytePath = 'var/www/html/\x1b[31mup\nload\xff.php';
    const findings = await createFindingsEvaluator(lookupsFor())(entry(bytePath, 'added', { after: meta() }));
    expect(findings.map((finding) => finding.rule)).toEqual(['web-shell']);
    expect(findings[0]?.detail).toBe(
      'var/www/html/\\x1b[31mup\\nload\\xff.php: new .php script in a web root (100 bytes)',
    );
  });
});

describe('path globs', () => {
  it('given "~/" patterns, then /root and each /home/<user> match, deeper folders do not', () => {
    const bashrc = compileGlobs(['~/.bashrc']);
    expect(['/root/.bashrc', '/home/alice/.bashrc'].map((path) => bashrc.test(path))).toEqual([true, true]);
    expect(['/home/alice/old/.bashrc', '/home/.bashrc', '/root/.bashrc~'].map((path) => bashrc.test(path))).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('given "**" and "*", then ** spans folders (and names with newlines) while * stays in one', () => {
    const keys = compileGlobs(['/**/.ssh/authorized_keys*']);
    expect(keys.test('/.ssh/authorized_keys')).toBe(true);
    expect(keys.test('/home/a\nb/.ssh/authorized_keys2')).toBe(true);
    expect(keys.test('/root/.ssh/authorized_keys/extra')).toBe(false);
    const cron = compileGlobs(['/etc/cron*']);
    expect([cron.test('/etc/crontab'), cron.test('/etc/cron.d/job'), cron.test('/etc/cron.d')]).toEqual([
      true,
      false,
      true,
    ]);
    const below = compileGlobs(['/var/log/**']);
    expect([below.test('/var/log'), below.test('/var/log/a/b')]).toEqual([false, true]);
  });
});

describe('rules table', () => {
  it('given every rule, then ids are unique and each carries a real severity, a known ATT&CK technique and its caveats', () => {
    const ids = FINDING_RULES.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of FINDING_RULES) {
      expect(Severity.options, rule.id).toContain(rule.severity);
      expect(attackTechniqueName(rule.attack), rule.id).toBeDefined();
      expect(rule.description.length, rule.id).toBeGreaterThan(20);
      expect(rule.falsePositives.length, rule.id).toBeGreaterThan(3);
      expect(rule.match.changes.length, rule.id).toBeGreaterThan(0);
    }
  });

  it('given the issue’s list, then each required behaviour has its rule and technique', () => {
    const table = Object.fromEntries(FINDING_RULES.map((rule) => [rule.id, rule.attack]));
    expect(table).toMatchObject({
      'setuid-setgid-added': 'T1548.001',
      'file-capability-added': 'T1548',
      'executable-in-temp': 'T1105',
      'cron-persistence': 'T1053.003',
      'systemd-persistence': 'T1543.002',
      'init-persistence': 'T1037',
      'shell-profile-persistence': 'T1546.004',
      'ssh-authorized-keys': 'T1098.004',
      'ld-so-preload': 'T1574.006',
      'account-files-changed': 'T1098',
      'new-uid0-account': 'T1136.001',
      'sudoers-changed': 'T1548.003',
      'package-file-tampered': 'T1554',
      timestomp: 'T1070.006',
      'log-deleted': 'T1070.002',
      'shell-history-cleared': 'T1070.003',
      'web-shell': 'T1505.003',
      'kernel-thread-name': 'T1036.004',
      'hidden-executable': 'T1564.001',
      'high-entropy-file': 'T1027',
    });
    // Every technique a finding carries is named; every technique named is used by a findings rule, a timeline
    // rule or the report's remediation table: the table is not padded with names nobody emits.
    for (const id of Object.values(table)) expect(attackTechniqueName(id)).toBeDefined();
    const used = new Set<string>([
      ...Object.values(table),
      ...ATTACK_RULES.map((rule) => rule.technique),
      DROPPER_RULE.technique,
      ...Object.keys(REMEDIATION),
    ]);
    expect(Object.keys(ATTACK_TECHNIQUES).filter((id) => !used.has(id))).toEqual([]);
  });
});
