// Reading a suspect's processes from this host's /proc: exact bytes for hostile names, nothing read outside its cgroup, no secrets by default.
import { afterAll, describe, expect, it } from 'vitest';
import { LocalProcReader, type ProcProcess } from '../../src/capture/node/host-proc.js';
import { docker } from '../support/docker-cli.js';
import { Stage, waitFor } from './isolate-scene.js';

const stage = new Stage();
afterAll(async () => stage.dispose());

/** The container's main process ID as the engine reports it (a host PID). */
async function statePid(id: string): Promise<number> {
  return Number((await docker(['inspect', '-f', '{{.State.Pid}}', id])).trim());
}

// A working directory and an open file whose names hold a byte that is not UTF-8 (0xff) and a terminal escape.
const HOSTILE_SCRIPT = [
  'd="/tmp/$(printf "dir\\377\\033[2J")"',
  'mkdir -p "$d"',
  'cd "$d"',
  'exec 7>"$d/$(printf "file\\033]0;owned\\007")"',
  // In the background, so the shell stays the main process and sleep is a child nobody offers by PID.
  'sleep 600 & wait',
].join('; ');

describe('host /proc collection', () => {
  it('given hostile directory and file names, then they are kept as their exact bytes (base64), never mangled', async () => {
    const id = await stage.container(
      'proc-hostile',
      ['--env', 'API_TOKEN=do-not-collect'],
      ['sh', '-c', HOSTILE_SCRIPT],
    );
    await waitFor(async () => (await docker(['top', id])).includes('sleep 600'), 'the hostile process to settle');
    const pid = await statePid(id);
    const document = await new LocalProcReader().collect({ containerId: id, pids: [{ pid, source: 'state-pid' }] });
    const shell = document.processes.find((entry) => entry.pid === pid) as ProcProcess;
    expect(shell).toBeDefined();
    const cwd = Buffer.from('/tmp/dir\xff\x1b[2J', 'latin1');
    expect(shell.cwd).toEqual({ base64: cwd.toString('base64') });
    if ('error' in shell.fds) throw new Error(`fds unreadable: ${shell.fds.error}`);
    const fd7 = shell.fds.find((fd) => fd.fd === 7);
    const file = Buffer.concat([cwd, Buffer.from('/file\x1b]0;owned\x07', 'latin1')]);
    expect(fd7?.target).toEqual({ base64: file.toString('base64') });
    expect(shell.exe).toBe('/bin/busybox');
    expect(shell.root).toBe('/');
    // The child sleep was not offered by anyone: the container's cgroup member list found it.
    const sleep = document.processes.find((entry) => JSON.stringify(entry.cmdline) === '["sleep","600"]');
    expect(sleep?.sources).toEqual(['cgroup.procs']);
    // Environments carry secrets: not read unless asked.
    expect(document.environ).toBe('not-collected');
    expect(shell.environ).toBeUndefined();
    expect(JSON.stringify(document)).not.toContain('do-not-collect');
  });

  it('given a PID that is not in the container, then it is listed as unverified and never read', async () => {
    const id = await stage.container('proc-verify', []);
    const pid = await statePid(id);
    const document = await new LocalProcReader().collect({
      containerId: id,
      pids: [
        { pid: process.pid, source: 'engine-top' },
        { pid, source: 'state-pid' },
      ],
    });
    expect(document.processes.map((entry) => entry.pid)).toEqual([pid]);
    expect(document.unverified).toEqual([
      { pid: process.pid, sources: ['engine-top'], reason: expect.stringContaining("not in the container's cgroup") },
    ]);
  });

  it('given a PID that no longer exists, then the collection records why and goes on', async () => {
    const id = await stage.container('proc-gone', []);
    const document = await new LocalProcReader().collect({
      containerId: id,
      pids: [
        { pid: 999_999_999, source: 'engine-top' },
        { pid: await statePid(id), source: 'state-pid' },
      ],
    });
    expect(document.processes).toHaveLength(1);
    expect(document.unverified).toEqual([
      { pid: 999_999_999, sources: ['engine-top'], reason: 'cannot read /proc/999999999/cgroup (ENOENT)' },
    ]);
  });

  it('given the environ option, then the environment is collected exactly', async () => {
    const id = await stage.container('proc-env', ['--env', 'API_TOKEN=collected-on-request']);
    const pid = await statePid(id);
    const document = await new LocalProcReader({ includeEnviron: true }).collect({
      containerId: id,
      pids: [{ pid, source: 'state-pid' }],
    });
    expect(document.environ).toBe('collected');
    expect(document.processes[0]?.environ).toContain('API_TOKEN=collected-on-request');
  });
});
