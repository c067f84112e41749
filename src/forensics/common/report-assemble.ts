// Assembles the report model from what the case holds: pure, so the same inputs always give the same report.
import { ATTACK_VERSION } from './attack-techniques.js';
import type { CaseJson, CustodyRecord, ManifestItem } from './case-model.js';
import type { DiffEntry, DiffSummary } from './diff-model.js';
import { SEVERITY_RANK } from './findings.js';
import type { VerifyReport } from './forensics.contract.js';
import { attackTree, networkIndicators, type TraceActivity } from './report-activity.js';
import { containmentLabel } from './report-containment.js';
import { activeAnnotations, eventFacts, techniqueRows, techniquesByProcess } from './report-events.js';
import type { Citation, ContainmentAction, EvidenceRow, FindingRow, ReportModel } from './report-model.js';
import { remediationFor } from './report-remediation.js';
import { buildScope, citeItem, type JsonEvidence } from './report-scope.js';
import { summaryFacts } from './report-summary.js';
import type { Annotation, TimelineEvent } from './timeline-model.js';
import { rawEntryName, rawFromDisplay } from './timeline-raw-text.js';

/** One custody record with the SHA-256 of its exact line (what the next record's prevHash vouches for). */
export interface CustodyLine {
  record: CustodyRecord;
  hash: string;
}

export type Loaded<T> = T | { problem: string };

/** What the report reads of the case's timeline: the events it prints (not all of them) and the file's identity. */
export interface TimelineFacts {
  events: TimelineEvent[];
  attackVersion: string;
  problems: string[];
  /** Events in the whole timeline, and the SHA-256 of analysis/timeline.jsonl. */
  total: number;
  sha256: string;
}

export interface ReportInputs {
  caseJson: CaseJson;
  items: ManifestItem[];
  custody: CustodyLine[];
  /** engine-info, container-inspect and image-inspect items, parsed (or why not). */
  json: JsonEvidence[];
  diff: Loaded<{ summary: DiffSummary; entries: DiffEntry[] }>;
  traces: TraceActivity[];
  traceProblems: string[];
  timeline: Loaded<TimelineFacts>;
  /** annotations.jsonl records in file order (withdrawals included: they are applied here). */
  annotations: Annotation[];
  verify: VerifyReport;
  toolVersion: string;
}

/** Findings printed at most, most severe first; the count says how many there are. */
export const MAX_FINDINGS = 500;

export const isProblem = <T extends object>(value: Loaded<T>): value is { problem: string } =>
  'problem' in value && typeof (value as { problem: unknown }).problem === 'string';

export const custodyCite = (line: CustodyLine): Citation => ({
  itemId: 'custody.jsonl',
  sha256: line.hash,
  locator: `record ${line.record.seq}`,
});

function containment(custody: readonly CustodyLine[]): ContainmentAction[] {
  return custody.flatMap((line) => {
    const label = containmentLabel(line.record);
    if (label === undefined) return [];
    const { record } = line;
    return [
      {
        at: record.at,
        action: record.action,
        label,
        outcome: record.outcome,
        operator: record.operator,
        ...(record.target.containerId === undefined ? {} : { containerId: record.target.containerId }),
        detail: record.detail,
        cite: custodyCite(line),
      },
    ];
  });
}

function evidenceRows(items: readonly ManifestItem[]): EvidenceRow[] {
  return [...items]
    .sort((a, b) => (a.acquiredAt < b.acquiredAt ? -1 : a.acquiredAt > b.acquiredAt ? 1 : a.id < b.id ? -1 : 1))
    .map((item) => ({
      id: item.id,
      kind: item.kind,
      bytes: item.bytes,
      sha256: item.sha256,
      complete: item.complete,
      ...(item.incompleteReason === undefined ? {} : { incompleteReason: item.incompleteReason }),
      flags: [...item.flags].sort(),
      acquiredAt: item.acquiredAt,
      ...(item.source.containerName === undefined ? {} : { containerName: item.source.containerName }),
    }));
}

/** Each changed path's evidence: the container export for what is there now, the image for what was removed. */
function findingCites(entry: DiffEntry, summary: DiffSummary, items: readonly ManifestItem[]): Citation[] {
  const sources = summary.sources.flatMap((source) => {
    const item = items.find((candidate) => candidate.id === source.itemId);
    return item === undefined ? [] : [{ ...source, kind: item.kind }];
  });
  const wanted = entry.change === 'deleted' ? 'image-save' : 'filesystem-export';
  const chosen = sources.filter((source) => source.kind === wanted);
  return (chosen.length > 0 ? chosen : sources).map((source) =>
    // Raw like a timeline event's locator: each renderer escapes it once.
    citeItem(
      { id: source.itemId, sha256: source.sha256 },
      `path /${rawEntryName(entry) ?? rawFromDisplay(entry.path)}`,
    ),
  );
}

function findingRows(
  diff: { summary: DiffSummary; entries: DiffEntry[] },
  items: readonly ManifestItem[],
): FindingRow[] {
  const rows = diff.entries.flatMap((entry) =>
    entry.findings.map((finding) => ({
      rule: finding.rule,
      severity: finding.severity,
      path: { display: `/${entry.path}` },
      change: entry.change,
      attack: finding.attack,
      detail: { display: finding.detail },
      cites: findingCites(entry, diff.summary, items),
    })),
  );
  const key = (row: FindingRow): string => `${row.path.display}\u0000${row.rule}\u0000${row.detail.display}`;
  return rows.sort(
    (a, b) =>
      SEVERITY_RANK[b.severity as keyof typeof SEVERITY_RANK] -
        SEVERITY_RANK[a.severity as keyof typeof SEVERITY_RANK] || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0),
  );
}

function findingCounts(summary: DiffSummary): string {
  const { counts, findings } = summary;
  const severities = (['critical', 'high', 'medium', 'low', 'info'] as const)
    .filter((severity) => (findings.bySeverity[severity] ?? 0) > 0)
    .map((severity) => `${findings.bySeverity[severity] ?? 0} ${severity}`);
  return (
    `${counts.added} added, ${counts.deleted} deleted, ${counts.modified} modified, ${counts.metadata} metadata, ` +
    `${counts.type} type changes; ${findings.total} findings${severities.length > 0 ? ` (${severities.join(', ')})` : ''}`
  );
}

export function assembleReport(inputs: ReportInputs): ReportModel {
  const problems: string[] = [];
  const scope = buildScope(inputs.json, inputs.items);
  problems.push(...scope.problems);

  const annotations = activeAnnotations(inputs.annotations);
  const timeline = isProblem(inputs.timeline) ? undefined : inputs.timeline;
  if (isProblem(inputs.timeline)) problems.push(inputs.timeline.problem);
  else problems.push(...inputs.timeline.problems.map((problem) => `timeline: ${problem}`));
  const events = timeline?.events ?? [];
  const facts = eventFacts(events, annotations);

  const diff = isProblem(inputs.diff) ? undefined : inputs.diff;
  if (isProblem(inputs.diff)) problems.push(inputs.diff.problem);
  else problems.push(...inputs.diff.summary.problems.map((problem) => `diff: ${problem}`));
  const allFindings = diff === undefined ? [] : findingRows(diff, inputs.items);

  problems.push(...inputs.traceProblems);
  // Keyed by the raw name, as the traces name files: a hostile name's display form would never match a traced path.
  const flaggedPaths = new Map<string, string[]>();
  for (const entry of diff?.entries ?? []) {
    if (entry.findings.length === 0) continue;
    const raw = `/${rawEntryName(entry) ?? rawFromDisplay(entry.path)}`;
    flaggedPaths.set(raw, [
      ...(flaggedPaths.get(raw) ?? []),
      ...entry.findings.map((finding) => `${finding.rule} ${finding.attack}`),
    ]);
  }
  const tree = attackTree(inputs.traces, { techniquesByProcess: techniquesByProcess(events), flaggedPaths });
  const network = networkIndicators(inputs.traces);

  const findingsForAttack =
    diff === undefined
      ? []
      : diff.entries
          .filter((entry) => entry.findings.length > 0)
          .map((entry) => ({ entry, cites: findingCites(entry, diff.summary, inputs.items) }));
  const attack = techniqueRows(events, findingsForAttack);
  const containmentActions = containment(inputs.custody);
  const evidence = evidenceRows(inputs.items);
  const last = inputs.custody.at(-1);

  const model: ReportModel = {
    title: `Post-mortem: ${inputs.caseJson.title || inputs.caseJson.caseId}`,
    caseId: inputs.caseJson.caseId,
    asOf: last?.record.at ?? inputs.caseJson.createdAt,
    toolVersion: inputs.toolVersion,
    attackVersion: timeline?.attackVersion ?? ATTACK_VERSION,
    summary: [],
    scope: { engines: scope.engines, containers: scope.containers, images: scope.images },
    detection: {
      firstAlert: facts.firstAlert,
      firstMalicious: facts.firstMalicious,
      note:
        timeline === undefined
          ? 'not determined: no timeline (see problems)'
          : facts.firstAlert === null && facts.firstMalicious === null
            ? 'no event of the timeline carries an alert or an ATT&CK technique'
            : null,
    },
    containment: containmentActions,
    evidence,
    findings: {
      rows: allFindings.slice(0, MAX_FINDINGS),
      counts: diff === undefined ? null : findingCounts(diff.summary),
      note:
        diff === undefined
          ? 'no filesystem diff (see problems)'
          : allFindings.length > MAX_FINDINGS
            ? `${allFindings.length - MAX_FINDINGS} less severe findings not printed: holdcell diff <case> lists them all`
            : null,
    },
    processes: {
      nodes: tree.nodes,
      note:
        inputs.traces.length === 0
          ? 'no syscall trace in the case'
          : tree.nodes.length === 0
            ? 'no traced process did anything flagged'
            : tree.omitted > 0
              ? `${tree.omitted} more processes not printed: holdcell replay lists them all`
              : null,
    },
    network,
    attack,
    keyEvents: {
      events: facts.keyEvents,
      omitted: facts.omitted,
      note: timeline === undefined ? 'no timeline (see problems)' : null,
      source: timeline === undefined ? null : { events: timeline.total, sha256: timeline.sha256 },
    },
    notes: facts.notes,
    remediation: remediationFor(attack.map((row) => row.id)),
    verification: {
      ok: inputs.verify.ok,
      itemsChecked: inputs.verify.itemsChecked,
      custodyRecordsChecked: inputs.verify.custodyRecordsChecked,
      problems: inputs.verify.problems.map((problem) => `${problem.subject}: ${problem.detail}`),
      ...(inputs.caseJson.sealed === undefined
        ? {}
        : { sealed: { at: inputs.caseJson.sealed.at, custodyHead: inputs.caseJson.sealed.custodyHead } }),
      custodyHead: last?.hash ?? null,
    },
    problems,
  };
  model.summary = summaryFacts(model, inputs);
  return model;
}
