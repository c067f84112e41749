// Docker API answers beyond container inspect that containment and acquisition rely on, validated at the engine edge.
import { z } from 'zod';

export const DockerTop = z.object({
  Titles: z.array(z.string()),
  Processes: z
    .array(z.array(z.string()))
    .nullish()
    .transform((rows) => rows ?? []),
});
export type DockerTop = z.infer<typeof DockerTop>;

export const DockerNetwork = z.object({
  Id: z.string(),
  Name: z.string(),
  Driver: z.string().optional(),
  Internal: z.boolean().default(false),
  /** Driver options, e.g. com.docker.network.bridge.enable_icc. */
  Options: z
    .record(z.string(), z.string())
    .nullish()
    .transform((options) => options ?? {}),
  Labels: z
    .record(z.string(), z.string())
    .nullish()
    .transform((labels) => labels ?? {}),
});
export type DockerNetwork = z.infer<typeof DockerNetwork>;

/** One entry of a container's NetworkSettings.Networks: what release must restore. */
export const DockerEndpointSettings = z.object({
  NetworkID: z.string().default(''),
  Aliases: z
    .array(z.string())
    .nullish()
    .transform((aliases) => aliases ?? []),
  IPAddress: z.string().default(''),
  IPAMConfig: z
    .object({ IPv4Address: z.string().optional(), IPv6Address: z.string().optional() })
    .nullish()
    .transform((config) => config ?? undefined),
  Links: z
    .array(z.string())
    .nullish()
    .transform((links) => links ?? []),
});
export type DockerEndpointSettings = z.infer<typeof DockerEndpointSettings>;

export const DockerNetworkSettings = z.object({
  NetworkSettings: z.object({
    Networks: z
      .record(z.string(), DockerEndpointSettings)
      .nullish()
      .transform((networks) => networks ?? {}),
  }),
  Config: z.object({ Tty: z.boolean().default(false) }),
});

export const DockerImageInspect = z.object({
  Id: z.string(),
  RepoTags: z
    .array(z.string())
    .nullish()
    .transform((tags) => tags ?? []),
  RepoDigests: z
    .array(z.string())
    .nullish()
    .transform((digests) => digests ?? []),
  Size: z.number().optional(),
});
export type DockerImageInspect = z.infer<typeof DockerImageInspect>;

export const DockerInfo = z.object({
  ID: z.string().default(''),
  Name: z.string().default(''),
  ServerVersion: z.string().default(''),
  OperatingSystem: z.string().default(''),
  KernelVersion: z.string().default(''),
  DockerRootDir: z.string().default(''),
  SystemTime: z.string().default(''),
});
export type DockerInfo = z.infer<typeof DockerInfo>;

/** The base64 JSON in X-Docker-Container-Path-Stat of the archive API. */
export const DockerPathStat = z.object({
  name: z.string(),
  size: z.number(),
  mode: z.number(),
  mtime: z.string(),
  linkTarget: z.string().default(''),
});
export type DockerPathStat = z.infer<typeof DockerPathStat>;
