// Zod subsets of the Kubernetes objects HoldCell reads: what the adapter validates at its edge before trusting a field.
//
// Subsets on purpose: only the fields HoldCell acts on are checked; the raw answer (every field, as sent) is what
// goes into the case as evidence. Strings in these objects come from the cluster and may be set by an attacker
// who can write pod labels or annotations: display them escaped.
import { z } from 'zod';

export const StringMap = z.record(z.string(), z.string());

export const OwnerReference = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
  controller: z.boolean().optional(),
});
export type OwnerReference = z.infer<typeof OwnerReference>;

export const ObjectMeta = z.object({
  name: z.string(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  creationTimestamp: z.string().nullish(),
  deletionTimestamp: z.string().nullish(),
  labels: StringMap.nullish(),
  annotations: StringMap.nullish(),
  ownerReferences: z.array(OwnerReference).nullish(),
});
export type ObjectMeta = z.infer<typeof ObjectMeta>;

export const LabelSelectorRequirement = z.object({
  key: z.string(),
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
  values: z.array(z.string()).nullish(),
});
export type LabelSelectorRequirement = z.infer<typeof LabelSelectorRequirement>;

export const LabelSelector = z.object({
  matchLabels: StringMap.nullish(),
  matchExpressions: z.array(LabelSelectorRequirement).nullish(),
});
export type LabelSelector = z.infer<typeof LabelSelector>;

const SecurityContext = z.object({
  privileged: z.boolean().nullish(),
  runAsUser: z.number().int().nullish(),
  runAsNonRoot: z.boolean().nullish(),
  allowPrivilegeEscalation: z.boolean().nullish(),
  capabilities: z.object({ add: z.array(z.string()).nullish(), drop: z.array(z.string()).nullish() }).nullish(),
});

export const PodContainer = z.object({
  name: z.string(),
  image: z.string().optional(),
  command: z.array(z.string()).nullish(),
  args: z.array(z.string()).nullish(),
  securityContext: SecurityContext.nullish(),
  /** Ephemeral containers only: the container whose process namespace they join. */
  targetContainerName: z.string().nullish(),
});
export type PodContainer = z.infer<typeof PodContainer>;

export const PodVolume = z.object({
  name: z.string(),
  hostPath: z.object({ path: z.string(), type: z.string().nullish() }).nullish(),
  projected: z
    .object({
      sources: z.array(z.object({ serviceAccountToken: z.object({ path: z.string() }).nullish() })).nullish(),
    })

    .nullish(),
  secret: z.object({ secretName: z.string().nullish() }).nullish(),
});
export type PodVolume = z.infer<typeof PodVolume>;

const ContainerStateDetail = z.object({
  running: z.object({ startedAt: z.string().nullish() }).nullish(),
  waiting: z.object({ reason: z.string().nullish(), message: z.string().nullish() }).nullish(),
  terminated: z
    .object({ exitCode: z.number().int(), reason: z.string().nullish(), finishedAt: z.string().nullish() })

    .nullish(),
});

export const ContainerStatus = z.object({
  name: z.string(),
  image: z.string().optional(),
  /** The image digest the runtime resolved (docker-pullable://…@sha256:… or repo@sha256:…). */
  imageID: z.string().optional(),
  containerID: z.string().nullish(),
  ready: z.boolean().optional(),
  restartCount: z.number().int().optional(),
  state: ContainerStateDetail.nullish(),
  lastState: ContainerStateDetail.nullish(),
});
export type ContainerStatus = z.infer<typeof ContainerStatus>;

export const Pod = z.object({
  metadata: ObjectMeta,
  spec: z.object({
    nodeName: z.string().nullish(),
    serviceAccountName: z.string().nullish(),
    automountServiceAccountToken: z.boolean().nullish(),
    hostPID: z.boolean().nullish(),
    hostNetwork: z.boolean().nullish(),
    hostIPC: z.boolean().nullish(),
    securityContext: SecurityContext.pick({ runAsUser: true, runAsNonRoot: true }).nullish(),
    containers: z.array(PodContainer),
    initContainers: z.array(PodContainer).nullish(),
    ephemeralContainers: z.array(PodContainer).nullish(),
    volumes: z.array(PodVolume).nullish(),
  }),
  status: z
    .object({
      phase: z.string().nullish(),
      podIP: z.string().nullish(),
      hostIP: z.string().nullish(),
      startTime: z.string().nullish(),
      containerStatuses: z.array(ContainerStatus).nullish(),
      initContainerStatuses: z.array(ContainerStatus).nullish(),
      ephemeralContainerStatuses: z.array(ContainerStatus).nullish(),
    })
    .nullish(),
});
export type Pod = z.infer<typeof Pod>;

export const ListMeta = z.object({ resourceVersion: z.string().optional(), continue: z.string().nullish() });

/** Any `…List` answer: items are validated one by one by the caller, so one odd object does not hide the rest. */
export const ObjectList = z.object({ metadata: ListMeta.default({}), items: z.array(z.unknown()).nullish() });
export type ObjectList = z.infer<typeof ObjectList>;

export const WatchEventType = z.enum(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);
export const WatchEvent = z.object({ type: WatchEventType, object: z.unknown() });
export type WatchEvent = z.infer<typeof WatchEvent>;

/** The API server's error (and some success) answers. */
export const ApiStatus = z.object({
  // Absent on the Status an exec stream sends on channel 3.
  kind: z.literal('Status').optional(),
  status: z.string().nullish(),
  message: z.string().nullish(),
  reason: z.string().nullish(),
  code: z.number().int().nullish(),
  details: z
    .object({
      causes: z.array(z.object({ reason: z.string().nullish(), message: z.string().nullish() })).nullish(),
    })

    .nullish(),
});
export type ApiStatus = z.infer<typeof ApiStatus>;

export const Node = z.object({
  metadata: ObjectMeta,
  spec: z.object({ unschedulable: z.boolean().nullish() }).nullish(),
  status: z
    .object({
      nodeInfo: z
        .object({
          kubeletVersion: z.string().nullish(),
          containerRuntimeVersion: z.string().nullish(),
        })

        .nullish(),
    })

    .nullish(),
});
export type Node = z.infer<typeof Node>;

export const Service = z.object({
  metadata: ObjectMeta,
  spec: z.object({ selector: StringMap.nullish() }).nullish(),
});
export type Service = z.infer<typeof Service>;

/** ReplicaSet, Deployment, StatefulSet, DaemonSet, Job, CronJob: what the owner chain needs. */
export const Controller = z.object({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta,
  spec: z.object({ selector: LabelSelector.nullish() }).nullish(),
});
export type Controller = z.infer<typeof Controller>;

export const NetworkPolicy = z.object({
  metadata: ObjectMeta,
  spec: z.object({
    podSelector: LabelSelector,
    policyTypes: z.array(z.string()).nullish(),
  }),
});
export type NetworkPolicy = z.infer<typeof NetworkPolicy>;

export const VersionInfo = z.object({ gitVersion: z.string(), platform: z.string().optional() });
export type VersionInfo = z.infer<typeof VersionInfo>;

/** For answers HoldCell only records (a delete's Status, a created object it does not read back). */
export const AnyAnswer = z.unknown();

/** The kubelet's answer to POST /checkpoint/{ns}/{pod}/{container}: the archive path(s) on the node. */
export const CheckpointAnswer = z.object({ items: z.array(z.string()).min(1) });
