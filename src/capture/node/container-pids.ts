// Which host processes belong to a local container: the kernel's cgroup membership, never the engine's word.
import { readFile } from 'node:fs/promises';
import { cgroupNamesContainer } from '../common/isolation-procnet.js';

export interface ProcRoots {
  procRoot: string;
  cgroupRoot: string;
}

export const HOST_ROOTS: ProcRoots = { procRoot: '/proc', cgroupRoot: '/sys/fs/cgroup' };

/** True when /proc/<pid>/cgroup names the container (false when unreadable: gone, or another namespace). */
export async function inContainerCgroup(roots: ProcRoots, pid: number, containerId: string): Promise<boolean> {
  const text = await readFile(`${roots.procRoot}/${pid}/cgroup`, 'utf8').catch(() => undefined);
  return text !== undefined && cgroupNamesContainer(text, containerId);
}

/**
 * Thread-group ids in the container's cgroup, found through one member (`anchor`, e.g. the init pid): its
 * /proc/<pid>/cgroup names the cgroup path, whose cgroup.procs lists every process, including ones that entered
 * later through `docker exec`. cgroup v1 (pids or freezer hierarchy) and v2 (unified) layouts both work.
 */
export async function cgroupMembers(roots: ProcRoots, anchor: number, containerId: string): Promise<number[]> {
  const text = await readFile(`${roots.procRoot}/${anchor}/cgroup`, 'utf8').catch(() => undefined);
  if (text === undefined) return [];
  const files: string[] = [];
  for (const line of text.split('\n')) {
    const [, controllers = '', ...rest] = line.split(':');
    const path = rest.join(':');
    if (!path.includes(containerId) || path.split('/').includes('..')) continue;
    if (controllers === '')
      files.push(`${roots.cgroupRoot}${path}/cgroup.procs`, `${roots.cgroupRoot}/unified${path}/cgroup.procs`);
    else if (controllers.split(',').some((name) => name === 'pids' || name === 'freezer'))
      files.push(`${roots.cgroupRoot}/${controllers}${path}/cgroup.procs`);
  }
  for (const file of files) {
    const members = await readFile(file, 'utf8').catch(() => undefined);
    if (members === undefined) continue;
    return members
      .split('\n')
      .filter((line) => /^\d+$/.test(line))
      .map((line) => Number.parseInt(line, 10));
  }
  return [];
}
