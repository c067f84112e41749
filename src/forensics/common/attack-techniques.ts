// The MITRE ATT&CK (Enterprise) techniques findings and timeline rules map to, with their names in the version we cite.

/**
 * Names as published in ATT&CK Enterprise v16.1 (October 2024). Later versions renamed a few without changing the
 * ids (v17 calls T1036.005 "Match Legitimate Resource Name or Location"); the ids are what findings carry.
 */
export const ATTACK_VERSION = 'ATT&CK Enterprise v16.1';

export const ATTACK_TECHNIQUES = {
  T1027: 'Obfuscated Files or Information',
  'T1036.004': 'Masquerading: Masquerade Task or Service',
  'T1036.005': 'Masquerading: Match Legitimate Name or Location',
  T1037: 'Boot or Logon Initialization Scripts',
  'T1053.003': 'Scheduled Task/Job: Cron',
  T1059: 'Command and Scripting Interpreter',
  'T1059.004': 'Command and Scripting Interpreter: Unix Shell',
  T1070: 'Indicator Removal',
  'T1070.002': 'Indicator Removal: Clear Linux or Mac System Logs',
  'T1070.003': 'Indicator Removal: Clear Command History',
  'T1070.006': 'Indicator Removal: Timestomp',
  T1098: 'Account Manipulation',
  'T1098.004': 'Account Manipulation: SSH Authorized Keys',
  T1105: 'Ingress Tool Transfer',
  'T1136.001': 'Create Account: Local Account',
  'T1222.002': 'File and Directory Permissions Modification: Linux and Mac File and Directory Permissions Modification',
  T1496: 'Resource Hijacking',
  'T1505.003': 'Server Software Component: Web Shell',
  'T1543.002': 'Create or Modify System Process: Systemd Service',
  'T1546.004': 'Event Triggered Execution: Unix Shell Configuration Modification',
  T1548: 'Abuse Elevation Control Mechanism',
  'T1548.001': 'Abuse Elevation Control Mechanism: Setuid and Setgid',
  'T1548.003': 'Abuse Elevation Control Mechanism: Sudo and Sudo Caching',
  T1554: 'Compromise Host Software Binary',
  'T1564.001': 'Hide Artifacts: Hidden Files and Directories',
  'T1574.006': 'Hijack Execution Flow: Dynamic Linker Hijacking',
  T1609: 'Container Administration Command',
  T1610: 'Deploy Container',
  T1611: 'Escape to Host',
  T1613: 'Container and Resource Discovery',
} as const;

export type AttackTechniqueId = keyof typeof ATTACK_TECHNIQUES;

/** The technique's name, for reports and the findings panel. */
export function attackTechniqueName(id: string): string | undefined {
  return Object.hasOwn(ATTACK_TECHNIQUES, id) ? ATTACK_TECHNIQUES[id as AttackTechniqueId] : undefined;
}
