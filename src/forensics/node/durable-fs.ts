// Durable file primitives for the case folder: atomic replace, directory fsync, streaming hash without following links.
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir, rename, chmod, unlink } from 'node:fs/promises';
import path from 'node:path';

export const sha256Hex = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

/** Makes a directory entry change (create, rename) durable: without this a power cut can forget the new name. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces dir/name with bytes so a reader sees the old or the new document, never half of one:
 * write a temporary sibling, fsync it, rename over the target, fsync the folder.
 */
export async function writeFileAtomic(dir: string, name: string, bytes: Uint8Array | string): Promise<void> {
  const temporary = path.join(dir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', 0o644);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await handle.close();
  await rename(temporary, path.join(dir, name));
  await fsyncDir(dir);
}

export interface FileDigest {
  sha256: string;
  bytes: number;
}

const READ_CHUNK = 1024 * 1024;

/**
 * SHA-256 and length of a regular file, read in chunks; O_NOFOLLOW because a planted symlink in a case folder
 * must never make us read (and vouch for) a file elsewhere on the machine.
 */
export async function hashFile(file: string, signal?: AbortSignal): Promise<FileDigest> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(READ_CHUNK);
    let bytes = 0;
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await handle.read(buffer, 0, READ_CHUNK, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      bytes += bytesRead;
    }
    return { sha256: hash.digest('hex'), bytes };
  } finally {
    await handle.close();
  }
}

/** Whether a path exists (as anything, links not followed). */
export async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Files 0444, folders 0555, depth first; symlinks are left alone (chmod would follow them out of the folder). */
export async function makeTreeReadOnly(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const child = path.join(dir, entry.name);
    if (entry.isDirectory()) await makeTreeReadOnly(child);
    else if (entry.isFile()) await chmod(child, 0o444);
  }
  await chmod(dir, 0o555);
}
