// Builds the bpftrace program that traces one container: every probe filtered by its PID namespace.
//
// Why these choices (each was measured against bpftrace 0.17 on this kernel):
// - Scope: a task belongs to the target when its pid_ns_for_children is the container's PID namespace (or a
//   namespace nested one or two levels below it). That field is what setns(CLONE_NEWPID) changes, so a
//   `docker exec` process is caught from its first syscall inside the container, by construction.
// - Strings are read at syscall *exit* from the pointer saved at entry: at entry a path may sit on a page that
//   was never touched (bpf_probe_read_user cannot fault it in and returns nothing); by exit the kernel has
//   copied it, so it is resident. An exec's argv is read from the new image (mm->arg_start) after it succeeded.
// - Every evidence byte is printed with `%rh` (hex pairs): `%r` leaves a literal `\x41` indistinguishable from an
//   escaped byte, and bpftrace's JSON escaping of raw bytes is not reliable.
// - BPF programs have 512 bytes of stack: each string or buffer read gets its own probe (probes on one
//   tracepoint run in program order, so a call's string and data lines come before its exit line).
import {
  ARGV_CHUNKS,
  BPFTRACE_STRLEN,
  CALLS,
  DATA_CHUNK,
  DATA_CHUNKS,
  FAILED_ARGV,
  IOVECS,
  SOCKADDR_BYTES,
  STRING_CHUNK,
  STRING_CHUNKS,
  type CallSpec,
} from '../common/trace/bpftrace-calls.js';

export interface ScriptOptions {
  /** Inode of the target's PID namespace (readlink /proc/<initPid>/ns/pid → pid:[N]). */
  pidNamespace: number;
  /** Syscalls whose tracepoints exist on this kernel (a program naming a missing one fails to attach). */
  available: (call: string) => boolean;
  /** How often the program reports the time (lets the converter release held lines when nothing happens). */
  tickMs?: number;
}

export interface Script {
  text: string;
  /** Syscalls traced. */
  calls: string[];
  /** Syscalls left out because this kernel has no tracepoint for them. */
  missing: string[];
  probes: number;
}

const HEAD = 'nsecs, pid, tid';

/** The target filter: the task's namespace for children is the container's, or nested below it. */
function scopeFilter(pidNamespace: number): string {
  const ns = 'curtask->nsproxy->pid_ns_for_children';
  return `(${ns}->ns.inum == ${pidNamespace} || ${ns}->parent->ns.inum == ${pidNamespace} || ${ns}->parent->parent->ns.inum == ${pidNamespace})`;
}

class Builder {
  readonly probes: string[] = [];
  readonly maps = new Set<string>();

  constructor(readonly filter: string) {}

  probe(attach: string, body: string, extra?: string): void {
    const predicate = extra === undefined ? this.filter : `${this.filter} && ${extra}`;
    this.probes.push(`${attach} /${predicate}/ {\n${body}\n}`);
  }

  map(name: string): string {
    this.maps.add(name);
    return `@${name}[tid]`;
  }
}

/** Values printed with %lld: casting makes pointers and unsigned ints print as plain decimals. */
function values(expressions: readonly string[]): { format: string; args: string } {
  return {
    format: expressions.map(() => ' %lld').join(''),
    args: expressions.map((expression) => `, (int64)(${expression})`).join(''),
  };
}

/**
 * The open file behind an fd at entry: mode, device and inode (for strace-like fd notes), and whether its bytes
 * are terminal I/O worth reading: a tty/pty/console, or fds 0–2 unless a regular file, a directory or /dev/null.
 */
function fdPrelude(fd: string, data: CallSpec['data'], b: Builder): string {
  const lines = [
    `  $fd = (int64)(${fd});`,
    '  $m = (uint64)0; $r = (uint64)0; $i = (uint64)0;',
    // No bounds check against max_fds (bpftrace warns on comparing a syscall arg with a kernel field): an fd
    // beyond the table fails the call with EBADF, and the converter ignores the note of a failed call.
    '  $f = *(curtask->files->fdt->fd + $fd);',
    '  if ($f != 0) { $m = $f->f_inode->i_mode; $r = $f->f_inode->i_rdev; $i = $f->f_inode->i_ino; }',
  ];
  if (data !== undefined) {
    lines.push(
      '  $t = $m & 0xf000; $maj = $r >> 20;',
      '  $tty = $t == 0x2000 && ($maj == 4 || $maj == 5 || ($maj >= 136 && $maj <= 143));',
      '  $std = $fd <= 2 && $t != 0x8000 && $t != 0x4000 && !($t == 0x2000 && $r == 0x100003);',
      `  ${b.map('d')} = ($tty || $std) ? (uint64)(${data.pointer}) : (uint64)0;`,
    );
  }
  return lines.join('\n');
}

function enterProbe(call: CallSpec, b: Builder): void {
  const body: string[] = [];
  if (call.when !== undefined) body.push(`  ${b.map('w')} = 1;`);
  (call.strings ?? []).forEach((pointer, slot) => body.push(`  ${b.map(`s${slot}`)} = (uint64)(${pointer});`));
  if (call.save !== undefined) body.push(`  ${b.map('a')} = (uint64)(${call.save});`);
  if (call.address !== undefined) {
    body.push(`  ${b.map('sa')} = (uint64)(${call.address.pointer});`);
    body.push(`  ${b.map('sl')} = (uint64)(${call.address.length});`);
  }
  // The E line's layout is enterLayout's: values, string pointers, data pointer, fd mode/rdev/inode.
  const printed = [...call.enter, ...(call.strings ?? [])];
  if (call.data !== undefined) printed.push(call.data.pointer);
  if (call.fd !== undefined) {
    body.push(fdPrelude(call.fd, call.data, b));
    printed.push('$m', '$r', '$i');
  }
  const { format, args } = values(printed);
  body.push(`  printf("E %llu %d %d ${call.name}${format}\\n", ${HEAD}${args});`);
  // The extra condition goes in the body: bpftrace warns when a predicate mixes task fields with syscall args.
  const text = call.when === undefined ? body.join('\n') : `  if (${call.when}) {\n${body.join('\n')}\n  }`;
  b.probe(`tracepoint:syscalls:sys_enter_${call.name}`, text);
}

/** A string read at exit, chunk by chunk: a chunk is printed only when the one before it filled up. */
function stringProbes(call: CallSpec, b: Builder, exit: string, onlyFailed: string): void {
  (call.strings ?? []).forEach((_pointer, slot) => {
    const saved = b.map(`s${slot}`);
    for (let chunk = 0; chunk < STRING_CHUNKS; chunk++) {
      const offset = chunk * STRING_CHUNK;
      const print = `printf("S %llu %d %d ${call.name} ${slot} ${chunk} %rh\\n", ${HEAD}, buf(str(uptr(${saved} + ${offset})), ${BPFTRACE_STRLEN}));`;
      // Nothing saved (a call already running when tracing began, or a NULL argument): nothing to read.
      const body =
        chunk === 0
          ? `  if (${saved} != 0) { ${print} }`
          : `  $c = *(uint8 *)uptr(${saved} + ${offset - 1});\n  if (${saved} != 0 && $c != 0) { ${print} }`;
      b.probe(exit, onlyFailed === '' ? body : `  if (${onlyFailed}) {\n${body}\n  }`);
    }
  });
}

function failedArgvProbes(call: CallSpec, b: Builder, exit: string): void {
  const saved = b.map('a');
  for (let index = 0; index < FAILED_ARGV; index++) {
    b.probe(
      exit,
      [
        '  if (args->ret < 0) {',
        `    $v = *(uint64 *)uptr(${saved} + ${index * 8});`,
        `    if ($v != 0) { printf("V %llu %d %d ${call.name} ${index} %rh\\n", ${HEAD}, buf(str(uptr($v)), ${BPFTRACE_STRLEN})); }`,
        '  }',
      ].join('\n'),
    );
  }
}

function dataProbes(call: CallSpec, b: Builder, exit: string): void {
  const data = call.data;
  if (data === undefined) return;
  const pointer = b.map('d');
  if (data.shape === 'plain') {
    for (let chunk = 0; chunk < DATA_CHUNKS; chunk++) {
      const offset = chunk * DATA_CHUNK;
      b.probe(
        exit,
        [
          `  $p = ${pointer};`,
          `  if ($p != 0 && args->ret > ${offset}) {`,
          `    $n = args->ret - ${offset}; if ($n > ${DATA_CHUNK}) { $n = ${DATA_CHUNK}; }`,
          `    printf("B %llu %d %d ${call.name} 0 ${chunk} %lld %rh\\n", ${HEAD}, args->ret, buf(uptr($p + ${offset}), $n));`,
          '  }',
        ].join('\n'),
      );
    }
    return;
  }
  const count = b.map('a');
  for (let part = 0; part < IOVECS; part++) {
    b.probe(
      exit,
      [
        `  $p = ${pointer};`,
        `  if ($p != 0 && args->ret >= 0 && ${count} > ${part}) {`,
        `    $base = *(uint64 *)uptr($p + ${part * 16});`,
        `    $len = *(uint64 *)uptr($p + ${part * 16 + 8});`,
        `    $n = $len; if ($n > ${DATA_CHUNK}) { $n = ${DATA_CHUNK}; }`,
        `    printf("B %llu %d %d ${call.name} ${part} 0 %lld %rh\\n", ${HEAD}, $len, buf(uptr($base), $n));`,
        '  }',
      ].join('\n'),
    );
  }
}

function addressProbe(call: CallSpec, b: Builder, exit: string): void {
  const address = call.address;
  if (address === undefined) return;
  const pointer = b.map('sa');
  const length = b.map('sl');
  // A caller's address (connect, bind, sendto) matters whatever the result; one the kernel fills in only on success.
  const when = address.direction === 'in' ? '$p != 0' : `$p != 0 && ${length} != 0 && args->ret >= 0`;
  const len = address.direction === 'in' ? `(int64)${length}` : `(int64)*(int32 *)uptr(${length})`;
  b.probe(
    exit,
    [
      `  $p = ${pointer};`,
      `  if (${when}) {`,
      `    $l = ${len};`,
      `    $n = $l; if ($n > ${SOCKADDR_BYTES}) { $n = ${SOCKADDR_BYTES}; }`,
      `    if ($n > 0) { printf("A %llu %d %d ${call.name} %lld %rh\\n", ${HEAD}, $l, buf(uptr($p), $n)); }`,
      '  }',
    ].join('\n'),
  );
}

function exitProbe(call: CallSpec, b: Builder, exit: string): void {
  const extra = [...(call.exit ?? [])];
  if (call.exec === true) extra.push(`*(uint64 *)uptr(${b.map('a')} + ${FAILED_ARGV * 8})`);
  const { format, args } = values(extra);
  const body = [`  printf("X %llu %d %d ${call.name} %lld${format}\\n", ${HEAD}, args->ret${args});`];
  if (call.when !== undefined) body.push(`  ${b.map('w')} = 0;`);
  b.probe(exit, body.join('\n'), call.when === undefined ? undefined : `${b.map('w')} == 1`);
}

function callProbes(call: CallSpec, b: Builder): void {
  enterProbe(call, b);
  const exit = `tracepoint:syscalls:sys_exit_${call.name}`;
  stringProbes(call, b, exit, call.exec === true ? 'args->ret < 0' : '');
  if (call.exec === true) failedArgvProbes(call, b, exit);
  dataProbes(call, b, exit);
  addressProbe(call, b, exit);
  exitProbe(call, b, exit);
}

function processProbes(b: Builder): void {
  b.probe('tracepoint:sched:sched_process_fork', `  printf("F %llu %d %d %d\\n", ${HEAD}, args->child_pid);`);
  const argv = ['  $a = curtask->mm->arg_start; $e = curtask->mm->arg_end;'];
  b.probe(
    'tracepoint:sched:sched_process_exec',
    `${argv[0]}\n  printf("R %llu %d %d %d %lld\\n", ${HEAD}, args->old_pid, (int64)($e - $a));`,
  );
  for (let chunk = 0; chunk < STRING_CHUNKS; chunk++) {
    b.probe(
      'tracepoint:sched:sched_process_exec',
      `  printf("N %llu %d %d ${chunk} %rh\\n", ${HEAD}, buf(str(args->filename + ${chunk * STRING_CHUNK}), ${BPFTRACE_STRLEN}));`,
    );
  }
  for (let chunk = 0; chunk < ARGV_CHUNKS; chunk++) {
    const offset = chunk * DATA_CHUNK;
    b.probe(
      'tracepoint:sched:sched_process_exec',
      [
        argv[0],
        `  if ($e - $a > ${offset}) {`,
        `    $n = $e - $a - ${offset}; if ($n > ${DATA_CHUNK}) { $n = ${DATA_CHUNK}; }`,
        `    printf("W %llu %d %d ${chunk} %rh\\n", ${HEAD}, buf(uptr($a + ${offset}), $n));`,
        '  }',
      ].join('\n'),
    );
  }
  b.probe(
    'tracepoint:signal:signal_deliver',
    `  printf("G %llu %d %d %d %d %d\\n", ${HEAD}, args->sig, args->errno, args->code);`,
  );
}

/** The whole program for one target. */
export function buildScript(options: ScriptOptions): Script {
  const b = new Builder(scopeFilter(options.pidNamespace));
  const calls: string[] = [];
  const missing: string[] = [];
  for (const call of CALLS) {
    if (!options.available(call.name)) {
      missing.push(call.name);
      continue;
    }
    calls.push(call.name);
    callProbes(call, b);
  }
  processProbes(b);
  // A task that ends frees its per-task scratch entries (maps hold one entry per live task at most).
  const cleanup = [...b.maps].sort().map((name) => `delete(@${name}[tid]);`);
  b.probe(
    'tracepoint:sched:sched_process_exit',
    `  printf("Q %llu %d %d %d\\n", ${HEAD}, curtask->exit_code);\n  ${cleanup.join(' ')}`,
  );
  const tick = options.tickMs ?? 250;
  const text = [
    `// HoldCell capture: syscalls of PID namespace ${options.pidNamespace} (generated; see src/capture/node/bpftrace-script.ts).`,
    `BEGIN {\n  printf("H %llu %llu\\n", nsecs, (uint64)${options.pidNamespace});\n}`,
    ...b.probes,
    `interval:ms:${tick} {\n  printf("T %llu\\n", nsecs);\n}`,
    // bpftrace prints every map when it exits: the scratch maps hold only pointers, so they are cleared first.
    `END {\n  ${[...b.maps]
      .sort()
      .map((name) => `clear(@${name});`)
      .join(' ')}\n}`,
    '',
  ].join('\n');
  return { text, calls, missing, probes: b.probes.length + 3 };
}
