// Exact leak checks for the tracing tests: which BPF programs a process holds (from its fds'
// fdinfo `prog_id`), and whether a program id still exists in the kernel. Other processes on
// the machine may load programs meanwhile, so nothing here looks at global lists by name.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** BPF and perf fds a process holds, by kind (`anon_inode:bpf-prog`, ...). */
export function bpfFdsOf(pid: number | 'self'): string[] {
  const kinds: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (/^anon_inode:(bpf-prog|bpf-map|bpf_link|\[perf_event\])/.test(target)) kinds.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return kinds.sort();
}

/** Ids of the BPF programs a process holds an fd to. */
export function bpfProgIdsOf(pid: number | 'self'): number[] {
  const ids: number[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:bpf-prog') continue;
      const m = /^prog_id:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      if (m) ids.push(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return ids.sort((a, b) => a - b);
}

/** Whether the kernel still has a program with this id. */
export function programExists(id: number): boolean {
  try {
    execFileSync('bpftool', ['prog', 'show', 'id', String(id)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
