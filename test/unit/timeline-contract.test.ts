// The timeline service through the real host and the application contract (in-memory pipe): every event it
// serves passes the contract's output schema, and annotations round-trip with custody.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { appContract } from '../../src/contract/app-contract.js';
import type { RpcClient } from '../../src/contract/rpc-client.js';
import { TimelineEvent } from '../../src/forensics/common/timeline-model.js';
import type { Host } from '../../src/host/create-host.js';
import { removeTree, tempDir } from './case-fixtures.js';
import { hostOverPipe } from './host-fixtures.js';

const sample = (name: string): string => new URL(`../fixtures/samples/${name}`, import.meta.url).pathname;

describe('the timeline over the application contract', () => {
  let root: string;
  let host: Host;
  let client: RpcClient<typeof appContract>;
  let caseDir: string;

  beforeAll(async () => {
    root = await tempDir('hc-timeline-contract-');
    ({ host, client } = hostOverPipe(root));
    caseDir = (await client.api.forensics.createCase({ caseDir: 'incident', title: 'incident' })).caseDir;
    // A Falco alert stream with ATT&CK tags and a Tetragon export, imported as a responder would.
    const falco = path.join(root, 'falco.jsonl');
    const line = (await readFile(sample('falco/alerts.jsonl'), 'utf8')).split('\n')[0] ?? '';
    await writeFile(
      falco,
      `${line.replace('{"output"', '{"tags":["container","mitre_execution","T1059"],"output"')}\n`,
    );
    await client.api.replay.importTrace({ caseDir, path: falco, format: 'auto' });
    await client.api.replay.importTrace({ caseDir, path: sample('tetragon/process_connect.json'), format: 'auto' });
  });

  afterAll(async () => {
    await host.close();
    await removeTree(root);
  });

  it('given a case, when the renderer builds and pages its timeline, then every event passes the contract schema', async () => {
    const summary = await client.api.timeline.buildTimeline({ caseDir });
    expect(summary.bySource).toMatchObject({ falco: 1, tetragon: 1 });
    expect(summary.byTechnique).toMatchObject({ T1059: 1 });
    const page = await client.api.timeline.timelineEvents({ caseDir, offset: 0, limit: 20_000 });
    expect(page.total).toBe(summary.events);
    expect(page.sha256).toBe(summary.sha256);
    for (const event of page.events) expect(TimelineEvent.safeParse(event).success).toBe(true);
    const connect = page.events.find((event) => event.source === 'tetragon');
    expect(connect).toMatchObject({
      kind: 'network.connect',
      subject: { address: expect.any(String), port: expect.any(Number) },
    });
  });

  it('given a bookmark through the contract, then it is listed, logged in custody under the host operator, and withdrawable', async () => {
    const first = (await client.api.timeline.timelineEvents({ caseDir, offset: 0, limit: 1 })).events[0];
    const bookmark = await client.api.timeline.annotate({ caseDir, kind: 'bookmark', eventId: first?.id });
    expect(bookmark).toMatchObject({ kind: 'bookmark', operator: 'analyst-7', text: '' });
    expect(await client.api.timeline.listAnnotations({ caseDir })).toEqual([bookmark]);
    const custody = await client.api.forensics.custodyLog({ caseDir, offset: 0, limit: 1000 });
    expect(custody.records.at(-1)).toMatchObject({
      action: 'annotation.add',
      operator: 'analyst-7',
      params: { id: bookmark.id },
    });
    await expect(client.api.timeline.withdrawAnnotation({ caseDir, id: bookmark.id })).resolves.toMatchObject({
      deleted: true,
    });
    expect(await client.api.timeline.listAnnotations({ caseDir })).toEqual([]);
  });

  it('given bad input, then the contract refuses it with the field named', async () => {
    await expect(client.api.timeline.timelineEvents({ caseDir, offset: 0, limit: 50_000 })).rejects.toMatchObject({
      code: 'BAD_INPUT',
    });
    await expect(
      client.api.timeline.annotate({ caseDir, kind: 'note', text: 'x'.repeat(20_001) }),
    ).rejects.toMatchObject({
      code: 'BAD_INPUT',
    });
    await expect(client.api.timeline.buildTimeline({ caseDir: path.join(root, 'no-such-case') })).rejects.toMatchObject(
      {
        code: 'NOT_FOUND',
      },
    );
  });
});
