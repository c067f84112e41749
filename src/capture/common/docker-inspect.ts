// The part of Docker's container-inspect JSON HoldCell relies on, validated at the engine edge.
import { z } from 'zod';

const nullableArray = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullish()
    .transform((value) => value ?? []);

export const DockerMount = z.object({
  Type: z.string().optional(),
  Source: z.string().default(''),
  Destination: z.string(),
  RW: z.boolean().optional(),
  Name: z.string().optional(),
});

export const DockerContainerInspect = z.object({
  Id: z.string().regex(/^[0-9a-f]{64}$/),
  Name: z.string(),
  Created: z.string(),
  Image: z.string(),
  State: z.object({
    Status: z.enum(['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead']),
    Pid: z.number().optional(),
  }),
  Config: z.object({
    Image: z.string(),
    User: z.string().default(''),
  }),
  HostConfig: z.object({
    Privileged: z.boolean().default(false),
    NetworkMode: z.string().default(''),
    PidMode: z.string().default(''),
    IpcMode: z.string().default(''),
    CapAdd: nullableArray(z.string()),
  }),
  Mounts: nullableArray(DockerMount),
});
export type DockerContainerInspect = z.infer<typeof DockerContainerInspect>;

export const DockerEvent = z.object({
  Type: z.string(),
  Action: z.string(),
  Actor: z.object({ ID: z.string(), Attributes: z.record(z.string(), z.string()).optional() }),
  time: z.number().optional(),
  timeNano: z.number().optional(),
});
export type DockerEvent = z.infer<typeof DockerEvent>;
