// Writes events as HoldCell JSONL: one record per line, fixed key order, strings decoded, fd annotations parsed.
//
// Deterministic: the same event gives the same bytes (keys in a fixed order, no writer timestamps). The raw
// argument text is always kept (`args`), so nothing strace printed is lost; `strings` adds the decoded bytes of
// quoted arguments (text when printable, base64 otherwise) and `fds` what -y/-yy said about fd arguments.
import { argsOf } from './strace-args.js';
import { bytesForJson, decodeStraceString } from './trace-bytes.js';
import type { DecodedBytes, FdNote, MetaRecord, TraceEvent, TraceRecord } from './trace-event.js';
import { TRACE_FORMAT, TRACE_FORMAT_VERSION, hasTime } from './trace-event.js';
import { parseFdValue, parseReturn } from './strace-scan.js';
import { formatIso, formatNs } from './trace-time.js';

/** The optional first line of a HoldCell trace file. */
export function metaLine(fields: Omit<MetaRecord, 'kind' | 'format' | 'version'> = {}): string {
  return JSON.stringify({ kind: 'meta', format: TRACE_FORMAT, version: TRACE_FORMAT_VERSION, ...fields });
}

/** The JSONL record of an event (validates against TraceRecord). */
export function toRecord(event: TraceEvent): TraceRecord {
  const head: { seq: number; ts?: string; tns?: string } = { seq: event.seq };
  if (hasTime(event)) {
    head.ts = formatIso(event.sec, event.nsec);
    head.tns = formatNs(event.sec, event.nsec);
  }
  const tail: { file?: number; line?: number } = {};
  if (event.file !== 0) tail.file = event.file;
  if (event.line !== 0) tail.line = event.line;
  switch (event.kind) {
    case 'syscall': {
      const args = argsOf(event);
      const record: TraceRecord & { kind: 'syscall' } = {
        ...head,
        kind: 'syscall',
        pid: event.pid,
        tid: event.tid,
        name: event.name,
        args,
      };
      if (event.state !== 'unfinished') {
        record.ret = event.ret;
        const parsed = parseReturn(event.ret);
        if (parsed.value !== undefined) record.retval = parsed.value;
        if (parsed.errno !== undefined) record.errno = parsed.errno;
        if (parsed.note !== undefined) record.retNote = parsed.note;
        if (event.dur !== '') record.dur = event.dur;
        if (event.state === 'resumed') record.state = 'resumed';
        const strings = decodedStrings(args);
        if (strings !== undefined) record.strings = strings;
        const fds = fdNotes(args);
        if (fds !== undefined) record.fds = fds;
        if (parsed.fd !== undefined) record.retFd = parsed.fd;
      } else {
        record.state = 'unfinished';
        const strings = decodedStrings(args);
        if (strings !== undefined) record.strings = strings;
        const fds = fdNotes(args);
        if (fds !== undefined) record.fds = fds;
      }
      return { ...record, ...tail };
    }
    case 'signal':
      return {
        ...head,
        kind: 'signal',
        pid: event.pid,
        tid: event.tid,
        signal: event.signal,
        info: event.info,
        ...tail,
      };
    case 'exit':
      return {
        ...head,
        kind: 'exit',
        pid: event.pid,
        tid: event.tid,
        code: event.code,
        signal: event.signal,
        core: event.core,
        supersededBy: event.supersededBy,
        ...tail,
      };
    case 'diag':
      return { ...head, kind: 'diag', pid: event.pid, text: event.text, ...tail };
    case 'alert':
      return {
        ...head,
        kind: 'alert',
        pid: event.pid,
        tid: event.tid,
        rule: event.rule,
        priority: event.priority,
        output: event.output,
        source: event.source,
        hostname: event.hostname,
        tags: event.tags,
        fields: event.fields,
        containerId: event.containerId,
        ...tail,
      };
    case 'tetragon':
      return {
        ...head,
        kind: 'tetragon',
        type: event.type,
        node: event.node,
        process: event.process,
        parent: event.parent,
        functionName: event.functionName,
        args: event.args,
        action: event.action,
        policy: event.policy,
        exitSignal: event.exitSignal,
        exitStatus: event.exitStatus,
        connect: event.connect,
        ...tail,
      };
  }
}

/** One JSONL line (without the newline). */
export function toJsonLine(event: TraceEvent): string {
  return JSON.stringify(toRecord(event));
}

function decodedStrings(args: readonly string[]): Record<string, DecodedBytes> | undefined {
  let out: Record<string, DecodedBytes> | undefined;
  args.forEach((arg, index) => {
    if (!arg.startsWith('"') && !arg.startsWith('@"')) return;
    const decoded = decodeStraceString(arg);
    if (decoded === undefined) return;
    out ??= {};
    out[String(index)] = bytesForJson(decoded.bytes, decoded.truncated);
  });
  return out;
}

function fdNotes(args: readonly string[]): Record<string, FdNote> | undefined {
  let out: Record<string, FdNote> | undefined;
  args.forEach((arg, index) => {
    if (!arg.includes('<')) return;
    const value = parseFdValue(arg);
    if (value?.note === undefined) return;
    out ??= {};
    out[String(index)] = value.note;
  });
  return out;
}
