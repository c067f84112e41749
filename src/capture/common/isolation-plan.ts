// Plans an isolation from what the engine says about a container: which evidence to collect, what to contain, in what order.
import type { IsolationMode, IsolationPlan, PlannedStep } from './containment.js';

/** One quarantine network per engine, created --internal (no route beyond the engine's host) and labelled as HoldCell's. */
export const QUARANTINE_NETWORK = 'holdcell-quarantine';
export const QUARANTINE_LABEL = 'org.holdcell.quarantine';
/** Bridge options of the quarantine network: inter-container traffic off, so two quarantined suspects cannot talk. */
export const QUARANTINE_NETWORK_OPTIONS: Readonly<Record<string, string>> = {
  'com.docker.network.bridge.enable_icc': 'false',
};

/** ps arguments for `docker top`: parent, owner and age of every process besides its command line. */
export const TOP_PS_ARGS = '-eo pid,ppid,user,etime,args';
/** Log lines collected per isolation: enough to see what the container did lately, bounded so collection stays fast. */
export const LOG_TAIL_LINES = 1000;

/** What planning needs to know, all of it read from one inspect of the container. */
export interface IsolationFacts {
  engineId: string;
  /** The endpoint as shown to the responder (for warnings about remote engines). */
  endpoint: string;
  isLocal: boolean;
  containerId: string;
  containerName: string;
  status: string;
  networkMode: string;
  /** Names of the networks the container is attached to, in the engine's order. */
  networks: readonly string[];
}

/**
 * How the container's network can be contained:
 * - bridged: it has its own network namespace with networks HoldCell can disconnect and replace by the quarantine;
 * - none: it has no network at all, so there is nothing to cut;
 * - host / shared: it uses the host's or another container's namespace, which disconnecting cannot touch.
 */
export type NetworkContainability = 'bridged' | 'none' | 'host' | 'shared';

export function networkContainability(networkMode: string): NetworkContainability {
  if (networkMode === 'host') return 'host';
  if (networkMode === 'none') return 'none';
  if (networkMode.startsWith('container:')) return 'shared';
  return 'bridged';
}

/** Only a container with processes can be frozen, listed by `top` or read in /proc. */
export function hasProcesses(status: string): boolean {
  return status === 'running' || status === 'paused';
}

export const needsPause = (mode: IsolationMode): boolean => mode !== 'network';
export const needsNetwork = (mode: IsolationMode): boolean => mode !== 'pause';

function step(
  phase: PlannedStep['phase'],
  action: string,
  description: string,
  alreadyDone = false,
  suffix?: string,
): PlannedStep {
  return {
    id: `${phase}-${action}${suffix === undefined ? '' : `-${suffix}`}`,
    phase,
    action,
    description,
    alreadyDone,
  };
}

/**
 * The order, and why: the issue wants the container's volatile state recorded *and* the container unable to act or
 * talk within a second. Inspect, network state, the process list and the host's /proc are fast (milliseconds each)
 * and are what pausing or disconnecting would change or hide (connections vanish when networks go), so they come
 * first. Containment follows at once. Logs come last: the engine keeps them on disk whether or not the container is
 * frozen, and reading 1000 lines can take longer than everything else together, so the suspect must not stay free
 * while they stream.
 */
export function buildIsolationPlan(
  facts: IsolationFacts,
  mode: IsolationMode,
  psArgs: string = TOP_PS_ARGS,
): IsolationPlan {
  const steps: PlannedStep[] = [];
  const warnings: string[] = [];
  const running = hasProcesses(facts.status);
  const containability = networkContainability(facts.networkMode);

  steps.push(step('collect', 'inspect', "Record the engine's inspect JSON of the container (container-inspect)"));
  const attached = facts.networks.length > 0 ? facts.networks.join(', ') : 'none';
  steps.push(
    step(
      'collect',
      'network-state',
      `Record the attached networks with aliases and addresses, which release restores (attached: ${attached})`,
    ),
  );
  if (running) {
    steps.push(step('collect', 'top', `Record the process list through the engine (docker top ${psArgs})`));
    if (facts.isLocal) {
      steps.push(
        step(
          'collect',
          'host-proc',
          "Record each container process from this host's /proc: executable, command line, working directory, open files and connections",
        ),
      );
    } else {
      warnings.push(
        `The engine at ${facts.endpoint} is not on this machine, so its processes cannot be read from this host's /proc; the process list comes from the engine only.`,
      );
    }
  } else {
    warnings.push(
      `The container is ${facts.status}: no process runs, so there is no process list to record${
        needsPause(mode) ? ' and nothing to pause (if it is started again, it runs unpaused)' : ''
      }.`,
    );
  }

  if (needsPause(mode) && running) {
    const paused = facts.status === 'paused';
    steps.push(
      step(
        'contain',
        'pause',
        paused ? 'Pause every process (already paused)' : 'Pause every process with the cgroup freezer',
        paused,
      ),
    );
  }
  if (needsNetwork(mode)) {
    if (containability === 'bridged') {
      for (const network of facts.networks) {
        if (network === QUARANTINE_NETWORK) continue;
        steps.push(step('contain', 'disconnect', `Disconnect from network ${network}`, false, network));
      }
      if (mode === 'network' && running) {
        // Seen on Docker 20.10: an --internal bridge still gives its containers the gateway address, which is the
        // engine's host, and lets containers on the same internal network talk to each other.
        warnings.push(
          `Mode network: the container keeps running. On ${QUARANTINE_NETWORK} it has no route beyond the engine's host, but it may still reach services of that host through the network's gateway address; mode "both" also pauses it.`,
        );
      }
      const quarantined = facts.networks.includes(QUARANTINE_NETWORK);
      steps.push(
        step(
          'contain',
          'quarantine',
          `Attach to the internal network ${QUARANTINE_NETWORK} (no route beyond the engine's host)${quarantined ? ' (already attached)' : ''}`,
          quarantined,
        ),
      );
    } else if (containability === 'none') {
      warnings.push('Network mode none: the container has no network, so there is nothing to disconnect.');
    } else {
      const whose = containability === 'host' ? "the host's network stack" : `the network of ${facts.networkMode}`;
      warnings.push(
        mode === 'network'
          ? `Network mode ${facts.networkMode}: the container uses ${whose}, which disconnecting networks cannot cut; mode "network" cannot contain it — use "pause" or "both".`
          : `Network mode ${facts.networkMode}: the container uses ${whose}, which disconnecting networks cannot cut; it is contained by pausing only.`,
      );
    }
  }

  steps.push(
    step(
      'collect',
      'logs',
      `Record the last ${LOG_TAIL_LINES} log lines with the engine's timestamps (container-logs)`,
    ),
  );
  return {
    engineId: facts.engineId,
    containerId: facts.containerId,
    containerName: facts.containerName,
    mode,
    steps,
    warnings,
  };
}
