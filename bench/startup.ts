// Whole-process start-up: the wall time of `bin/bpfq -e 'BEGIN { exit(); }'` against
// `bpftrace -e ...` for the same program, median of N runs. This is the time a user waits for
// a one-liner: process start, compile, load, BEGIN, exit, teardown.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface StartupSample {
  command: string;
  runsMs: number[];
  medianMs: number;
  /** Runs that exited non-zero (their times are still counted). */
  failures: number;
}

export interface StartupResult {
  program: string;
  bpfq: StartupSample;
  bpftrace?: StartupSample;
}

export interface StartupOptions {
  /** Runs per tool; default 11. */
  runs?: number;
  /** Default `BEGIN { exit(); }`. */
  program?: string;
  /** Also time bpftrace; default true when it is installed. */
  bpftrace?: boolean;
}

const bpfqBin = fileURLToPath(new URL('../../bin/bpfq', import.meta.url));

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function timeRuns(cmd: string, args: string[], runs: number): StartupSample {
  const runsMs: number[] = [];
  let failures = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'ignore'] });
    runsMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 0) failures++;
  }
  return { command: [cmd, ...args].join(' '), runsMs, medianMs: median(runsMs), failures };
}

function hasBpftrace(): boolean {
  return spawnSync('sh', ['-c', 'command -v bpftrace'], { stdio: 'ignore' }).status === 0;
}

export function benchStartup(options: StartupOptions = {}): StartupResult {
  const runs = options.runs ?? 11;
  const program = options.program ?? 'BEGIN { exit(); }';
  const result: StartupResult = { program, bpfq: timeRuns(bpfqBin, ['-e', program], runs) };
  if (options.bpftrace ?? hasBpftrace())
    result.bpftrace = timeRuns('bpftrace', ['-e', program], runs);
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(benchStartup(), null, 2)}\n`);
}
