// Cost per event in the kernel: with kernel.bpf_stats_enabled on, each loaded program keeps
// run_time_ns and run_cnt (shown in /proc/PID/fdinfo of its fd). The same programs run under
// bpfq and bpftrace against the same workload (N write(2) calls); ns/event is
// run_time_ns / run_cnt, and the instruction count is the verifier's xlated size / 8.
// run_time_ns covers the program alone; what the traced process pays per event also holds
// the probe's own mechanism (a uprobe's trap, the attach path), which differs between attach
// methods. So the workload's wall time is measured too, against a run with nothing attached.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import {
  readFileSync,
  readdirSync,
  readlinkSync,
  writeFileSync,
  existsSync,
  mkdirSync,
  statSync,
} from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export interface ProgramCost {
  /** Programs of the run whose counters moved. */
  programs: { id: number; runCount: number; runTimeNs: number; insns: number }[];
  nsPerEvent: number;
  insns: number;
  /** Added wall time of the workload per event, over a run with nothing attached. */
  wallNsPerEvent: number;
}

export interface PerEventResult {
  name: string;
  program: string;
  events: number;
  bpfq?: ProgramCost | { error: string };
  bpftrace?: ProgramCost | { error: string };
}

export interface PerEventOptions {
  /** write(2) calls in the workload; default 200000. */
  events?: number;
  /** Default: count, hist, keyed count, string-keyed count. */
  cases?: { name: string; program: string }[];
  tools?: ('bpfq' | 'bpftrace')[];
}

const root = fileURLToPath(new URL('../../', import.meta.url));
const bpfqBin = join(root, 'bin/bpfq');
const STATS = '/proc/sys/kernel/bpf_stats_enabled';

export const DEFAULT_CASES = [
  { name: 'count', program: 'tracepoint:syscalls:sys_enter_write { @ = count(); }' },
  { name: 'hist', program: 'tracepoint:syscalls:sys_enter_write { @ = hist(args->count); }' },
  { name: 'keyed count', program: 'tracepoint:syscalls:sys_enter_write { @[pid] = count(); }' },
  {
    name: 'string-keyed count',
    program: 'tracepoint:syscalls:sys_enter_write { @[comm] = count(); }',
  },
  // WORKLOAD stands for the workload binary's path: its bpfq_work() runs once per event and
  // fires the semaphore-guarded USDT probe bpfq:tick(i).
  { name: 'uprobe count', program: 'uprobe:WORKLOAD:bpfq_work { @ = count(); }' },
  { name: 'usdt sum of arg0', program: 'usdt:WORKLOAD:bpfq:tick { @ = sum(arg0); }' },
];

function workload(): string {
  const src = join(root, 'test/kernel/runtime-workload.c');
  const dir = join(root, 'bench/.tmp');
  const bin = join(dir, 'workload');
  if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) {
    mkdirSync(dir, { recursive: true });
    execFileSync('cc', ['-O1', '-o', bin, src]);
  }
  return bin;
}

/** BPF programs held open by a process, with their counters, from /proc/PID/fdinfo. */
function programsOf(pid: number): { id: number; runCount: number; runTimeNs: number }[] {
  const out: { id: number; runCount: number; runTimeNs: number }[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target = '';
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    if (target !== 'anon_inode:bpf-prog') continue;
    const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    const field = (name: string): number =>
      Number(new RegExp(`^${name}:\\s*(\\d+)`, 'm').exec(info)?.[1] ?? 0);
    out.push({ id: field('prog_id'), runCount: field('run_cnt'), runTimeNs: field('run_time_ns') });
  }
  return out;
}

function xlatedInsns(id: number): number {
  const info = JSON.parse(
    execFileSync('bpftool', ['prog', 'show', 'id', String(id), '-j'], { encoding: 'utf8' }),
  ) as {
    bytes_xlated?: number;
  };
  return (info.bytes_xlated ?? 0) / 8;
}

function perfEventFds(pid: number): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:[perf_event]') n++;
    } catch {
      /* closed meanwhile */
    }
  }
  return n;
}

async function waitForAttached(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  while (Date.now() < deadline) {
    const n = perfEventFds(pid);
    if (n > 0 && n === last) return;
    last = n;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`pid ${pid} attached nothing within ${timeoutMs} ms`);
}

function waitForOutput(child: ChildProcess, text: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`no "${text}" within ${timeoutMs} ms: ${seen}`)),
      timeoutMs,
    );
    child.stdout?.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`exited before "${text}": ${seen}`));
    });
  });
}

/** Wall time of one workload run of `events` events, in ns. */
function workloadNs(wl: string, events: number): number {
  const t0 = process.hrtime.bigint();
  execFileSync(wl, [String(events)]);
  return Number(process.hrtime.bigint() - t0);
}

async function measure(
  cmd: string,
  program: string,
  wl: string,
  events: number,
  baselineNs: number,
): Promise<ProgramCost> {
  const child = spawn(cmd, ['-e', program], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    await waitForOutput(child, 'Attaching', 30_000);
    // Both tools print Attaching before they attach: wait until the process holds its perf
    // event (each case has one probe) and nothing changes for a moment.
    await waitForAttached(child.pid!, 30_000);
    const before = new Map(programsOf(child.pid!).map((p) => [p.id, p]));
    const wallNs = workloadNs(wl, events);
    const programs = programsOf(child.pid!)
      .map((p) => ({
        id: p.id,
        runCount: p.runCount - (before.get(p.id)?.runCount ?? 0),
        runTimeNs: p.runTimeNs - (before.get(p.id)?.runTimeNs ?? 0),
        insns: xlatedInsns(p.id),
      }))
      .filter((p) => p.runCount > 0);
    const runs = programs.reduce((n, p) => n + p.runCount, 0);
    const ns = programs.reduce((n, p) => n + p.runTimeNs, 0);
    return {
      programs,
      nsPerEvent: runs === 0 ? NaN : ns / runs,
      insns: programs.reduce((n, p) => n + p.insns, 0),
      wallNsPerEvent: (wallNs - baselineNs) / events,
    };
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

export async function benchPerEvent(options: PerEventOptions = {}): Promise<PerEventResult[]> {
  const events = options.events ?? 200_000;
  const tools = options.tools ?? ['bpfq', 'bpftrace'];
  const wl = workload();
  const previous = readFileSync(STATS, 'utf8').trim();
  writeFileSync(STATS, '1');
  const results: PerEventResult[] = [];
  // The fastest of three untraced runs: what the workload costs without any probe.
  const baselineNs = Math.min(...[0, 1, 2].map(() => workloadNs(wl, events)));
  try {
    for (const c of options.cases ?? DEFAULT_CASES) {
      const program = c.program.replaceAll('WORKLOAD', wl);
      const r: PerEventResult = { name: c.name, program: c.program, events };
      for (const tool of tools) {
        try {
          r[tool] = await measure(
            tool === 'bpfq' ? bpfqBin : 'bpftrace',
            program,
            wl,
            events,
            baselineNs,
          );
        } catch (e) {
          r[tool] = { error: e instanceof Error ? e.message : String(e) };
        }
      }
      results.push(r);
    }
  } finally {
    writeFileSync(STATS, previous);
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(await benchPerEvent(), null, 2)}\n`);
}
