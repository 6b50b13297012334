// What this node can trace, for the heartbeat (GET /v1/nodes). Cheap checks only: the worker
// announces itself before any job and must not load BPF to do so. kprobes count only when the
// kernel has them *and* the runtime can attach them (checkKprobeSupport says so).
import { existsSync } from 'node:fs';
import { release } from 'node:os';
import { checkKprobeSupport } from '../attach/kprobe.js';

function kernelAtLeast(major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release());
  if (m === null) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a > major || (a === major && b >= minor);
}

function canRun(check: () => void): boolean {
  try {
    check();
    return true;
  } catch {
    return false;
  }
}

export function kernelFeatures(): Record<string, boolean> {
  const uprobes = existsSync('/sys/bus/event_source/devices/uprobe');
  return {
    btf: existsSync('/sys/kernel/btf/vmlinux'),
    tracefs: existsSync('/sys/kernel/tracing/events'),
    tracepoints: existsSync('/sys/kernel/tracing/events/syscalls'),
    rawTracepoints: kernelAtLeast(4, 17),
    uprobes,
    usdt: uprobes,
    perfEvents: existsSync('/proc/sys/kernel/perf_event_paranoid'),
    kprobes: canRun(() =>
      checkKprobeSupport('kprobe:feature_check', {
        kind: 'kprobe',
        func: 'feature_check',
        offset: 0,
      }),
    ),
    kfuncs: canRun(() =>
      checkKprobeSupport('kfunc:feature_check', { kind: 'kfunc', func: 'feature_check' }),
    ),
    ringbuf: kernelAtLeast(5, 8),
    root: process.getuid?.() === 0,
  };
}
