// A capture whose tracer's output the engine never closes still ends: what arrived is kept, incomplete, with why.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContainerEngine } from '../../src/capture/node/container-engine.js';
import type { EngineRegistry } from '../../src/capture/node/engine-registry.js';
import { SyscallCapture } from '../../src/capture/node/syscall-capture.js';
import type { RunningTrace, TraceStream, Tracer } from '../../src/capture/node/tracer.js';
import { withDeadline } from '../../src/capture/node/async-plumbing.js';
import { newStore, removeTree, tempDir } from './case-fixtures.js';

const CONTAINER = 'c'.repeat(64);
const LINE = '4242  1795395600.000000 getpid() = 4242\n';
const call = () => ({ signal: new AbortController().signal, progress: () => undefined });

/** A stand-in remote engine (no /proc snapshot is taken for it): only what the capture service asks of it. */
const engine = { engineId: 'stand-in', kind: 'docker', endpoint: 'tcp://stand-in:2376', isLocal: false };
const engines = {
  resolve: async () => ({
    engine: engine as unknown as ContainerEngine,
    inspect: { Id: CONTAINER, Name: '/suspect', State: { Status: 'running', Pid: 4242 } },
  }),
  get: () => ({ explainFailure: (error: unknown) => String(error) }),
} as unknown as EngineRegistry;

/** Bytes, then nothing more and no end: an exec stream the engine keeps open after the tracer stopped. */
async function* neverEnds(): AsyncIterable<Uint8Array> {
  yield Buffer.from(LINE);
  await new Promise(() => undefined);
}

/** A stand-in helper tracer whose one stream never ends. */
function stuckTracer(): Tracer {
  return {
    kind: 'helper-strace',
    probe: async () => [{ tool: 'stand-in', usable: true, detail: 'a stand-in tracer' }],
    command: () => ['strace', '-p', '1'],
    start: async (): Promise<RunningTrace> => {
      const stream: TraceStream = { name: 'strace-1', format: 'strace', command: ['strace'], data: neverEnds() };
      return {
        streams: (async function* () {
          yield stream;
        })(),
        stop: async () => undefined,
        ended: new Promise(() => undefined),
        pids: () => [1],
        warnings: () => [],
      };
    },
  };
}

describe('given a capture whose trace stream the engine never closes', () => {
  let root: string;
  beforeEach(async () => {
    root = await tempDir('hc-capture-drain-');
  });
  afterEach(() => removeTree(root));

  it('when the capture ends, then it does within the drain time and the item keeps its bytes, incomplete, with the reason', async () => {
    const store = newStore(path.join(root, 'cases'));
    const capture = new SyscallCapture({
      engines,
      openCase: (dir) => store.openOrCreate(dir),
      tracersFor: () => [stuckTracer()],
      drainMs: 300,
    });
    const ref = { engineId: 'stand-in', container: CONTAINER };
    const result = await withDeadline(
      capture.capture({ ref, caseDir: 'stuck', seconds: 1, tracer: 'auto' }, call()),
      10_000,
      'the capture did not end',
    );
    expect(result.items).toHaveLength(1);
    expect(result.items[0]).toMatchObject({ kind: 'syscall-trace', complete: false, bytes: Buffer.byteLength(LINE) });
    expect(result.items[0]?.incompleteReason).toMatch(/did not end within 0\.3 s of its stop/);
    expect(result.warnings.join('\n')).toMatch(/did not end within 0\.3 s of the tracer's stop: kept incomplete/);
  });
});

describe('withDeadline', () => {
  it('given work that answers in time, then its result; given work that never does, then the named error', async () => {
    await expect(withDeadline(Promise.resolve(7), 1_000, 'late')).resolves.toBe(7);
    await expect(withDeadline(new Promise(() => undefined), 20, 'the listing did not answer')).rejects.toThrow(
      'the listing did not answer',
    );
  });
});
