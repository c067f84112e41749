// Engine facts on the time axis: container created/started/stopped, image created, engine clock, engine event records.
import { commandLine, makeEvent, type ItemRef, type MapResult } from './timeline-event.js';
import type { TimelineEvent } from './timeline-model.js';
import { isZeroTime, timeFromIso, timeFromParts, type EventTime } from './timeline-time.js';

type Json = Record<string, unknown>;

const object = (value: unknown): Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
const integer = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;

function evidence(ref: ItemRef, locator: string) {
  return { itemId: ref.itemId, sha256: ref.sha256, locator };
}

/** A timestamp field: absent and Docker's zero time are silent; anything else unreadable is a problem. */
function fieldTime(doc: Json, path: string, ref: ItemRef, problems: string[]): EventTime | undefined {
  let value: unknown = doc;
  for (const key of path.split('.')) value = object(value)[key];
  if (value === undefined || value === null || value === '' || isZeroTime(value)) return undefined;
  const time = timeFromIso(value);
  if (time === undefined) problems.push(`${ref.itemId}: ${path} ${JSON.stringify(value)} is not a time after 1970`);
  return time;
}

/** container-inspect: Created, State.StartedAt, State.FinishedAt (restarts as an attribute: only the last start is kept). */
export function containerInspectEvents(raw: unknown, ref: ItemRef): MapResult {
  const doc = object(raw);
  const state = object(doc['State']);
  const config = object(doc['Config']);
  const problems: string[] = [];
  const events: TimelineEvent[] = [];
  const containerId = text(doc['Id']) ?? ref.containerId;
  const name = (text(doc['Name']) ?? '').replace(/^\//, '') || (containerId ?? '').slice(0, 12);
  const process = commandLine([text(doc['Path']) ?? '', ...strings(doc['Args'])].filter((part) => part !== ''));
  const subject = { engineId: ref.engineId, containerId, process };
  const image = text(config['Image']) ?? text(doc['Image']) ?? '';
  const restarts = integer(doc['RestartCount']) ?? 0;

  const created = fieldTime(doc, 'Created', ref, problems);
  if (created !== undefined) {
    events.push(
      makeEvent({
        time: created,
        source: 'engine',
        kind: 'container.created',
        subject,
        summary: `container ${name} created from image ${image}`,
        attributes: {
          name,
          image,
          imageId: text(doc['Image']),
          user: text(config['User']) || 'root (image default)',
          tty: config['Tty'] === true,
          privileged: object(doc['HostConfig'])['Privileged'] === true,
        },
        confidence: 'exact',
        evidence: evidence(ref, 'field Created'),
      }),
    );
  }
  const started = fieldTime(doc, 'State.StartedAt', ref, problems);
  if (started !== undefined) {
    events.push(
      makeEvent({
        time: started,
        source: 'engine',
        kind: 'container.started',
        subject: { ...subject, pid: integer(state['Pid']) || undefined },
        summary:
          `container ${name} started` +
          (restarts > 0 ? ` (after ${restarts} restart(s): the engine keeps only the latest start time)` : ''),
        attributes: { name, status: text(state['Status']), restartCount: restarts },
        confidence: 'exact',
        evidence: evidence(ref, 'field State.StartedAt'),
      }),
    );
  }
  const finished = fieldTime(doc, 'State.FinishedAt', ref, problems);
  if (finished !== undefined) {
    const exitCode = integer(state['ExitCode']);
    const oom = state['OOMKilled'] === true;
    events.push(
      makeEvent({
        time: finished,
        source: 'engine',
        kind: 'container.stopped',
        subject,
        summary: `container ${name} stopped${exitCode === undefined ? '' : ` with exit code ${exitCode}`}${oom ? ' (killed: out of memory)' : ''}`,
        attributes: { name, exitCode, oomKilled: oom, running: state['Running'] === true },
        confidence: 'exact',
        evidence: evidence(ref, 'field State.FinishedAt'),
      }),
    );
  }
  return { events, problems };
}

/** image-inspect: when the image was built (the evidence image HoldCell committed is the responder's, not the suspect's). */
export function imageInspectEvents(raw: unknown, ref: ItemRef): MapResult {
  const doc = object(raw);
  const problems: string[] = [];
  const time = fieldTime(doc, 'Created', ref, problems);
  if (time === undefined) return { events: [], problems };
  const tags = strings(doc['RepoTags']);
  const id = text(doc['Id']) ?? '';
  return {
    events: [
      makeEvent({
        time,
        source: 'engine',
        kind: 'image.created',
        subject: { engineId: ref.engineId },
        summary: `image ${tags[0] ?? id.replace(/^sha256:/, '').slice(0, 12)} built`,
        attributes: { imageId: id, repoTags: tags.join(' '), repoDigests: strings(doc['RepoDigests']).join(' ') },
        confidence: 'exact',
        evidence: evidence(ref, 'field Created'),
      }),
    ],
    problems,
  };
}

/** engine-info: the engine's clock when it answered, against which the other times can be judged. */
export function engineInfoEvents(raw: unknown, ref: ItemRef): MapResult {
  const doc = object(raw);
  const problems: string[] = [];
  const time = fieldTime(doc, 'SystemTime', ref, problems);
  if (time === undefined) return { events: [], problems };
  const version = text(doc['ServerVersion']) ?? '';
  return {
    events: [
      makeEvent({
        time,
        source: 'engine',
        kind: 'engine.clock',
        subject: { engineId: ref.engineId },
        summary: `engine ${text(doc['Name']) ?? ''} (Docker ${version}) answered; its clock read ${time.at}`,
        attributes: {
          serverVersion: version,
          kernelVersion: text(doc['KernelVersion']),
          operatingSystem: text(doc['OperatingSystem']),
          engineName: text(doc['Name']),
        },
        confidence: 'exact',
        evidence: evidence(ref, 'field SystemTime'),
      }),
    ],
    problems,
  };
}

/** True when a JSON value looks like a Docker /events record. */
export function isEngineEventRecord(raw: unknown): boolean {
  const doc = object(raw);
  return typeof doc['Type'] === 'string' && typeof doc['Action'] === 'string' && ('timeNano' in doc || 'time' in doc);
}

/**
 * One Docker /events record (JSON line). `timeNano` exceeds a double's exact range, so the caller passes its digits
 * as they appear in the line; "exec_start: sh -c id" keeps the command as an attribute.
 */
export function engineEventRecord(
  raw: unknown,
  timeNanoText: string | undefined,
  ref: ItemRef,
  line: number,
): MapResult {
  const doc = object(raw);
  const actor = object(doc['Actor']);
  const attributes = object(actor['Attributes']);
  const type = text(doc['Type']) ?? 'unknown';
  const action = text(doc['Action']) ?? '';
  const [verb = '', ...rest] = action.split(':');
  const command = rest.join(':').trim();
  let time: EventTime | undefined;
  if (timeNanoText !== undefined && /^\d{1,22}$/.test(timeNanoText)) {
    const value = BigInt(timeNanoText);
    time = timeFromParts(Number(value / 1_000_000_000n), Number(value % 1_000_000_000n));
  } else if (integer(doc['time']) !== undefined) {
    time = timeFromParts(integer(doc['time']) ?? 0, 0);
  }
  if (time === undefined)
    return { events: [], problems: [`${ref.itemId} line ${line}: engine event without a usable time`] };
  const actorId = text(actor['ID']) ?? '';
  const name = text(attributes['name']) ?? actorId.slice(0, 12);
  const flat: Record<string, string> = {};
  for (const key of Object.keys(attributes).sort()) {
    const value = attributes[key];
    if (typeof value === 'string') flat[`actor.${key}`] = value;
  }
  return {
    events: [
      makeEvent({
        time,
        source: 'engine',
        kind: `${type}.${verb.trim().replace(/\s+/g, '_')}`,
        subject: {
          engineId: ref.engineId,
          ...(type === 'container' ? { containerId: actorId } : {}),
          ...(command === '' ? {} : { process: command }),
        },
        summary: `${type} ${name}: ${action}`,
        attributes: { ...flat, scope: text(doc['scope']) },
        confidence: 'exact',
        evidence: evidence(ref, `line ${line}`),
      }),
    ],
    problems: [],
  };
}
