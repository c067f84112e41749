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
// - BPF programs have 512 bytes of stack: each str()/buf() read sits in its own `if` block with its own
//   variables, which lets LLVM reuse the stack between them, so one exit probe reads all of a call's data.
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
function stringReads(call: CallSpec, b: Builder): string[] {
  const blocks: string[] = [];
  (call.strings ?? []).forEach((_pointer, slot) => {
    const saved = b.map(`s${slot}`);
    for (let chunk = 0; chunk < STRING_CHUNKS; chunk++) {
      const offset = chunk * STRING_CHUNK;
      const print = `printf("S %llu %d %d ${call.name} ${slot} ${chunk} %rh\\n", ${HEAD}, buf(str(uptr(${saved} + ${offset})), ${BPFTRACE_STRLEN}));`;
      // Nothing saved (a call already running when tracing began, or a NULL argument): nothing to read.
      if (chunk === 0) {
        blocks.push(`  if (${saved} != 0) { ${print} }`);
      } else {
        const last = `$c${slot}_${chunk}`;
        blocks.push(`  ${last} = *(uint8 *)uptr(${saved} + ${offset - 1});`);
        blocks.push(`  if (${saved} != 0 && ${last} != 0) { ${print} }`);
      }
    }
  });
  return blocks;
}

function failedArgvReads(call: CallSpec, b: Builder): string[] {
  const saved = b.map('a');
  const blocks: string[] = [];
  for (let index = 0; index < FAILED_ARGV; index++) {
    blocks.push(
      `  $v${index} = *(uint64 *)uptr(${saved} + ${index * 8});`,
      `  if ($v${index} != 0) { printf("V %llu %d %d ${call.name} ${index} %rh\\n", ${HEAD}, buf(str(uptr($v${index})), ${BPFTRACE_STRLEN})); }`,
    );
  }
  return blocks;
}

function dataReads(call: CallSpec, b: Builder): string[] {
  const data = call.data;
  if (data === undefined) return [];
  const blocks = [`  $p = ${b.map('d')};`];
  if (data.shape === 'plain') {
    for (let chunk = 0; chunk < DATA_CHUNKS; chunk++) {
      const offset = chunk * DATA_CHUNK;
      blocks.push(
        `  if ($p != 0 && args->ret > ${offset}) {`,
        `    $n${chunk} = args->ret - ${offset}; if ($n${chunk} > ${DATA_CHUNK}) { $n${chunk} = ${DATA_CHUNK}; }`,
        `    printf("B %llu %d %d ${call.name} 0 ${chunk} %lld %rh\\n", ${HEAD}, args->ret, buf(uptr($p + ${offset}), $n${chunk}));`,
        '  }',
      );
    }
    return blocks;
  }
  const count = b.map('a');
  for (let part = 0; part < IOVECS; part++) {
    blocks.push(
      `  if ($p != 0 && args->ret >= 0 && ${count} > ${part}) {`,
      `    $base${part} = *(uint64 *)uptr($p + ${part * 16});`,
      `    $len${part} = *(uint64 *)uptr($p + ${part * 16 + 8});`,
      `    $n${part} = $len${part}; if ($n${part} > ${DATA_CHUNK}) { $n${part} = ${DATA_CHUNK}; }`,
      `    printf("B %llu %d %d ${call.name} ${part} 0 %lld %rh\\n", ${HEAD}, $len${part}, buf(uptr($base${part}), $n${part}));`,
      '  }',
    );
  }
  return blocks;
}

function addressRead(call: CallSpec, b: Builder): string[] {
  const address = call.address;
  if (address === undefined) return [];
  const pointer = b.map('sa');
  const length = b.map('sl');
  // A caller's address (connect, bind, sendto) matters whatever the result; one the kernel fills in only on success.
  const when = address.direction === 'in' ? '$sa != 0' : `$sa != 0 && ${length} != 0 && args->ret >= 0`;
  const len = address.direction === 'in' ? `(int64)${length}` : `(int64)*(int32 *)uptr(${length})`;
  return [
    `  $sa = ${pointer};`,
    `  if (${when}) {`,
    `    $sl = ${len};`,
    `    $sn = $sl; if ($sn > ${SOCKADDR_BYTES}) { $sn = ${SOCKADDR_BYTES}; }`,
    `    if ($sn > 0) { printf("A %llu %d %d ${call.name} %lld %rh\\n", ${HEAD}, $sl, buf(uptr($sa), $sn)); }`,
    '  }',
  ];
}

/**
 * One probe per exit: the strings, bytes and address lines first, the X line last (the converter collects the
 * first ones into the call the X line completes). One program keeps detaching fast: bpftrace detaches its probes
 * one by one at exit, each costing an RCU grace period.
 */
function exitProbe(call: CallSpec, b: Builder): void {
  const body: string[] = [];
  if (call.exec === true) {
    // On success the old image (and these pointers) is gone: the exec tracepoint reported the new one.
    const reads = [...stringReads(call, b), ...failedArgvReads(call, b)].map((line) => `  ${line}`);
    body.push('  if (args->ret < 0) {', ...reads, '  }');
  } else {
    body.push(...stringReads(call, b));
  }
  body.push(...dataReads(call, b), ...addressRead(call, b));
  const extra = [...(call.exit ?? [])];
  if (call.exec === true) extra.push(`*(uint64 *)uptr(${b.map('a')} + ${FAILED_ARGV * 8})`);
  const { format, args } = values(extra);
  body.push(`  printf("X %llu %d %d ${call.name} %lld${format}\\n", ${HEAD}, args->ret${args});`);
  if (call.when !== undefined) body.push(`  ${b.map('w')} = 0;`);
  b.probe(
    `tracepoint:syscalls:sys_exit_${call.name}`,
    body.join('\n'),
    call.when === undefined ? undefined : `${b.map('w')} == 1`,
  );
}

function callProbes(call: CallSpec, b: Builder): void {
  enterProbe(call, b);
  exitProbe(call, b);
}

function processProbes(b: Builder): void {
  b.probe('tracepoint:sched:sched_process_fork', `  printf("F %llu %d %d %d\\n", ${HEAD}, args->child_pid);`);
  const exec = [
    '  $a = curtask->mm->arg_start; $e = curtask->mm->arg_end;',
    `  printf("R %llu %d %d %d %lld\\n", ${HEAD}, args->old_pid, (int64)($e - $a));`,
  ];
  for (let chunk = 0; chunk < STRING_CHUNKS; chunk++) {
    exec.push(
      `  printf("N %llu %d %d ${chunk} %rh\\n", ${HEAD}, buf(str(args->filename + ${chunk * STRING_CHUNK}), ${BPFTRACE_STRLEN}));`,
    );
  }
  for (let chunk = 0; chunk < ARGV_CHUNKS; chunk++) {
    const offset = chunk * DATA_CHUNK;
    exec.push(
      `  if ($e - $a > ${offset}) {`,
      `    $n${chunk} = $e - $a - ${offset}; if ($n${chunk} > ${DATA_CHUNK}) { $n${chunk} = ${DATA_CHUNK}; }`,
      `    printf("W %llu %d %d ${chunk} %rh\\n", ${HEAD}, buf(uptr($a + ${offset}), $n${chunk}));`,
      '  }',
    );
  }
  b.probe('tracepoint:sched:sched_process_exec', exec.join('\n'));
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
