// The differential harness: the same program runs under bpftrace 0.17 and under bin/bpfq,
// against the same deterministic workload (the C program in test/kernel/runtime-workload.c,
// started with -c so `cpid` names it), and what each prints is compared byte for byte.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface DiffCase {
  name: string;
  /** The program; `WORKLOAD` is replaced by the workload binary's path. */
  program: string;
  /**
   * What bpftrace runs instead of `program`: the same semantics written around a 0.17 bug
   * that this kernel exposes (the expected output still comes from bpftrace). Say which bug.
   */
  oracleProgram?: string;
  /** Iterations of the workload (each: one getppid, one write of i bytes, one USDT tick). Default 50; 0 runs no -c. */
  iterations?: number;
  /** Workload mode after the count (`watch` also writes a u64 at 0x10000000). */
  mode?: string;
  format?: 'text' | 'json';
  /** Extra options before -e (e.g. ['-q'], ['--unsafe']). */
  options?: string[];
  /** Positional parameters after the program. */
  params?: string[];
  env?: Record<string, string>;
  /** Also compare stderr (compile errors), after dropping bpftrace's RLIMIT_MEMLOCK warning. */
  compareStderr?: boolean;
  /** Kill with SIGINT after this many ms (programs that never exit on their own). */
  interruptAfterMs?: number;
}

export interface ToolRun {
  stdout: string;
  stderr: string;
  status: number | null;
  ms: number;
}

export const bpfqBin = fileURLToPath(new URL('../../../bin/bpfq', import.meta.url));

/** bpftrace 0.17 warns on every run when it cannot raise RLIMIT_MEMLOCK; that is not output. */
export function cleanStderr(text: string): string {
  return text
    .split('\n')
    .filter((l) => !l.includes("couldn't set RLIMIT_MEMLOCK"))
    .join('\n');
}

export function commandLine(tool: 'bpftrace' | 'bpfq', c: DiffCase, workload: string): string[] {
  const args: string[] = [...(c.options ?? [])];
  if (c.format) args.push('-f', c.format);
  const iterations = c.iterations ?? 50;
  if (iterations > 0)
    args.push('-c', `${workload} ${iterations}${c.mode !== undefined ? ` ${c.mode}` : ''}`);
  const program = tool === 'bpftrace' ? (c.oracleProgram ?? c.program) : c.program;
  args.push('-e', program.replaceAll('WORKLOAD', workload), ...(c.params ?? []));
  return [tool === 'bpftrace' ? 'bpftrace' : bpfqBin, ...args];
}

export function runTool(
  tool: 'bpftrace' | 'bpfq',
  c: DiffCase,
  workload: string,
  timeoutMs = 60_000,
): Promise<ToolRun> {
  const [cmd, ...args] = commandLine(tool, c, workload);
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd!, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...(c.env ?? {}) },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timers: NodeJS.Timeout[] = [];
    if (c.interruptAfterMs !== undefined) {
      // Wait for the probes to be attached before interrupting.
      const waitAttached = setInterval(() => {
        if (
          stdout.includes('Attaching') ||
          stdout.includes('attached_probes') ||
          (c.options ?? []).includes('-q')
        ) {
          clearInterval(waitAttached);
          timers.push(setTimeout(() => child.kill('SIGINT'), c.interruptAfterMs));
        }
      }, 20);
      timers.push(waitAttached);
    }
    timers.push(
      setTimeout(() => {
        child.kill('SIGKILL');
      }, timeoutMs),
    );
    child.on('error', reject);
    child.on('close', (status) => {
      for (const t of timers) clearTimeout(t);
      resolve({ stdout, stderr: cleanStderr(stderr), status, ms: Date.now() - t0 });
    });
  });
}

/** Runs `jobs` with at most `limit` at a time, keeping the results in order. */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  job: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await job(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
