// The composition root: the one place that constructs HoldCell's services and wires them together, by hand.
import { Acquisition } from '../capture/node/acquisition.js';
import { ContainerCatalog } from '../capture/node/container-catalog.js';
import { Containment } from '../capture/node/containment.js';
import { DockerEngine } from '../capture/node/docker-engine.js';
import { EngineRegistry } from '../capture/node/engine-registry.js';
import { ReplaySessions } from '../capture/node/replay-sessions.js';
import { BpftraceTracer } from '../capture/node/bpftrace-tracer.js';
import { HelperStraceTracer } from '../capture/node/strace-helper-tracer.js';
import { HostStraceTracer } from '../capture/node/strace-host-tracer.js';
import { KubernetesCatalog } from '../capture/node/kubernetes-catalog.js';
import { PodContainment } from '../capture/node/kubernetes-containment.js';
import { PodSnapshots } from '../capture/node/kubernetes-snapshot.js';
import { PodCaptures } from '../capture/node/kubernetes-capture.js';
import { AuditImports } from '../capture/node/kubernetes-audit.js';
import { KubernetesClusters, lazyClusters } from '../capture/node/kubernetes-registry.js';
import { SyscallCapture } from '../capture/node/syscall-capture.js';
import type { Tracer } from '../capture/node/tracer.js';
import { Sandboxes } from '../capture/node/sandboxes.js';
import type { MessagePipe } from '../contract/pipe.js';
import type { RpcServer } from '../contract/rpc-server.js';
import { CaseService } from '../forensics/node/case-service.js';
import { CaseStore } from '../forensics/node/case-store.js';
import { DiffService } from '../forensics/node/diff-service.js';
import type { HostConfig } from './config.js';
import { createReportService, type PdfPrinter } from './report-wiring.js';
import { createTimelineService } from './timeline-wiring.js';
import { servePipe, type HostIdentity, type HostServices, type PipeKind } from './serve-pipe.js';

export interface Host {
  readonly services: HostServices;
  readonly identity: HostIdentity;
  /** Serves the contract on one pipe; the returned server closes with the pipe or with the host. */
  serve(pipe: MessagePipe, kind: PipeKind, log?: (line: string) => void): RpcServer;
  close(): Promise<void>;
}

export interface HostOptions {
  /** How the report is printed to PDF: the desktop app passes Electron's printToPDF; otherwise Chromium (CHROMIUM_PATH). */
  pdfPrinter?: PdfPrinter;
}

export function createHost(config: HostConfig, options: HostOptions = {}): Host {
  const engines = new EngineRegistry(
    config.engines.map(({ engineId, endpoint }) => new DockerEngine(engineId, endpoint)),
  );
  const cases = new CaseStore({
    casesRoot: config.casesRoot,
    operator: config.operator,
    toolVersion: `holdcell ${config.version}`,
  });
  const openCase = (caseDir: string) => cases.openOrCreate(caseDir);
  const caseService = new CaseService(cases);
  const diffs = new DiffService({ cases });
  const timeline = createTimelineService({ cases, diffs });
  const reports = createReportService({
    cases,
    diffs,
    timeline,
    toolVersion: `holdcell ${config.version}`,
    ...(options.pdfPrinter === undefined ? {} : { printer: options.pdfPrinter }),
  });
  const catalog = new ContainerCatalog(engines);
  // Release and sandboxes work on what a case already holds: a mistyped folder must not become a new, empty case.
  const openExistingCase = (caseDir: string) => cases.open(caseDir);
  const containment = new Containment({ engines, openCase, openExistingCase });
  const acquisition = new Acquisition({ engines, openCase });
  const sandboxes = new Sandboxes({ engines, openCase: openExistingCase });
  const replays = new ReplaySessions({ openCase: openExistingCase });
  const bpftrace = new BpftraceTracer();
  const hostStrace = new HostStraceTracer();
  const helperStrace = new HelperStraceTracer({ image: config.tracerImage });
  // Host tools reach only a local engine's processes; a remote engine's are reached through a helper container
  // (which a responder may also ask for on a local engine).
  const tracersFor = (engine: { isLocal: boolean }): Tracer[] =>
    engine.isLocal ? [bpftrace, hostStrace, helperStrace] : [helperStrace];
  const captures = new SyscallCapture({ engines, openCase, tracersFor });
  const kubeconfigs = config.kubeconfigFiles ?? [];
  // The Kubernetes client is imported only when a kubeconfig exists and a cluster is first used.
  const clusters = lazyClusters(async () => {
    if (kubeconfigs.length === 0) return new KubernetesClusters([]);
    const { loadKubernetesClusters } = await import('../capture/node/kubernetes-cluster.js');
    const loaded = loadKubernetesClusters(kubeconfigs);
    return new KubernetesClusters(
      loaded.clusters,
      loaded.problems.map((problem) => ({ clusterId: problem.file, error: problem.error })),
      loaded.currentContext,
    );
  });
  const pods = new KubernetesCatalog(clusters);
  const podContainment = new PodContainment({ clusters, openCase, openExistingCase });
  // The checkpoint helper pod and the capture's ephemeral container use the same tools image as Docker helpers.
  const toolsImage = config.tracerImage ?? 'holdcell/tracer:1';
  const podSnapshots = new PodSnapshots({ clusters, openCase, helperImage: toolsImage });
  const podCaptures = new PodCaptures({ clusters, openCase, defaultImage: toolsImage });
  const audits = new AuditImports(openCase);

  const services: HostServices = {
    capture: {
      listEngines: catalog.listEngines,
      listContainers: catalog.listContainers,
      watchContainers: catalog.watchContainers,
      planIsolation: containment.planIsolation,
      isolate: containment.isolate,
      release: containment.release,
      snapshot: acquisition.snapshot,
      startSandbox: sandboxes.startSandbox,
      stopSandbox: sandboxes.stopSandbox,
      openTerminal: sandboxes.openTerminal,
      terminalInput: sandboxes.terminalInput,
      terminalResize: sandboxes.terminalResize,
      planCapture: captures.planCapture,
      capture: captures.capture,
      stopCapture: captures.stopCapture,
    },
    forensics: {
      listCases: caseService.listCases,
      createCase: caseService.createCase,
      openCase: caseService.openCase,
      custodyLog: caseService.custodyLog,
      verifyCase: caseService.verifyCase,
      sealCase: caseService.sealCase,
      diff: diffs.diff,
      diffEntries: diffs.diffEntries,
      listDirectory: diffs.listDirectory,
      readFile: diffs.readFile,
    },
    replay: {
      importTrace: replays.importTrace,
      openReplay: replays.openReplay,
      replayState: replays.replayState,
      replayActivity: replays.replayActivity,
      replayTerminal: replays.replayTerminal,
      whoWrote: replays.whoWrote,
      closeReplay: replays.closeReplay,
    },
    report: {
      renderReport: reports.renderReport,
      exportReport: reports.exportReport,
    },
    timeline: {
      buildTimeline: timeline.buildTimeline,
      timelineEvents: timeline.timelineEvents,
      listAnnotations: timeline.listAnnotations,
      annotate: timeline.annotate,
      withdrawAnnotation: timeline.withdrawAnnotation,
    },
    kubernetes: {
      listClusters: pods.listClusters,
      listPods: pods.listPods,
      watchPods: pods.watchPods,
      planPodIsolation: podContainment.planPodIsolation,
      isolatePod: podContainment.isolatePod,
      releasePod: podContainment.releasePod,
      snapshotPod: podSnapshots.snapshotPod,
      capturePod: podCaptures.capturePod,
      importAuditLog: audits.importAuditLog,
    },
  };
  const identity: HostIdentity = { version: config.version, startedAt: new Date().toISOString() };
  const servers = new Set<RpcServer>();
  return {
    services,
    identity,
    serve(pipe, kind, log) {
      const server = servePipe(services, identity, pipe, kind, log);
      servers.add(server);
      pipe.onClose(() => servers.delete(server));
      return server;
    },
    async close() {
      for (const server of servers) server.close();
      servers.clear();
      await sandboxes.closeAll();
    },
  };
}
