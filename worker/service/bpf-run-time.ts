// Time the kernel spent running this worker's BPF programs, for /metrics. The kernel counts
// it per program (fdinfo `run_time_ns`) only while BPF statistics are on (sysctl
// kernel.bpf_stats_enabled=1, an admin's choice: it costs a little per event); otherwise the
// counters stay 0. Programs come and go with jobs, so the sampler remembers each program's
// last value and adds only the growth; the runner samples once more just before a session
// tears down, so a program's final count is not lost.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

export class BpfRunTimeSampler {
  private readonly last = new Map<number, number>();
  private pending = 0;

  /** Reads every program fd of this process and accumulates the growth since last time. */
  sample(): void {
    const seen = new Set<number>();
    let fds: string[];
    try {
      fds = readdirSync('/proc/self/fd');
    } catch {
      return;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/self/fd/${fd}`) !== 'anon_inode:bpf-prog') continue;
        const info = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
        const id = /^prog_id:\s+(\d+)$/m.exec(info)?.[1];
        const ns = /^run_time_ns:\s+(\d+)$/m.exec(info)?.[1];
        if (id === undefined || ns === undefined) continue;
        const progId = Number(id);
        if (seen.has(progId)) continue;
        seen.add(progId);
        const value = Number(ns);
        this.pending += Math.max(0, value - (this.last.get(progId) ?? 0));
        this.last.set(progId, value);
      } catch {
        // the fd closed meanwhile
      }
    }
    for (const id of this.last.keys()) if (!seen.has(id)) this.last.delete(id);
  }

  /** Nanoseconds accumulated since the last take. */
  take(): number {
    const ns = this.pending;
    this.pending = 0;
    return ns;
  }
}

/** One per process: every runner in it shares the program fds of /proc/self. */
export const bpfRunTime = new BpfRunTimeSampler();
