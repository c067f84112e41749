// custody.jsonl: an append-only, hash-chained log; appending (O_APPEND + fsync) and reading back line by line.
import { open, readFile, stat } from 'node:fs/promises';
import { ContractError } from '../../contract/envelope.js';
import type { CustodyEntry } from '../common/case-recorder.js';
import { CustodyRecord, GENESIS_HASH } from '../common/case-model.js';
import { sha256Hex } from './durable-fs.js';

const NEWLINE = 0x0a;

/** One line of custody.jsonl as stored: its exact bytes, their hash, and the record when it parses. */
export interface CustodyLine {
  /** 1-based, as an editor shows it. */
  lineNo: number;
  /** SHA-256 of the line's bytes without the newline: what the next record's prevHash must be. */
  hash: string;
  record?: CustodyRecord;
  /** Why the line is not a record, when it is not. */
  error?: string;
}

export interface ParsedCustody {
  lines: CustodyLine[];
  /** Bytes after the last newline: a record whose append never finished (or a tampered tail). */
  partialTailBytes: number;
}

export function parseCustody(bytes: Uint8Array): ParsedCustody {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lines: CustodyLine[] = [];
  let start = 0;
  for (let end = buffer.indexOf(NEWLINE, start); end !== -1; end = buffer.indexOf(NEWLINE, start)) {
    const lineBytes = buffer.subarray(start, end);
    lines.push(parseLine(lines.length + 1, lineBytes));
    start = end + 1;
  }
  return { lines, partialTailBytes: buffer.length - start };
}

function parseLine(lineNo: number, lineBytes: Buffer): CustodyLine {
  const hash = sha256Hex(lineBytes);
  let json: unknown;
  try {
    json = JSON.parse(lineBytes.toString('utf8'));
  } catch {
    return { lineNo, hash, error: 'is not JSON' };
  }
  const parsed = CustodyRecord.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { lineNo, hash, error: `is not a custody record (${first?.path.join('.') ?? ''}: ${first?.message ?? ''})` };
  }
  return { lineNo, hash, record: parsed.data };
}

/**
 * Every broken link of the chain, one sentence each: a line that is not a record, a seq that does not follow its
 * predecessor's, a prevHash that is not the hash of the line before. Links are judged locally so one removed
 * record is reported once, not as "every later seq is wrong".
 */
export function chainBreaks(custody: ParsedCustody): string[] {
  const breaks: string[] = [];
  let previous: CustodyLine | undefined;
  for (const line of custody.lines) {
    const record = line.record;
    if (record === undefined) {
      breaks.push(`line ${line.lineNo} ${line.error ?? 'is not a record'}`);
    } else {
      const faults: string[] = [];
      const expectedPrev = previous === undefined ? GENESIS_HASH : previous.hash;
      if (record.prevHash !== expectedPrev) {
        faults.push(
          previous === undefined
            ? 'prevHash is not the genesis hash (records before it are missing)'
            : `prevHash does not match line ${previous.lineNo} (a record was removed, reordered or edited)`,
        );
      }
      const previousSeq = previous === undefined ? -1 : previous.record?.seq;
      if (previousSeq !== undefined && record.seq !== previousSeq + 1) {
        faults.push(`seq ${record.seq} does not follow seq ${previousSeq}`);
      }
      if (faults.length > 0) breaks.push(`line ${line.lineNo} (seq ${record.seq}): ${faults.join('; ')}`);
    }
    previous = line;
  }
  if (custody.partialTailBytes > 0) {
    breaks.push(`custody.jsonl ends with ${custody.partialTailBytes} bytes that are not a complete line`);
  }
  return breaks;
}

export async function readCustody(file: string): Promise<ParsedCustody> {
  return parseCustody(await readFile(file));
}

interface Head {
  /** File size the head was read at: a different size means someone else appended, so read again. */
  size: number;
  nextSeq: number;
  hash: string;
}

/**
 * Appends records to one custody.jsonl. Not re-entrant: callers serialise appends through the case's queue
 * (CaseHandle), which is what makes seq and prevHash a chain rather than a race.
 */
export class CustodyLog {
  private head: Head | undefined;

  constructor(readonly file: string) {}

  async append(entry: CustodyEntry & { at: string; operator: string }): Promise<CustodyRecord> {
    const head = await this.currentHead();
    let record: CustodyRecord;
    try {
      record = CustodyRecord.parse({
        seq: head.nextSeq,
        at: entry.at,
        operator: entry.operator,
        action: entry.action,
        target: entry.target ?? {},
        params: entry.params ?? {},
        outcome: entry.outcome,
        detail: entry.detail ?? '',
        ...(entry.sha256 === undefined ? {} : { sha256: entry.sha256 }),
        prevHash: head.hash,
      });
    } catch (error) {
      throw new ContractError('BAD_INPUT', `custody record for "${entry.action}" is not valid: ${String(error)}`);
    }
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch (error) {
      throw new ContractError('BAD_INPUT', `custody record params are not JSON: ${(error as Error).message}`);
    }
    const bytes = Buffer.from(`${line}\n`, 'utf8');
    // 'a' is O_APPEND: even a second writer (another process) cannot make us overwrite what is there.
    const handle = await open(this.file, 'a', 0o644);
    try {
      await handle.write(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    this.head = { size: head.size + bytes.length, nextSeq: head.nextSeq + 1, hash: sha256Hex(bytes.subarray(0, -1)) };
    // What the line says, exactly: JSON drops undefined params, and the caller must see what was recorded.
    return CustodyRecord.parse(JSON.parse(line));
  }

  private async currentHead(): Promise<Head> {
    let size = 0;
    try {
      size = (await stat(this.file)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (this.head !== undefined && this.head.size === size) return this.head;
    if (size === 0) return (this.head = { size: 0, nextSeq: 0, hash: GENESIS_HASH });
    const custody = await readCustody(this.file);
    const last = custody.lines.at(-1);
    if (custody.partialTailBytes > 0 || last?.record === undefined) {
      // Appending after a torn or foreign last line would chain onto bytes nobody can vouch for.
      throw new ContractError(
        'FAILED',
        `the custody log ${this.file} ends with a damaged record; nothing more is recorded in this case ` +
          '(run `holdcell verify` on it and continue in a new case)',
      );
    }
    this.head = { size, nextSeq: last.record.seq + 1, hash: last.hash };
    return this.head;
  }
}
