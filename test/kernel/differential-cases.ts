// Programs the differential test runs under both bpftrace 0.17 and bpfq. Every one is
// deterministic against the workload: it filters on `cpid` (the -c workload), and the workload
// makes exactly N getppid() calls, N write(fd, buf, i) calls for i = 0..N-1, and N calls of
// bpfq_work(i) with a USDT probe bpfq:tick(i). Map entries that would tie in value (0.17 sorts
// them unstably) are avoided, and so are the 0.17 bugs bpfq fixes on purpose (min/max of
// negative values, hist of values >= 2^32).
//
// `oracleProgram` works around one 0.17 bug that this kernel brings out: a ternary choosing
// between string literals of different lengths leaves the tail of the shorter one
// uninitialised, so as a map key it makes a new entry for whatever the stack held
// (`@[big]: 1` printed many times). bpftrace runs the same choice as if/else instead.
import type { DiffCase } from '../support/differential.js';

const W = 'tracepoint:syscalls:sys_enter_write /pid == cpid/';
const G = 'tracepoint:syscalls:sys_enter_getppid /pid == cpid/';
/** The workload's writes, with one more condition in the predicate. */
const Wif = (cond: string): string =>
  `tracepoint:syscalls:sys_enter_write /pid == cpid && (${cond})/`;

/** A program that must fail to compile (or to start) the same way: stderr is compared too. */
const err = (name: string, program: string, extra: Partial<DiffCase> = {}): DiffCase => ({
  name,
  program,
  iterations: 0,
  compareStderr: true,
  ...extra,
});

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
    oracleProgram: `${W} { if (args->count % 2 == 0) { @l["even"] = lhist(args->count, 0, 50, 10); } else { @l["odd"] = lhist(args->count, 0, 50, 10); } }`,
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
    oracleProgram: `${W} { if (args->count > 25) { @["big"] = count(); } else { @["small"] = count(); } }`,
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
  // printf corner cases.
  {
    name: 'printf string width, precision and padding',
    program:
      'BEGIN { printf("[%-10s][%10s][%.2s][%5.1s][%s]\\n", "ab", "cd", "efgh", "xyz", ""); printf("[%3c|%-3c|%c%c]\\n", 65, 66, 72, 105); exit(); }',
    iterations: 0,
  },
  {
    name: 'printf integer width and zero padding on negatives',
    program:
      'BEGIN { printf("[%5d][%-5d][%05d][%-05d][%20d][%-20ld]\\n", -42, -42, -42, 7, 12345, -12345); exit(); }',
    iterations: 0,
  },
  {
    name: 'printf hex and octal of -1 at 32 and 64 bits',
    program:
      'BEGIN { printf("%x %X %o %lx %lX %lo %08x %08lx\\n", -1, -1, -1, -1, -1, -1, 3735928559, 3735928559); exit(); }',
    iterations: 0,
  },
  {
    name: 'printf length modifiers h, hh, l, ll, z, j, t',
    program:
      'BEGIN { printf("%hd %hhd %hu %hhu %hx %hhx\\n", 70000, 300, -1, -1, -1, -1); printf("%lu %llx %lld %llu %zu %jd %td %zd\\n", -1, -1, -1, -1, -1, -1, -1, -1); exit(); }',
    iterations: 0,
  },
  {
    name: 'printf 32-bit truncation, %p and %%',
    program:
      'BEGIN { printf("%d %d %ld %ld\\n", 2147483648, 4294967296, 9223372036854775807, -9223372036854775808); printf("%p %p 100%% done %d%%\\n", 0, 255, 5); exit(); }',
    iterations: 0,
  },
  {
    name: 'printf escapes, no newline, many arguments',
    program:
      'BEGIN { printf("no newline"); printf("\\t tab\\\\ back \\"q\\"\\n"); printf("%d %d %d %d %d %d %d %d %d\\n", 1, 2, 3, 4, 5, 6, 7, 8, 9); printf("%s %s %s %s %s %s %s %s\\n", "a", "b", "c", "d", "e", "f", "g", "h"); exit(); }',
    iterations: 0,
  },
  {
    name: 'printf %r, %rx and %rh of buffers',
    program:
      'BEGIN { printf("%r %rx %rh|%r|%r\\n", buf("ab\\x01c", 4), buf("AB", 2), buf("AB", 2), buf("abc", 0), buf("abc", 10)); exit(); }',
    iterations: 0,
  },
  {
    name: 'printf of UTF-8 strings',
    program: 'BEGIN { printf("%s %s\\n", "héllo", "日本"); @["é"] = 1; exit(); }',
    iterations: 0,
  },
  {
    name: 'printf of a user buffer from a tracepoint',
    program: `${Wif('args->count == 2')} { printf("[%s] %r %rh %d\\n", str(args->buf, 2), buf(args->buf, args->count), buf(args->buf, 4), *args->buf); @[str(args->buf, 2)] = 1; }`,
    iterations: 3,
  },
  // Integer arithmetic, casts, comparisons.
  {
    name: 'shifts, unary operators and 64-bit wrap-around',
    program:
      'BEGIN { printf("%ld %ld %lu\\n", (int64)-8 >> 1, (uint64)-8 >> 1, ~0); printf("%d %d %d %d\\n", ~5, !5, !0, -(-3)); printf("%ld %ld %ld\\n", 9223372036854775807 + 1, -9223372036854775807 - 2, 4294967296 * 4294967296); exit(); }',
    iterations: 0,
  },
  {
    name: 'comparisons and logical operators',
    program:
      'BEGIN { printf("%d %d %d %d %d %d|%d %d|%d %d %d\\n", 1 < 2, 2 <= 2, 3 > 4, 4 >= 5, 5 == 5, 5 != 5, -1 < 1, (uint64)-1 < 1, 1 && 0, 1 || 0, 0 || 0); exit(); }',
    iterations: 0,
  },
  {
    name: 'casts truncate and extend, literal forms',
    program:
      'BEGIN { printf("%d %d %d %ld %ld\\n", (uint8)-1, (int8)-1, (uint16)65537, (int32)4294967295, (uint32)4294967296); printf("%d %x %d %d %ld %ld\\n", 0x7fffffff, 0777, 1_000_000, 1e3, 1000000000000, 0xffffffffffffffff); exit(); }',
    iterations: 0,
  },
  {
    name: 'division and modulo by a run-time zero',
    program: `${Wif('args->count < 3')} { printf("%d %d %d|%lu %lu\\n", 100 / args->count, 100 % args->count, args->count, (uint64)100 / args->count, (uint64)100 % args->count); }`,
    iterations: 5,
  },
  {
    name: 'shifts by a run-time amount of 64 or more',
    program: `${Wif('args->count < 3')} { $s = 63 + args->count; printf("%ld %lu\\n", 1 << $s, (uint64)-1 >> $s); }`,
    iterations: 5,
  },
  {
    name: 'signed and unsigned narrow arithmetic',
    program:
      `${Wif('args->count < 4')} { $u = (uint32)args->count - 2; $i = (int32)args->count - 2; $b = (int8)args->count - 2; ` +
      'printf("%lu %d|%ld %d|%ld %d %ld\\n", $u, $u < 1, $i, $i < 1, $b, $b < 1, (uint8)$b); @a[(int16)args->count - 2] = (uint16)((int64)args->count - 2); }',
    iterations: 5,
  },
  {
    name: 'a 64-bit scratch variable printed at 32 and 64 bits',
    program: `${Wif('args->count < 4')} { $x = args->count; $x += 1000000000000; printf("%ld %d\\n", $x, $x); @y = (int32)args->count - 100; }`,
    iterations: 5,
  },
  // Strings, tuples, control flow, variables.
  {
    name: 'string comparison, strncmp and strcontains',
    program:
      'BEGIN { printf("%d %d %d|%d %d|%d %d\\n", "abc" == "abc", "abc" != "abd", "ab" == "abc", strncmp("hello", "help", 3), strncmp("hello", "help", 4), strcontains("hello world", "o w"), strcontains("abc", "x")); exit(); }',
    iterations: 0,
  },
  {
    name: 'string variables and maps that grow',
    program:
      'BEGIN { $s = "ab"; $s = "abcdef"; printf("%s\\n", $s); @s = "short"; @s = "a longer string"; @x = (1, "a"); @x = (2, "bb"); exit(); }',
    iterations: 0,
  },
  {
    name: 'nested tuples',
    program:
      'BEGIN { $t = (1, "two", (3, "four")); printf("%d %s %d %s\\n", $t.0, $t.1, $t.2.0, $t.2.1); $u = $t.2; print($u); printf("%d\\n", $u == $u); print((1, (2, "x"), -5)); @t = (1, (2, "x")); print(@t); @n[1] = (1, (2, "x"), "y"); @m["k"] = ((1, 2), (3, 4)); exit(); }',
    iterations: 0,
  },
  {
    name: 'json nested tuples',
    format: 'json',
    program:
      'BEGIN { print((1, "a\\"b", (-2, ""))); @t[1] = (1, (2, "x"), "y"); @u["k"] = ((1, 2), (3, 4)); exit(); }',
    iterations: 0,
  },
  {
    name: 'ternaries and else if',
    program:
      'BEGIN { $x = 5; $y = $x > 3 ? $x * 2 : $x - 1; printf("%d %s %s\\n", $y, 1 ? "yes" : "no", 0 ? "yes" : "no"); if ($x > 10) { printf("a\\n"); } else if ($x > 4) { printf("b\\n"); } else { printf("c\\n"); } exit(); }',
    iterations: 0,
  },
  {
    name: 'while with break and continue, nested loops',
    program:
      'BEGIN { $i = 0; while ($i < 10) { $i++; if ($i == 3) { continue; } if ($i == 6) { break; } printf("%d ", $i); } printf("\\n"); $i = 0; while ($i < 3) { $j = 0; while ($j < 2) { printf("%d%d ", $i, $j); $j++; } $i++; } printf("\\n"); $i = 0; $s = 0; while ($i < 1000) { $s = $s + $i; $i++; } printf("%d\\n", $s); exit(); }',
    iterations: 0,
  },
  {
    name: 'unroll with a variable and a positional count',
    program:
      'BEGIN { $i = 10; unroll(3) { printf("%d\\n", $i); $i -= 3; } unroll($1) { printf("u\\n"); } exit(); }',
    params: ['2'],
    iterations: 0,
  },
  {
    name: 'increments in printf arguments and on maps',
    program:
      'BEGIN { $a = 5; printf("%d %d %d %d\\n", $a++, $a, ++$a, $a--); @a = 5; @a++; ++@a; @a--; printf("%d\\n", @a); exit(); }',
    iterations: 0,
  },
  {
    name: 'a variable set in an if block is visible after it',
    program: 'BEGIN { if (1) { $x = 5; } printf("%d\\n", $x); 5; exit() }',
    iterations: 0,
  },
  {
    name: 'exit inside a while loop',
    program:
      'BEGIN { $i = 0; while (1) { $i++; if ($i > 4) { exit(); break; } } printf("%d\\n", $i); }',
    iterations: 0,
  },
  {
    name: 'sizeof, BTF structs and a C struct and enum',
    program:
      'struct foo { int a; char b[4]; }\nenum color { RED, GREEN = 5, BLUE }\n#define FOO 42\n' +
      'BEGIN { print(sizeof(int32)); print(sizeof(uint8)); print(sizeof("hello")); printf("%d %d %d %d|%d %d %d\\n", sizeof(struct foo), sizeof(struct task_struct), sizeof(struct file), sizeof(struct list_head), GREEN, BLUE, FOO); exit(); }',
    iterations: 0,
  },
  {
    name: 'builtins in BEGIN',
    program:
      'BEGIN { print(probe); print(username); print(uid); print(gid); printf("%d %d\\n", curtask->tgid == pid, (uint64 *)1); $p = (uint8 *)0; printf("%d\\n", $p + 1); exit(); }',
    iterations: 0,
  },
  // Map printing: sort orders, empty maps, print/clear/zero/delete.
  {
    name: 'map names print in order',
    program:
      'BEGIN { @z = 1; @A = 2; @_x = 3; @a1 = 4; @a_b = 5; @ab = 6; @a = 7; @ = 8; @B = 9; exit(); }',
    iterations: 0,
  },
  {
    name: 'string and multi keys sort field by field',
    program:
      'BEGIN { @s["b"] = "x"; @s["a"] = "y"; @s["ab"] = "z"; @s[""] = "w"; @s["B"] = "v"; @k[-1] = "a"; @k[5] = "b"; @k[0] = "c"; @k[-100] = "d"; @k[4294967296] = "e"; @m[1, "b"] = "a"; @m[1, "a"] = "b"; @m[0, "z"] = "c"; @m[-1, "a"] = "d"; exit(); }',
    iterations: 0,
  },
  {
    name: 'values sort signed or unsigned by their type',
    program:
      'BEGIN { @a[1] = -5; @a[2] = 3; @a[3] = -1; @a[4] = 0; @b[1] = (uint64)-5; @b[2] = 3; @b[3] = 7; @c[1] = (int32)-5; @c[2] = (int32)3; @d[1] = (uint32)-5; @d[2] = (uint32)3; exit(); }',
    iterations: 0,
  },
  {
    name: 'sum, avg and stats of negative values sort by value',
    program:
      'BEGIN { @a["x"] = sum(-5); @a["y"] = sum(3); @a["z"] = sum(-1); @b["x"] = avg(-5); @b["y"] = avg(3); @b["z"] = avg(-1); @c["x"] = stats(-5); @c["y"] = stats(3); @c["z"] = stats(-1); @m[1] = min(5); @m[2] = min(3); @n[1] = max(5); @n[2] = max(7); exit(); }',
    iterations: 0,
  },
  {
    name: 'keyed sum and avg of negatives',
    program: `${W} { @s = sum((int64)args->count - 40); @n = sum(-5); @k[args->count % 2] = sum((int64)args->count * -3); @a[args->count % 3] = avg((int64)args->count - 30); @t[args->count % 3] = stats((int64)args->count - 60); }`,
  },
  {
    name: 'narrow keys and values',
    program: `${W} { @v[args->count] = (int8)args->count * 10; @u[(uint8)(args->count * 10)] = sum(args->count); }`,
    iterations: 30,
  },
  {
    name: 'max and min keyed by strings and ints',
    program: `${W} { @m[args->count % 5 == 0 ? "five" : args->count % 3 == 0 ? "three" : "other"] = max(args->count); @n[args->count % 4] = min((int64)args->count + 100); }`,
    oracleProgram: `${W} { if (args->count % 5 == 0) { @m["five"] = max(args->count); } else if (args->count % 3 == 0) { @m["three"] = max(args->count); } else { @m["other"] = max(args->count); } @n[args->count % 4] = min((int64)args->count + 100); }`,
  },
  {
    name: 'string values keyed by ints',
    program: `${W} { @s[args->count % 3] = args->count % 2 == 0 ? "even" : "odd"; }`,
    iterations: 7,
  },
  {
    name: 'print of scalar count and sum while running',
    program:
      'BEGIN { @x = count(); @y = sum(3); print(@x); print(@y); @z = 1; print(@z, 1); exit(); }',
    iterations: 0,
  },
  {
    name: 'print with top and div of every map kind',
    program:
      `${W} { @a[args->count] = args->count; @h[args->count % 3] = hist(args->count); @l[args->count % 3] = lhist(args->count, 0, 40, 10); @m[args->count % 3] = min(args->count); @t[args->count % 3] = (args->count, "x"); @s[args->count % 3] = "s"; } ` +
      'END { print(@a, 3); print(@h, 1); print(@h, 0, 2); print(@l, 1, 2); print(@m, 2, 2); print(@t, 2); print(@s, 2, 5); clear(@a); clear(@h); clear(@l); clear(@m); clear(@t); clear(@s); }',
    iterations: 40,
  },
  {
    name: 'print of scalar hist, lhist and count with top and div',
    program: `${W} { @x = hist(args->count); @y = lhist(args->count, 0, 100, 10); @z = count(); @v = args->count; } END { print(@x, 2); print(@y, 3); print(@z, 1, 2); print(@z, 0, 3); print(@z, 0, 0); print(@v, 0, 3); }`,
    iterations: 40,
  },
  {
    name: 'print with top 0, a top beyond the size, and div 0',
    program: `${W} { @a[args->count % 4] = sum(args->count); } END { print(@a, 0); print(@a, 0, 1); print(@a, 10); print(@a, 2, 0); clear(@a); }`,
  },
  {
    name: 'print in a probe while the map grows',
    program: `${Wif('args->count < 6')} { @h = hist(args->count); if (args->count == 5) { print(@h); } }`,
  },
  {
    name: 'print at END before the exit dump',
    program:
      'BEGIN { @a = 1; @b[1] = 2; } interval:ms:50 { exit(); } END { print(@b); print(@a); printf("x\\n"); }',
    iterations: 0,
  },
  {
    name: 'zero and clear of stats, avg, hist and lhist at END',
    program: `${W} { @s = stats(args->count); @a = avg(args->count); @h = hist(args->count); @l = lhist(args->count, 0, 10, 1); @ks[args->count % 2] = stats(args->count); @ka[args->count % 2] = avg(args->count); } END { zero(@s); zero(@a); zero(@h); zero(@l); clear(@ks); clear(@ka); }`,
  },
  {
    name: 'zero, clear and delete of scalars',
    program:
      'BEGIN { @c = count(); @c = count(); zero(@c); @m = max(5); zero(@m); @n = min(5); zero(@n); @s = sum(5); delete(@s); @v = 5; delete(@v); @e[1] = 1; delete(@e[1]); @f = count(); clear(@f); @[1] = 1; @[2] = 2; clear(@); print(@); printf("-\\n"); exit(); }',
    iterations: 0,
  },
  {
    name: 'zero and print of scalar aggregations',
    program:
      'BEGIN { @h = hist(3); zero(@h); print(@h); @l = lhist(3, 0, 10, 1); zero(@l); print(@l); @a = avg(3); zero(@a); print(@a); @s = stats(3); zero(@s); print(@s); exit(); }',
    iterations: 0,
  },
  {
    name: 'clear of every map leaves only the exit newlines',
    program:
      'BEGIN { @a = 1; @b[1] = 2; } interval:ms:50 { exit(); } END { clear(@a); clear(@b); }',
    iterations: 0,
  },
  // hist and lhist edges.
  {
    name: 'hist of edge values',
    program:
      'BEGIN { @h = hist(-5); @h = hist(0); @h = hist(1); @h = hist(2147483647); @g = hist(1023); @g = hist(1048576); @g = hist(1073741824); exit(); }',
    iterations: 0,
  },
  {
    name: 'hist of values up to 2G',
    program: `${W} { @h = hist(args->count * 40000000); }`,
    iterations: 20,
  },
  {
    name: 'lhist labels with K and M suffixes',
    program:
      `${W} { @l = lhist(args->count * 1024, 0, 20480, 2048); @m = lhist(args->count * 1048576, 0, 52428800, 4194304); } ` +
      'BEGIN { @n = lhist(1048576, 0, 4194304, 1048576); @n = lhist(3145728, 0, 4194304, 1048576); @o = lhist(1536, 0, 4096, 512); @o = lhist(3000, 0, 4096, 512); @p = lhist(5, 0, 1000, 1); @p = lhist(9, 0, 1000, 1); }',
  },
  {
    name: 'keyed hist with single-value buckets',
    program: `${Wif('args->count < 4')} { @[args->count] = hist(args->count); @t = lhist(args->count, 1, 3, 1); }`,
  },
  {
    name: 'usdt keyed hist and uretprobe lhist overflow',
    program:
      'usdt:WORKLOAD:bpfq:tick { @[arg0 % 3] = hist(arg0); } uretprobe:WORKLOAD:bpfq_work /pid == cpid/ { @r = lhist(retval, 0, 100, 10); }',
    iterations: 30,
  },
  // JSON.
  {
    name: 'json string keys and values with escapes',
    format: 'json',
    program:
      'BEGIN { @["a\\"b"] = 1; @["tab\\there"] = 2; @["back\\\\slash"] = 3; @["nl\\n"] = 4; @["\\x01ctl"] = 5; printf("q\\"uote \\\\ tab\\t cr\\r bell\\x07 end\\n"); print("a\\"b"); @v["k\\"1"] = "v\\\\2"; @w[1] = (1, "a\\"b"); exit(); }',
    iterations: 0,
  },
  {
    name: 'string keys with odd bytes',
    program:
      'BEGIN { @["a\\"b"] = 1; @["tab\\there"] = 2; @["back\\\\slash"] = 3; @["nl\\n"] = 4; @["\\x01ctl"] = 5; exit(); }',
    iterations: 0,
  },
  {
    name: 'json lhist with K labels and keyed hist and lhist',
    format: 'json',
    program: `${W} { @l = lhist(args->count * 1024, 0, 20480, 2048); @h[args->count % 2] = hist(args->count); @k[args->count % 2] = lhist(args->count, 0, 50, 10); }`,
  },
  {
    name: 'json hist edges',
    format: 'json',
    program:
      'BEGIN { @h = hist(-5); @h = hist(0); @h = hist(1); @h = hist(2147483647); @["a"] = hist(5); @["b"] = hist(50); @k[1, "a"] = lhist(5, 0, 10, 5); exit(); }',
    iterations: 0,
  },
  {
    name: 'json hist up to 2G',
    format: 'json',
    program: `${W} { @h = hist(args->count * 40000000); }`,
    iterations: 20,
  },
  {
    name: 'json zeroed and cleared maps',
    format: 'json',
    program: `${W} { @h = hist(args->count); @l = lhist(args->count, 0, 50, 10); @s = stats(args->count); @a = avg(args->count); @k[args->count % 2] = hist(args->count); @t[args->count % 2] = stats(args->count); } END { zero(@h); zero(@l); zero(@s); zero(@a); zero(@k); zero(@t); }`,
  },
  {
    name: 'json zero, clear and delete of scalars',
    format: 'json',
    program:
      'BEGIN { @c = count(); @c = count(); zero(@c); @m = max(5); zero(@m); @s = sum(5); delete(@s); @e[1] = 1; delete(@e[1]); @f = count(); clear(@f); @h = hist(3); zero(@h); print(@h); @l = lhist(3, 0, 10, 1); zero(@l); print(@l); @a = avg(3); zero(@a); print(@a); @t = stats(3); zero(@t); print(@t); exit(); }',
    iterations: 0,
  },
  {
    name: 'json keyed avg and stats of negatives, min and max',
    format: 'json',
    program: `${W} { @a[args->count % 3] = avg((int64)args->count - 30); @s[args->count % 3] = stats((int64)args->count - 60); @mn = min(args->count + 1); @mx = max(args->count); @mk[args->count % 3] = max(args->count); }`,
  },
  {
    name: 'json stats and avg of negative values, print of scalars',
    format: 'json',
    program:
      'BEGIN { @a["x"] = stats(-5); @a["y"] = stats(3); @b["x"] = avg(-3); @x = count(); @y = sum(3); print(@x); print(@y); exit(); }',
    iterations: 0,
  },
  {
    name: 'json print with top and div',
    format: 'json',
    program: `${W} { @a[args->count % 6] = sum(args->count); @h = hist(args->count); @c = count(); @k[args->count % 3] = hist(args->count); @l[args->count % 3] = lhist(args->count, 0, 40, 10); @v[args->count % 3] = avg(args->count); } END { print(@a, 3, 10); print(@a, 2); print(@h); print(@c); print(@h, 0, 2); print(@k, 1); print(@k, 0, 2); print(@l, 1, 2); print(@v, 2, 3); clear(@a); clear(@k); clear(@l); clear(@v); }`,
    iterations: 40,
  },
  {
    name: 'json scalar maps and values',
    format: 'json',
    program:
      'BEGIN { @s = "str"; @t = (1, "x", (2, "y")); @n = -1; @u = (uint64)-1; print(-1); print((uint64)-1); print((1, (2, "y"))); print(""); print(0); @k[-1] = "a"; @k[5] = "b"; @k[0] = "c"; @i[(int8)-1] = 1; @i[(uint16)65535] = 2; exit(); }',
    iterations: 0,
  },
  {
    name: 'json printf corner cases',
    format: 'json',
    program:
      'BEGIN { printf("%d %s\\n", -5, "x"); printf("no nl"); printf("%%\\n"); printf(""); exit(); }',
    iterations: 0,
  },
  {
    name: 'json string values and comm keys',
    format: 'json',
    program: `${W} { @s[args->count % 3] = args->count % 2 == 0 ? "even" : "odd"; @c[comm] = count(); @p[probe] = sum(args->count); @h[comm] = hist(args->count); }`,
    iterations: 9,
  },
  {
    name: 'json narrow keys, ntop, buf, username and probe',
    format: 'json',
    program:
      'BEGIN { @[ntop(2, 0x0100007f)] = 1; @n = ntop(pton("fe80::1")); print(ntop(pton("::1"))); @b = buf("a\\x01b", 3); print(buf("xy", 2)); @u = username; @p = probe; @up[username, probe] = 1; print(pton("1.2.3.4")); exit(); }',
    iterations: 0,
  },
  {
    name: 'json printf with probe, -q and an END printf',
    format: 'json',
    program: `${Wif('args->count < 3')} { printf("%s %d\\n", probe, args->count); } END { printf("end\\n"); }`,
    options: ['-q'],
  },
  {
    name: 'json process exit tracepoint',
    format: 'json',
    program:
      'tracepoint:sched:sched_process_exit /pid == cpid/ { @[comm, args->comm] = 1; printf("%s\\n", args->comm); }',
    iterations: 2,
  },
  // Builtins over strings and addresses.
  {
    name: 'ntop of IPv4 and IPv6 addresses',
    program:
      'BEGIN { printf("%s|%s|%s|%s\\n", ntop(pton("::1")), ntop(pton("fe80::1:2")), ntop(pton("1.2.3.4")), ntop(pton("2001:db8::ff00:42:8329"))); @[ntop(pton("10.0.0.1"))] = 1; $a = pton("1.2.3.4"); printf("%d %d\\n", $a[0], $a[3]); print(pton("1.2.3.4")); exit(); }',
    iterations: 0,
  },
  {
    name: 'str with a length',
    program:
      'tracepoint:syscalls:sys_enter_openat /pid == cpid/ { printf("[%s] [%s] [%s] %d %d\\n", str(args->filename, 5), str(args->filename, 0), str(args->filename, 1), strncmp(str(args->filename), "/dev/nu", 7), strcontains(str(args->filename), "null")); }',
    iterations: 3,
  },
  {
    // exec may move the process to another CPU: events before and after it are not ordered.
    name: 'exec tracepoints: __data_loc filename and return value',
    program:
      'tracepoint:sched:sched_process_exec /pid == cpid/ { printf("%s %s\\n", str(args->filename), comm); } tracepoint:syscalls:sys_exit_execve /pid == cpid/ { printf("%d\\n", args->ret); }',
    iterations: 3,
  },
  {
    name: 'join of execve argv with and without a separator',
    program:
      'tracepoint:syscalls:sys_enter_execve /pid == cpid/ { join(args->argv); join(args->argv, ","); }',
    iterations: 3,
  },
  {
    name: 'json join with a separator',
    format: 'json',
    program: 'tracepoint:syscalls:sys_enter_execve /pid == cpid/ { join(args->argv, "-"); }',
    iterations: 3,
  },
  {
    name: 'comm with a width',
    program: `${G} { printf("%s|%-20s|%20s|\\n", comm, comm, comm); }`,
    iterations: 2,
  },
  {
    name: 'bswap, strerror, ksym of kaddr',
    program:
      'BEGIN { printf("%d %d %lx\\n", bswap((uint16)0x1234), bswap((uint32)0x12345678), bswap(0x0102030405060708)); printf("%s|%s|%s|%s\\n", strerror(2), strerror(0), ksym(0), usym(0)); printf("%s %s %d\\n", ksym(kaddr("vfs_read")), ksym(kaddr("vfs_read") + 3), kaddr("vfs_read") == kaddr("vfs_read")); @[ksym(kaddr("do_sys_open"))] = 1; exit(); }',
    iterations: 0,
  },
  {
    name: 'json ksym of kaddr',
    format: 'json',
    program:
      'BEGIN { printf("%s\\n", ksym(kaddr("vfs_read"))); @[ksym(kaddr("do_sys_open"))] = 1; @k = ksym(kaddr("vfs_write")); exit(); }',
    iterations: 0,
  },
  {
    name: 'kstack of a syscall tracepoint',
    program: `${G} { @[kstack(4)] = count(); @p[kstack(perf, 3)] = count(); } ${Wif('args->count == 1')} { printf("%s|\\n", kstack(3)); print(kstack(perf, 2)); @k = kstack(2); @t = (kstack(1), 7); }`,
    iterations: 3,
  },
  {
    name: 'json kstack of a syscall tracepoint',
    format: 'json',
    program: `${G} { @[kstack(4)] = count(); @p[kstack(perf, 3)] = count(); } ${Wif('args->count == 1')} { printf("%s|\\n", kstack(3)); print(kstack(perf, 2)); @k = kstack(2); }`,
    iterations: 3,
  },
  {
    name: 'kernel struct fields through curtask',
    program: `${Wif('args->count == 2')} { printf("%d %d %d %d %d\\n", curtask->real_parent->pid > 0, curtask->mm != 0, curtask->pid == tid, curtask->comm == comm, ((struct task_struct *)curtask)->comm == "runtime-workloa"); $t = curtask; @t = $t->pid == tid; @c = curtask->comm; @g = curtask->group_leader->comm; print(curtask->comm); printf("%s %d %d\\n", curtask->mm->owner->comm, curtask->cred->uid.val, curtask->prio); @l = curtask->se.load; print(curtask->se.load); }`,
    iterations: 3,
  },
  {
    name: 'json kernel struct fields',
    format: 'json',
    program: `${Wif('args->count == 2')} { @c = curtask->comm; @t = (curtask->comm, 1); print(curtask->comm); @l = curtask->se.load; print(curtask->se.load); }`,
    iterations: 3,
  },
  {
    name: 'tracepoint char array and syscall number fields',
    program:
      `${G} { printf("%d\\n", args->__syscall_nr); @n[args->__syscall_nr] = count(); } ` +
      'tracepoint:sched:sched_process_exit /pid == cpid/ { @e[comm, args->comm] = 1; @s = args->comm == "runtime-workloa"; }',
    iterations: 2,
  },
  // Probes and lifecycle.
  {
    name: 'wildcard and comma-separated tracepoints',
    program:
      'tracepoint:syscalls:sys_*_getppid /pid == cpid/ { @n = count(); } tracepoint:*:sys_enter_write /pid == cpid/ { @b[probe] = sum(args->count); } tracepoint:syscalls:sys_enter_openat,tracepoint:syscalls:sys_exit_openat /pid == cpid/ { @r[args->__syscall_nr] = count(); }',
    iterations: 9,
  },
  {
    name: 'exit in a uprobe and in a usdt probe',
    program:
      'uprobe:WORKLOAD:bpfq_work /pid == cpid && arg0 == 2/ { printf("%d\\n", arg0); exit(); } usdt:WORKLOAD:bpfq:tick /arg0 == 1/ { printf("%d %s\\n", arg0, probe); }',
    iterations: 10,
  },
  {
    name: 'exit in a tracepoint runs END',
    program: `${G} { exit(); } END { printf("end\\n"); }`,
    iterations: 5,
  },
  {
    name: 'printf after exit() in the same probe is dropped',
    program: `${G} { printf("a\\n"); exit(); printf("b\\n"); }`,
    iterations: 3,
  },
  {
    name: 'return leaves the probe',
    program: `${G} { return; printf("never\\n"); } ${W} { $x = 1; if ($x) { return; } @ = count(); } END { printf("end\\n"); }`,
    iterations: 3,
  },
  {
    name: 'empty probes and END-only maps',
    program: `BEGIN { } ${G} { } END { @e = 1; }`,
    iterations: 3,
  },
  {
    name: 'interval ticks with print',
    program: 'interval:ms:100 { @n++; print(@n); if (@n == 3) { exit(); } }',
    iterations: 0,
  },
  {
    name: 'interval units and a positional period',
    program: 'interval:us:50000 { @a = 1; } interval:hz:20 { @b = 1; } interval:ms:$1 { exit(); }',
    params: ['120'],
    iterations: 0,
  },
  {
    name: 'predicates on BEGIN',
    program:
      'BEGIN /1/ { printf("p\\n"); } BEGIN /0/ { printf("q\\n"); } interval:ms:50 { exit(); }',
    iterations: 0,
  },
  {
    name: 'multi-line program',
    program:
      'BEGIN\n{\n  printf("multi\\n"); // comment\n  /* block\n  comment */ exit();\n}\nEND{printf("e\\n");}\n',
    iterations: 0,
  },
  {
    name: 'signal to the traced process',
    program: `${Wif('args->count == 3')} { signal("SIGTERM"); } ${G} { @ = count(); }`,
    options: ['--unsafe'],
    iterations: 20,
  },
  {
    name: 'system with arguments, exit status and stderr',
    program:
      'BEGIN { system("exit 3"); system("echo %s-%d", "a", 5); system("printf nonl"); printf("|after\\n"); system("echo err >&2; echo out"); exit(); }',
    options: ['--unsafe'],
    iterations: 0,
    compareStderr: true,
  },
  {
    name: 'positional parameters as strings and numbers',
    program:
      'BEGIN { printf("%d %s|%s|%d|%s|%d\\n", $#, str($1), str($2), $3, str($4), $5 + 1); exit(); }',
    params: ['a b  c', '', '0x10'],
    iterations: 0,
  },
  {
    name: 'strncmp with a positional length',
    program: 'BEGIN { printf("%d\\n", strncmp("abc", "abd", $1)); exit(); }',
    params: ['2'],
    iterations: 0,
  },
  {
    name: 'json -q with no probes output',
    format: 'json',
    program: 'BEGIN { @ = 1; printf("x\\n"); exit(); }',
    options: ['-q'],
    iterations: 0,
  },
  {
    name: 'cat with a format',
    program: 'BEGIN { cat("/proc/sys/kernel/%s", "ostype"); exit(); }',
    iterations: 0,
  },
  {
    name: 'print of hist, count and avg with div',
    program:
      'BEGIN { @a = hist(1); print(@a, 0, 0); @b = hist(1); @b = hist(2); @b = hist(2); print(@b, 0, 2); @c[1] = count(); @c[2] = count(); @c[2] = count(); print(@c, 1, 2); @d[1] = avg(7); @d[2] = avg(3); print(@d, 1, 2); exit(); }',
    iterations: 0,
  },
  {
    name: 'json print of avg with top and div',
    format: 'json',
    program: 'BEGIN { @a[1] = avg(7); @a[2] = avg(3); print(@a, 1, 2); exit(); }',
    iterations: 0,
  },
  {
    name: 'BPFTRACE_STRLEN limits str()',
    program:
      'tracepoint:syscalls:sys_enter_openat /pid == cpid/ { printf("[%s]\\n", str(args->filename)); }',
    env: { BPFTRACE_STRLEN: '8' },
    iterations: 2,
  },
  {
    name: 'BPFTRACE_MAP_KEYS_MAX drops new keys',
    program: `${W} { @[args->count] = sum(args->count); @h = hist(args->count); }`,
    env: { BPFTRACE_MAP_KEYS_MAX: '3' },
    iterations: 20,
  },
  {
    name: '--no-warnings, -B full, -I and --include are accepted',
    program: 'BEGIN { printf("%d\\n", 7 / -2); exit(); }',
    options: ['--no-warnings', '-B', 'full', '-I', '/tmp', '--include', 'linux/types.h'],
    iterations: 0,
    compareStderr: true,
  },
  {
    name: 'json with -k',
    format: 'json',
    program: 'BEGIN { printf("%d\\n", 1); exit(); }',
    options: ['-k'],
    iterations: 0,
  },
  {
    name: 'extra positional parameters and --',
    program: 'BEGIN { printf("%s %d\\n", str($1), $#); exit(); }',
    params: ['--', 'x', 'y'],
    iterations: 0,
  },
  {
    name: 'operator precedence and nested ternaries',
    program:
      'BEGIN { printf("%d %d %d %d %d|%d %d %d|%d %d\\n", 1 + 2 * 3 << 1 & 0xff | 4 ^ 1, -1 % 3, 10 - 2 - 3, 100 / 10 / 5, 2 * 3 % 4, 1 < 2 == 1, !1 == 0, ~0 == -1, 1 ? 2 ? 3 : 4 : 5, 0 ? 1 : 0 ? 2 : 3); exit(); }',
    iterations: 0,
  },
  {
    name: 'map keys from variables and increments of keyed maps',
    program:
      'BEGIN { $x = 3; @[$x] = 1; @[$x + 1] = 2; @s["x"]++; @s["x"]++; @s["y"]++; @k[1, 2] = 1; @k[3, 4] = 5; @k[1, 2]++; printf("%d\\n", @k[1, 2]); exit(); }',
    iterations: 0,
  },
  {
    name: 'lookups of missing keys read as zero or empty',
    program:
      'BEGIN { printf("%d %s| %d\\n", @x[5], @s[9], @c); @x[1] = 1; @s[1] = "a"; @c = 1; if (@x[5] == 0) { printf("missing\\n"); } exit(); }',
    iterations: 0,
  },
  {
    name: 'while loops that fill and delete map entries',
    program:
      'BEGIN { $i = 0; while ($i < 5) { @m[$i] = $i * $i; $i++; } $i = 0; while ($i < 5) { if ($i % 2) { delete(@m[$i]); } $i++; } exit(); }',
    iterations: 0,
  },
  {
    name: 'maps keep the type of their first value',
    program:
      'BEGIN { @a = 1; @a = -1; print(@a); @b = (uint8)1; @b = 300; print(@b); @c = (int8)-1; @c = 200; @d = (uint32)5; @d = (int64)-5; @k[(int8)1] = 1; @k[1000] = 2; @s["ab"] = 1; @s["abcdef"] = 2; printf("%d %d\\n", sizeof((1, 2)), sizeof(@a)); exit(); }',
    iterations: 0,
  },
  {
    name: 'string variables compared with literals and comm',
    program:
      'BEGIN { $x = comm; printf("%d\\n", $x == comm); $y = "abc"; printf("%d %d\\n", $y == "abc", "abc" == $y); if ($y == "abc") { printf("eq\\n"); } printf("%s\\n", 1 ? "a" : "bcd"); $s = 0 ? "long string" : "s"; printf("%s\\n", $s); @m["a"] = "x"; @m["b"] = "yy"; printf("%s %s\\n", @m["a"], @m["b"]); @t["a"] = (1, "x"); printf("%d %s\\n", @t["a"].0, @t["a"].1); exit(); }',
    iterations: 0,
  },
  {
    name: 'empty blocks',
    program: 'BEGIN { if (1) { } else { } while (0) { } unroll(2) { } exit(); }',
    iterations: 0,
  },
  {
    name: 'json multi-key with a negative narrow key',
    format: 'json',
    program: 'BEGIN { @k[1, "a", 2] = 1; @k[(int8)-3, "b", 4] = 2; exit(); }',
    iterations: 0,
  },
  {
    name: 'print of a stats map with a top warns',
    program: 'BEGIN { @a = stats(1); print(@a, 1); exit(); }',
    iterations: 0,
    compareStderr: true,
  },
  {
    name: 'nested struct fields, struct values and sizeof of fields',
    program: `${Wif('args->count == 2')} { printf("%d %d\\n", (*curtask).pid == tid, curtask->se.load.weight); $l = curtask->se.load; printf("%d\\n", $l.weight); @[curtask->comm, curtask->pid == tid] = count(); printf("%d %d %d\\n", sizeof(curtask->comm), sizeof(*curtask) > 100, curtask->thread_info.flags >= 0); printf("%d %d %d\\n", args->fd, (int8)args->fd, args->buf == args->buf); }`,
    iterations: 3,
  },
  {
    name: 'syscall tracepoint arguments of the loader',
    program:
      'tracepoint:syscalls:sys_exit_openat /pid == cpid/ { @[args->ret >= 0] = count(); @r = hist(args->ret); } tracepoint:syscalls:sys_enter_mmap /pid == cpid/ { @l = lhist(args->len, 0, 100000, 10000); } tracepoint:syscalls:sys_enter_exit_group /pid == cpid/ { printf("exit %d\\n", args->error_code); }',
    iterations: 3,
  },
  // Compile and usage errors: stderr must match too.
  err('printf with too many arguments', 'BEGIN { printf("%s %s\\n", "a", "b", "c"); exit(); }'),
  err('printf with too few arguments', 'BEGIN { printf("%s %s\\n", "a"); exit(); }'),
  err('printf %d of a string', 'BEGIN { printf("%d\\n", "str"); exit(); }'),
  err('printf %s of an integer', 'BEGIN {\n\tprintf("%s\\n", 5);\n}\n'),
  err('printf %s of a buffer', 'BEGIN { printf("%s\\n", buf("hi", 2)); exit(); }'),
  err('printf %d of a tuple', 'BEGIN { printf("%d\\n", (1, 2)); exit(); }'),
  err('printf of a non-literal format', 'BEGIN { $f = "x"; printf($f); exit(); }'),
  err('printf of an integer', 'BEGIN { printf(5); exit(); }'),
  err('unroll(0)', 'BEGIN { unroll(0) { printf("x\\n"); } exit(); }'),
  err('unroll(101)', 'BEGIN { unroll(101) { printf("x\\n"); } exit(); }'),
  err('tuple as a map key', 'BEGIN { @m[(1, 2)] = 1; exit(); }'),
  err('tuple type mismatch', 'BEGIN { @x = (1, "a"); @x = ("b", 2); exit(); }'),
  err('unknown struct field', 'BEGIN { printf("%d\\n", curtask->nope); exit(); }'),
  err('unknown function', 'BEGIN {\n  printf("x\\n");\n  @ = nosuchfn();\n}\n'),
  err('unknown identifier', 'BEGIN { @x = nosuchvar; printf("%d\\n", TASK_RUNNING); exit(); }'),
  err('variable type change', 'BEGIN { $x = 1; $x = "str"; exit(); }'),
  err('variable from another probe', 'BEGIN { $x = 1; } END { printf("%d\\n", $x); }'),
  err('undefined variable in a statement', 'BEGIN { @x++ ; $y--; exit(); }'),
  err('string plus integer', 'BEGIN { $x = "a" + 1; exit(); }'),
  err('compound assignment of a string', 'BEGIN { @x = 1; @x += "a"; exit(); }'),
  err('increment of a string', 'BEGIN { $s = "a"; $s++; exit(); }'),
  err('string ordering', 'BEGIN { printf("%d\\n", "ab" < "b"); exit(); }'),
  err('ternary of different types', 'BEGIN { $x = 1 ? "a" : 2; exit(); }'),
  err('lhist with step 0', 'BEGIN { @a = lhist(1, 0, 10, 0); exit(); }'),
  err('lhist with min above max', 'BEGIN { @b = lhist(1, 10, 0, 1); exit(); }'),
  err('lhist with three arguments', 'BEGIN { @c = lhist(1, 0, 10); exit(); }'),
  err('lhist with a negative min', 'BEGIN { @d = lhist(5, -100, -10, 10); exit(); }'),
  err('lhist with a step above the range', 'BEGIN { @e = lhist(5, 0, 100, 200); exit(); }'),
  err('lhist with too many buckets', 'BEGIN { @f = lhist(5, 0, 1000000, 1); exit(); }'),
  err('count with an argument', 'BEGIN { @c = count(1); exit(); }'),
  err('sum without an argument', 'BEGIN { @s = sum(); exit(); }'),
  err('sum of a string', 'BEGIN { @t = sum("x"); exit(); }'),
  err('hist with two arguments', 'BEGIN { @h = hist(5, 2); exit(); }'),
  err(
    'map operation argument checks',
    'BEGIN { @x = 1; clear(5); clear(); clear(@x, 1); zero(1); delete(1); print(1, 2); @y[1] = 1; print(@y[1]); exit(); }',
  ),
  err('exit with arguments', 'BEGIN { exit(1); exit(1, 2); exit("x"); }'),
  err('time of an integer', 'BEGIN { time(5); exit(); }'),
  err('str with three arguments', 'BEGIN { str(1, 2, 3); exit(); }'),
  err('strncmp with two arguments', 'BEGIN { strncmp("a", "b"); exit(); }'),
  err('str of a string literal', 'BEGIN { printf("%s\\n", str("abc", "x")); exit(); }'),
  err('ntop with three arguments', 'BEGIN { printf("%s\\n", ntop(1, 2, 3)); exit(); }'),
  err('bswap of a string', 'BEGIN { printf("%d\\n", bswap("x")); exit(); }'),
  err('buf of a string without a length', 'BEGIN { printf("%r\\n", buf("abc")); exit(); }'),
  err('ntop of a short string', 'BEGIN { printf("%s\\n", ntop(2, "x")); exit(); }'),
  err('strerror of a string', 'BEGIN { printf("%s\\n", strerror("x")); exit(); }'),
  err('kaddr of an integer', 'BEGIN { printf("%d\\n", kaddr(1)); exit(); }'),
  err(
    'func and arg0 in a tracepoint',
    'tracepoint:syscalls:sys_enter_getppid { printf("%s %d\\n", func, arg0); }',
  ),
  err(
    'tracepoint field checks',
    'tracepoint:syscalls:sys_enter_getppid,tracepoint:syscalls:sys_enter_write { printf("%d\\n", args->count); } tracepoint:syscalls:sys_enter_write { @ = args->nosuch; }',
  ),
  err('a missing tracepoint', 'tracepoint:syscalls:sys_enter_nosuch { exit(); }'),
  err('missing uprobe binary', 'uprobe:/nonexistent:foo { exit(); }'),
  err(
    'positional parameter that is not a number',
    'BEGIN { printf("%d %d\\n", $1, $2); exit(); }',
    { params: ['abc', '12abc'] },
  ),
  err('syntax errors', 'BEGIN { ; ; exit(); ; }'),
  err('syntax error after a variable', 'BEGIN { $x = 1; $x = $x $x; exit(); }'),
  err('syntax error in a map key', 'BEGIN { @a[1][2] = 1; exit(); }'),
  err('unterminated string at the end', 'BEGIN { exit(); } "stray'),
  err('-c with a missing command', 'BEGIN { exit(); }', { options: ['-c', '/nonexistent/cmd'] }),
  err('-p with a missing process', 'BEGIN { exit(); }', { options: ['-p', '999999'] }),
  err('an invalid output format', 'BEGIN { exit(); }', { options: ['-f', 'xml'] }),
  err('print with four arguments', 'BEGIN { @a[1] = 1; print(@a, 1, 2, 3); exit(); }'),
  err('print with a string top', 'BEGIN { @a[1] = 1; print(@a, "x"); exit(); }'),
  err('print with a variable top', 'BEGIN { @a[1] = 1; $n = 2; print(@a, $n); exit(); }'),
  err(
    'a string literal too long for a map',
    'BEGIN { @s = "0123456789012345678901234567890123456789012345678901234567890123456789"; exit(); }',
  ),
  err('an invalid -B mode', 'BEGIN { exit(); }', { options: ['-B', 'bogus'] }),
  err('an unknown software event', 'software:nosuch:1 { @ = count(); }'),
  err('an unknown hardware event', 'hardware:nosuch:1 { @ = count(); }'),
  err('profile without a rate', 'profile:hz { exit(); }'),
  err('a watchpoint of length 3', 'watchpoint:0x1000:3:w { exit(); }'),
  err('missing usdt binary', 'usdt:/nonexistent:a:b { exit(); }'),
  err('a cast of a string to an integer', 'BEGIN { $x = (uint64)"abc"; exit(); }'),
  err('a scalar map used with a key', 'BEGIN { @ = 1; @[1] = 2; exit(); }'),
  err('increment of a sum map', 'BEGIN { @a = sum(1); @a++; exit(); }'),
  err('a bare block', 'BEGIN { $x = 1; { $y = 2; } printf("%d\\n", $x); exit(); }'),
  err('break outside a loop', 'BEGIN { break; }'),
  err('continue outside a loop', 'BEGIN { continue; }'),
  err('break in unroll', 'BEGIN { unroll(2) { break; } exit(); }'),

  // Pointer arithmetic (C's: `p + n` moves by n pointees).
  {
    name: 'execve argv by pointer arithmetic',
    program:
      'tracepoint:syscalls:sys_enter_execve /pid == cpid/ { printf("%s|%s|%d\\n", str(*(args->argv + 1)), str(args->argv[1]), (uint64)(args->argv + 1) - (uint64)args->argv); }',
    iterations: 3,
  },
  {
    name: 'pointer arithmetic scales by the pointee size',
    program:
      'BEGIN { $p = (uint64 *)16; $q = (uint16 *)16; $s = (struct task_struct *)0; printf("%d %d %d %d\\n", (uint64)($p - 1), (uint64)($q + 3), (uint64)(2 + $p), (uint64)((uint32 *)0 + 1)); $p += 1; $p++; printf("%d\\n", (uint64)$p); printf("%d\\n", (uint64)($s + 1)); $p--; $p -= 1; printf("%d\\n", (uint64)$p); @p = (uint64 *)16; @p++; @p += 2; $n = -1; printf("%d %d %d\\n", (uint64)($q + $n), (uint64)($q - $n), (uint64)((uint8 **)0 + 1)); exit(); }',
    iterations: 0,
  },
  {
    name: 'pointer comparisons',
    program:
      'BEGIN { $p = (uint64 *)16; $q = (uint64 *)48; printf("%d %d %d %d\\n", $q > $p, $q == $p, $p < 20, $p != 16); exit(); }',
    iterations: 0,
  },
  err(
    'pointer minus pointer',
    'BEGIN { $p = (uint64 *)16; $q = (uint64 *)48; printf("%d\\n", $q - $p); exit(); }',
  ),
  err('pointer times an integer', 'BEGIN { $p = (uint64 *)16; printf("%d\\n", $p * 2); exit(); }'),

  // Map keys are formatted by 0.17's MapKey code: pointers in hex, structs without spaces;
  // pointer values (alone, in tuples, in structs) print as signed numbers.
  {
    name: 'pointer map keys print in hex, pointer values signed',
    program:
      'BEGIN { @p[(uint8 *)-16] = 1; @q = ((uint8 *)-16, 1); @r[(uint8 *)0] = 2; @s[(uint8 *)16, 3] = 3; @v = (uint8 *)-16; exit(); }',
    iterations: 0,
  },
  {
    name: 'pointer map keys print in hex, pointer values signed, json',
    program:
      'BEGIN { @p[(uint8 *)-16] = 1; @q = ((uint8 *)-16, 1); @r[(uint8 *)0] = 2; @s[(uint8 *)16, 3] = 3; @v = (uint8 *)-16; exit(); }',
    iterations: 0,
    format: 'json',
  },
  {
    name: 'struct map keys print without spaces',
    program: `${Wif('args->count == 2')} { @[curtask->se.load] = count(); @k[curtask->se.load, 1] = 1; @v = curtask->se.load; @t = (curtask->se.load, (uint8 *)-16); }`,
  },
  {
    name: 'struct map keys print without spaces, json',
    program: `${Wif('args->count == 2')} { @[curtask->se.load] = count(); @k[curtask->se.load, 1] = 1; @v = curtask->se.load; @t = (curtask->se.load, (uint8 *)-16); }`,
    format: 'json',
  },

  // join() reads up to 1023 bytes of each argument (0.17's 1024-byte slots), whatever
  // BPFTRACE_STRLEN is.
  {
    name: 'join of long arguments',
    program:
      'tracepoint:syscalls:sys_enter_execve /pid == cpid/ { join(args->argv); join(args->argv, ","); }',
    iterations: 1,
    mode: `${'L'.repeat(1500)} ${'m'.repeat(700)} ${'n'.repeat(70)}`,
  },
  {
    name: 'join of long arguments, json',
    program: 'tracepoint:syscalls:sys_enter_execve /pid == cpid/ { join(args->argv, "-"); }',
    iterations: 1,
    mode: `${'L'.repeat(1500)} ${'m'.repeat(700)} ${'n'.repeat(70)}`,
    format: 'json',
  },
  {
    name: 'join of long arguments with a short BPFTRACE_STRLEN',
    program: 'tracepoint:syscalls:sys_enter_execve /pid == cpid/ { join(args->argv); }',
    iterations: 1,
    mode: `${'L'.repeat(1500)} ${'n'.repeat(70)}`,
    env: { BPFTRACE_STRLEN: '16' },
  },

  // Escapes in string literals are raw bytes (\xff is the byte 0xff, not U+00FF in UTF-8).
  {
    name: 'hex escapes are raw bytes',
    program:
      'BEGIN { printf("%s|%r|%rx\\n", "a\\xffb", buf("\\xfe\\x80", 2), buf("\\xff", 1)); exit(); }',
    iterations: 0,
  },
  {
    name: 'hex and octal escapes in buffers and literals',
    program:
      'BEGIN { @b = buf("ab\\x00\\x7f\\xffc", 6); @c = buf("\\377\\200\\101\\1", 4); @d = buf("é\\351", 3); @v = "\\xe9t\\xe9"; @s = sizeof("\\xff\\xfeé"); exit(); }',
    iterations: 0,
  },
  {
    name: 'comparisons of escaped literals',
    program:
      'BEGIN { if ("\\xff" == "\\377") { printf("eq\\n"); } $s = "é"; if ($s == "\\xc3\\xa9") { printf("eq2\\n"); } if (strcontains("a\\xffb", "\\xff")) { printf("in\\n"); } exit(); }',
    iterations: 0,
  },
  {
    name: 'literal lengths count bytes',
    program:
      'BEGIN { @s = "ééééééééééééééééééééééééééééééé"; @t = "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"; printf("%d %d\\n", sizeof(@s), sizeof("\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff")); exit(); }',
    iterations: 0,
  },

  // delete() of a keyless count() zeroes it (a per-CPU array in 0.17 and bpfq).
  {
    name: 'delete of a keyless count zeroes it',
    program:
      'BEGIN { @x = count(); delete(@x); @y = count(); @y = count(); delete(@y); @y = count(); @s = sum(5); delete(@s); @a = avg(3); delete(@a); @c[1] = count(); delete(@c[1]); exit(); }',
    iterations: 0,
  },
  {
    name: 'delete of a keyless count zeroes it, json',
    program: 'BEGIN { @x = count(); delete(@x); @y = count(); delete(@y); @y = count(); exit(); }',
    iterations: 0,
    format: 'json',
  },

  // Positional parameters: str($N, len), long parameters, numbers read as C's stoll() reads them.
  {
    name: 'str of a parameter with a length',
    program:
      'BEGIN { printf("%s|%s|%s|%s|\\n", str($1, 2), str($2, 0), str($2, 100), str($3, 2)); exit(); }',
    iterations: 0,
    params: ['12345', 'abcdef'],
  },
  {
    name: 'str of a parameter longer than a string',
    program: 'BEGIN { $s = str($1); printf("%s|%s|%s|\\n", $s, str($1, 70), str($1)); exit(); }',
    iterations: 0,
    params: ['0123456789012345678901234567890123456789012345678901234567890123456789'],
  },
  {
    name: 'str of a parameter with BPFTRACE_STRLEN',
    program:
      'BEGIN { $s = str($1); printf("%s|%s|%s|\\n", $s, str($1, 100), str($1, 3)); exit(); }',
    iterations: 0,
    params: ['abcdefghijklmn'],
    env: { BPFTRACE_STRLEN: '8' },
  },
  {
    name: 'numeric parameters: white space, signs, octal and hex',
    program: 'BEGIN { printf("%d %d %d %d %d %d\\n", $1, $2, $3, $4, $5, $6); exit(); }',
    iterations: 0,
    params: ['--', ' 12', '+7', '010', '0X1f', '0777', '-0x10'],
  },
  err('a numeric parameter out of range', 'BEGIN { printf("%d\\n", $1); exit(); }', {
    params: ['9223372036854775808'],
  }),
  err('a numeric parameter with trailing space', 'BEGIN { printf("%d\\n", $1); exit(); }', {
    params: ['12 '],
  }),
  err('a parameter that is not octal', 'BEGIN { printf("%d\\n", $1); exit(); }', {
    params: ['08'],
  }),

  // cat(): a file it cannot read is reported on stderr, with an empty cat record; at most
  // BPFTRACE_CAT_BYTES_MAX bytes are printed, raw.
  err(
    'cat of a missing file and of a directory',
    'BEGIN { cat("/nonexistent/file"); printf("x\\n"); cat("/proc"); cat("/proc/sys/kernel/ostype"); exit(); }',
  ),
  err(
    'cat of a missing file, json',
    'BEGIN { cat("/nonexistent/file"); printf("x\\n"); cat("/proc"); cat("/proc/sys/kernel/ostype"); exit(); }',
    { format: 'json' },
  ),
  {
    name: 'cat with BPFTRACE_CAT_BYTES_MAX',
    program:
      'BEGIN { cat("/proc/sys/kernel/ostype"); printf("|\\n"); cat("/etc/os-release"); printf("|\\n"); exit(); }',
    iterations: 0,
    env: { BPFTRACE_CAT_BYTES_MAX: '3' },
  },
  {
    name: 'cat with BPFTRACE_CAT_BYTES_MAX, json',
    program: 'BEGIN { cat("/proc/sys/kernel/ostype"); cat("/etc/os-release"); exit(); }',
    iterations: 0,
    env: { BPFTRACE_CAT_BYTES_MAX: '6' },
    format: 'json',
  },
  {
    name: 'cat of a file longer than the default 10240 bytes',
    program: 'BEGIN { cat("/usr/share/common-licenses/GPL-3"); exit(); }',
    iterations: 0,
  },

  // `@b = @a` of a count/sum/min/max map copies this CPU's slot, as 0.17 does.
  {
    name: 'a count or sum map copied into another map',
    program:
      'BEGIN { @a = count(); @a = count(); @b = @a; @s = sum(5); @t = @s; @k[1] = count(); @k[1] = count(); @c[2] = @k[1]; @d = @k[1]; @e = @k[9]; @a = count(); exit(); }',
    iterations: 0,
  },
  {
    name: 'a min or max map copied into another map',
    program:
      'BEGIN { @m = max(3); @c = @m; @n = min(5); @d = @n; @x[1] = max(7); @y[2] = @x[1]; exit(); }',
    iterations: 0,
  },
  {
    name: 'a copied count map counts on',
    program: 'BEGIN { @a = count(); @b = @a; @b = count(); exit(); }',
    iterations: 0,
  },
  {
    name: 'json of a copied count map',
    program: 'BEGIN { @a = count(); @b = @a; exit(); }',
    iterations: 0,
    format: 'json',
  },
];
