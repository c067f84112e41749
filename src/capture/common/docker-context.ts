// Docker CLI contexts (~/.docker/contexts): the meta.json shape and how one context becomes an engine endpoint.
import { z } from 'zod';
import { parseDockerHost, type DockerEndpoint } from './docker-endpoint.js';

/** The parts of contexts/meta/<sha256(name)>/meta.json that matter here; Metadata and other endpoints are ignored. */
export const DockerContextMeta = z.object({
  Name: z.string(),
  Endpoints: z
    .object({
      docker: z
        .object({
          Host: z.string().optional(),
          SkipTLSVerify: z.boolean().optional(),
        })
        .optional(),
    })
    .optional(),
});
export type DockerContextMeta = z.infer<typeof DockerContextMeta>;

/** The docker CLI's rule for context names; such names are also safe in URLs and on the command line. */
const CONTEXT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$/;

/** Why a name cannot be an engine id, or undefined when it can. */
export function contextNameProblem(name: string): string | undefined {
  if (name === 'default') return 'the name "default" is reserved for the engine from --host / DOCKER_HOST';
  if (!CONTEXT_NAME.test(name)) return 'the name is not a valid docker context name ([a-zA-Z0-9][a-zA-Z0-9_.+-]+)';
  return undefined;
}

/** The engine id of a context whose own name cannot be used: stable (from its folder) and URL-safe. */
export function fallbackContextId(metaDir: string): string {
  return `context-${metaDir.slice(0, 12)}`;
}

/** What the context's TLS folder holds (contexts/tls/<sha256(name)>/docker). */
export interface ContextTls {
  dir: string;
  /** True when at least one of ca.pem, cert.pem, key.pem is there. */
  hasMaterial: boolean;
}

/**
 * The endpoint the docker CLI would use for this context: TCP becomes TLS when the context stores TLS material or
 * skips verification, exactly as `docker context create --docker host=…,ca=…,skip-tls-verify=…` records it.
 * Throws an Error naming what is wrong.
 */
export function contextEndpoint(meta: DockerContextMeta, tls: ContextTls): DockerEndpoint {
  const docker = meta.Endpoints?.docker;
  if (docker === undefined) throw new Error('it has no docker endpoint');
  const host = docker.Host;
  if (host === undefined || host.trim() === '') throw new Error('its docker endpoint has no Host');
  const skipVerify = docker.SkipTLSVerify === true;
  const useTls = tls.hasMaterial || skipVerify;
  const endpoint = parseDockerHost(host, { verify: useTls, ...(tls.hasMaterial ? { certPath: tls.dir } : {}) });
  if (endpoint.kind === 'tcp' && endpoint.tls && skipVerify) return { ...endpoint, skipVerify: true };
  return endpoint;
}
