// Splits a live multiplexed exec stream into stdout and stderr: bounded memory, backpressure, framing faults said.
//
// Replaces docker-modem's demuxStream, which buffers a whole frame before passing it on (a header claiming 4 GiB
// makes it hold every later byte, re-concatenating the buffer on each chunk) and, on a header that is not one,
// silently switches to passing everything as stdout (stderr bytes spliced into stdout). Here payload flows as it
// arrives and a framing fault ends stdout with an error naming it, so whoever keeps the output records it
// incomplete, with the reason.
import type { PassThrough } from 'node:stream';
import { MuxFramingError, MuxParser } from '../common/docker-mux.js';

export interface DemuxSource {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  once(event: 'end' | 'close', listener: () => void): unknown;
  once(event: 'error', listener: (error: Error) => void): unknown;
  pause(): unknown;
  resume(): unknown;
  destroy(error?: Error): unknown;
}

/** Resolves once the source is over (ended, closed or failed) and both outputs have been ended or failed. */
export function demultiplex(source: DemuxSource, stdout: PassThrough, stderr: PassThrough): Promise<void> {
  const parser = new MuxParser();
  let over = false;
  let waiting = 0;
  return new Promise((resolve) => {
    const finish = (problem: Error | undefined): void => {
      if (over) return;
      over = true;
      if (problem) stdout.destroy(problem);
      else stdout.end();
      stderr.end();
      resolve();
    };
    const resumeWhenDrained = (): void => {
      waiting -= 1;
      if (waiting === 0 && !over) source.resume();
    };
    source.on('data', (chunk) => {
      if (over) return;
      try {
        parser.push(chunk, ({ stream, bytes }) => {
          // stdin frames (type 0) never come from an exec's output; they are kept with stdout rather than lost.
          const target = stream === 2 ? stderr : stdout;
          if (!target.write(bytes)) {
            waiting += 1;
            target.once('drain', resumeWhenDrained);
          }
        });
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)));
        source.destroy();
        return;
      }
      if (waiting > 0) source.pause();
    });
    source.once('end', () => finish(parser.end()));
    source.once('close', () => finish(parser.end()));
    // A connection error on a frame boundary ends the outputs as docker-modem did (callers judge the exit code);
    // one inside a frame is a framing fault and is said.
    source.once('error', (error) => {
      const framing = parser.end();
      finish(framing ? new MuxFramingError(`${error.message}; ${framing.message}`, framing.offset) : undefined);
    });
  });
}
