// Reads the docker CLI's configuration folder: config.json's currentContext and every context under contexts/meta.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contextEndpoint, contextNameProblem, DockerContextMeta, fallbackContextId } from '../common/docker-context.js';
import type { DockerEndpoint } from '../common/docker-endpoint.js';

/** One context folder: its engine id and endpoint, or why it cannot be used. */
export interface DockerContextEntry {
  /** The context name when usable, else `context-<folder prefix>`. */
  engineId: string;
  /** The name as recorded in meta.json, when it could be read. */
  name: string | undefined;
  metaFile: string;
  endpoint: DockerEndpoint;
}

export interface DockerCliConfig {
  configDir: string;
  /** Usable contexts and broken ones (endpoint kind "invalid"), sorted by engine id. */
  contexts: DockerContextEntry[];
  /** config.json's currentContext, when set. */
  currentContext: string | undefined;
  /** Why config.json could not be read, when it exists but is broken. */
  configProblem: string | undefined;
}

const META_DIR = /^[0-9a-f]{64}$/;

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function readContext(configDir: string, dirName: string): DockerContextEntry {
  const metaFile = join(configDir, 'contexts', 'meta', dirName, 'meta.json');
  const broken = (reason: string, name?: string, address = ''): DockerContextEntry => ({
    engineId: fallbackContextId(dirName),
    name,
    metaFile,
    endpoint: {
      kind: 'invalid',
      address,
      reason: `docker context ${name === undefined ? metaFile : `"${name}"`}: ${reason}`,
    },
  });
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(metaFile, 'utf8'));
  } catch (error) {
    return broken(`${metaFile} cannot be read as JSON (${errorText(error)})`);
  }
  const parsed = DockerContextMeta.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return broken(`${metaFile} does not look like a context (${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''})`);
  }
  const meta = parsed.data;
  const address = meta.Endpoints?.docker?.Host ?? '';
  // The folder name is sha256(name); a mismatch means a hand-edited or copied folder, and ids would collide.
  if (sha256Hex(meta.Name) !== dirName) {
    return broken(
      `its folder is not sha256 of its name "${meta.Name}" (copied or edited by hand?)`,
      meta.Name,
      address,
    );
  }
  const nameProblem = contextNameProblem(meta.Name);
  if (nameProblem !== undefined) return broken(nameProblem, meta.Name, address);
  const tlsDir = join(configDir, 'contexts', 'tls', dirName, 'docker');
  const hasMaterial = ['ca.pem', 'cert.pem', 'key.pem'].some((file) => existsSync(join(tlsDir, file)));
  try {
    return {
      engineId: meta.Name,
      name: meta.Name,
      metaFile,
      endpoint: contextEndpoint(meta, { dir: tlsDir, hasMaterial }),
    };
  } catch (error) {
    return broken(errorText(error), meta.Name, address);
  }
}

function listContextDirs(configDir: string): string[] {
  try {
    return readdirSync(join(configDir, 'contexts', 'meta')).filter((name) => META_DIR.test(name));
  } catch {
    // No contexts folder is the normal case on a machine that never ran `docker context create`.
    return [];
  }
}

function readCurrentContext(configDir: string): {
  currentContext: string | undefined;
  configProblem: string | undefined;
} {
  const file = join(configDir, 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return { currentContext: undefined, configProblem: undefined };
    return { currentContext: undefined, configProblem: `${file} cannot be read (${errorText(error)})` };
  }
  try {
    const config = JSON.parse(text) as { currentContext?: unknown };
    const current = config.currentContext;
    if (current !== undefined && typeof current !== 'string') {
      return { currentContext: undefined, configProblem: `${file}: currentContext is not a string` };
    }
    return { currentContext: current === '' ? undefined : current, configProblem: undefined };
  } catch (error) {
    return { currentContext: undefined, configProblem: `${file} is not valid JSON (${errorText(error)})` };
  }
}

/** Reads the docker CLI configuration; never throws (problems are reported per context or in configProblem). */
export function readDockerCliConfig(configDir: string): DockerCliConfig {
  const contexts = listContextDirs(configDir)
    .map((dirName) => readContext(configDir, dirName))
    .sort((a, b) => (a.engineId < b.engineId ? -1 : a.engineId > b.engineId ? 1 : 0));
  return { configDir, contexts, ...readCurrentContext(configDir) };
}
