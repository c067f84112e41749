// Lays the report model out as sections of headings, tables and lists — the one layout both renderers print.
import type { Block, Inline, ReportDocument, TableRow } from './report-blocks.js';
import type { Citation, KeyEvent, ProcessNode, ReportModel, Text } from './report-model.js';

const cites = (list: readonly Citation[]): Inline[] =>
  list.flatMap((cite, index) => (index === 0 ? [{ cite }] : [' ', { cite }]));
const row = (...cells: Inline[][]): TableRow => ({ cells });
const plain = (text: string | number | null | undefined): Inline[] => [
  text === null || text === undefined ? '—' : String(text),
];
const code = (text: string): Inline[] => [{ code: text }];
/** Free text that may hold long unbroken tokens (hashes, paths): it may break anywhere rather than widen the table. */
const long = (text: Text): Inline[] => [{ mark: 'long', text }];
/** Short values (times, states, counts) kept on one line: a table squeezes long cells instead of breaking these. */
const word = (text: string | number | null | undefined): Inline[] => [
  { mark: 'nowrap', text: text === null || text === undefined ? '—' : String(text) },
];

/** Columns as [header, width in percent of the page]: a fixed layout, so no evidence string can widen the table. */
function table(label: string, columns: [string, number][], rows: TableRow[], empty: string): Block[] {
  return rows.length === 0
    ? [{ type: 'paragraph', content: [{ mark: 'muted', text: empty }] }]
    : [
        {
          type: 'table',
          label,
          headers: columns.map(([header]) => header),
          widths: columns.map(([, width]) => width),
          rows,
        },
      ];
}

function note(text: string | null): Block[] {
  return text === null ? [] : [{ type: 'paragraph', content: [{ mark: 'muted', text }] }];
}

function eventLine(event: KeyEvent): Inline[] {
  const parts: Inline[] = [`${event.at} · ${event.source} ${event.kind}: `, event.summary];
  if (event.techniques.length > 0) parts.push(` (${event.techniques.join(', ')})`);
  if (event.cite !== null) parts.push(' ', { cite: event.cite });
  return parts;
}

function scope(model: ReportModel): Block[] {
  const { engines, containers, images } = model.scope;
  return [
    { type: 'heading', level: 2, text: '2. Scope', anchor: 'scope' },
    { type: 'heading', level: 3, text: 'Engines' },
    ...table(
      'Engines',
      [
        ['Engine', 12],
        ['Endpoint', 23],
        ['Name', 10],
        ['Version', 12],
        ['OS / kernel', 23],
        ['Evidence', 20],
      ],
      engines.map((engine) =>
        row(
          word(engine.engineId),
          code(engine.endpoint),
          plain(engine.name),
          plain(engine.version),
          plain([engine.os, engine.kernel].filter((part) => part !== undefined).join(' / ') || null),
          cites(engine.cites),
        ),
      ),
      'No engine is named by the evidence.',
    ),
    { type: 'heading', level: 3, text: 'Containers' },
    ...table(
      'Containers',
      [
        ['Container', 13],
        ['Id', 15],
        ['Image', 17],
        ['Created / started (UTC)', 15],
        ['State', 8],
        ['Risky configuration', 15],
        ['Evidence', 17],
      ],
      containers.map((container) =>
        row(
          code(container.name),
          code(container.id),
          [{ code: container.image }, ' ', { code: container.imageId }],
          plain(`${container.created ?? '—'} / ${container.started ?? '—'}`),
          word(container.state),
          container.risks.length === 0
            ? ['none']
            : container.risks.flatMap((risk, index) => (index === 0 ? [risk] : ['; ', risk])),
          cites(container.cites),
        ),
      ),
      'No container inspect in the case.',
    ),
    { type: 'heading', level: 3, text: 'Images' },
    ...table(
      'Images',
      [
        ['Role', 15],
        ['Image id', 20],
        ['Tags', 18],
        ['Digests', 15],
        ['Created (UTC)', 15],
        ['Evidence', 17],
      ],
      images.map((image) =>
        row(
          plain(
            image.role === 'origin'
              ? 'origin (the suspect was created from it)'
              : 'evidence image (committed by HoldCell)',
          ),
          code(image.id),
          image.tags.length === 0
            ? ['—']
            : image.tags.flatMap((tag, index) => (index === 0 ? [{ code: tag }] : [', ', { code: tag }])),
          image.digests.length === 0
            ? ['none (built or imported locally)']
            : image.digests.flatMap((digest, index) => (index === 0 ? [{ code: digest }] : [', ', { code: digest }])),
          word(image.created),
          cites(image.cites),
        ),
      ),
      'No image inspect in the case.',
    ),
  ];
}

function processLine(node: ProcessNode): { indent: number; content: Inline[] } {
  const command = node.argv.length > 0 ? node.argv.join(' ') : (node.exe ?? '(no exec traced)');
  const end =
    node.signal !== undefined
      ? `killed by ${node.signal}`
      : node.exitCode !== undefined
        ? `exit ${node.exitCode}`
        : 'no exit traced';
  const content: Inline[] = [`pid ${node.pid} `, { code: command }, ` · start ${node.start ?? '—'} · ${end}`];
  if (node.reasons.length > 0) content.push(' · ', { mark: 'strong', text: node.reasons.join('; ') });
  content.push(' ', { cite: node.cite });
  return { indent: node.depth, content };
}

export function reportDocument(model: ReportModel): ReportDocument {
  const blocks: Block[] = [
    { type: 'heading', level: 2, text: '1. Executive summary', anchor: 'summary' },
    {
      type: 'list',
      items: model.summary.map((fact) => [
        ...fact.parts,
        ...(fact.cites.length > 0 ? [' ', ...cites(fact.cites)] : []),
      ]),
    },
    ...scope(model),
    { type: 'heading', level: 2, text: '3. Detection', anchor: 'detection' },
    {
      type: 'list',
      items: [
        ['First alert: ', ...(model.detection.firstAlert === null ? ['none'] : eventLine(model.detection.firstAlert))],
        [
          'First activity mapped to ATT&CK: ',
          ...(model.detection.firstMalicious === null ? ['none'] : eventLine(model.detection.firstMalicious)),
        ],
      ],
    },
    ...note(model.detection.note),
    { type: 'heading', level: 2, text: '4. Containment and responder actions', anchor: 'containment' },
    ...table(
      'Containment actions',
      [
        ['Time (UTC)', 17],
        ['Action', 18],
        ['Outcome', 8],
        ['Operator', 9],
        ['Container', 10],
        ['Detail', 20],
        ['Evidence', 18],
      ],
      model.containment.map((action) =>
        row(
          word(action.at),
          [action.label, ' (', { code: action.action }, ')'],
          [
            {
              mark: action.outcome === 'ok' ? 'ok' : action.outcome === 'error' ? 'bad' : 'muted',
              text: action.outcome,
            },
          ],
          word(action.operator),
          action.containerId === undefined ? ['—'] : code(action.containerId.slice(0, 12)),
          long(action.detail || '—'),
          cites([action.cite]),
        ),
      ),
      'No containment action is recorded in the custody log.',
    ),
    { type: 'heading', level: 2, text: '5. Evidence', anchor: 'evidence' },
    ...table(
      'Evidence items',
      [
        ['Item', 20],
        ['Kind', 12],
        ['Bytes', 8],
        ['SHA-256', 27],
        ['Complete', 10],
        ['Flags', 10],
        ['Acquired (UTC)', 13],
      ],
      model.evidence.map((item) => ({
        anchor: `item-${item.id}`,
        cells: [
          code(item.id),
          word(item.kind),
          word(item.bytes),
          code(item.sha256),
          item.complete
            ? [{ mark: 'ok', text: 'complete' }]
            : [{ mark: 'bad', text: 'INCOMPLETE' }, ': ', item.incompleteReason ?? 'no reason recorded'],
          item.flags.length === 0
            ? ['—']
            : item.flags.flatMap((flag, index) =>
                index === 0 ? [{ mark: 'flag' as const, text: flag }] : [' ', { mark: 'flag' as const, text: flag }],
              ),
          word(item.acquiredAt),
        ],
      })),
      'The case holds no evidence item.',
    ),
    { type: 'heading', level: 2, text: '6. Filesystem findings', anchor: 'findings' },
    ...(model.findings.counts === null
      ? []
      : [{ type: 'paragraph' as const, content: [`Container against its image: ${model.findings.counts}.`] }]),
    ...table(
      'Filesystem findings',
      [
        ['Severity', 9],
        ['Rule', 13],
        ['ATT&CK', 9],
        ['Change', 9],
        ['Path', 18],
        ['Detail', 24],
        ['Evidence', 18],
      ],
      model.findings.rows.map((finding) =>
        row(
          [{ mark: `sev-${finding.severity}`, text: finding.severity }],
          plain(finding.rule),
          word(finding.attack),
          word(finding.change),
          [{ code: finding.path }],
          [{ mark: 'long', text: finding.detail }],
          cites(finding.cites),
        ),
      ),
      'No filesystem finding.',
    ),
    ...note(model.findings.note),
    { type: 'heading', level: 2, text: '7. Process tree of the attack', anchor: 'processes' },
    ...(model.processes.nodes.length === 0
      ? []
      : [{ type: 'tree' as const, lines: model.processes.nodes.map(processLine) }]),
    ...note(model.processes.note),
    { type: 'heading', level: 2, text: '8. Network indicators', anchor: 'network' },
    ...table(
      'Network indicators',
      [
        ['First seen (UTC)', 16],
        ['Process', 18],
        ['Operation', 10],
        ['Address', 13],
        ['Port', 7],
        ['Result', 12],
        ['Count', 7],
        ['Evidence', 17],
      ],
      model.network.map((entry) =>
        row(
          word(entry.first),
          [`pid ${entry.pid} `, { code: entry.process }],
          word(entry.op),
          code(entry.address),
          word(entry.port),
          word(entry.result),
          word(entry.count),
          cites([entry.cite]),
        ),
      ),
      'No internet connection in the traces.',
    ),
    { type: 'heading', level: 2, text: '9. ATT&CK techniques', anchor: 'attack' },
    { type: 'paragraph', content: [{ mark: 'muted', text: `Technique names as in ${model.attackVersion}.` }] },
    ...table(
      'ATT&CK techniques',
      [
        ['Technique', 11],
        ['Name', 29],
        ['Count (events + findings)', 13],
        ['First seen (UTC)', 20],
        ['Evidence', 27],
      ],
      model.attack.map((technique) =>
        row(
          word(technique.id),
          plain(technique.name),
          word(`${technique.count} (${technique.events} + ${technique.findings})`),
          word(technique.firstSeen),
          cites(technique.cites),
        ),
      ),
      'No ATT&CK technique observed.',
    ),
    { type: 'heading', level: 2, text: '10. Key events', anchor: 'timeline' },
    {
      type: 'paragraph',
      content: [
        {
          mark: 'muted',
          text:
            'Bookmarked events first, then every event carrying an ATT&CK technique, in time order' +
            (model.keyEvents.source === null
              ? '.'
              : `, from the case's timeline of ${model.keyEvents.source.events} events (analysis/timeline.jsonl, sha256 ${model.keyEvents.source.sha256}).`),
        },
      ],
    },
    ...table(
      'Key events',
      [
        ['Time (UTC)', 17],
        ['Source', 9],
        ['Event', 31],
        ['Techniques', 11],
        ['Notes', 14],
        ['Evidence', 18],
      ],
      model.keyEvents.events.map((event) =>
        row(
          [
            ...(event.bookmarked ? [{ mark: 'strong' as const, text: '★' }, ' '] : []),
            { mark: 'nowrap', text: event.at },
          ],
          word(event.source),
          [{ code: event.kind }, ' ', { mark: 'long', text: event.summary }],
          plain(event.techniques.join(', ') || null),
          event.notes.length === 0
            ? ['—']
            : event.notes.flatMap((text, index): Inline[] => [...(index === 0 ? [] : [' · ']), { mark: 'long', text }]),
          event.cite === null ? ['—'] : cites([event.cite]),
        ),
      ),
      'No bookmarked event and no event with an ATT&CK technique.',
    ),
    ...note(
      model.keyEvents.omitted > 0
        ? `${model.keyEvents.omitted} more key events not printed: the timeline export has them all.`
        : null,
    ),
    ...note(model.keyEvents.note),
    { type: 'heading', level: 2, text: '11. Investigator notes', anchor: 'notes' },
    ...(model.notes.length === 0
      ? note('No annotation.')
      : [
          {
            type: 'list' as const,
            items: model.notes.map((entry): Inline[] => [
              `${entry.at} · ${entry.operator} · ${entry.kind}${entry.eventId === undefined ? '' : ` on event ${entry.eventId}`}: `,
              entry.text || '(no text)',
            ]),
          },
        ]),
    { type: 'heading', level: 2, text: '12. Remediation', anchor: 'remediation' },
    ...table(
      'Remediation',
      [
        ['Technique', 10],
        ['Name', 25],
        ['Recommended action', 65],
      ],
      model.remediation.map((entry) => row(word(entry.technique), plain(entry.name), plain(entry.action))),
      'No technique observed, so no technique-specific action.',
    ),
    { type: 'heading', level: 2, text: '13. Verification and tool', anchor: 'verification' },
    {
      type: 'list',
      items: [
        [
          'Case verification: ',
          model.verification.ok ? { mark: 'ok', text: 'OK' } : { mark: 'bad', text: 'FAILED' },
          ` — ${model.verification.itemsChecked} items re-hashed, ${model.verification.custodyRecordsChecked} custody records checked.`,
        ],
        ...model.verification.problems.map((problem): Inline[] => [{ mark: 'bad', text: 'problem: ' }, problem]),
        ['Custody head (SHA-256 of the last record): ', { code: model.verification.custodyHead ?? 'none' }],
        model.verification.sealed === undefined
          ? [
              'Sealed: no (an unsealed case can be rewritten whole by someone with write access: record the custody head above outside the case)',
            ]
          : [
              'Sealed at ',
              model.verification.sealed.at,
              ' with custody head ',
              { code: model.verification.sealed.custodyHead },
            ],
        ['Tool: ', model.toolVersion, ` · technique names: ${model.attackVersion}`],
      ],
    },
  ];
  if (model.problems.length > 0) {
    blocks.push(
      { type: 'heading', level: 2, text: 'What could not be read', anchor: 'problems' },
      { type: 'list', items: model.problems.map((problem): Inline[] => [problem]) },
    );
  }
  return {
    title: model.title,
    subtitle: [`Case ${model.caseId} · as of ${model.asOf} (the last custody record) · ${model.toolVersion}`],
    blocks,
    footer: [
      `Generated by ${model.toolVersion} from case ${model.caseId} as of ${model.asOf}. Every claim cites its evidence item and SHA-256; ` +
        'the same case always renders the same report.',
    ],
  };
}
