// Summarizes a Chromium trace written by `node bench/timeline.mjs --trace=<file>`: per thread, the trace events
// with the most self time (time not spent in a nested event), so a frame's cost shows as script, style, layout,
// paint or raster rather than one number. A V8 CPU profile (--js-profile=<file>.cpuprofile): the functions with the
// most self time.
//
// node bench/timeline-trace.mjs <trace.json | profile.cpuprofile> [--top=N]
import { readFile } from 'node:fs/promises';

const file = process.argv[2];
const TOP = Number(process.argv.find((arg) => arg.startsWith('--top='))?.slice('--top='.length) ?? 12);
if (!file) throw new Error('usage: node bench/timeline-trace.mjs <trace.json> [--top=N]');

const parsed = JSON.parse(await readFile(file, 'utf8'));
if (file.endsWith('.cpuprofile')) {
  summarizeProfile(parsed);
  process.exit(0);
}

/** Self time per function from the profile's samples (each sample: the node on top, and the time since the last). */
function summarizeProfile(profile) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const { callFrame } = nodes.get(id);
    const where = `${callFrame.functionName || '(anonymous)'} ${callFrame.url.split('/').pop()}:${callFrame.lineNumber + 1}`;
    const micros = profile.timeDeltas[index] ?? 0;
    total += micros;
    self.set(where, (self.get(where) ?? 0) + micros);
  });
  console.log(`profile: ${(total / 1000).toFixed(0)} ms sampled`);
  for (const [where, micros] of [...self].sort((a, b) => b[1] - a[1]).slice(0, TOP))
    console.log(`  ${(micros / 1000).toFixed(1).padStart(9)} ms  ${where}`);
}
const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;

const threadNames = new Map();
for (const event of events)
  if (event.ph === 'M' && event.name === 'thread_name') threadNames.set(`${event.pid}:${event.tid}`, event.args.name);

/** Spans per thread from complete ('X') and begin/end ('B'/'E') events, in µs. */
const spans = new Map();
const open = new Map();
for (const event of events) {
  const thread = `${event.pid}:${event.tid}`;
  let span;
  if (event.ph === 'X' && event.dur !== undefined)
    span = { name: event.name, start: event.ts, end: event.ts + event.dur };
  else if (event.ph === 'B') {
    if (!open.has(thread)) open.set(thread, []);
    open.get(thread).push(event);
  } else if (event.ph === 'E') {
    const begin = open.get(thread)?.pop();
    if (begin) span = { name: begin.name, start: begin.ts, end: event.ts };
  }
  if (!span) continue;
  if (!spans.has(thread)) spans.set(thread, []);
  spans.get(thread).push(span);
}

let first = Infinity;
let last = -Infinity;
for (const list of spans.values())
  for (const span of list) {
    first = Math.min(first, span.start);
    last = Math.max(last, span.end);
  }
console.log(`trace: ${((last - first) / 1000).toFixed(0)} ms`);

const rows = [];
for (const [thread, list] of spans) {
  // Outermost first at equal starts, so a nested span's time is taken off its parent's self time.
  list.sort((a, b) => a.start - b.start || b.end - a.end);
  const self = new Map();
  const stack = [];
  let busy = 0;
  for (const span of list) {
    while (stack.length > 0 && stack.at(-1).end <= span.start) stack.pop();
    const parent = stack.at(-1);
    const length = span.end - span.start;
    if (parent) self.set(parent.name, (self.get(parent.name) ?? 0) - Math.min(length, parent.end - span.start));
    else busy += length;
    self.set(span.name, (self.get(span.name) ?? 0) + length);
    stack.push(span);
  }
  rows.push({ thread: threadNames.get(thread) ?? thread, busy, self });
}

rows.sort((a, b) => b.busy - a.busy);
for (const { thread, busy, self } of rows.slice(0, 8)) {
  console.log(`\n${thread}: busy ${(busy / 1000).toFixed(0)} ms (outermost spans)`);
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, TOP);
  for (const [name, micros] of top) console.log(`  ${(micros / 1000).toFixed(1).padStart(9)} ms  ${name}`);
}
