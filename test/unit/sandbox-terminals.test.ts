// Terminal sessions: bytes pass through untouched, small chunks are coalesced, sessions end cleanly and refuse late input.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { TerminalOutput } from '../../src/capture/common/containment.js';
import type { ExecSession } from '../../src/capture/node/container-engine.js';
import { COALESCE_BYTES, TerminalSessions } from '../../src/capture/node/sandbox-terminals.js';

/** An exec whose process side is a real stream pair, as the engine's hijacked socket is. */
function streamExec() {
  const fromProcess = new PassThrough();
  const typed: Buffer[] = [];
  const sizes: [number, number][] = [];
  const exec: ExecSession = {
    execId: 'exec-1',
    output: fromProcess,
    write: (data) => typed.push(Buffer.from(data)),
    resize: async (columns, rows) => {
      sizes.push([columns, rows]);
    },
    close: () => fromProcess.destroy(),
  };
  return { exec, fromProcess, typed, sizes };
}

function subscriber() {
  const controller = new AbortController();
  const events: TerminalOutput[] = [];
  return { sink: { signal: controller.signal, emit: (data: TerminalOutput) => events.push(data) }, events, controller };
}

const target = { engineId: 'default', containerId: 'c'.repeat(64) };

function outputs(events: TerminalOutput[]): Buffer[] {
  return events.flatMap((event) => (event.type === 'output' ? [Buffer.from(event.base64, 'base64')] : []));
}

describe('a terminal session', () => {
  it('given many tiny chunks with control bytes and invalid UTF-8, then they arrive coalesced and byte for byte', async () => {
    const { exec, fromProcess } = streamExec();
    const { sink, events } = subscriber();
    const sessions = new TerminalSessions();
    const run = sessions.run(exec, target, sink);
    const sent: Buffer[] = [];
    for (let index = 0; index < 200; index += 1) {
      const chunk = Buffer.from([0x1b, 0x5b, 0x33, 0x31, 0x6d, 0xff, 0xc3, index % 256, 0x07, 0x9b]);
      sent.push(chunk);
      fromProcess.write(chunk);
    }
    const big = Buffer.alloc(COALESCE_BYTES * 2 + 5, 0x41);
    sent.push(big);
    fromProcess.write(big);
    fromProcess.end();
    expect(await run).toBe('the shell exited');
    expect(events[0]).toMatchObject({ type: 'ready' });
    expect(events.at(-1)).toEqual({ type: 'exit', reason: 'the shell exited' });
    const received = outputs(events);
    expect(Buffer.concat(received).equals(Buffer.concat(sent))).toBe(true);
    expect(received.length).toBeLessThan(10);
    expect(Math.max(...received.map((piece) => piece.byteLength))).toBeLessThanOrEqual(COALESCE_BYTES);
  });

  it('given an open session, then input is written as decoded bytes, resize reaches the exec, bad base64 is refused', async () => {
    const { exec, fromProcess, typed, sizes } = streamExec();
    const { sink, events } = subscriber();
    const sessions = new TerminalSessions();
    const run = sessions.run(exec, target, sink);
    const ready = events[0];
    if (ready?.type !== 'ready') throw new Error('no ready event');
    sessions.write(ready.sessionId, Buffer.from('ls -la\r\u0003').toString('base64'));
    await sessions.resize(ready.sessionId, 120, 40);
    expect(Buffer.concat(typed).toString()).toBe('ls -la\r\u0003');
    expect(sizes).toEqual([[120, 40]]);
    expect(() => sessions.write(ready.sessionId, 'not base64!')).toThrow(/base64/);
    fromProcess.end();
    await run;
    expect(() => sessions.write(ready.sessionId, 'aGk=')).toThrow(/No open terminal session/);
  });

  it('when the subscriber leaves, then the exec is closed and the session is gone', async () => {
    const { exec, fromProcess } = streamExec();
    const { sink, events, controller } = subscriber();
    const sessions = new TerminalSessions();
    const run = sessions.run(exec, target, sink);
    expect(sessions.list()).toHaveLength(1);
    controller.abort();
    expect(await run).toBe('the terminal was closed');
    expect(fromProcess.destroyed).toBe(true);
    expect(sessions.list()).toEqual([]);
    expect(events.at(-1)).toEqual({ type: 'exit', reason: 'the terminal was closed' });
  });

  it('when the host closes, then closeAll ends every session and waits for each to finish', async () => {
    const sessions = new TerminalSessions();
    const first = subscriber();
    const second = subscriber();
    const runs = [
      sessions.run(streamExec().exec, target, first.sink),
      sessions.run(streamExec().exec, target, second.sink),
    ];
    await sessions.closeAll('HoldCell is closing');
    expect(sessions.list()).toEqual([]);
    expect(await Promise.all(runs)).toEqual(['HoldCell is closing', 'HoldCell is closing']);
    expect(first.events.at(-1)).toEqual({ type: 'exit', reason: 'HoldCell is closing' });
  });
});
