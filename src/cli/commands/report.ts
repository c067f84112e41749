// `holdcell report <case>`: the post-mortem as Markdown, self-contained HTML or PDF, every claim citing its evidence hash.
import { writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { ContractError, type Progress } from '../../contract/envelope.js';
import { visibleText } from '../../contract/visible-text.js';
import type { ReportFileFormat } from '../../forensics/common/report.contract.js';
import { DiffService } from '../../forensics/node/diff-service.js';
import { HOLDCELL_VERSION } from '../../host/config.js';
import { createReportService } from '../../host/report-wiring.js';
import { createTimelineService } from '../../host/timeline-wiring.js';
import { printJson } from '../output.js';
import { caseDirArgument, reportFailure, runWithSignal } from '../run.js';
import { caseStoreFromEnv } from './case.js';

interface ReportOptions {
  format: ReportFileFormat;
  out?: string;
  json?: boolean;
}

/** Exclusive create: a report already written (perhaps attached to a ticket) is never overwritten. */
async function writeNew(file: string, bytes: Uint8Array): Promise<void> {
  await writeFile(file, bytes, { flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EEXIST') throw new ContractError('BAD_INPUT', `${file} exists; choose another file for --out`);
    throw error;
  });
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'The post-mortem report of a case: summary, scope, detection, containment, evidence, findings, process tree, ' +
        'network, ATT&CK, key events, notes, remediation and verification, each claim citing its evidence item and ' +
        'SHA-256. Markdown and HTML are byte-identical for the same case; PDF is printed by Chromium with no network',
    )
    .argument('<case>', 'case folder: an absolute path, a path starting with ./ or ../, or a name under the cases root')
    .addOption(new Option('--format <format>', 'output format').choices(['md', 'html', 'pdf']).default('md'))
    .option('--out <file>', 'write the report to this new file (required for pdf); default: standard output')
    .option('--json', 'print what was written (file, bytes, hashes, requests) as JSON')
    .action(async (caseArgument: string, options: ReportOptions) => {
      const showProgress = options.json !== true && process.stderr.isTTY === true;
      try {
        if (options.format === 'pdf' && options.out === undefined) {
          throw new ContractError('BAD_INPUT', 'a PDF is binary: give --out <file.pdf>');
        }
        const cases = caseStoreFromEnv();
        const diffs = new DiffService({ cases });
        const service = createReportService({
          cases,
          diffs,
          timeline: createTimelineService({ cases, diffs }),
          toolVersion: `holdcell ${HOLDCELL_VERSION}`,
        });
        const progress = (value: Progress): void => {
          if (showProgress) process.stderr.write(`\r\u001b[K${visibleText(value.note ?? '')}`);
        };
        const file = await runWithSignal((signal) =>
          service.fileOf(caseDirArgument(caseArgument), options.format, { signal, progress }),
        );
        if (showProgress) process.stderr.write('\r\u001b[K');
        if (options.out === undefined) {
          if (options.json)
            printJson({ format: options.format, text: Buffer.from(file.bytes).toString('utf8'), sha256: file.sha256 });
          else process.stdout.write(file.bytes);
          return;
        }
        await writeNew(options.out, file.bytes);
        const written = {
          format: options.format,
          out: options.out,
          bytes: file.bytes.length,
          sha256: file.sha256,
          textSha256: file.textSha256,
          ...(file.requests === undefined ? {} : { requests: file.requests, engine: file.engine }),
        };
        if (options.json) printJson(written);
        else {
          const printed =
            file.requests === undefined
              ? ''
              : `; printed by ${file.engine ?? '?'}, ${file.requests} requests attempted`;
          process.stdout.write(
            `${visibleText(`report: ${options.out}: ${written.bytes} bytes, sha256 ${file.sha256}${printed}`)}\n`,
          );
        }
      } catch (error) {
        if (showProgress) process.stderr.write('\n');
        reportFailure(error);
      }
    });
}
