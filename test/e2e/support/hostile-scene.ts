// Plants the hostile-strings corpus where a real attacker would: files in a container, a traced shell session, pods.
//
// Each function only produces inputs (tar bytes for `docker cp`, a shell script, pod objects); the spec feeds them
// through the real engine, the real strace and the stand-in API server, and then through HoldCell's own pipeline.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bashBytes, fileNameBytes, type HostileString } from '../../support/hostile-strings.js';
import { dir, file, gnuLong, tar } from '../../support/hostile-tar.js';

const run = promisify(execFile);

/** Where the suspect's hostile files live inside the container: /tmp/h/<id>/<hostile name>. */
export const SUSPECT_ROOT = 'tmp/h';

/** Entries whose strings also become uid-0 accounts in /etc/passwd, so findings details carry them too. */
export const ACCOUNT_CATEGORIES = new Set(['html', 'bidi', 'terminal']);
const ACCOUNTS_PER_CATEGORY = 8;

/** A tar member whose name may exceed the 100-byte ustar field: GNU long-name record first (engines accept it). */
function member(name: Buffer, content: Buffer): Buffer {
  const short = name.subarray(0, 99);
  const entry = file(short, content, { mode: 0o644, mtime: 1_795_000_000 });
  return name.length > 99 ? Buffer.concat([gnuLong('L', name), entry]) : entry;
}

/** An entry as an accounts-file field: ":" and newline, which would split the line, become "_". */
export const accountField = (entry: HostileString): Buffer =>
  Buffer.from([...entry.bytes].map((byte) => (byte === 0x3a || byte === 0x0a ? 0x5f : byte)));

/** The accounts file line for an entry: its bytes as user name and comment, uid 0. */
function accountLine(entry: HostileString): Buffer {
  const field = accountField(entry);
  return Buffer.concat([field, Buffer.from(':x:0:0:'), field, Buffer.from(':/root:/bin/sh\n')]);
}

export function accountEntries(corpus: readonly HostileString[]): HostileString[] {
  const picked: HostileString[] = [];
  for (const category of ACCOUNT_CATEGORIES)
    picked.push(
      ...corpus
        .filter((entry) => entry.category === category && !entry.bytes.includes(0))
        .slice(0, ACCOUNTS_PER_CATEGORY),
    );
  return picked;
}

/**
 * What `docker cp - <container>:/` unpacks into the suspect: one folder per entry holding a file named with the
 * entry's bytes and containing them, /etc/group with every entry appended (a modified file for the side-by-side
 * view), and /etc/passwd with uid-0 accounts named by some entries.
 */
export function suspectTar(corpus: readonly HostileString[], original: { passwd: Buffer; group: Buffer }): Buffer {
  const parts: Buffer[] = [dir(`${SUSPECT_ROOT}/`)];
  for (const entry of corpus) {
    parts.push(dir(`${SUSPECT_ROOT}/${entry.id}/`));
    parts.push(member(Buffer.concat([Buffer.from(`${SUSPECT_ROOT}/${entry.id}/`), fileNameBytes(entry)]), entry.bytes));
  }
  parts.push(member(Buffer.from('etc/group'), groupFile(corpus, original.group)));
  parts.push(
    member(
      Buffer.from('etc/passwd'),
      Buffer.concat([original.passwd, ...accountEntries(corpus).map((entry) => accountLine(entry))]),
    ),
  );
  return tar(parts);
}

/** /etc/group as the suspect leaves it: the image's lines, then every entry's bytes on lines of their own. */
export function groupFile(corpus: readonly HostileString[], original: Buffer): Buffer {
  return Buffer.concat([original, ...corpus.flatMap((entry) => [entry.bytes, Buffer.from('\n')])]);
}

/** The argv bytes bash can pass for an entry: everything but NUL, which ends a C string. */
export const argvBytes = (entry: HostileString): Buffer => Buffer.from([...entry.bytes].filter((byte) => byte !== 0));

/** The file the traced session creates for an entry: <folder>/<id>-<hostile name>. */
export const sessionFileBytes = (folder: string, entry: HostileString): Buffer =>
  Buffer.concat([Buffer.from(`${folder}/${entry.id}-`), fileNameBytes(entry)]);

/**
 * Runs a real strace of a bash session that, for every entry, runs a program with the entry as its argument, then
 * prints every entry to its terminal (NUL included: printf's \xHH escapes carry any byte), then creates a file named
 * with each. File creations come last so the replay's latest-file-calls window holds all of them. `script` gives the
 * session a pseudo-terminal, as an attacker's interactive shell would have. Resolves with the trace's path.
 */
export async function traceHostileSession(corpus: readonly HostileString[], work: string): Promise<string> {
  const folder = join(work, 'f');
  mkdirSync(folder, { recursive: true });
  const lines = ['#!/bin/bash'];
  for (const entry of corpus) lines.push(`/bin/true ${bashBytes(argvBytes(entry))}`);
  // printf's format is single-quoted: bash leaves the \xHH escapes to printf, which turns them into the bytes.
  for (const entry of corpus)
    lines.push(`printf '${[...entry.bytes].map((byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join('')}\\n'`);
  for (const entry of corpus) lines.push(`: > ${bashBytes(sessionFileBytes(folder, entry))}`);
  const scriptPath = join(work, 'session.sh');
  writeFileSync(scriptPath, `${lines.join('\n')}\n`);
  const tracePath = join(work, 'hostile-session.strace');
  const strace = `strace -f -ttt -yy -s 16384 -o ${tracePath} /bin/bash --noprofile --norc ${scriptPath}`;
  await run('script', ['-qec', strace, '/dev/null'], { timeout: 90_000, maxBuffer: 64 * 1024 * 1024 });
  return tracePath;
}

/** One pod per entry: the entry is the pod's name, creation time, container name, image and digest, and a hostPath. */
export function hostilePods(
  corpus: readonly HostileString[],
  namespace: string,
  node: string,
): Record<string, unknown>[] {
  return corpus.map((entry, index) => ({
    metadata: {
      name: entry.text,
      namespace,
      uid: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
      labels: { app: 'hostile' },
      // A compromised API server can send any string where a timestamp belongs.
      creationTimestamp: entry.text,
    },
    spec: {
      nodeName: node,
      containers: [{ name: entry.text, image: entry.text, volumeMounts: [{ name: 'host', mountPath: '/host' }] }],
      volumes: [{ name: 'host', hostPath: { path: entry.text } }],
    },
    status: {
      phase: 'Running',
      containerStatuses: [
        {
          name: entry.text,
          image: entry.text,
          imageID: `${entry.text}@sha256:${'c'.repeat(64)}`,
          ready: true,
          restartCount: 0,
          started: true,
          state: { running: { startedAt: '2026-11-20T08:00:01Z' } },
        },
      ],
    },
  }));
}
