// The replay's process tree: parents before children by start, orphans as their own roots, reused pids kept apart.
import { describe, expect, it } from 'vitest';
import { findProcess, processTreeRows } from '../../renderer/src/features/replay/process-tree.js';
import { commandLine, processFate } from '../../renderer/src/features/replay/process-text.js';

const proc = (id: number, parentId: number | null, pid: number, startSeq: number, alive = true) => ({
  id,
  parentId,
  pid,
  startSeq,
  alive,
});

describe('the process tree at an instant', () => {
  it('given a shell that forked cat and then nc, when the tree is built, then children follow their parent in start order, indented', () => {
    const rows = processTreeRows([proc(2, 0, 12, 90), proc(0, null, 10, 0), proc(1, 0, 11, 30, false)]);
    expect(rows.map((row) => [row.process.pid, row.depth])).toEqual([
      [10, 0],
      [11, 1],
      [12, 1],
    ]);
  });

  it('given a process whose parent the trace never showed, when the tree is built, then it is a root of its own', () => {
    const rows = processTreeRows([proc(5, 99, 50, 7), proc(6, 5, 51, 8), proc(0, null, 1, 0)]);
    expect(rows.map((row) => [row.process.pid, row.depth])).toEqual([
      [1, 0],
      [50, 0],
      [51, 1],
    ]);
  });

  it('given a malformed parent cycle, when the tree is built, then every process is still listed exactly once', () => {
    const rows = processTreeRows([proc(1, 2, 10, 0), proc(2, 1, 11, 1), proc(3, 3, 12, 2)]);
    expect(rows.map((row) => row.process.id).sort()).toEqual([1, 2, 3]);
  });

  it('given a fork chain thousands deep, when the tree is built, then it does not overflow the stack', () => {
    const chain = Array.from({ length: 20_000 }, (_, index) =>
      proc(index, index === 0 ? null : index - 1, 1000 + index, index),
    );
    const rows = processTreeRows(chain);
    expect(rows).toHaveLength(20_000);
    expect(rows.at(-1)?.depth).toBe(19_999);
  });

  it('given a pid reused within the trace, when the URL selects that pid, then the live incarnation is chosen', () => {
    const processes = [proc(1, null, 300, 0, false), proc(7, null, 300, 50, true), proc(8, null, 301, 60, false)];
    expect(findProcess(processes, 300)?.id).toBe(7);
    expect(findProcess(processes, 301)?.id).toBe(8);
    expect(findProcess(processes, 999)).toBeUndefined();
    expect(findProcess(processes, undefined)).toBeUndefined();
  });
});

describe('process descriptions', () => {
  it('given argv with spaces, quotes and backslashes, then the command line single-quotes only what needs it and adds no backslash', () => {
    expect(commandLine({ exe: '/bin/busybox', argv: ['sh', '-c', 'printf "\\033]52"'] })).toBe(
      `sh -c 'printf "\\033]52"'`,
    );
    expect(commandLine({ exe: '/bin/sh', argv: ['echo', "it's"] })).toBe(`echo 'it'"'"'s'`);
    expect(commandLine({ exe: '/usr/bin/nc', argv: [] })).toBe('/usr/bin/nc');
    expect(commandLine({ exe: null, argv: [] })).toBe('?');
  });

  it('given how processes ended, then their fate reads as alive, exit code or signal', () => {
    expect(processFate({ alive: true })).toBe('alive');
    expect(processFate({ alive: false, exitCode: 0 })).toBe('exit 0');
    expect(processFate({ alive: false, signal: 'SIGKILL' })).toBe('killed by SIGKILL');
    expect(processFate({ alive: false })).toBe('exited');
  });
});
