// The kubernetes service's contract: clusters from kubeconfig, pods with risks, and isolate/release/snapshot/capture.
//
// Pods are not forced into the Docker-shaped engine interface: a pod is several containers, lives in a namespace,
// is kept alive by controllers and reached through Services, so it gets its own service beside `capture`.
import { z } from 'zod';
import { defineService, event, method } from '../../contract/kit.js';
import { ManifestItem } from '../../forensics/common/case-model.js';
import { Risk } from './containers.js';
import { StepOutcome } from './containment.js';
import { AccessAttributes } from './kubernetes-rbac.js';

/** DNS-1123 names as the API server accepts them (labels for namespaces, subdomains for pods). */
const CaseDir = z.string().min(1).max(4096);
const Namespace = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'not a namespace name');
const PodName = z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'not a pod name');

/** A pod is named by cluster (kubeconfig context name; '' = the current context) + namespace + name. */
export const PodRef = z.object({ clusterId: z.string(), namespace: Namespace, name: PodName });
export type PodRef = z.infer<typeof PodRef>;

export const ClusterStatus = z.object({
  /** The kubeconfig context name. */
  clusterId: z.string(),
  kind: z.literal('kubernetes'),
  /** The API server URL as the kubeconfig gives it. */
  server: z.string(),
  /** The context's namespace (default "default"); pods are listed across every namespace the responder may list. */
  namespace: z.string(),
  state: z.enum(['connecting', 'connected', 'unreachable']),
  error: z.string().optional(),
  serverVersion: z.string().optional(),
  checkedAt: z.string(),
});
export type ClusterStatus = z.infer<typeof ClusterStatus>;

export const PodContainerSummary = z.object({
  name: z.string(),
  image: z.string(),
  /** The digest the runtime resolved, when the pod status has it. */
  imageID: z.string(),
  state: z.enum(['running', 'waiting', 'terminated', 'unknown']),
  ready: z.boolean(),
  restartCount: z.number().int(),
});

export const PodSummary = z.object({
  clusterId: z.string(),
  namespace: z.string(),
  name: z.string(),
  uid: z.string(),
  /** The node it runs on ('' while unscheduled). */
  node: z.string(),
  phase: z.string(),
  serviceAccount: z.string(),
  /** creationTimestamp (UTC, RFC 3339). */
  created: z.string(),
  containers: z.array(PodContainerSummary),
  risks: z.array(Risk),
  /** The case id in holdcell.io/quarantine, when the pod is quarantined. */
  quarantine: z.string().optional(),
});
export type PodSummary = z.infer<typeof PodSummary>;

export const PodChange = z.discriminatedUnion('type', [
  /** Every pod the cluster holds right now; sent first and again after every reconnect (or 410 Gone). */
  z.object({ type: z.literal('snapshot'), clusterId: z.string(), pods: z.array(PodSummary) }),
  z.object({ type: z.literal('upsert'), pod: PodSummary }),
  z.object({ type: z.literal('remove'), clusterId: z.string(), namespace: z.string(), name: z.string() }),
  z.object({ type: z.literal('cluster'), cluster: ClusterStatus }),
]);
export type PodChange = z.infer<typeof PodChange>;

export const PodListing = z.object({ pods: z.array(PodSummary), clusters: z.array(ClusterStatus) });
export type PodListing = z.infer<typeof PodListing>;

/** One SelfSubjectAccessReview of the preflight: which steps need it and what the API server answered. */
export const AccessCheck = z.object({
  attributes: AccessAttributes,
  /** `patch pods -n ns`, for the responder. */
  description: z.string(),
  allowed: z.boolean(),
  /** The authorizer's reason, or the evaluation error, or why the review itself failed. */
  reason: z.string(),
  steps: z.array(z.string()),
});
export type AccessCheck = z.infer<typeof AccessCheck>;

export const PodStep = z.object({
  id: z.string(),
  action: z.string(),
  description: z.string(),
  alreadyDone: z.boolean(),
  /** Every access the step needs: the preflight asks the API server about each before anything is changed. */
  access: z.array(AccessAttributes),
});
export type PodStep = z.infer<typeof PodStep>;

export const PodIsolationPlan = z.object({
  ref: PodRef,
  uid: z.string(),
  node: z.string(),
  /** The quarantine label value (the case id) — known only once the case is open; absent in a plan preview. */
  quarantineValue: z.string().optional(),
  /** Labels removed to detach the pod from its controllers and Services, with their current values. */
  removeLabels: z.record(z.string(), z.string()),
  detachedFrom: z.array(z.string()),
  steps: z.array(PodStep),
  preflight: z.array(AccessCheck),
  /** False when the preflight found a denied verb: isolate then changes nothing. */
  permitted: z.boolean(),
  warnings: z.array(z.string()),
});
export type PodIsolationPlan = z.infer<typeof PodIsolationPlan>;

export const PodIsolationResult = z.object({
  plan: PodIsolationPlan,
  steps: z.array(StepOutcome),
  contained: z.boolean(),
  dryRun: z.boolean(),
  summary: z.string(),
});
export type PodIsolationResult = z.infer<typeof PodIsolationResult>;

export const PodReleaseResult = z.object({
  ref: PodRef,
  steps: z.array(StepOutcome),
  released: z.boolean(),
  summary: z.string(),
});
export type PodReleaseResult = z.infer<typeof PodReleaseResult>;

export const CheckpointOutcome = z.object({
  /** kubelet-checkpoint: CRIU archive via the kubelet; suspect-tar: the fallback; none: neither. */
  method: z.enum(['kubelet-checkpoint', 'suspect-tar', 'none']),
  /** Per container: what was done or exactly why not (feature gate, runtime, permission). */
  notes: z.array(z.object({ container: z.string(), note: z.string() })),
});

export const PodSnapshotResult = z.object({
  ref: PodRef,
  items: z.array(ManifestItem),
  checkpoint: CheckpointOutcome,
  complete: z.boolean(),
  summary: z.string(),
});
export type PodSnapshotResult = z.infer<typeof PodSnapshotResult>;

export const PodCaptureResult = z.object({
  captureId: z.string(),
  ref: PodRef,
  /** The suspect container whose process namespace the tracer joined. */
  targetContainer: z.string(),
  /** The ephemeral container HoldCell added (it cannot be removed; it ends when the tracer ends). */
  ephemeralContainer: z.string(),
  image: z.string(),
  command: z.array(z.string()),
  startedAt: z.string(),
  endedAt: z.string(),
  stoppedBy: z.enum(['duration', 'responder', 'cancelled', 'tracer-exit']),
  items: z.array(ManifestItem),
  complete: z.boolean(),
  summary: z.string(),
});
export type PodCaptureResult = z.infer<typeof PodCaptureResult>;

const ClusterFilter = z.object({ clusterId: z.string().min(1).optional() });

export const kubernetesService = defineService({
  listClusters: method({
    summary: 'Every kubeconfig context and whether its API server answers now',
    input: z.object({}),
    output: z.array(ClusterStatus),
  }),
  listPods: method({
    summary: 'Every pod of every context (all namespaces the responder may list) with risk badges and node',
    input: ClusterFilter,
    output: PodListing,
  }),
  watchPods: event({
    summary: 'A snapshot, then each pod change from the watch stream; relists on 410 Gone, reconnects on its own',
    input: ClusterFilter,
    data: PodChange,
  }),
  planPodIsolation: method({
    summary: 'The isolation steps for this pod and a SelfSubjectAccessReview for every verb they need',
    input: z.object({ ref: PodRef, cordon: z.boolean().default(false) }),
    output: PodIsolationPlan,
  }),
  isolatePod: method({
    summary: 'Quarantine label, deny-all NetworkPolicy, detach from controllers and Services, optional cordon',
    input: z.object({
      ref: PodRef,
      caseDir: CaseDir,
      cordon: z.boolean().default(false),
      dryRun: z.boolean().default(false),
    }),
    output: PodIsolationResult,
  }),
  releasePod: method({
    summary: 'Restore exactly the labels isolate removed; remove what HoldCell created and no other case still uses',
    input: z.object({ ref: PodRef, caseDir: CaseDir }),
    output: PodReleaseResult,
  }),
  snapshotPod: method({
    summary: 'Objects, owner chain, events, logs, image digests, service account and RBAC; checkpoint where enabled',
    input: z.object({
      ref: PodRef,
      caseDir: CaseDir,
      /** When no checkpoint can be made: archive each container's filesystem with its own tar (flagged). */
      suspectTar: z.boolean().default(false),
    }),
    output: PodSnapshotResult,
  }),
  capturePod: method({
    summary: "Trace a pod container's syscalls from an ephemeral debug container (SYS_PTRACE only) into the case",
    input: z.object({
      ref: PodRef,
      caseDir: CaseDir,
      /** The suspect container; the pod's first container when absent. */
      container: z.string().min(1).optional(),
      seconds: z
        .number()
        .int()
        .min(1)
        .max(24 * 3600),
      /** Tools image with strace and timeout; HOLDCELL_TRACER_IMAGE when absent. */
      image: z.string().min(1).max(512).optional(),
      captureId: z.string().uuid().optional(),
    }),
    output: PodCaptureResult,
  }),
  importAuditLog: method({
    summary: 'Copy an API server audit log (JSON lines) into the case unchanged, hashed while copied, for the timeline',
    input: z.object({
      /** The context the log belongs to, when known. */
      clusterId: z.string().min(1).optional(),
      caseDir: CaseDir,
      /** A path on the host (the log is read there, never sent over the pipe). */
      file: z.string().min(1).max(4096),
    }),
    output: ManifestItem,
  }),
});
