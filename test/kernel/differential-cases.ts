// Programs the differential test runs under both bpftrace 0.17 and bpfq. Every one is
// deterministic against the workload: it filters on `cpid` (the -c workload), and the workload
// makes exactly N getppid() calls, N write(fd, buf, i) calls for i = 0..N-1, and N calls of
// bpfq_work(i) with a USDT probe bpfq:tick(i). Map entries that would tie in value (0.17 sorts
// them unstably) are avoided, and so are the 0.17 bugs bpfq fixes on purpose (min/max of
// negative values, hist of values >= 2^32).
import type { DiffCase } from '../support/differential.js';

const W = 'tracepoint:syscalls:sys_enter_write /pid == cpid/';
const G = 'tracepoint:syscalls:sys_enter_getppid /pid == cpid/';
/** The workload's writes, with one more condition in the predicate. */
const Wif = (cond: string): string =>
  `tracepoint:syscalls:sys_enter_write /pid == cpid && (${cond})/`;

export const DIFF_CASES: DiffCase[] = [
  // Aggregations, scalar.
  { name: 'count', program: `${G} { @ = count(); }` },
  {
    name: 'integer keys print as signed 64-bit whatever their type',
    program:
      'BEGIN { @a[(uint64)-1] = 1; @b[(uint32)-1] = 2; @c[(int32)-1] = 3; @d[(uint16)-1] = 4; @e[(uint8)-1, (uint64)-2] = 5; exit(); }',
  },
  { name: 'sum', program: `${W} { @bytes = sum(args->count); }` },
  { name: 'min and max', program: `${W} { @lo = min(args->count + 3); @hi = max(args->count); }` },
  { name: 'avg', program: `${W} { @a = avg(args->count); }` },
  { name: 'stats', program: `${W} { @s = stats(args->count); }` },
  { name: 'hist', program: `${W} { @h = hist(args->count); }`, iterations: 300 },
  { name: 'hist of negative and zero', program: `${W} { @h = hist((int64)args->count - 20); }` },
  { name: 'lhist', program: `${W} { @l = lhist(args->count, 0, 40, 5); }` },
  {
    name: 'lhist out of range both sides',
    program: `${W} { @l = lhist((int64)args->count - 10, 0, 20, 4); }`,
  },
  // Keyed maps.
  {
    name: 'int key count',
    program: `${W} { @[args->count < 1 ? 0 : args->count < 3 ? 1 : args->count < 6 ? 2 : 3] = count(); }`,
    iterations: 10,
  },
  {
    name: 'int key sum (sorted by value)',
    program: `${W} { @s[args->count % 5] = sum(args->count); }`,
  },
  { name: 'string key', program: `${G} { @[comm] = count(); }` },
  { name: 'multi key', program: `${W} { @m[comm, args->count % 3] = sum(args->count); }` },
  { name: 'keyed hist', program: `${W} { @h[args->count % 2] = hist(args->count); }` },
  {
    name: 'keyed lhist',
    program: `${W} { @l[args->count % 2 == 0 ? "even" : "odd"] = lhist(args->count, 0, 50, 10); }`,
  },
  {
    name: 'keyed avg and stats',
    program: `${W} { @a[args->count % 3] = avg(args->count); @s[args->count % 3] = stats(args->count); }`,
  },
  { name: 'plain values keyed by int', program: `${W} { @last[args->count % 4] = args->count; }` },
  {
    name: 'string values',
    program: `${Wif('args->count < 4')} { @name[args->count] = args->count % 2 ? "odd" : "even"; }`,
  },
  {
    name: 'tuple value',
    program: `${Wif('args->count == 7')} { @t = (args->count, "seven", -1); }`,
  },
  // printf.
  {
    name: 'printf integer specifiers',
    program: `BEGIN { printf("%d %u %x %X %o|%5d|%-5d|%05d %%\\n", -5, 3, 255, 255, 8, 42, 42, 42); exit(); }`,
    iterations: 0,
  },
  {
    name: 'printf strings and chars',
    program: `BEGIN { printf("[%s] [%10s] [%-10s] [%c]\\n", "abc", "right", "left", 65); exit(); }`,
    iterations: 0,
  },
  {
    name: 'printf 64-bit',
    program: `BEGIN { printf("%lu %ld %llx %lld\\n", 18446744073709551615, -9223372036854775807, 0xdeadbeefcafe, 1 << 40); exit(); }`,
    iterations: 0,
  },
  {
    name: 'printf per event',
    program: `${Wif('args->count < 5')} { printf("write %d by %s\\n", args->count, comm); }`,
  },
  // Control flow, predicates, variables, operators.
  {
    name: 'predicate and/or',
    program: `${Wif('args->count > 10 && (args->count < 15 || args->count == 40)')} { @ = count(); }`,
  },
  {
    name: 'if else',
    program: `${W} { if (args->count % 2) { @odd = count(); } else { @even = count(); } }`,
  },
  {
    name: 'ternary',
    program: `${W} { @[args->count > 25 ? "big" : "small"] = count(); }`,
    iterations: 60,
  },
  {
    name: 'scratch variables',
    program: `${W} { $x = args->count * 2; $y = $x + 1; @ = sum($y); }`,
  },
  {
    name: 'unroll',
    program: `BEGIN { $i = 0; unroll(5) { $i = $i + 2; @u = sum($i); } exit(); }`,
    iterations: 0,
  },
  {
    name: 'while loop',
    program: `BEGIN { $i = 0; while ($i < 6) { @w = sum($i); $i++; } exit(); }`,
    iterations: 0,
  },
  {
    name: 'arithmetic and bitwise',
    program: `BEGIN { printf("%d %d %d %d %d %d %d\\n", 7 / 2, -7 / 2, 7 % 3, 6 & 3, 6 | 3, 6 ^ 3, 1 << 10); exit(); }`,
    iterations: 0,
  },
  {
    name: 'integer casts',
    program: `BEGIN { printf("%d %d %d %u\\n", (uint8)300, (int8)200, (int16)70000, (uint32)-1); exit(); }`,
    iterations: 0,
  },
  {
    name: 'negative numbers',
    program: `BEGIN { @n = -5; @k[-1] = 1; @k[5] = 2; printf("%d\\n", -123); exit(); }`,
    iterations: 0,
  },
  {
    name: 'big numbers',
    program: `${W} { @big = sum(args->count * 1000000000); @neg = sum(-1 * (int64)args->count); }`,
  },
  // Lifecycle: BEGIN, END, exit().
  {
    name: 'BEGIN and END',
    program: `BEGIN { printf("begin\\n"); } ${G} { @ = count(); } END { printf("end\\n"); }`,
  },
  {
    // How many events arrive before the detach is a race; only what exit() prints is not.
    name: 'exit after N events',
    program: `${G} { @c = @c + 1; if (@c == 5) { printf("five\\n"); exit(); } } END { clear(@c); }`,
    iterations: 200,
  },
  { name: 'exit in BEGIN', program: 'BEGIN { @x = 1; exit(); }', iterations: 0 },
  { name: 'interval exit', program: 'interval:ms:100 { exit(); }', iterations: 0 },
  // Map operations at END.
  {
    name: 'clear',
    program: `${W} { @a[args->count % 3] = count(); @b = count(); } END { clear(@a); }`,
  },
  {
    name: 'zero',
    program: `${W} { @a = sum(args->count); @k[1] = count(); @h = hist(args->count); } END { zero(@a); zero(@k); zero(@h); }`,
  },
  {
    name: 'delete',
    program: `${W} { @a[args->count % 4] = sum(args->count); } END { delete(@a[1]); delete(@a[3]); }`,
  },
  {
    name: 'print with top and div',
    program: `${W} { @a[args->count % 6] = sum(args->count); } END { print(@a, 3, 10); print(@a, 2); clear(@a); }`,
  },
  {
    name: 'print scalar and hist',
    program: `${W} { @c = count(); @h = hist(args->count); } END { print(@c); print(@h); }`,
  },
  {
    name: 'print non-map values',
    program: 'BEGIN { print(5); print("str"); print((1, "two", -3)); exit(); }',
    iterations: 0,
  },
  // Probe kinds other than tracepoints.
  // Uprobes see every process running the binary (0.17 has no uprobe pid targeting), so this
  // one filters; USDT probes attach to the -c child only, so that one does not need to.
  {
    name: 'uprobe args',
    program: 'uprobe:WORKLOAD:bpfq_work /pid == cpid/ { @[arg0 % 4] = sum(arg0); }',
    iterations: 40,
  },
  {
    name: 'usdt args',
    program: 'usdt:WORKLOAD:bpfq:tick { @ticks = count(); @total = sum(arg0); }',
    iterations: 40,
  },
  {
    // Programs on one uprobe run newest first, on one tracepoint oldest first: 0.17's attach
    // order makes both run in the order written.
    name: 'blocks on the same event run in written order',
    program:
      `${G} { printf("a\\n"); } ${G} { printf("b\\n"); } ` +
      'uprobe:WORKLOAD:bpfq_work /pid == cpid/ { printf("u1\\n"); } uprobe:WORKLOAD:bpfq_work /pid == cpid/ { printf("u2\\n"); }',
    iterations: 3,
  },
  {
    name: 'watchpoint on the child',
    program: 'watchpoint:0x10000000:8:w { @writes = count(); }',
    iterations: 7,
    mode: 'watch',
  },
  {
    name: 'probe builtin',
    program: `${G} { @[probe] = count(); } ${Wif('args->count < 10')} { @[probe] = count(); }`,
    iterations: 30,
  },
  {
    name: 'profile fires on some CPU',
    program: 'profile:hz:99 { @sampled = 1; } interval:ms:300 { exit(); }',
    iterations: 0,
  },
  // Positional parameters and options.
  {
    name: 'positional parameters',
    program: 'BEGIN { printf("%s %d\\n", str($1), $2 + 1); exit(); }',
    params: ['hello', '41'],
    iterations: 0,
  },
  { name: 'quiet', program: 'BEGIN { printf("q\\n"); exit(); }', options: ['-q'], iterations: 0 },
  // JSON output.
  {
    name: 'json count and printf',
    format: 'json',
    program: `${Wif('args->count < 3')} { printf("w %d\\n", args->count); } ${G} { @c = count(); }`,
  },
  {
    name: 'json hist and lhist',
    format: 'json',
    program: `${W} { @h = hist((int64)args->count - 5); @l = lhist(args->count, 0, 30, 10); }`,
  },
  {
    name: 'json avg and stats',
    format: 'json',
    program: `${W} { @a = avg(args->count); @s[args->count % 2] = stats(args->count); }`,
  },
  {
    name: 'json keyed and multi-key',
    format: 'json',
    program: `${W} { @k[args->count % 5] = sum(args->count); @m[comm, args->count % 2] = sum(args->count); }`,
  },
  {
    name: 'json print values and tuple',
    format: 'json',
    program: 'BEGIN { print(5); print("s"); print((1, "a")); @t = (2, "b"); exit(); }',
    iterations: 0,
  },
  {
    name: 'json empty map after clear',
    format: 'json',
    program: `${W} { @a[args->count % 3] = count(); @b = count(); } END { clear(@a); }`,
  },
  // More statements and builtins.
  {
    name: 'increment and compound assignment',
    program: `${W} { @c++; @s += args->count; @d -= 1; }`,
  },
  {
    name: 'else if chain',
    program: `${W} { if (args->count < 3) { @["small"] = count(); } else if (args->count < 10) { @["mid"] = count(); } else { @["big"] = count(); } }`,
    iterations: 27,
  },
  {
    name: 'avg and stats of negative values',
    program: `${W} { @a = avg((int64)args->count - 30); @s = stats((int64)args->count - 30); }`,
  },
  {
    name: 'keyed hist printed with top',
    program: `${W} { @h[args->count % 3] = hist(args->count + args->count % 3); } END { print(@h, 2); clear(@h); }`,
    iterations: 31,
  },
  {
    name: 'string scalar map',
    program: 'BEGIN { @s = "hello"; @t = "world"; exit(); }',
    iterations: 0,
  },
  {
    name: 'pid and tid',
    program: `${G} { @[tid == pid, pid == cpid] = count(); }`,
    iterations: 12,
  },
  {
    name: 'join of argv',
    program: 'uprobe:WORKLOAD:main /pid == cpid/ { join(arg1); }',
    iterations: 11,
  },
  {
    name: 'str of a user pointer',
    program:
      'uprobe:WORKLOAD:main /pid == cpid/ { printf("[%s]\\n", str(*(uint64 *)(arg1 + 8))); }',
    iterations: 12,
  },
  {
    name: 'ntop',
    program: 'BEGIN { printf("%s %s\\n", ntop(2, 0x0100007f), ntop(0xffffffff)); exit(); }',
    iterations: 0,
  },
  { name: 'cat', program: 'BEGIN { cat("/proc/sys/kernel/ostype"); exit(); }', iterations: 0 },
  {
    name: 'system with --unsafe',
    program: 'BEGIN { system("echo from %s %d", "system", 42); exit(); }',
    options: ['--unsafe'],
    iterations: 0,
  },
  {
    name: 'json join, cat and system',
    format: 'json',
    program:
      'uprobe:WORKLOAD:main /pid == cpid/ { join(arg1); cat("/proc/sys/kernel/ostype"); system("echo sys"); }',
    options: ['--unsafe'],
    iterations: 5,
  },
  // Everyday one-liners.
  {
    name: 'exit tracepoint hist of return values',
    program:
      'tracepoint:syscalls:sys_exit_write /pid == cpid/ { @ret = hist(args->ret); @big[args->ret > 10] = count(); }',
    iterations: 20,
  },
  {
    name: 'raw_syscalls with a field predicate',
    program:
      'tracepoint:raw_syscalls:sys_enter /pid == cpid && args->id == 1/ { @[args->id] = count(); }',
    iterations: 20,
  },
  {
    name: 'start/end pairing with delete',
    program:
      'tracepoint:syscalls:sys_enter_write /pid == cpid/ { @start[tid] = nsecs; } ' +
      'tracepoint:syscalls:sys_exit_write /pid == cpid && @start[tid]/ { @n = count(); delete(@start[tid]); }',
    iterations: 20,
  },
  {
    name: 'uretprobe',
    program: 'uretprobe:WORKLOAD:bpfq_work /pid == cpid/ { @returns = count(); }',
    iterations: 9,
  },
  {
    name: 'str of a tracepoint string argument',
    program:
      'tracepoint:syscalls:sys_enter_openat /pid == cpid/ { printf("%s\\n", str(args->filename)); }',
    iterations: 3,
  },
  {
    name: 'process exit tracepoint',
    program: 'tracepoint:sched:sched_process_exit /pid == cpid/ { printf("exit %s\\n", comm); }',
    iterations: 3,
  },
  // Errors.
  { name: 'kprobe attach failure', program: 'kprobe:vfs_read { @ = count(); }', iterations: 0 },
  {
    name: 'hardware probe without a PMU',
    program: 'hardware:cpu-cycles:1000000 { @ = count(); }',
    iterations: 0,
  },
  { name: 'compile error', program: 'BEGIN { @ = hist(); }', iterations: 0, compareStderr: true },
];
