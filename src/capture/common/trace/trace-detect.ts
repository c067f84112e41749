// Which format a trace is in, from its first few kilobytes: strace text, HoldCell JSONL, Falco or Tetragon JSON.
import { StraceParser } from './strace-parser.js';

export type TraceFormat = 'strace' | 'jsonl' | 'falco' | 'tetragon';
export const TRACE_FORMATS: readonly TraceFormat[] = ['strace', 'jsonl', 'falco', 'tetragon'];

/** The format of a trace's beginning, or undefined with the reason when it is none of them. */
export function detectFormat(head: string): { format: TraceFormat } | { reason: string } {
  const text = head.replace(/^\ufeff/, '').trimStart();
  if (text === '') return { reason: 'the file is empty' };
  if (text.startsWith('{') || text.startsWith('[')) {
    if (/"kind"\s*:\s*"(syscall|signal|exit|diag|alert|tetragon|meta)"/.test(text)) return { format: 'jsonl' };
    if (/"process_[a-z_]+"\s*:\s*\{/.test(text) && /"(exec_id|node_name|binary)"\s*:/.test(text)) {
      return { format: 'tetragon' };
    }
    if (/"rule"\s*:/.test(text) && /"priority"\s*:/.test(text) && /"output"\s*:/.test(text)) return { format: 'falco' };
    return { reason: 'JSON, but neither HoldCell JSONL, a Falco alert nor a Tetragon event' };
  }
  // strace: most of the first lines must parse.
  const lines = text.split('\n').slice(0, 50);
  if (lines.length > 1 && !head.endsWith('\n')) lines.pop();
  let events = 0;
  const parser = new StraceParser(() => events++, { holdLimit: 0 });
  for (const line of lines) parser.line(line);
  parser.end();
  const considered = lines.filter((line) => line.trim() !== '').length;
  if (events > 0 && parser.skips.count * 2 < considered) return { format: 'strace' };
  return { reason: 'not strace output (its first lines are not syscalls), JSONL, Falco or Tetragon JSON' };
}
