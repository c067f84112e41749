// Reads what isolate wrote into a case (custody records, network-state items), so release can work from the case alone.
//
// The case is the source of truth: release may run in another process, on another machine, days later. Custody
// comes through the recorder; a network-state item is read at its manifest path under the case folder and
// trusted only when its bytes still match the manifest's SHA-256.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { ContractError } from '../../contract/envelope.js';
import type { CaseRecorder } from '../../forensics/common/case-recorder.js';
import { NetworkStateDocument } from '../common/isolation-network-state.js';
import type { IsolationCustodyRecord } from '../common/isolation-release.js';

/** A network-state document is a few kilobytes; anything far larger is not one. */
const MAX_STATE_BYTES = 16 * 1024 * 1024;

/** The custody records about this container, in log order. */
export async function custodyOf(recorder: CaseRecorder, containerId: string): Promise<IsolationCustodyRecord[]> {
  let records: Awaited<ReturnType<CaseRecorder['custody']>>;
  try {
    records = await recorder.custody();
  } catch (error) {
    throw new ContractError(
      'FAILED',
      `Cannot read the custody log of ${recorder.caseDir}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return records
    .filter((record) => record.target.containerId === containerId)
    .map((record) => ({ outcome: record.outcome, params: record.params }));
}

/** Loads one network-state item after checking its bytes against the manifest. */
export async function loadNetworkState(recorder: CaseRecorder, itemId: string): Promise<NetworkStateDocument> {
  const item = (await recorder.items()).find((candidate) => candidate.id === itemId);
  if (!item) throw new Error(`the case has no evidence item ${itemId}`);
  if (item.kind !== 'network-state') throw new Error(`evidence item ${itemId} is a ${item.kind}, not a network-state`);
  const root = resolve(recorder.caseDir);
  const path = resolve(root, item.path);
  const inside = relative(root, path);
  if (inside.startsWith('..') || isAbsolute(inside)) throw new Error(`evidence item ${itemId} points outside the case`);
  const size = (await stat(path)).size;
  if (size > MAX_STATE_BYTES)
    throw new Error(`evidence item ${itemId} is ${size} bytes, too large for a network state`);
  const bytes = await readFile(path);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== item.sha256) {
    throw new Error(`evidence item ${itemId} no longer matches its manifest hash; refusing to restore from it`);
  }
  const parsed = NetworkStateDocument.safeParse(JSON.parse(bytes.toString('utf8')));
  if (!parsed.success) throw new Error(`evidence item ${itemId} is not a HoldCell network-state document`);
  return parsed.data;
}
