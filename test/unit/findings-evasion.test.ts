// Findings for covering tracks: forged mtimes, deleted or emptied logs, cleared shell history.
import { describe, expect, it } from 'vitest';
import { CREATED, entry, findingOf, imageMeta, lookupsFor, meta } from './findings-fixtures.js';
import { createFindingsEvaluator } from '../../src/forensics/common/findings.js';

const LS_MTIME = '2022-09-20T07:37:01Z';

describe('timestomp', () => {
  it('given /usr/bin/ls trojaned and touched back to its image mtime, then the forged time is explained', async () => {
    const found = await findingOf(
      'timestomp',
      entry('usr/bin/ls', 'modified', {
        before: imageMeta({ mode: 0o755, mtime: LS_MTIME }),
        after: meta({ mode: 0o755, mtime: LS_MTIME }),
      }),
    );
    expect(found).toMatchObject({ severity: 'medium', attack: 'T1070.006' });
    expect(found?.detail).toBe(
      `usr/bin/ls: content changed in the container, yet its mtime ${LS_MTIME} (the very mtime the image had) is older than the container (created ${CREATED})`,
    );
  });

  it('given a rewritten file with `touch -r /usr/bin/dir`, then the untouched neighbour it copied is named', async () => {
    const scene = {
      siblings: {
        'usr/bin': [
          { path: 'usr/bin/dir', meta: imageMeta({ mtime: LS_MTIME }), changed: false },
          { path: 'usr/bin/vdir', meta: imageMeta({ mtime: '2022-09-20T07:37:02Z' }), changed: false },
        ],
      },
    };
    const found = await findingOf(
      'timestomp',
      entry('usr/bin/ls', 'modified', {
        before: imageMeta({ mtime: '2023-03-01T00:00:00Z' }),
        after: meta({ mtime: LS_MTIME }),
      }),
      scene,
    );
    expect(found?.detail).toContain(
      `older than the container (created ${CREATED}), and its mtime equals that of the untouched neighbour usr/bin/dir`,
    );
  });

  it('given an mtime equal to an untouched neighbour even though the image is newer than the container, then that alone is enough', async () => {
    // An image built (or its clock skewed) after the container's creation: only the neighbour rule can see this.
    const future = '2027-01-01T00:00:00Z';
    const scene = {
      siblings: { etc: [{ path: 'etc/hostname.bak', meta: imageMeta({ mtime: future }), changed: false }] },
    };
    const found = await findingOf(
      'timestomp',
      entry('etc/motd', 'modified', {
        before: imageMeta({ mtime: future }),
        after: meta({ mtime: '2027-01-01T00:00:00.000Z' }),
      }),
      scene,
    );
    expect(found?.detail).toBe(
      'etc/motd: content changed in the container, yet its mtime equals that of the untouched neighbour etc/hostname.bak',
    );
  });

  it('given a file written in the second the container was created (export truncates to the second), then nothing', async () => {
    const facts = entry('etc/motd', 'modified', {
      before: imageMeta(),
      after: meta({ mtime: '2026-11-22T10:00:00Z' }),
    });
    expect(await findingOf('timestomp', facts)).toBeUndefined();
  });

  it('given a neighbour with the same mtime that was itself changed, or an added file with an old archive mtime, then nothing', async () => {
    const scene = { siblings: { 'var/app': [{ path: 'var/app/b.json', meta: meta(), changed: true }] } };
    const sameBatch = entry('var/app/a.json', 'modified', { before: imageMeta(), after: meta() });
    expect(await findingOf('timestomp', sameBatch, scene)).toBeUndefined();
    const copied = entry('opt/tool/README', 'added', { after: meta({ mtime: '2019-05-05T05:05:05Z' }) });
    expect(await findingOf('timestomp', copied)).toBeUndefined();
  });

  it('given only metadata changed, then siblings are never listed (only modified files pay for that lookup)', async () => {
    const lookups = lookupsFor();
    await createFindingsEvaluator(lookups)(
      entry('usr/bin/ls', 'metadata', { before: imageMeta(), after: meta({ mode: 0o700 }) }),
    );
    expect(lookups.siblingCalls).toEqual([]);
  });
});

describe('log-deleted', () => {
  it('given auth.log deleted and the nginx access log truncated to zero, then both are high', async () => {
    const deleted = await findingOf(
      'log-deleted',
      entry('var/log/auth.log', 'deleted', { before: imageMeta({ size: 52_000 }) }),
    );
    expect(deleted).toMatchObject({ severity: 'high', attack: 'T1070.002' });
    expect(deleted?.detail).toBe('var/log/auth.log was deleted (50.8 KiB)');
    const truncated = await findingOf(
      'log-deleted',
      entry('var/log/nginx/access.log', 'modified', { before: imageMeta({ size: 4096 }), after: meta({ size: 0 }) }),
    );
    expect(truncated?.detail).toBe('var/log/nginx/access.log was truncated to 0 bytes (was 4.0 KiB)');
  });

  it('given a rotated syslog.1 deleted, then only medium: logrotate does that', async () => {
    const found = await findingOf('log-deleted', entry('var/log/syslog.1', 'deleted', { before: imageMeta() }));
    expect(found?.severity).toBe('medium');
    expect(found?.detail).toContain('rotated copy');
  });

  it('given a log that grew, or an empty log directory removed, then nothing', async () => {
    const grew = entry('var/log/app.log', 'modified', { before: imageMeta({ size: 10 }), after: meta({ size: 900 }) });
    expect(await findingOf('log-deleted', grew)).toBeUndefined();
    const folder = entry('var/log/old', 'deleted', { before: imageMeta({ type: 'dir', mode: 0o755 }) });
    expect(await findingOf('log-deleted', folder)).toBeUndefined();
  });
});

describe('shell-history-cleared', () => {
  it("given root's .bash_history linked to /dev/null, then history goes nowhere", async () => {
    const found = await findingOf(
      'shell-history-cleared',
      entry('root/.bash_history', 'type', {
        before: imageMeta({ size: 3000 }),
        after: meta({ type: 'symlink', mode: 0o777, size: 0, linkTarget: '/dev/null' }),
      }),
    );
    expect(found).toMatchObject({ severity: 'high', attack: 'T1070.003' });
    expect(found?.detail).toBe(
      "root/.bash_history is now a symlink pointing to /dev/null: the shell's history goes nowhere",
    );
  });

  it('given a user’s zsh history deleted and a python history emptied, then both are found', async () => {
    const deleted = entry('home/alice/.zsh_history', 'deleted', { before: imageMeta({ size: 800 }) });
    expect((await findingOf('shell-history-cleared', deleted))?.detail).toContain('was deleted (800 bytes');
    const emptied = entry('root/.python_history', 'modified', {
      before: imageMeta({ size: 80 }),
      after: meta({ size: 0 }),
    });
    expect((await findingOf('shell-history-cleared', emptied))?.detail).toContain('was emptied');
  });

  it('given history that grew, or a new history file, then nothing', async () => {
    const grew = entry('root/.bash_history', 'modified', {
      before: imageMeta({ size: 10 }),
      after: meta({ size: 400 }),
    });
    expect(await findingOf('shell-history-cleared', grew)).toBeUndefined();
    expect(
      await findingOf('shell-history-cleared', entry('root/.ash_history', 'added', { after: meta() })),
    ).toBeUndefined();
  });
});
