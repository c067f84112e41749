// Engine documents and container logs on the time axis, read from the shapes the Docker engine really returns.
import { describe, expect, it } from 'vitest';
import {
  containerInspectEvents,
  engineEventRecord,
  engineInfoEvents,
  imageInspectEvents,
  isEngineEventRecord,
} from '../../src/forensics/common/timeline-engine.js';
import { containerLogEvents, demultiplex } from '../../src/forensics/common/timeline-logs.js';

const REF = { itemId: 'inspect-9f715b349110', sha256: 'a'.repeat(64), engineId: 'default' };

/** A `GET /containers/{id}/json` answer from Docker 20.10 (trimmed to the fields the timeline reads). */
const INSPECT = {
  Id: '9f715b34911088c1901d635760234d9b63c990b430d8edee3a88a658ef283620',
  Created: '2026-11-23T01:27:39.510452683Z',
  Path: 'sh',
  Args: ['-c', 'sleep 600'],
  State: {
    Status: 'exited',
    Running: false,
    OOMKilled: true,
    Pid: 0,
    ExitCode: 137,
    StartedAt: '2026-11-23T01:27:39.708451083Z',
    FinishedAt: '2026-11-23T01:30:00.100000000Z',
  },
  Image: 'sha256:d7e658e172fc990a03ad2668dfe5b038542d3ee9e6bc5ce7a51958c55e909979',
  Name: '/hc-test-h5-manual',
  RestartCount: 2,
  Config: { Image: 'holdcell-test/busybox:1', User: '', Tty: true },
  HostConfig: { Privileged: false },
};

describe('container inspect', () => {
  it('given an inspect of a stopped, restarted container, then created, started and stopped are events at the engine times', () => {
    const { events, problems } = containerInspectEvents(INSPECT, REF);
    expect(problems).toEqual([]);
    expect(events.map((event) => [event.kind, event.at])).toEqual([
      ['container.created', '2026-11-23T01:27:39.510452683Z'],
      ['container.started', '2026-11-23T01:27:39.708451083Z'],
      ['container.stopped', '2026-11-23T01:30:00.100000000Z'],
    ]);
    const [created, started, stopped] = events;
    expect(created?.subject).toEqual({ engineId: 'default', containerId: INSPECT.Id, process: 'sh -c sleep 600' });
    expect(created?.evidence).toEqual({ itemId: REF.itemId, sha256: REF.sha256, locator: 'field Created' });
    expect(started?.summary).toContain('after 2 restart(s)');
    expect(started?.attributes['restartCount']).toBe(2);
    expect(stopped?.summary).toBe('container hc-test-h5-manual stopped with exit code 137 (killed: out of memory)');
  });

  it("given a running container (FinishedAt is Docker's zero time), then there is no stop event and no problem", () => {
    const running = { ...INSPECT, State: { ...INSPECT.State, FinishedAt: '0001-01-01T00:00:00Z' } };
    const { events, problems } = containerInspectEvents(running, REF);
    expect(events.map((event) => event.kind)).toEqual(['container.created', 'container.started']);
    expect(problems).toEqual([]);
  });

  it('given a timestamp field that is not a time, then it is a problem naming the field, not a silent gap', () => {
    const { events, problems } = containerInspectEvents({ ...INSPECT, Created: 'soon' }, REF);
    expect(events.map((event) => event.kind)).not.toContain('container.created');
    expect(problems).toEqual(['inspect-9f715b349110: Created "soon" is not a time after 1970']);
  });
});

describe('image inspect, engine info and engine events', () => {
  it('given an image inspect, then the image build time is an event naming the tag', () => {
    const { events } = imageInspectEvents(
      { Id: 'sha256:d7e6', Created: '2026-11-22T22:20:09.1310304Z', RepoTags: ['holdcell-test/busybox:1'] },
      REF,
    );
    expect(events[0]).toMatchObject({ kind: 'image.created', summary: 'image holdcell-test/busybox:1 built' });
  });

  it("given engine info, then the engine's clock reading is an event (the reference for every other time)", () => {
    const { events } = engineInfoEvents(
      { Name: 'vm', ServerVersion: '20.10.24+dfsg1', SystemTime: '2026-11-23T01:27:53.638261878Z' },
      REF,
    );
    expect(events[0]).toMatchObject({ kind: 'engine.clock', at: '2026-11-23T01:27:53.638261878Z' });
  });

  it('given a docker events line for exec_start, then its nanosecond time is taken from the text and the command kept', () => {
    const line =
      '{"status":"exec_start: sh -c id","id":"9f71","from":"busybox","Type":"container","Action":"exec_start: sh -c id",' +
      '"Actor":{"ID":"9f71","Attributes":{"execID":"e1","image":"busybox","name":"web"}},"scope":"local",' +
      '"time":1795397261,"timeNano":1795397261726700123}';
    const raw = JSON.parse(line) as unknown;
    expect(isEngineEventRecord(raw)).toBe(true);
    const { events } = engineEventRecord(raw, /"timeNano":(\d+)/.exec(line)?.[1], REF, 4);
    expect(events[0]).toMatchObject({
      kind: 'container.exec_start',
      tns: '1795397261726700123',
      subject: { containerId: '9f71', process: 'sh -c id' },
      evidence: { locator: 'line 4' },
    });
  });
});

/** Docker's stream framing: [stream, 0, 0, 0, length (big-endian u32)] then the payload. */
function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

const LOG_REF = { itemId: 'isolate-1-logs', sha256: 'b'.repeat(64), engineId: 'default', containerId: 'c1' };

describe('container logs', () => {
  it('given multiplexed frames with a line split across two frames, then each stream gives whole lines in order', () => {
    const bytes = Buffer.concat([
      frame(1, '2026-11-23T01:27:41.731910755Z shell-'),
      frame(2, '2026-11-23T01:27:41.740000000Z wget: bad address\n'),
      frame(1, 'spawned\n2026-11-23T01:27:41.767237672Z dropper-ran\n'),
    ]);
    expect(demultiplex(bytes)?.length).toBe(3);
    const { events, problems } = containerLogEvents(bytes, LOG_REF);
    expect(problems).toEqual([]);
    expect(events.map((event) => [event.kind, event.summary, event.evidence?.locator])).toEqual([
      ['log.stderr', 'wget: bad address', 'line 1'],
      ['log.stdout', 'shell-spawned', 'line 2'],
      ['log.stdout', 'dropper-ran', 'line 3'],
    ]);
    expect(events[1]?.tns).toBe('1795397261731910755');
  });

  it("given a TTY's raw stream (CRLF line ends, no framing), then lines are read as one tty stream", () => {
    const bytes = Buffer.from(
      '2026-11-23T01:27:41.731910755Z shell-spawned\r\n2026-11-23T01:27:41.767237672Z dropper-ran\r\n',
    );
    expect(demultiplex(bytes)).toBeUndefined();
    const { events } = containerLogEvents(bytes, LOG_REF);
    expect(events.map((event) => [event.kind, event.summary])).toEqual([
      ['log.tty', 'shell-spawned'],
      ['log.tty', 'dropper-ran'],
    ]);
  });

  it('given lines without an engine timestamp, then they are counted as a problem with their line numbers', () => {
    const bytes = Buffer.from('2026-11-23T01:27:41Z ok\nno stamp here\nneither\n');
    const { events, problems } = containerLogEvents(bytes, LOG_REF);
    expect(events).toHaveLength(1);
    expect(problems).toEqual([
      'isolate-1-logs: 2 log line(s) without an engine timestamp left off the time axis (lines 2, 3)',
    ]);
  });

  it('given a log line with terminal escapes, then the summary keeps them raw (escaping is for display)', () => {
    const { events } = containerLogEvents(Buffer.from('2026-11-23T01:27:41Z \u001b]52;c;evil\u0007\n'), LOG_REF);
    expect(events[0]?.summary).toBe('\u001b]52;c;evil\u0007');
  });
});
