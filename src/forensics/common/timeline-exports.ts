// Timeline exports for other tools: Timesketch JSONL lines and a plaso-like CSV (columns documented in the README).
import { visibleText } from '../../contract/visible-text.js';
import type { TimelineEvent, TimelineSource } from './timeline-model.js';
import { tnsMicros } from './timeline-time.js';

/** What the instant of an event is, in the words Timesketch and plaso use (`timestamp_desc`). */
export function timestampDescription(event: TimelineEvent): string {
  switch (event.source) {
    case 'engine': {
      const named: Record<string, string> = {
        'container.created': 'Container Created',
        'container.started': 'Container Started',
        'container.stopped': 'Container Stopped',
        'image.created': 'Image Created',
        'engine.clock': 'Engine Clock Read',
      };
      return named[event.kind] ?? 'Engine Event Time';
    }
    case 'container-logs':
      return 'Log Line Time';
    case 'filesystem':
      return event.kind === 'file.deleted' ? 'Acquisition Time (deleted before)' : 'Content Modification Time';
    case 'syscall':
      return 'Syscall Time';
    case 'falco':
      return 'Alert Time';
    case 'tetragon':
      return 'Event Time';
    case 'kubernetes':
      return event.kind.startsWith('k8s.event.') ? 'Event First Seen' : 'Pod Status Time';
    case 'kubernetes-audit':
      return 'Request Received Time';
    case 'custody':
      return 'Recorded Time';
    case 'annotation':
      return 'Annotation Time';
  }
}

/** Timesketch's own fields and ours: attributes with these names are written as attr_<name>. */
const RESERVED = new Set([
  'message',
  'datetime',
  'timestamp',
  'timestamp_desc',
  'data_type',
  'holdcell_source',
  'kind',
  'event_id',
  'confidence',
  'attack_techniques',
  'engine_id',
  'container_id',
  'pid',
  'process',
  'path',
  'address',
  'port',
  'evidence_item',
  'evidence_sha256',
  'evidence_locator',
  'replay_seq',
  'tag',
]);

/** "field.proc.cmdline" → "field_proc_cmdline": Timesketch (OpenSearch) field names without dots. */
function fieldName(key: string): string {
  const name = key.replace(/[^A-Za-z0-9_]/g, '_');
  return RESERVED.has(name) ? `attr_${name}` : name;
}

/**
 * One Timesketch JSONL line: the three required fields (message, datetime, timestamp_desc), `timestamp` in
 * microseconds, then the event's subject, evidence and attributes flattened to top-level fields.
 */
export function timesketchLine(event: TimelineEvent): string {
  const line: Record<string, unknown> = {
    message: event.summary,
    datetime: event.at,
    timestamp: tnsMicros(event.tns),
    timestamp_desc: timestampDescription(event),
    data_type: `holdcell:${event.source}:${event.kind}`,
    holdcell_source: event.source,
    kind: event.kind,
    event_id: event.id,
    confidence: event.confidence,
    attack_techniques: event.techniques.join(','),
  };
  if (event.techniques.length > 0) line.tag = event.techniques;
  const subject = event.subject;
  const put = (key: string, value: unknown) => {
    if (value !== undefined) line[key] = value;
  };
  put('engine_id', subject.engineId);
  put('container_id', subject.containerId);
  put('pid', subject.pid);
  put('process', subject.process);
  put('path', subject.path);
  put('address', subject.address);
  put('port', subject.port);
  put('evidence_item', event.evidence?.itemId);
  put('evidence_sha256', event.evidence?.sha256);
  put('evidence_locator', event.evidence?.locator);
  put('replay_seq', event.replaySeq);
  for (const key of Object.keys(event.attributes).sort()) {
    const name = fieldName(key);
    if (!(name in line)) line[name] = event.attributes[key];
  }
  return JSON.stringify(line);
}

export const PLASO_CSV_HEADER = 'datetime,timestamp_desc,source,source_long,message,parser,display_name,tag';

const SOURCE_SHORT: Readonly<Record<TimelineSource, [string, string]>> = {
  engine: ['ENGINE', 'Container engine (inspect, info, events)'],
  'container-logs': ['LOG', 'Container logs (engine timestamps)'],
  filesystem: ['FILE', 'Filesystem diff (container against image)'],
  syscall: ['SYSCALL', 'Syscall trace (replayed)'],
  falco: ['ALERT', 'Falco alert'],
  tetragon: ['EBPF', 'Tetragon event'],
  kubernetes: ['K8S', 'Kubernetes events and objects'],
  'kubernetes-audit': ['K8S_AUDIT', 'Kubernetes API audit log'],
  custody: ['CUSTODY', 'HoldCell custody log (responder actions)'],
  annotation: ['NOTE', 'Investigator annotation'],
};

/**
 * A CSV cell: control and invisible characters shown as visible escapes (one record per line, nothing a
 * terminal or spreadsheet would act on), a leading = + - @ neutralised with an apostrophe (formula injection),
 * quoted when it holds a comma, quote or space at either end (RFC 4180).
 */
export function csvCell(value: string): string {
  let text = visibleText(value);
  if (/^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function plasoCsvRow(event: TimelineEvent): string {
  const [short, long] = SOURCE_SHORT[event.source];
  const display = event.evidence === null ? 'annotations.jsonl' : `${event.evidence.itemId}:${event.evidence.locator}`;
  return [
    event.at,
    timestampDescription(event),
    short,
    long,
    event.summary,
    `holdcell/${event.source}`,
    display,
    event.techniques.join(' '),
  ]
    .map(csvCell)
    .join(',');
}
