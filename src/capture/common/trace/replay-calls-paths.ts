// Syscalls that change paths: rename, unlink, mkdir, chmod, chown, link, symlink, truncate, utime, mknod.
import type { ReplayCore } from './replay-core.js';
import type { ProcessRecord } from './replay-records.js';
import type { FileOp } from './replay-model.js';
import type { SyscallEvent } from './trace-event.js';
import { argsOf, hasFlag, textArg } from './strace-args.js';
import { type Register, resultOf, fdOf } from './replay-call-kit.js';

function pathChange(
  core: ReplayCore,
  event: SyscallEvent,
  process: ProcessRecord,
  op: FileOp,
  dirfd: string | undefined,
  pathArg: string | undefined,
  extra: { newPath?: string; mode?: string; owner?: string } = {},
): void {
  const path = textArg(pathArg);
  if (path === undefined) return;
  const resolved = core.resolvePath(process, dirfd === undefined ? undefined : fdOf(dirfd), path.text);
  const record = core.addFile({
    pid: process.pid,
    tid: event.tid,
    op,
    path: resolved,
    result: resultOf(event),
    processId: process.id,
  });
  if (extra.newPath !== undefined) record.newPath = core.intern(extra.newPath);
  if (extra.mode !== undefined) record.mode = core.intern(extra.mode);
  if (extra.owner !== undefined) record.owner = core.intern(extra.owner);
}

/** fchmod/fchown/ftruncate/futimens: the path is the fd's. */
function fdChange(
  core: ReplayCore,
  event: SyscallEvent,
  process: ProcessRecord,
  op: FileOp,
  fdArgText: string | undefined,
  extra: { mode?: string; owner?: string } = {},
): void {
  const value = fdOf(fdArgText);
  if (value === undefined) return;
  const entry = core.entryOf(process, value);
  const path = value.note?.path ?? entry?.path ?? null;
  if (path === null) return;
  const record = core.addFile({
    pid: process.pid,
    tid: event.tid,
    op,
    path,
    result: resultOf(event),
    fd: value.fd,
    processId: process.id,
  });
  if (extra.mode !== undefined) record.mode = core.intern(extra.mode);
  if (extra.owner !== undefined) record.owner = core.intern(extra.owner);
}

function resolved(core: ReplayCore, process: ProcessRecord, dirfd: string | undefined, pathArg: string | undefined) {
  const path = textArg(pathArg);
  return path === undefined
    ? undefined
    : core.resolvePath(process, dirfd === undefined ? undefined : fdOf(dirfd), path.text);
}

export function pathCalls(on: Register): void {
  on(['rename'], (core, event, process) => {
    const args = argsOf(event);
    const to = resolved(core, process, undefined, args[1]);
    pathChange(core, event, process, 'rename', undefined, args[0], to === undefined ? {} : { newPath: to });
  });

  on(['renameat', 'renameat2'], (core, event, process) => {
    const args = argsOf(event);
    const to = resolved(core, process, args[2], args[3]);
    pathChange(core, event, process, 'rename', args[0], args[1], to === undefined ? {} : { newPath: to });
  });

  on(['unlink'], (core, event, process) => {
    pathChange(core, event, process, 'unlink', undefined, argsOf(event)[0]);
  });

  on(['unlinkat'], (core, event, process) => {
    const args = argsOf(event);
    pathChange(core, event, process, hasFlag(args[2], 'AT_REMOVEDIR') ? 'rmdir' : 'unlink', args[0], args[1]);
  });

  on(['rmdir'], (core, event, process) => {
    pathChange(core, event, process, 'rmdir', undefined, argsOf(event)[0]);
  });

  on(['mkdir'], (core, event, process) => {
    const args = argsOf(event);
    pathChange(core, event, process, 'mkdir', undefined, args[0], { mode: args[1] ?? '' });
  });

  on(['mkdirat'], (core, event, process) => {
    const args = argsOf(event);
    pathChange(core, event, process, 'mkdir', args[0], args[1], { mode: args[2] ?? '' });
  });

  on(['chmod'], (core, event, process) => {
    const args = argsOf(event);
    pathChange(core, event, process, 'chmod', undefined, args[0], { mode: args[1] ?? '' });
  });

  on(['fchmodat', 'fchmodat2'], (core, event, process) => {
    const args = argsOf(event);
    pathChange(core, event, process, 'chmod', args[0], args[1], { mode: args[2] ?? '' });
  });

  on(['fchmod'], (core, event, process) => {
    const args = argsOf(event);
    fdChange(core, event, process, 'chmod', args[0], { mode: args[1] ?? '' });
  });

  on(['chown', 'lchown', 'chown32', 'lchown32'], (core, event, process) => {
    const args = argsOf(event);
    pathChange(core, event, process, 'chown', undefined, args[0], { owner: `${args[1] ?? ''}:${args[2] ?? ''}` });
  });

  on(['fchownat'], (core, event, process) => {
    const args = argsOf(event);
    pathChange(core, event, process, 'chown', args[0], args[1], { owner: `${args[2] ?? ''}:${args[3] ?? ''}` });
  });

  on(['fchown', 'fchown32'], (core, event, process) => {
    const args = argsOf(event);
    fdChange(core, event, process, 'chown', args[0], { owner: `${args[1] ?? ''}:${args[2] ?? ''}` });
  });

  on(['link'], (core, event, process) => {
    const args = argsOf(event);
    const existing = resolved(core, process, undefined, args[0]);
    pathChange(core, event, process, 'link', undefined, args[1], existing === undefined ? {} : { newPath: existing });
  });

  on(['linkat'], (core, event, process) => {
    const args = argsOf(event);
    const existing = resolved(core, process, args[0], args[1]);
    pathChange(core, event, process, 'link', args[2], args[3], existing === undefined ? {} : { newPath: existing });
  });

  on(['symlink'], (core, event, process) => {
    const args = argsOf(event);
    const target = textArg(args[0])?.text;
    pathChange(core, event, process, 'symlink', undefined, args[1], target === undefined ? {} : { newPath: target });
  });

  on(['symlinkat'], (core, event, process) => {
    const args = argsOf(event);
    const target = textArg(args[0])?.text;
    pathChange(core, event, process, 'symlink', args[1], args[2], target === undefined ? {} : { newPath: target });
  });

  on(['truncate', 'truncate64'], (core, event, process) => {
    pathChange(core, event, process, 'truncate', undefined, argsOf(event)[0]);
  });

  on(['ftruncate', 'ftruncate64'], (core, event, process) => {
    fdChange(core, event, process, 'truncate', argsOf(event)[0]);
  });

  on(['utime', 'utimes'], (core, event, process) => {
    pathChange(core, event, process, 'utime', undefined, argsOf(event)[0]);
  });

  on(['utimensat', 'futimesat'], (core, event, process) => {
    const args = argsOf(event);
    // utimensat(fd, NULL, …) changes the fd's own file (futimens).
    if (args[1] === 'NULL') fdChange(core, event, process, 'utime', args[0]);
    else pathChange(core, event, process, 'utime', args[0], args[1]);
  });

  on(['mknod'], (core, event, process) => {
    const args = argsOf(event);
    pathChange(core, event, process, 'mknod', undefined, args[0], { mode: args[1] ?? '' });
  });

  on(['mknodat'], (core, event, process) => {
    const args = argsOf(event);
    pathChange(core, event, process, 'mknod', args[0], args[1], { mode: args[2] ?? '' });
  });
}
