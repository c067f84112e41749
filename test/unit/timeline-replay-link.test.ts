// From a timeline event to the replay instant in a case with two traces, through the real host (in-memory pipe): the
// link names the event's trace item, the replay opens that item alone, and its seq lands on the event's process.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { appContract } from '../../src/contract/app-contract.js';
import type { RpcClient } from '../../src/contract/rpc-client.js';
import type { TimelineEvent } from '../../src/forensics/common/timeline-model.js';
import type { Host } from '../../src/host/create-host.js';
import { findProcess } from '../../renderer/src/features/replay/process-tree.js';
import { openTraces } from '../../renderer/src/features/replay/replay-data.js';
import { parsePid, parseSeq } from '../../renderer/src/features/replay/replay-route.js';
import { replayLink } from '../../renderer/src/features/timeline/timeline-links.js';
import { removeTree, tempDir } from './case-fixtures.js';
import { hostOverPipe } from './host-fixtures.js';

/** A health check that ran a minute before the attack, traced on its own (strace -f -ttt -yy). */
const EARLIER = `
50 1795395540.000000 execve("/bin/sh", ["sh", "-c", "true"], 0x1 /* 1 var */) = 0
50 1795395540.100000 openat(AT_FDCWD</>, "/etc/hostname", O_RDONLY) = 3</etc/hostname>
50 1795395540.200000 read(3</etc/hostname>, "web-1\\n", 4096) = 6
50 1795395540.300000 close(3</etc/hostname>) = 0
50 1795395540.400000 openat(AT_FDCWD</>, "/tmp/health", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 3</tmp/health>
50 1795395540.500000 write(3</tmp/health>, "ok\\n", 3) = 3
50 1795395540.600000 +++ exited with 0 +++
`;

/** The attacker's session: a dropper written, chmod-ed and run as pid 101. */
const SESSION = `
100 1795395600.000000 execve("/bin/sh", ["sh"], 0x1 /* 1 var */) = 0
100 1795395600.100000 openat(AT_FDCWD</>, "/tmp/drop", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 3</tmp/drop>
100 1795395600.200000 write(3</tmp/drop>, "#!/bin/sh\\n", 10) = 10
100 1795395600.300000 close(3</tmp/drop>) = 0
100 1795395600.400000 chmod("/tmp/drop", 0755) = 0
100 1795395600.500000 clone(child_stack=NULL, flags=SIGCHLD) = 101
101 1795395600.600000 execve("/tmp/drop", ["/tmp/drop"], 0x1 /* 1 var */) = 0
101 1795395600.700000 write(1</dev/pts/0>, "owned\\n", 6) = 6
101 1795395601.000000 +++ exited with 0 +++
`;

describe('given a case holding an earlier trace and the attacker session', () => {
  let root: string;
  let host: Host;
  let client: RpcClient<typeof appContract>;
  let caseDir: string;
  let sessionItem: string;
  let dropperRan: TimelineEvent;

  beforeAll(async () => {
    root = await tempDir('hc-timeline-replay-link-');
    ({ host, client } = hostOverPipe(root));
    caseDir = (await client.api.forensics.createCase({ caseDir: 'incident', title: 'two traces' })).caseDir;
    for (const [name, text] of [
      ['earlier.strace', EARLIER],
      ['session.strace', SESSION],
    ] as const) {
      await writeFile(path.join(root, name), text.trimStart());
      const item = await client.api.replay.importTrace({ caseDir, path: path.join(root, name), format: 'strace' });
      if (name === 'session.strace') sessionItem = item.id;
    }
    await client.api.timeline.buildTimeline({ caseDir });
    const page = await client.api.timeline.timelineEvents({ caseDir, offset: 0, limit: 1000 });
    const found = page.events.find((event) => event.kind === 'process.exec' && event.subject.pid === 101);
    if (found === undefined) throw new Error('the dropper run is not on the timeline');
    dropperRan = found;
  });

  afterAll(async () => {
    await host.close();
    await removeTree(root);
  });

  it('when I follow the dropper run to the replay, then that trace alone opens and the instant shows the dropper running', async () => {
    const href = replayLink(caseDir, dropperRan) ?? '';
    const params = new URLSearchParams(href.slice(href.indexOf('?') + 1));
    expect(params.get('item')).toBe(sessionItem);
    const opened = await openTraces(client.api, { caseDir, format: 'auto', item: params.get('item') ?? '' }, {});
    expect(opened.note).toBeUndefined();
    expect(opened.traceItemIds).toHaveLength(2);
    expect(opened.summary.inputs.map((input) => input.itemId)).toEqual([sessionItem]);
    const seq = parseSeq(params.get('seq') ?? '', opened.summary.lastSeq);
    expect(seq).toBe(dropperRan.replaySeq);
    const state = await client.api.replay.replayState({ replayId: opened.summary.replayId, at: { seq } });
    expect(state.at).toBe(dropperRan.at);
    const process = findProcess(state.processes, parsePid(params.get('pid') ?? ''));
    expect(process).toMatchObject({ pid: 101, alive: true, exe: '/tmp/drop', argv: ['/tmp/drop'] });
  });

  it('when the link names no item (today’s links), then both traces open merged and the same seq is another instant', async () => {
    const opened = await openTraces(client.api, { caseDir, format: 'auto', item: '' }, {});
    expect(opened.note).toBeUndefined();
    expect(opened.summary.inputs).toHaveLength(2);
    const seq = dropperRan.replaySeq ?? -1;
    const state = await client.api.replay.replayState({ replayId: opened.summary.replayId, at: { seq } });
    // The earlier trace's events come first in the merge: at that seq the dropper has not run yet.
    expect(state.at).not.toBe(dropperRan.at);
    expect(findProcess(state.processes, 101)?.exe ?? null).not.toBe('/tmp/drop');
  });

  it('when the link names an item the case does not hold, then both traces open merged with a note saying so', async () => {
    const opened = await openTraces(client.api, { caseDir, format: 'auto', item: 'trace-import-gone' }, {});
    expect(opened.summary.inputs).toHaveLength(2);
    expect(opened.note).toContain('This case holds no trace item trace-import-gone: showing all 2 of its traces');
  });
});
