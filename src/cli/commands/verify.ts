// `holdcell verify <dir>`: re-hash every item and check the custody chain; exit 3 naming the first broken thing.
import type { Command } from 'commander';
import { visibleText } from '../../contract/visible-text.js';
import type { VerifyProblem, VerifyReport } from '../../forensics/common/forensics.contract.js';
import { printJson } from '../output.js';
import { caseDirArgument, EXIT_VERIFY_FAILED, runWithSignal } from '../run.js';
import { caseStoreFromEnv } from './case.js';

/** Distinct from 1 (the command failed) and 2 (engine unreachable): the command worked and the case is damaged. */

const DOCUMENT_SUBJECTS: Readonly<Record<string, string>> = {
  manifest: 'manifest.json',
  custody: 'custody.jsonl',
  'case.json': 'case.json',
};

/** Item ids cannot take these names (the store reserves them), so anything else that is not a path is an item. */
function subjectLabel(subject: string): string {
  const document = DOCUMENT_SUBJECTS[subject];
  if (document !== undefined) return document;
  return subject.startsWith('evidence/') ? subject : `evidence item ${subject}`;
}

export function describeProblem(problem: VerifyProblem): string {
  return `${subjectLabel(problem.subject)}: ${problem.detail}`;
}

const counted = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** The report as a responder reads it: the first broken thing on the first line, then the rest. */
export function formatVerifyReport(report: VerifyReport): string[] {
  const counts = `${counted(report.itemsChecked, 'evidence item')}, ${counted(report.custodyRecordsChecked, 'custody record')}`;
  const [first, ...rest] = report.problems;
  const lines =
    first === undefined
      ? [`verify: OK: ${counts} check out in ${report.caseDir}`]
      : [
          `verify: FAILED at ${describeProblem(first)}`,
          ...rest.map((problem) => `  also ${describeProblem(problem)}`),
          `verify: ${counted(report.problems.length, 'problem')} in ${report.caseDir} (${counts} checked)`,
        ];
  return lines.map(visibleText);
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('Verify a case folder byte for byte: every evidence item, the manifest and the custody chain')
    .argument('<dir>', 'case folder: an absolute path, a path starting with ./ or ../, or a name under the cases root')
    .option('--json', 'print the verify report as JSON')
    .action(async (dir: string, options: { json?: boolean }) => {
      const report = await runWithSignal((signal) => caseStoreFromEnv().verify(caseDirArgument(dir), { signal }));
      if (options.json) printJson(report);
      else process.stdout.write(`${formatVerifyReport(report).join('\n')}\n`);
      if (!report.ok) process.exitCode = EXIT_VERIFY_FAILED;
    });
}
