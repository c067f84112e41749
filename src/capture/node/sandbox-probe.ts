// Looks for programs in a container's filesystem through the engine's archive stat, without running anything in it.
import type { DockerPathStat } from '../common/docker-api.js';
import { isExecutableMode, isSymlinkMode, type ProgramChoice } from '../common/sandbox-spec.js';
import type { ContainerEngine } from './container-engine.js';

/** The engine resolves a link's whole chain inside the container's root; more hops than this means a loop. */
const MAX_LINK_HOPS = 8;

function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: unknown } | undefined)?.statusCode === 404;
}

/** The engine's stat of one path (links not followed), or undefined when nothing is there. */
export async function statPath(
  engine: ContainerEngine,
  containerId: string,
  path: string,
  signal?: AbortSignal,
): Promise<DockerPathStat | undefined> {
  try {
    const { stream, stat } = await engine.getArchive(containerId, path, signal);
    // Only the stat header is wanted; the tar body is never read, let alone unpacked.
    stream.destroy();
    return stat;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** True when path, after links (resolved by the engine inside the container's root), is an executable file. */
export async function isExecutableIn(
  engine: ContainerEngine,
  containerId: string,
  path: string,
  signal?: AbortSignal,
): Promise<boolean> {
  let current = path;
  for (let hop = 0; hop <= MAX_LINK_HOPS; hop += 1) {
    const stat = await statPath(engine, containerId, current, signal);
    if (stat === undefined) return false;
    if (!isSymlinkMode(stat.mode)) return isExecutableMode(stat.mode);
    if (stat.linkTarget === '' || stat.linkTarget === current) return false;
    current = stat.linkTarget;
  }
  return false;
}

/** The first choice whose program exists and is executable in the container, with the paths that were looked at. */
export async function findProgram(
  engine: ContainerEngine,
  containerId: string,
  choices: readonly ProgramChoice[],
  signal?: AbortSignal,
): Promise<{ choice: ProgramChoice | undefined; checked: string[] }> {
  const checked: string[] = [];
  for (const choice of choices) {
    checked.push(choice.probe);
    if (await isExecutableIn(engine, containerId, choice.probe, signal)) return { choice, checked };
  }
  return { choice: undefined, checked };
}
