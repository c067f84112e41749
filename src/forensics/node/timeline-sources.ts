// The case's timeline sources: which items feed it, and each read into events (one unit in memory at a time).
//
// Every evidence item is checked against its manifest hash before it is read: the timeline cites that hash, so a
// file that no longer matches it cannot be quoted. An unreadable item is a problem with its reason, never a silence.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { loadRunningAtAttach } from '../../capture/common/trace/running-at-attach.js';
import { ContractError } from '../../contract/envelope.js';
import type { ManifestItem } from '../common/case-model.js';
import type { DiffEntry } from '../common/diff-model.js';
import {
  containerInspectEvents,
  engineEventRecord,
  engineInfoEvents,
  imageInspectEvents,
  isEngineEventRecord,
} from '../common/timeline-engine.js';
import type { ItemRef, MapResult } from '../common/timeline-event.js';
import { diffEvents } from '../common/timeline-filesystem.js';
import { kubernetesDocument, kubernetesEvents } from '../common/timeline-kubernetes.js';
import { containerLogEvents } from '../common/timeline-logs.js';
import type { TimelineEvent } from '../common/timeline-model.js';
import { readJsonEvidence } from './diff-sources.js';
import { sha256Hex } from './durable-fs.js';
import { replayTraceItem, type TraceReader } from './timeline-trace-source.js';

/** One source of the timeline: an item (or the case's own custody and annotations) and how to read it. */
export interface SourceUnit {
  itemId: string;
  sha256: string;
  /**
   * Does the reading (files, replay), then gives the events one at a time and, at the end, the problems: large
   * units make each event as it is asked for, so the builder can write them out in bounded batches.
   */
  read(signal: AbortSignal): Promise<Generator<TimelineEvent, string[], void>>;
}

function* all(result: MapResult): Generator<TimelineEvent, string[], void> {
  yield* result.events;
  return result.problems;
}

/** A unit whose mapper returns its events at once (small documents). */
export function wholeUnit(
  itemId: string,
  sha256: string,
  map: (signal: AbortSignal) => Promise<MapResult>,
): SourceUnit {
  return { itemId, sha256, read: async (signal) => all(await map(signal)) };
}

/** The diff of the case, when it has one. */
export interface CaseDiffFacts {
  entries: readonly DiffEntry[];
}

/** Logs and Kubernetes documents are read whole; an item larger than this is reported, not loaded. */
const MAX_WHOLE_ITEM = 512 * 1024 * 1024;

const refOf = (item: ManifestItem): ItemRef => ({
  itemId: item.id,
  sha256: item.sha256,
  engineId: item.source.engineId,
  ...(item.source.containerId === undefined ? {} : { containerId: item.source.containerId }),
});

/** The item's bytes, refused when they are not the bytes the manifest vouches for. */
export async function readItemBytes(caseDir: string, item: ManifestItem): Promise<Buffer> {
  const handle = await open(path.join(caseDir, item.path), constants.O_RDONLY | constants.O_NOFOLLOW);
  let bytes: Buffer;
  try {
    const { size } = await handle.stat();
    if (size > MAX_WHOLE_ITEM)
      throw new ContractError('FAILED', `${item.path} is ${size} bytes, too big to read whole`);
    bytes = await handle.readFile();
  } finally {
    await handle.close();
  }
  if (sha256Hex(bytes) !== item.sha256) {
    throw new ContractError(
      'FAILED',
      `${item.id} (${item.path}) does not match its manifest hash; run holdcell verify`,
    );
  }
  return bytes;
}

/** JSON documents and JSON lines, each with its locator ("document" or "line N"); lines that are not JSON are problems. */
function jsonValues(
  item: ManifestItem,
  bytes: Buffer,
): { values: { value: unknown; locator: string; text: string }[]; problems: string[] } {
  const text = bytes.toString('utf8');
  try {
    return { values: [{ value: JSON.parse(text) as unknown, locator: 'document', text }], problems: [] };
  } catch {
    // Not one document: JSON lines.
  }
  const values: { value: unknown; locator: string; text: string }[] = [];
  const bad: number[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      values.push({ value: JSON.parse(line) as unknown, locator: `line ${index + 1}`, text: line });
    } catch {
      bad.push(index + 1);
    }
  });
  const problems =
    bad.length === 0
      ? []
      : [
          `${item.id}: ${bad.length} line(s) are not JSON (lines ${bad.slice(0, 5).join(', ')}${bad.length > 5 ? ', …' : ''})`,
        ];
  return { values, problems };
}

/** Kubernetes objects, audit events and Docker event records in a JSON or JSON-lines item. */
function structuredEvents(item: ManifestItem, bytes: Buffer): MapResult & { recognised: boolean } {
  const ref = refOf(item);
  const { values, problems } = jsonValues(item, bytes);
  const events: TimelineEvent[] = [];
  let recognised = false;
  for (const { value, locator, text } of values) {
    if (isEngineEventRecord(value)) {
      recognised = true;
      const line = Number(locator.replace(/^line /, '')) || 1;
      const result = engineEventRecord(value, /"timeNano"\s*:\s*(\d+)/.exec(text)?.[1], ref, line);
      events.push(...result.events);
      problems.push(...result.problems);
    } else if (kubernetesDocument(value) !== undefined) {
      recognised = true;
      const result = kubernetesEvents(value, ref, locator);
      events.push(...result.events);
      problems.push(...result.problems);
    }
  }
  return { events, problems, recognised };
}

function incompleteProblem(item: ManifestItem): string[] {
  return item.complete
    ? []
    : [`${item.id} is incomplete (${item.incompleteReason ?? 'reason unknown'}): events after the cut are missing`];
}

/** Engine JSON documents of every inspect: the same fact seen in several inspects is one event, citing the first. */
export function engineUnits(caseDir: string, items: readonly ManifestItem[]): SourceUnit[] {
  return items.flatMap((item): SourceUnit[] => {
    const map =
      item.kind === 'container-inspect'
        ? containerInspectEvents
        : item.kind === 'engine-info'
          ? engineInfoEvents
          : item.kind === 'image-inspect' && !item.flags.includes('evidence-image')
            ? imageInspectEvents
            : undefined;
    if (map === undefined) return [];
    return [
      wholeUnit(item.id, item.sha256, async () => {
        const result = map(await readJsonEvidence(caseDir, item), refOf(item));
        return { events: result.events, problems: [...incompleteProblem(item), ...result.problems] };
      }),
    ];
  });
}

/** Key of an engine fact, for dropping the same fact read again from a later inspect. */
export function engineFactKey(event: TimelineEvent): string {
  return `${event.kind}|${event.subject.containerId ?? ''}|${event.attributes['imageId'] ?? ''}|${event.tns}`;
}

export function itemUnits(caseDir: string, items: readonly ManifestItem[], readTrace: TraceReader): SourceUnit[] {
  const units: SourceUnit[] = [];
  for (const item of items) {
    const ref = refOf(item);
    const unit = (read: (signal: AbortSignal) => Promise<MapResult>): void => {
      units.push(
        wholeUnit(item.id, item.sha256, async (signal) => {
          const result = await read(signal);
          return { events: result.events, problems: [...incompleteProblem(item), ...result.problems] };
        }),
      );
    };
    switch (item.kind) {
      case 'container-logs':
        unit(async () => containerLogEvents(await readItemBytes(caseDir, item), ref));
        break;
      case 'syscall-trace':
        // Streamed: a long capture gives millions of events, which go to the builder as they are made.
        units.push({
          itemId: item.id,
          sha256: item.sha256,
          read: async (signal) => {
            // What ran before the tracer attached, from the capture's snapshot: the replay names those processes.
            const attach = await loadRunningAtAttach([item], items, (snapshot) => readItemBytes(caseDir, snapshot));
            const events = await replayTraceItem(readTrace, caseDir, item, ref, signal, attach.running);
            return (function* () {
              return [...incompleteProblem(item), ...attach.problems, ...(yield* events)];
            })();
          },
        });
        break;
      case 'kubernetes-object':
        unit(async () => structuredEvents(item, await readItemBytes(caseDir, item)));
        break;
      case 'other':
        if (item.format === 'json' || item.format === 'jsonl') {
          unit(async () => {
            const result = structuredEvents(item, await readItemBytes(caseDir, item));
            return result.recognised
              ? result
              : {
                  events: [],
                  problems: [
                    `${item.id} (kind other) holds no records the timeline knows (Docker events, Kubernetes events or audit)`,
                  ],
                };
          });
        }
        break;
      default:
        break;
    }
  }
  return units;
}

/** The diff's entries as filesystem events, cited to the export they were read from. */
export function diffUnit(item: ManifestItem, diff: CaseDiffFacts): SourceUnit {
  return wholeUnit(item.id, item.sha256, async () =>
    diffEvents(diff.entries, refOf(item), { exportAcquiredAt: item.completedAt }),
  );
}
