// `holdcell diff <case>`: what changed in the container against its image, with layers, packages and findings.
import type { Command } from 'commander';
import type { Progress } from '../../contract/envelope.js';
import { visibleText } from '../../contract/visible-text.js';
import type { DiffEntry, FileMeta, Severity } from '../../forensics/common/diff-model.js';
import { DiffService, type DiffReport } from '../../forensics/node/diff-service.js';
import { printJson } from '../output.js';
import { caseDirArgument, reportFailure, runWithSignal } from '../run.js';
import { caseStoreFromEnv } from './case.js';

const CASE_DIR_HELP =
  'case folder: an absolute path, a path starting with ./ or ../, or a name under the cases root ' +
  '(HOLDCELL_CASES, default ~/HoldCell/cases)';

const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/**
 * Entry paths, link targets and finding details are display forms already (escaped, real backslashes doubled);
 * escaping them again would double every backslash. This only escapes what is still unsafe, leaving backslashes.
 */
function terminalSafe(text: string): string {
  return text.split('\\').map(visibleText).join('\\');
}

/** Aligned columns, every cell terminal-safe; the last column is not padded. */
function printRows(headers: readonly string[], rows: readonly (readonly string[])[]): void {
  const safe = [headers, ...rows].map((row) => row.map(terminalSafe));
  const widths = headers.map((_, column) => Math.max(...safe.map((row) => [...(row[column] ?? '')].length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) =>
        column === cells.length - 1 ? cell : cell.padEnd((widths[column] ?? 0) + cell.length - [...cell].length),
      )
      .join('  ')
      .trimEnd();
  process.stdout.write(`${safe.map(line).join('\n')}\n`);
}

/** "/etc/passwd": the model's paths are relative to the root; people read them absolute. */
const shown = (path: string): string => `/${path}`;

function octal(meta: FileMeta | undefined): string {
  return meta === undefined ? '' : meta.mode.toString(8).padStart(4, '0');
}

/** What changed, briefly: hashes for content, modes and owners for metadata, types for retyping. */
function detail(entry: DiffEntry): string {
  const { before, after } = entry;
  switch (entry.change) {
    case 'added':
      return `${after?.type ?? ''} ${octal(after)} ${after?.size ?? 0} B`;
    case 'deleted':
      return `${before?.type ?? ''} ${octal(before)} ${before?.size ?? 0} B`;
    case 'type':
      return `${before?.type ?? ''} → ${after?.type ?? ''}`;
    case 'modified':
      return before?.type === 'symlink' || before?.type === 'hardlink'
        ? `→ ${before.linkTarget ?? ''} ⇒ ${after?.linkTarget ?? ''}`
        : `${before?.size ?? 0} → ${after?.size ?? 0} B`;
    case 'metadata': {
      const parts: string[] = [];
      if (before?.mode !== after?.mode) parts.push(`mode ${octal(before)} → ${octal(after)}`);
      if (before?.uid !== after?.uid || before?.gid !== after?.gid) {
        parts.push(`owner ${before?.uid ?? ''}:${before?.gid ?? ''} → ${after?.uid ?? ''}:${after?.gid ?? ''}`);
      }
      if (before?.mtime !== after?.mtime) parts.push(`mtime ${before?.mtime ?? ''} → ${after?.mtime ?? ''}`);
      if (JSON.stringify(before?.xattrs ?? {}) !== JSON.stringify(after?.xattrs ?? {})) parts.push('xattrs');
      return parts.join(', ');
    }
  }
}

function packageLabel(entry: DiffEntry): string {
  const pkg = entry.package;
  if (pkg === undefined) return '-';
  return `${pkg.name}${pkg.version === undefined ? '' : ` ${pkg.version}`}${pkg.tampered === true ? ' TAMPERED' : ''}`;
}

function printReport(report: DiffReport): void {
  const { summary, entries } = report;
  const counts = summary.counts;
  const bySeverity = SEVERITY_ORDER.filter((severity) => (summary.findings.bySeverity[severity] ?? 0) > 0).map(
    (severity) => `${summary.findings.bySeverity[severity] ?? 0} ${severity}`,
  );
  const lines = [
    `diff of container ${summary.containerId.slice(0, 12)} (created ${summary.containerCreated || 'unknown'}) ` +
      `against image ${summary.imageId.replace(/^sha256:/, '').slice(0, 12)}`,
    `layers: ${summary.layers.map((layer) => `${layer.index} ${layer.digest.replace(/^sha256:/, '').slice(0, 12)}`).join(', ')}` +
      `; packages: ${summary.packageManagers.join(', ') || 'none found'}`,
    `indexed: ${summary.indexed.imageEntries} image entries, ${summary.indexed.containerEntries} container entries`,
    `changes: ${counts.added} added, ${counts.deleted} deleted, ${counts.modified} modified, ` +
      `${counts.metadata} metadata, ${counts.type} type` +
      (report.runtime.length > 0 ? ` (and ${report.runtime.length} made by Docker itself, not counted)` : ''),
    `findings: ${summary.findings.total}${bySeverity.length > 0 ? ` (${bySeverity.join(', ')})` : ''}`,
  ];
  process.stdout.write(`${lines.map(terminalSafe).join('\n')}\n`);
  if (entries.length > 0) {
    process.stdout.write('\n');
    printRows(
      ['CHANGE', 'PATH', 'DETAIL', 'LAYER', 'PACKAGE', 'FINDINGS'],
      entries.map((entry) => [
        entry.change,
        shown(entry.path),
        detail(entry),
        entry.layer === undefined ? '-' : String(entry.layer.index),
        packageLabel(entry),
        entry.findings.map((finding) => `${finding.rule}(${finding.severity} ${finding.attack})`).join(' ') || '-',
      ]),
    );
  }
  const flagged = entries.filter((entry) => entry.findings.length > 0);
  if (flagged.length > 0) {
    process.stdout.write('\nfindings:\n');
    for (const entry of flagged) {
      for (const finding of entry.findings) {
        process.stdout.write(
          `${terminalSafe(`  [${finding.severity}] ${finding.rule} ${finding.attack} ${shown(entry.path)}: ${finding.detail}`)}\n`,
        );
      }
    }
  }
  if (report.runtime.length > 0) {
    const made = report.runtime.map((item) => `${shown(item.path)} (${item.change}, ${item.reason})`).join(', ');
    process.stdout.write(`\n${terminalSafe(`made by Docker, not counted: ${made}`)}\n`);
  }
  if (summary.problems.length > 0) {
    process.stdout.write(
      `\nproblems:\n${summary.problems.map((problem) => `  ${terminalSafe(problem)}`).join('\n')}\n`,
    );
  }
}

function progressLine(progress: Progress): void {
  process.stderr.write(`\r\u001b[K${terminalSafe(progress.note ?? '')}`);
}

export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description(
      "Compare the case's newest container export with the image it was started from: added, deleted, modified, " +
        'metadata and type changes, the layer and package of each original file, and findings with ATT&CK ids. ' +
        'Computed once into analysis/diff.json; no engine needed',
    )
    .argument('<case>', CASE_DIR_HELP)
    .option('--json', 'print { entries, summary } as JSON')
    .option('--rebuild', 'recompute the diff from the evidence even when analysis/diff.json is current')
    .action(async (caseArgument: string, options: { json?: boolean; rebuild?: boolean }) => {
      // A one-line, rewritten progress indicator, only where a person watches (a terminal on stderr).
      const showProgress = options.json !== true && process.stderr.isTTY === true;
      try {
        const service = new DiffService({ cases: caseStoreFromEnv() });
        const report = await runWithSignal((signal) =>
          service.report(caseDirArgument(caseArgument), {
            rebuild: options.rebuild === true,
            signal,
            ...(showProgress ? { progress: (progress: Progress) => progressLine(progress) } : {}),
          }),
        );
        if (showProgress) process.stderr.write('\r\u001b[K');
        if (options.json) {
          // Extra summary fields beyond the contract's (Docker's runtime artefacts) are allowed; none renamed.
          printJson({ entries: report.entries, summary: { ...report.summary, runtime: report.runtime } });
        } else {
          printReport(report);
        }
      } catch (error) {
        if (showProgress) process.stderr.write('\n');
        reportFailure(error);
      }
    });
}
