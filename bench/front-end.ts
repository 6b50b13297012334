// The compiler front end alone: milliseconds per check() of a 300-line program (parse,
// resolve probes, scopes, types) after warm-up, against the fake host so the number measures
// the compiler and not tracefs or BTF reads. Target: under 20 ms.
import { check } from '../compiler/check.js';
import type { CompilerHost } from '../compiler/host.js';
import { FakeHost } from '../test/support/fake-host.js';

export interface FrontEndBenchOptions {
  /** Timed checks after warm-up; default 200. */
  iterations?: number;
  /** Untimed checks first (JIT, caches); default 50. */
  warmup?: number;
  /** Default: the fake host of the unit tests. */
  host?: CompilerHost;
}

export interface FrontEndBenchResult {
  lines: number;
  iterations: number;
  /** Mean wall time of one check(). */
  msPerCheck: number;
  /** Median of the individual checks. */
  medianMs: number;
}

const PROBE_TEMPLATES = [
  (i: number) => `tracepoint:syscalls:sys_enter_openat
/pid != ${i} && comm != "bpfq"/
{
	@opens[comm, pid] = count();
	@path[tid] = args->filename;
	$flags = args->flags & 0x${(i + 1).toString(16)};
	if ($flags > ${i}) {
		printf("%-6d %-16s %s\\n", pid, comm, str(args->filename));
	} else {
		@small[$flags] = sum($flags);
	}
}`,
  (i: number) => `tracepoint:syscalls:sys_exit_openat
/@path[tid]/
{
	$ret = args->ret;
	$fd = $ret >= 0 ? $ret : -1;
	@lat${i} = hist(nsecs - @start[tid]);
	@fds${i} = lhist($fd, 0, 1000, ${10 + i});
	delete(@path[tid]);
}`,
  (i: number) => `tracepoint:sched:sched_switch
{
	@switches[args->prev_comm] = count();
	@prio${i} = stats(args->prev_prio);
	$t = (args->prev_pid, args->next_pid, args->next_comm);
	@last = $t;
	@start[tid] = nsecs;
}`,
  (i: number) => `kprobe:vfs_read
{
	$task = (struct task_struct *)curtask;
	@parent[$task->real_parent->comm] = count();
	@bytes${i}[func] = sum(arg2);
	@stack[kstack(perf, 5)] = count();
	unroll(${(i % 4) + 1}) {
		@u${i}++;
	}
}`,
];

/** A program of about 300 lines built from varied probe blocks (same text every run). */
export function frontEndProgram(targetLines = 300): string {
  const blocks: string[] = [
    `#define LIMIT 100
BEGIN
{
	printf("Tracing... Hit Ctrl-C to end.\\n");
	@start[0] = nsecs;
}`,
  ];
  let lines = blocks[0]?.split('\n').length ?? 0;
  for (let i = 0; lines < targetLines - 6; i++) {
    const make = PROBE_TEMPLATES[i % PROBE_TEMPLATES.length];
    if (!make) break;
    const block = make(i);
    blocks.push(block);
    lines += block.split('\n').length + 1;
  }
  blocks.push(`END
{
	clear(@path);
	clear(@start);
}`);
  return blocks.join('\n\n') + '\n';
}

export function benchFrontEnd(options: FrontEndBenchOptions = {}): FrontEndBenchResult {
  const iterations = options.iterations ?? 200;
  const warmup = options.warmup ?? 50;
  const host = options.host ?? new FakeHost();
  const text = frontEndProgram();
  const source = { name: 'bench.bt', text };
  const first = check(source, {}, host);
  if (!first.program) {
    throw new Error(
      `the benchmark program does not check: ${first.diagnostics[0]?.message ?? '?'}`,
    );
  }
  for (let i = 0; i < warmup; i++) check(source, {}, host);
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    check(source, {}, host);
    times.push(performance.now() - t0);
  }
  const total = performance.now() - start;
  times.sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  return {
    lines: text.split('\n').length - 1,
    iterations,
    msPerCheck: total / iterations,
    medianMs: times[mid] ?? NaN,
  };
}

/** Milliseconds per check of the 300-line program after warm-up (what the bench runner reads). */
export function frontEndMsPerCheck(): number {
  return benchFrontEnd().msPerCheck;
}
