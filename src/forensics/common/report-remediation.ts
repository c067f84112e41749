// Recommended actions per ATT&CK technique, as data: the report's remediation section is this table joined with what was found.
import { attackTechniqueName } from './attack-techniques.js';
import type { RemediationRow } from './report-model.js';

interface Remedy {
  /** Name in ATT&CK Enterprise v16.1, for techniques the findings table does not name. */
  name?: string;
  action: string;
}

/** Keyed by technique id; a sub-technique without a row of its own falls back to its parent's. */
export const REMEDIATION: Readonly<Record<string, Remedy>> = {
  T1027: { action: 'Analyse the packed or encoded file in the sandbox; rebuild the container from a verified image.' },
  T1036: {
    name: 'Masquerading',
    action: 'Compare the cited files against the image and the package database; rebuild from a verified image.',
  },
  T1037: { action: 'Remove the added start-up scripts; run with a read-only root filesystem.' },
  T1053: {
    name: 'Scheduled Task/Job',
    action: 'Remove the scheduled job; do not ship cron in runtime images; run with a read-only root filesystem.',
  },
  'T1053.003': {
    name: 'Scheduled Task/Job: Cron',
    action: 'Remove the cron entry; do not ship cron in runtime images; run with a read-only root filesystem.',
  },
  T1059: {
    name: 'Command and Scripting Interpreter',
    action: 'Remove interpreters the service does not need from the runtime image; alert on interactive shells.',
  },
  'T1059.004': {
    name: 'Command and Scripting Interpreter: Unix Shell',
    action:
      'Use a minimal (distroless) runtime image without a shell, run as non-root with a read-only root, and alert on shells spawned in containers.',
  },
  T1070: {
    name: 'Indicator Removal',
    action: 'Ship logs off the container as they are written (log driver, central collection); read-only root.',
  },
  'T1070.006': {
    action: "Treat this container's file times as unreliable; rely on engine, trace and custody timestamps instead.",
  },
  T1098: {
    name: 'Account Manipulation',
    action: 'Rotate the credentials of every account in the container; rebuild it; keep /etc read-only at run time.',
  },
  'T1098.004': {
    name: 'Account Manipulation: SSH Authorized Keys',
    action: 'Remove the added keys, rotate the keys of affected accounts, and do not run sshd inside containers.',
  },
  T1105: {
    name: 'Ingress Tool Transfer',
    action:
      'Deny egress by default (internal networks, network policy); mount writable paths noexec; drop curl, wget and nc from runtime images.',
  },
  T1136: {
    name: 'Create Account',
    action: 'Remove the added accounts, rebuild from the image and rotate credentials.',
  },
  T1222: {
    name: 'File and Directory Permissions Modification',
    action: 'Rebuild from the image; run as non-root with a read-only root filesystem.',
  },
  T1496: {
    name: 'Resource Hijacking',
    action:
      'Stop and remove the container, rotate its credentials, set CPU and memory limits, and block egress to mining pools.',
  },
  T1505: {
    name: 'Server Software Component',
    action: 'Remove the web shell, fix the application flaw that let it in, and keep web roots read-only.',
  },
  T1543: {
    name: 'Create or Modify System Process',
    action: 'Remove the added service; rebuild from a verified image with a read-only root filesystem.',
  },
  T1546: {
    name: 'Event Triggered Execution',
    action: 'Restore the shell start-up files from the image; rebuild; read-only root filesystem.',
  },
  T1548: {
    action: 'Remove setuid/setgid binaries and sudo rules the service does not need; run with no-new-privileges.',
  },
  T1554: {
    action: 'Rebuild from a verified, signed image; check every package file against its database checksum.',
  },
  T1564: {
    name: 'Hide Artifacts',
    action: 'Review every hidden file cited; rebuild from a verified image.',
  },
  T1574: {
    name: 'Hijack Execution Flow',
    action: 'Remove the preload entry or hijacking library; rebuild from a verified image with a read-only root.',
  },
  T1609: {
    name: 'Container Administration Command',
    action:
      'Restrict who may exec into containers (engine socket permissions, RBAC on pods/exec) and audit every exec.',
  },
  T1610: {
    name: 'Deploy Container',
    action: 'Restrict who may create containers; deny privileged and host-mounting containers by admission policy.',
  },
  T1611: {
    name: 'Escape to Host',
    action:
      'Never run privileged containers nor mount the runtime socket or host paths; drop capabilities, keep seccomp/AppArmor and user namespaces on; treat the host as compromised and investigate it.',
  },
  T1613: {
    name: 'Container and Resource Discovery',
    action: 'Do not expose the engine or cluster API to workloads; least-privilege service accounts.',
  },
};

const GENERIC =
  'Review the cited evidence; rebuild the container from a verified image and rotate any credentials it held.';

const parentOf = (id: string): string => id.split('.')[0] ?? id;

/** The technique's name: the findings table's (ATT&CK v16.1), else this table's, else its parent's with the id. */
export function techniqueName(id: string): string {
  return (
    attackTechniqueName(id) ??
    REMEDIATION[id]?.name ??
    (id.includes('.') ? `${techniqueName(parentOf(id))} (${id})` : `technique ${id}`)
  );
}

/** One row per technique seen, in technique-id order; the action is the technique's own, its parent's, or generic. */
export function remediationFor(techniques: readonly string[]): RemediationRow[] {
  return [...new Set(techniques)].sort(compareTechniques).map((technique) => ({
    technique,
    name: techniqueName(technique),
    action: REMEDIATION[technique]?.action ?? REMEDIATION[parentOf(technique)]?.action ?? GENERIC,
  }));
}

/** T1059 < T1059.004 < T1105: by number, then sub-technique number. */
export function compareTechniques(a: string, b: string): number {
  const key = (id: string): [number, number] => {
    const match = /^T(\d+)(?:\.(\d+))?$/.exec(id);
    return match === null ? [Number.MAX_SAFE_INTEGER, 0] : [Number(match[1]), Number(match[2] ?? 0)];
  };
  const [a1, a2] = key(a);
  const [b1, b2] = key(b);
  return a1 - b1 || a2 - b2 || (a < b ? -1 : a > b ? 1 : 0);
}
