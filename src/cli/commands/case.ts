// `holdcell case init|show|seal|custody`: case folders from the shell, without any Docker engine.
import type { Command } from 'commander';
import { visibleText } from '../../contract/visible-text.js';
import type { CustodyRecord } from '../../forensics/common/case-model.js';
import type { CaseSummary } from '../../forensics/common/forensics.contract.js';
import { CaseStore } from '../../forensics/node/case-store.js';
import { loadHostConfig } from '../../host/config.js';
import { printJson, printTable } from '../output.js';
import { caseDirArgument } from '../run.js';

const CASE_DIR_HELP =
  'case folder: an absolute path, a path starting with ./ or ../ (from here), or a name under the cases root ' +
  '(HOLDCELL_CASES, default ~/HoldCell/cases)';

/** Cases need no engine: the store is built from the configuration alone, never through a host. */
export function caseStoreFromEnv(): CaseStore {
  const config = loadHostConfig(process.env);
  return new CaseStore({
    casesRoot: config.casesRoot,
    operator: config.operator,
    toolVersion: `holdcell ${config.version}`,
  });
}

function line(text: string): void {
  process.stdout.write(`${visibleText(text)}\n`);
}

export function printSummary(summary: CaseSummary): void {
  const { case: caseJson } = summary;
  line(`case      ${caseJson.caseId}${caseJson.title === '' ? '' : `  "${caseJson.title}"`}`);
  line(`folder    ${summary.caseDir}`);
  line(`created   ${caseJson.createdAt} by ${caseJson.operator} (${caseJson.toolVersion})`);
  const incomplete = summary.items.filter((item) => !item.complete).map((item) => item.id);
  const state = caseJson.sealed
    ? `sealed at ${caseJson.sealed.at} (custody head ${caseJson.sealed.custodyHead})`
    : incomplete.length > 0
      ? `open; incomplete items: ${incomplete.join(', ')} (cannot be sealed)`
      : 'open';
  line(`state     ${state}`);
  line(`custody   ${summary.custodyRecords} records`);
  line(`evidence  ${summary.items.length} items`);
  if (summary.items.length > 0) {
    process.stdout.write('\n');
    printTable(
      ['ID', 'KIND', 'BYTES', 'SHA256', 'COMPLETE', 'PATH'],
      summary.items.map((item) => [
        item.id,
        item.kind,
        String(item.bytes),
        item.sha256,
        item.complete ? 'yes' : `no: ${item.incompleteReason ?? ''}`,
        item.path,
      ]),
    );
  }
}

function printCustody(records: readonly CustodyRecord[]): void {
  printTable(
    ['SEQ', 'AT', 'OPERATOR', 'ACTION', 'OUTCOME', 'TARGET', 'DETAIL'],
    records.map((record) => [
      String(record.seq),
      record.at,
      record.operator,
      record.action,
      record.outcome,
      [record.target.engineId, record.target.containerId?.slice(0, 12), record.target.itemId]
        .filter((part) => part !== undefined)
        .join('/') || '-',
      record.detail,
    ]),
  );
}

export function registerCase(program: Command): void {
  const command = program.command('case').description('Create, inspect and seal case folders (no engine needed)');

  command
    .command('init')
    .description('Create a case folder: case.json, manifest.json, custody.jsonl, evidence/, analysis/')
    .argument('<dir>', CASE_DIR_HELP)
    .option('--title <title>', 'a title for the case', '')
    .option('--json', 'print the case summary as JSON')
    .action(async (dir: string, options: { title: string; json?: boolean }) => {
      const store = caseStoreFromEnv();
      const recorder = await store.create(caseDirArgument(dir), { title: options.title });
      const summary = await store.summary(recorder.caseDir);
      if (options.json) printJson(summary);
      else printSummary(summary);
    });

  command
    .command('show')
    .description('Show a case: its state and every evidence item with size, hash and completeness')
    .argument('<dir>', CASE_DIR_HELP)
    .option('--json', 'print the case summary as JSON')
    .action(async (dir: string, options: { json?: boolean }) => {
      const summary = await caseStoreFromEnv().summary(caseDirArgument(dir));
      if (options.json) printJson(summary);
      else printSummary(summary);
    });

  command
    .command('seal')
    .description('Seal a complete, verified case: record the custody head and make the folder read-only')
    .argument('<dir>', CASE_DIR_HELP)
    .option('--json', 'print the sealed case summary as JSON')
    .action(async (dir: string, options: { json?: boolean }) => {
      // A refusal is a ContractError; the CLI's entry prints its reason and exits non-zero.
      const summary = await caseStoreFromEnv().seal(caseDirArgument(dir));
      if (options.json) printJson(summary);
      else printSummary(summary);
    });

  command
    .command('custody')
    .description('Print the custody log, one record per line')
    .argument('<dir>', CASE_DIR_HELP)
    .option('--json', 'print { records, total } as JSON')
    .action(async (dir: string, options: { json?: boolean }) => {
      const store = caseStoreFromEnv();
      const records: CustodyRecord[] = [];
      let total = 0;
      for (let offset: number | undefined = 0; offset !== undefined;) {
        const page = await store.custody(caseDirArgument(dir), offset, 1000);
        records.push(...page.records);
        total = page.total;
        offset = page.nextOffset;
      }
      if (options.json) printJson({ records, total });
      else printCustody(records);
    });
}
