// What this node's kernel offers, for the heartbeat (GET /v1/nodes). Cheap file checks only:
// the worker announces itself before any job and must not load BPF to do so.
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';

function kernelAtLeast(major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release());
  if (m === null) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a > major || (a === major && b >= minor);
}

function hasPmu(name: string): boolean {
  return existsSync(`/sys/bus/event_source/devices/${name}`);
}

export function kernelFeatures(): Record<string, boolean> {
  let kprobeEvents = false;
  try {
    kprobeEvents = readFileSync('/sys/kernel/tracing/kprobe_events', 'utf8') !== undefined;
  } catch {
    kprobeEvents = false;
  }
  return {
    btf: existsSync('/sys/kernel/btf/vmlinux'),
    tracefs: existsSync('/sys/kernel/tracing/events'),
    tracepoints: existsSync('/sys/kernel/tracing/events/syscalls'),
    uprobes: hasPmu('uprobe'),
    kprobes: hasPmu('kprobe') && kprobeEvents,
    ringbuf: kernelAtLeast(5, 8),
    perfEvents: existsSync('/proc/sys/kernel/perf_event_paranoid'),
    root: process.getuid?.() === 0,
  };
}
