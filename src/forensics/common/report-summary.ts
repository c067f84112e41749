// The executive summary: one sentence per fact the sections establish, each citing its evidence — templates, no prose invented.
import type { ReportInputs } from './report-assemble.js';
import type { Citation, Fact, KeyEvent, ReportModel, Text } from './report-model.js';

const short = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);
const plural = (count: number, noun: string, nouns = `${noun}s`): string => `${count} ${count === 1 ? noun : nouns}`;

function unique(cites: readonly (Citation | null)[], limit = 4): Citation[] {
  const out: Citation[] = [];
  for (const cite of cites) {
    if (cite === null || out.some((known) => known.itemId === cite.itemId && known.locator === cite.locator)) continue;
    out.push(cite);
    if (out.length === limit) break;
  }
  return out;
}

function eventFact(prefix: string, event: KeyEvent): Fact {
  const parts: Text[] = [`${prefix} at ${event.at}: `, event.summary];
  if (event.techniques.length > 0) parts.push(` (${event.techniques.join(', ')})`);
  parts.push('.');
  return { parts, cites: unique([event.cite]) };
}

export function summaryFacts(model: ReportModel, inputs: ReportInputs): Fact[] {
  const facts: Fact[] = [];
  const { containers, engines, images } = model.scope;

  for (const container of containers) {
    const image = images.find((candidate) => candidate.id === container.imageId);
    const parts: Text[] = [
      'Container ',
      { code: container.name },
      ` (${short(container.id)}) on engine `,
      container.engineId,
      ', from image ',
      { code: container.image },
      ` (${short(container.imageId)}${image !== undefined && image.digests.length > 0 ? `, ${image.digests.join(', ')}` : ''})`,
    ];
    if (container.created !== undefined) parts.push(`, created ${container.created}`);
    if (container.started !== undefined) parts.push(`, started ${container.started}`);
    if (container.risks.length > 0)
      parts.push(`; risky configuration: ${container.risks.map((risk) => risk.split(':')[0]).join(', ')}`);
    parts.push('.');
    facts.push({ parts, cites: unique([...container.cites, ...(image?.cites ?? [])]) });
  }
  if (containers.length === 0 && engines.length > 0) {
    facts.push({
      parts: [
        `No container inspect in the case; evidence names ${plural(engines.length, 'engine')}: ${engines.map((engine) => engine.engineId).join(', ')}.`,
      ],
      cites: unique(engines.flatMap((engine) => engine.cites)),
    });
  }

  if (model.detection.firstAlert !== null) facts.push(eventFact('First alert', model.detection.firstAlert));
  if (model.detection.firstMalicious !== null) {
    facts.push(eventFact('First activity mapped to ATT&CK', model.detection.firstMalicious));
  }

  if (model.attack.length > 0) {
    const named = model.attack.map((row) => `${row.id} ${row.name}`);
    facts.push({
      parts: [`${plural(model.attack.length, 'ATT&CK technique')} observed: ${named.join('; ')}.`],
      cites: unique(model.attack.map((row) => row.cites[0] ?? null)),
    });
  }

  if (model.findings.counts !== null && !('problem' in inputs.diff)) {
    const sources = inputs.diff.summary.sources.map((source) => ({ itemId: source.itemId, sha256: source.sha256 }));
    facts.push({
      parts: [`Filesystem, container against its image: ${model.findings.counts}.`],
      cites: unique(sources),
    });
  }

  const attackProcesses = model.processes.nodes.filter((node) => node.reasons.length > 0).length;
  if (inputs.traces.length > 0) {
    const processes = inputs.traces.reduce((sum, trace) => sum + trace.processes.length, 0);
    const endpoints = [...new Set(model.network.map((row) => `${row.address}:${row.port ?? '?'} ${row.result}`))];
    facts.push({
      parts: [
        `Syscall traces: ${plural(processes, 'process', 'processes')} replayed, ${attackProcesses} did something flagged; ` +
          (endpoints.length === 0 ? 'no internet connection traced.' : `network: ${endpoints.join(', ')}.`),
      ],
      cites: unique(inputs.traces.map((trace) => ({ itemId: trace.item.id, sha256: trace.item.sha256 }))),
    });
  }

  // The first time each kind of containment happened, in order: what a reader asks first ("when was it contained?").
  const firsts = new Map<string, (typeof model.containment)[number]>();
  for (const action of model.containment) {
    if (action.outcome === 'ok' && !firsts.has(action.label)) firsts.set(action.label, action);
  }
  if (firsts.size > 0) {
    const steps = [...firsts.values()].map((action) => `${action.label} at ${action.at} by ${action.operator}`);
    facts.push({
      parts: [`Responder actions: ${steps.join('; ')}.`],
      cites: unique(
        [...firsts.values()].map((action) => action.cite),
        8,
      ),
    });
  } else {
    facts.push({ parts: ['No containment action is recorded in the custody log.'], cites: [] });
  }

  const incomplete = model.evidence.filter((row) => !row.complete);
  const bytes = model.evidence.reduce((sum, row) => sum + row.bytes, 0);
  facts.push({
    parts: [
      `${plural(model.evidence.length, 'evidence item')}, ${bytes} bytes in all; ` +
        (incomplete.length === 0
          ? 'every item complete.'
          : `${incomplete.length} incomplete: ${incomplete.map((row) => `${row.id} (${row.incompleteReason ?? 'no reason recorded'})`).join(', ')}.`),
    ],
    cites: unique(
      incomplete.map((row) => ({ itemId: row.id, sha256: row.sha256 })),
      8,
    ),
  });

  const { verification } = model;
  const head = inputs.custody.at(-1);
  facts.push({
    parts: [
      verification.ok
        ? `The case verifies: ${plural(verification.itemsChecked, 'item')} re-hashed and ${plural(verification.custodyRecordsChecked, 'custody record')} chained as recorded.`
        : `The case does NOT verify: ${verification.problems[0] ?? 'unknown problem'}${verification.problems.length > 1 ? ` (and ${verification.problems.length - 1} more)` : ''}.`,
    ],
    cites:
      head === undefined ? [] : [{ itemId: 'custody.jsonl', sha256: head.hash, locator: `record ${head.record.seq}` }],
  });
  return facts;
}
