// A broad set of bpftrace 0.17 programs that code generation must handle: every builtin,
// aggregation, map operation, async action and control-flow form, on each probe kind that
// works on the reference machine. The structure test compiles them against the fake host;
// the kernel test loads them into the real verifier. `fake: false` marks programs that need
// the real host (binaries, BTF types the fake host does not have).

export interface CodegenProgram {
  name: string;
  text: string;
  /** Compiles against the fake host too (default true). */
  fake?: boolean;
  /** Loads on this machine (default true); `WORKLOAD` stands for the test workload binary. */
  kernel?: boolean;
  /** bpftrace 0.17's instruction count for this program (BPFTRACE-REFERENCE.md §4.1). */
  bpftraceInsns?: number;
  unsafe?: boolean;
}

const R = 'tracepoint:syscalls:sys_enter_read';

export const CODEGEN_PROGRAMS: CodegenProgram[] = [
  { name: 'keyless count', text: `${R} { @ = count(); }`, bpftraceInsns: 22 },
  { name: 'count by comm', text: `${R} { @[comm] = count(); }`, bpftraceInsns: 27 },
  { name: 'hist', text: `${R} { @h = hist(args->count); }`, bpftraceInsns: 54 },
  { name: 'lhist', text: `${R} { @l = lhist(args->count, 0, 100, 10); }`, bpftraceInsns: 30 },
  { name: 'stats', text: `${R} { @s = stats(args->count); }`, bpftraceInsns: 43 },
  { name: 'printf comm pid', text: `${R} { printf("%s %d\\n", comm, pid); }`, bpftraceInsns: 27 },
  {
    name: 'count by filename',
    text: 'tracepoint:syscalls:sys_enter_openat { @[str(args->filename)] = count(); }',
    bpftraceInsns: 34,
  },
  { name: 'count by kstack', text: `${R} { @[kstack] = count(); }`, bpftraceInsns: 25 },
  {
    name: 'sum by pid and comm',
    text: `${R} { @[pid, comm] = sum(args->count); }`,
    bpftraceInsns: 35,
  },
  {
    name: 'ustack and kstack(perf, 5)',
    text: `${R} { @u[ustack] = count(); @k[kstack(perf, 5)] = count(); }`,
  },
  {
    name: 'predicate with string compare, avg min max',
    text: `${R} /pid > 100 && comm != "bash"/ { @a = avg(args->count); @mn = min(args->count); @mx = max(args->count); }`,
  },
  {
    name: 'integer builtins',
    text: 'BEGIN { printf("%d %d %d %d %d %d %d %d\\n", pid, tid, uid, gid, nsecs, cpu, rand, cgroup); exit(); }',
  },
  { name: 'string builtins', text: 'BEGIN { printf("%s %s %s\\n", comm, probe, username); }' },
  {
    name: 'curtask fields',
    text: 'BEGIN { @x = curtask; @y = curtask->pid; @z = curtask->comm; }',
  },
  {
    name: 'compound assignment and increments',
    text: 'BEGIN { $a = 1; $a += 5; $a -= 1; $a *= 3; $a /= 2; $a %= 7; $a &= 3; $a |= 8; $a ^= 1; $a <<= 2; $a >>= 1; @ = $a; @b++; @b--; ++@c; $d = @b++; }',
  },
  { name: 'elapsed', text: 'BEGIN { @ = elapsed; }' },
  {
    name: 'strftime and time',
    text: 'BEGIN { @s = strftime("%H:%M", nsecs); printf("%s\\n", strftime("%Y", nsecs)); time("%H\\n"); time(); }',
  },
  { name: 'ksym usym', text: 'BEGIN { @ = ksym(0); @u = usym(0); }' },
  { name: 'kaddr', text: 'BEGIN { @k = kaddr("vfs_read"); }', fake: false },
  {
    name: 'ntop bswap strncmp strcontains sizeof',
    text: 'BEGIN { @ = ntop(2, 0x0100007f); @b = bswap((uint16)0x1234); @c = strncmp("abc", "abd", 2); @d = strcontains("hello world", "wor"); @e = sizeof(int32); }',
  },
  {
    name: 'map operations',
    text: 'BEGIN { @t[1] = 1; print(@t, 1, 2); clear(@t); zero(@t); delete(@t[1]); print(5); print("x"); print((1, "t")); }',
  },
  {
    name: 'while with break',
    text: 'BEGIN { $i = 0; while ($i < 100) { if ($i > 50) { break; } $i++; } @ = $i; }',
  },
  {
    name: 'ternaries',
    text: 'BEGIN { @ = pid > 1 ? 2 : 3; $s = pid > 0 ? "yes" : "no"; @s = $s; }',
  },
  {
    name: 'system and cat',
    text: 'BEGIN { system("echo hi %d", 5); cat("/proc/%s", "version"); }',
    unsafe: true,
  },
  {
    name: 'join argv',
    text: 'tracepoint:syscalls:sys_enter_execve { join(args->argv); join(args->argv, ","); }',
  },
  {
    name: 'buf',
    text: 'tracepoint:syscalls:sys_enter_write { @[buf(args->buf, 8)] = count(); printf("%r\\n", buf(args->buf, 4)); }',
  },
  {
    name: 'buf with a run-time length',
    text: 'tracepoint:syscalls:sys_enter_write { $n = args->count; @[buf(args->buf, $n)] = count(); printf("%r\\n", buf(args->buf, $n)); }',
  },
  {
    name: 'interval and profile',
    text: 'interval:ms:100 { @i = count(); } profile:hz:99 { @p[cpu] = count(); }',
  },
  { name: 'software', text: 'software:cpu-clock:1000000 { @ = count(); }' },
  {
    name: 'uprobe reg func arg',
    text: 'uprobe:/bin/bash:readline { @ = count(); @r = reg("ip"); @f = func; @a[arg0, arg5] = count(); }',
    fake: false,
  },
  { name: 'uretprobe retval', text: 'uretprobe:/bin/bash:readline { @ = retval; }', fake: false },
  {
    name: 'uprobe str and ustack',
    text: 'uprobe:/bin/bash:readline { printf("%s\\n", str(arg0)); @[ustack] = count(); }',
    fake: false,
  },
  {
    name: 'two string keys',
    text: 'tracepoint:sched:sched_switch { @[args->prev_comm, args->next_comm] = count(); }',
  },
  {
    name: '__data_loc string',
    text: 'tracepoint:sched:sched_process_exec { @[str(args->filename)] = count(); }',
  },
  {
    name: 'casts as keys',
    text: `${R} { $x = (uint8)args->count; $y = (int16)args->count; $z = (uint32)args->count; @[$x, $y, $z] = count(); }`,
  },
  {
    name: 'str with lengths',
    text: 'tracepoint:syscalls:sys_enter_openat { @[str(args->filename, 10)] = count(); $n = args->flags; @x = str(args->filename, $n); }',
  },
  {
    name: 'tuples, negative numbers, unary operators',
    text: 'BEGIN { @a[1, "a", 2] = (1, "b"); @b = -5; @c = -5 / 2; @d = -1 < 1; @e = !0; @f = ~0; @g = -(5); }',
  },
  { name: 'END', text: 'END { printf("end\\n"); }' },
  { name: 'cpid', text: 'BEGIN { @ = cpid; }' },
  {
    name: 'wildcard tracepoints share one program per target',
    text: 'tracepoint:syscalls:sys_enter_open* { @[probe] = count(); printf("%s\\n", probe); }',
  },
  {
    name: 'many live values across calls (spills)',
    text: 'BEGIN { $a = pid; $b = tid; $c = uid; $d = gid; $e = cpu; $f = nsecs; @[$a, $b, $c, $d, $e, $f] = count(); printf("%d %d %d %d %d %d\\n", $a, $b, $c, $d, $e, $f); }',
  },
  {
    name: 'big strings live in the scratch buffer',
    text: 'tracepoint:syscalls:sys_enter_openat { $a = str(args->filename); $b = str(args->filename); $c = str(args->filename); @[$a, $b] = count(); printf("%s %s %s\\n", $a, $b, $c); }',
  },
  {
    name: 'unroll and if/else chains',
    text: 'BEGIN { $i = 0; unroll(5) { if ($i == 1) { @a++; } else if ($i == 2) { @b++; } else { @c++; } $i++; } }',
  },
  {
    name: 'map reads in predicates',
    text: `${R} /@seen[tid] == 0/ { @seen[tid] = 1; @n = @n + 1; }`,
  },
  { name: 'exit in a probe', text: 'interval:ms:100 { exit(); }' },
  {
    name: 'delete from hist and avg maps',
    text: 'BEGIN { @h[1] = hist(5); delete(@h[1]); @a[2] = avg(3); delete(@a[2]); }',
  },
  // kprobes load (the verifier accepts KPROBE programs) even where attaching them fails.
  {
    name: 'kprobe arguments, sarg and func',
    text: 'kprobe:vfs_read { @[arg0, arg1, arg2] = count(); @f[func] = count(); @s = sarg0; }',
  },
  { name: 'kretprobe retval', text: 'kretprobe:vfs_read { @r = hist(retval); @f = func; }' },
  { name: 'debugf', text: 'BEGIN { debugf("x %d %d\\n", 1, pid); }' },
  {
    name: 'variables first written under a condition',
    text: 'BEGIN { if (pid > 1) { $a = 1; $s = "x"; } printf("%d %s\\n", $a, $s); $a = 2; @ = $a; }',
  },
  {
    name: 'tuple assigned from itself',
    text: 'BEGIN { $t = (1, "a", 2); $t = ($t.2, $t.1, $t.0); print($t); }',
  },
  {
    name: 'struct through pointers',
    text: 'BEGIN { $t = curtask; @p = $t->parent->pid; @c = $t->parent->comm; @d = *curtask; }',
    fake: false,
  },
  {
    name: 'usdt arguments (fake note)',
    text: 'usdt:/tmp/tracetest:tracetest:testprobe { @ = sum(arg0); }',
    kernel: false,
  },
  {
    name: 'uprobe and usdt on the workload',
    text: 'uprobe:WORKLOAD:bpfq_work { @[arg0 % 4] = sum(arg0); @a = uaddr("bpfq_tick_semaphore"); } usdt:WORKLOAD:bpfq:tick { @t = sum(arg0); }',
    fake: false,
  },
];
