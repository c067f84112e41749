// The post-mortem report as data: every section the renderers print, every claim with the evidence it rests on.
//
// Strings from evidence are kept raw here (the renderers escape them for their format and make invisible characters
// visible); the few fields the host already turned into display form (diff paths, finding details) are typed
// `Display` so they are not escaped twice.

/** A string the host already made visible (diff paths and finding details: backslashes begin its escapes). */
export interface Display {
  display: string;
}

/** A piece of prose: raw text, or display text, or evidence shown in a monospace face. */
export type Text = string | Display | { code: string | Display };

/** Where a claim comes from: an evidence item (or the custody log) and its SHA-256, and where in it. */
export interface Citation {
  /** Item id, or "custody.jsonl" for custody records. */
  itemId: string;
  sha256: string;
  locator?: string;
}

/** One sentence of the executive summary, generated from facts, with its evidence. */
export interface Fact {
  parts: Text[];
  cites: Citation[];
}

export interface EngineScope {
  engineId: string;
  endpoint: string;
  name?: string;
  version?: string;
  os?: string;
  kernel?: string;
  cites: Citation[];
}

export interface ContainerScope {
  id: string;
  name: string;
  image: string;
  imageId: string;
  engineId: string;
  created?: string;
  started?: string;
  state?: string;
  /** Risky configuration (privileged, host namespaces, added capabilities, root user), as read from inspect. */
  risks: string[];
  cites: Citation[];
}

export interface ImageScope {
  id: string;
  tags: string[];
  digests: string[];
  created?: string;
  /** "origin" (the suspect was created from it) or "evidence" (committed by HoldCell from the suspect). */
  role: 'origin' | 'evidence';
  cites: Citation[];
}

export interface ContainmentAction {
  at: string;
  /** Custody action, e.g. engine.pause. */
  action: string;
  /** What it means for containment, from the table in report-containment.ts. */
  label: string;
  outcome: string;
  operator: string;
  containerId?: string;
  detail: string;
  cite: Citation;
}

export interface EvidenceRow {
  id: string;
  kind: string;
  bytes: number;
  sha256: string;
  complete: boolean;
  incompleteReason?: string;
  flags: string[];
  acquiredAt: string;
  containerName?: string;
}

export interface FindingRow {
  rule: string;
  severity: string;
  path: Display;
  change: string;
  attack: string;
  detail: Display;
  cites: Citation[];
}

export interface ProcessNode {
  pid: number;
  ppid: number | null;
  exe: string | null;
  argv: string[];
  start: string | null;
  end?: string | null;
  exitCode?: number;
  signal?: string;
  /** Depth in the printed tree (0 = a root of the attack's tree). */
  depth: number;
  /** Why the process is in the tree; empty for an ancestor kept only for context. */
  reasons: string[];
  cite: Citation;
}

export interface NetworkIndicator {
  op: string;
  address: string;
  port: number | null;
  result: string;
  pid: number;
  process: string;
  first: string | null;
  count: number;
  cite: Citation;
}

export interface TechniqueRow {
  id: string;
  name: string;
  /** Timeline events and diff findings carrying the technique, and their sum. */
  events: number;
  findings: number;
  count: number;
  firstSeen: string | null;
  cites: Citation[];
}

export interface KeyEvent {
  at: string;
  source: string;
  kind: string;
  summary: string;
  techniques: string[];
  bookmarked: boolean;
  notes: string[];
  cite: Citation | null;
}

export interface NoteRow {
  at: string;
  operator: string;
  kind: string;
  text: string;
  eventId?: string;
}

export interface RemediationRow {
  technique: string;
  name: string;
  action: string;
}

export interface VerificationResult {
  ok: boolean;
  itemsChecked: number;
  custodyRecordsChecked: number;
  problems: string[];
  sealed?: { at: string; custodyHead: string };
  /** SHA-256 of the last custody record's line: record it outside the case to pin this report to the log. */
  custodyHead: string | null;
}

export interface ReportModel {
  title: string;
  caseId: string;
  /** The case's last custody time (not now): the same case renders the same report. */
  asOf: string;
  toolVersion: string;
  attackVersion: string;
  summary: Fact[];
  scope: { engines: EngineScope[]; containers: ContainerScope[]; images: ImageScope[] };
  detection: { firstAlert: KeyEvent | null; firstMalicious: KeyEvent | null; note: string | null };
  containment: ContainmentAction[];
  evidence: EvidenceRow[];
  findings: { rows: FindingRow[]; counts: string | null; note: string | null };
  processes: { nodes: ProcessNode[]; note: string | null };
  network: NetworkIndicator[];
  attack: TechniqueRow[];
  keyEvents: {
    events: KeyEvent[];
    omitted: number;
    note: string | null;
    /** The timeline they were chosen from: its event count and the SHA-256 of analysis/timeline.jsonl. */
    source: { events: number; sha256: string } | null;
  };
  notes: NoteRow[];
  remediation: RemediationRow[];
  verification: VerificationResult;
  /** What could not be read or built, each with its reason: a report never hides a gap. */
  problems: string[];
}
