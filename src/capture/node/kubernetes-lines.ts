// Splits a streamed API answer into lines (watch events are one JSON document per line), with a cap per line.
const MAX_LINE_BYTES = 16 * 1024 * 1024;

export async function* jsonLines(stream: AsyncIterable<Uint8Array>): AsyncGenerator<unknown> {
  let pending = Buffer.alloc(0);
  for await (const chunk of stream) {
    pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
    let newline = pending.indexOf(10);
    while (newline !== -1) {
      const line = pending.subarray(0, newline).toString('utf8').trim();
      pending = pending.subarray(newline + 1);
      if (line !== '') yield parse(line);
      newline = pending.indexOf(10);
    }
    if (pending.length > MAX_LINE_BYTES) throw new Error(`a watch event is larger than ${MAX_LINE_BYTES} bytes`);
  }
  const rest = pending.toString('utf8').trim();
  if (rest !== '') yield parse(rest);
}

function parse(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    // A garbled line loses one event, not the stream; the next relist repairs the view.
    return undefined;
  }
}
