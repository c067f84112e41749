// Syscalls that shape the process tree: fork/clone, exec, exit, signals sent, credentials and cwd.
import type { ReplayCore } from './replay-core.js';
import type { ProcessRecord } from './replay-records.js';
import type { SignalEvent, SyscallEvent } from './trace-event.js';
import { argsOf, cloneFlags, hasFlag, intArg, signalSender, stringArray, textArg } from './strace-args.js';
import { leadingInt } from './strace-scan.js';
import { type Register, type Handler, resultOf, fdOf, entryAt } from './replay-call-kit.js';

function credentials(
  core: ReplayCore,
  event: SyscallEvent,
  process: ProcessRecord,
  change: { uid?: number; euid?: number; gid?: number; egid?: number },
): void {
  if (resultOf(event) !== 'ok') return;
  const keep = (value: number | undefined, current: number | null): number | null =>
    value === undefined || Number.isNaN(value) || value === -1 ? current : value;
  process.uid = keep(change.uid, process.uid);
  process.euid = keep(change.euid, process.euid);
  process.gid = keep(change.gid, process.gid);
  process.egid = keep(change.egid, process.egid);
  const now = core.stamp();
  process.credentials.push({
    seq: now.seq,
    sec: now.sec,
    nsec: now.nsec,
    call: event.name,
    uid: process.uid,
    euid: process.euid,
    gid: process.gid,
    egid: process.egid,
  });
}

function exitRequest(core: ReplayCore, code: number): ProcessRecord['exitRequest'] {
  const now = core.stamp();
  return { seq: now.seq, sec: now.sec, nsec: now.nsec, code: code & 0xff };
}

const id = (event: SyscallEvent, index: number): number => intArg(argsOf(event)[index]);

/** getuid() = 0: knowledge, not a change — filled in only when unknown. */
function learnId(field: 'uid' | 'euid' | 'gid' | 'egid'): Handler {
  return (_core, event, process) => {
    const value = leadingInt(event.ret);
    if (process[field] === null && value >= 0) process[field] = value;
  };
}

export function processCalls(on: Register): void {
  on(['clone', 'clone3', 'fork', 'vfork'], (core, event, process) => {
    if (event.state === 'unfinished') return;
    const child = leadingInt(event.ret);
    if (!(child > 0)) return;
    const flags = event.name.startsWith('clone') ? cloneFlags(event.argText) : '';
    if (hasFlag(flags, 'CLONE_THREAD')) core.addThread(process, child);
    else core.spawnChild(process, child, hasFlag(flags, 'CLONE_FILES'));
  });

  on(['execve', 'execveat'], (core, event, process) => {
    const args = argsOf(event);
    const at = event.name === 'execveat' ? 1 : 0;
    const path = textArg(args[at]);
    if (path === undefined) return;
    const exe = core.intern(core.resolvePath(process, at === 1 ? fdOf(args[0]) : undefined, path.text));
    const parsed = stringArray(args[at + 1]) ?? { items: [], truncated: false };
    const argv = { items: core.internAll(parsed.items), truncated: parsed.truncated };
    const result = resultOf(event);
    const ok = result === 'ok';
    const now = core.stamp();
    process.execs.push({
      seq: now.seq,
      sec: now.sec,
      nsec: now.nsec,
      exe,
      argv: argv.items,
      argvTruncated: argv.truncated || path.truncated,
      ok,
      error: ok ? undefined : result,
    });
    if (ok) {
      process.exe = exe;
      process.argv = argv.items;
      core.fds.closeOnExec(event.seq, process.table);
      // execve ends every other thread; the caller carries on as the process.
      for (const tid of process.threads) if (tid !== event.tid) core.endTask(process, tid, null, null);
    }
    core.addFile({ pid: process.pid, tid: event.tid, op: 'exec', path: exe, result, processId: process.id });
  });

  on(['exit_group'], (core, event, process) => {
    const code = intArg(argsOf(event)[0]);
    if (!Number.isNaN(code)) process.exitRequest = exitRequest(core, code);
  });

  on(['exit'], (core, event, process) => {
    // exit() ends only the calling thread; for a single-threaded process that is the process.
    const code = intArg(argsOf(event)[0]);
    if (!Number.isNaN(code) && event.tid === process.pid && process.threads.length === 0) {
      process.exitRequest = exitRequest(core, code);
    }
  });

  on(['kill', 'tkill', 'tgkill', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo'], (core, event, process) => {
    const args = argsOf(event);
    // kill(pid, sig) and tkill(tid, sig); tgkill(tgid, tid, sig) names the process first.
    const grouped = event.name === 'tgkill' || event.name === 'rt_tgsigqueueinfo';
    const target = intArg(args[0]);
    const signal = args[grouped ? 2 : 1] ?? '';
    core.addSignal(process.pid, core.intern(signal), 'sent', Number.isNaN(target) ? null : target, resultOf(event));
  });

  on(['setuid', 'setuid32'], (core, event, process) => {
    credentials(core, event, process, { uid: id(event, 0), euid: id(event, 0) });
  });

  on(['setgid', 'setgid32'], (core, event, process) => {
    credentials(core, event, process, { gid: id(event, 0), egid: id(event, 0) });
  });

  on(['setreuid', 'setreuid32', 'setresuid', 'setresuid32'], (core, event, process) => {
    credentials(core, event, process, { uid: id(event, 0), euid: id(event, 1) });
  });

  on(['setregid', 'setregid32', 'setresgid', 'setresgid32'], (core, event, process) => {
    credentials(core, event, process, { gid: id(event, 0), egid: id(event, 1) });
  });

  on(['setfsuid', 'setfsuid32'], (core, event, process) => {
    credentials(core, event, process, { euid: id(event, 0) });
  });

  on(['setfsgid', 'setfsgid32'], (core, event, process) => {
    credentials(core, event, process, { egid: id(event, 0) });
  });

  on(['getuid', 'getuid32'], learnId('uid'));

  on(['geteuid', 'geteuid32'], learnId('euid'));

  on(['getgid', 'getgid32'], learnId('gid'));

  on(['getegid', 'getegid32'], learnId('egid'));

  on(['chdir'], (core, event, process) => {
    const path = textArg(argsOf(event)[0]);
    if (path === undefined || resultOf(event) !== 'ok') return;
    process.cwd = core.intern(core.resolvePath(process, undefined, path.text));
  });

  on(['fchdir'], (core, event, process) => {
    if (resultOf(event) !== 'ok') return;
    const entry = entryAt(core, process, argsOf(event)[0]);
    if (entry?.path != null) process.cwd = entry.path;
  });
}

export function applySignal(core: ReplayCore, event: SignalEvent, process: ProcessRecord): void {
  core.addSignal(process.pid, core.intern(event.signal), 'received', signalSender(event.info) ?? null, 'ok');
}
