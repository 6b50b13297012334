// kprobe, kretprobe, kfunc and kretfunc need the kernel's kprobe (or ftrace trampoline)
// support, which some kernels are built without. Checked before anything is loaded, so a
// script that cannot run leaves nothing behind.
import { existsSync } from 'node:fs';
import type { AttachTarget } from '../../compiler/artifact.js';
import { NotSupportedError } from '../libbpf/errors.js';

const KPROBE_PMU = '/sys/bus/event_source/devices/kprobe/type';
const KPROBE_EVENTS = [
  '/sys/kernel/tracing/kprobe_events',
  '/sys/kernel/debug/tracing/kprobe_events',
];

export function kernelSupportsKprobes(): boolean {
  return existsSync(KPROBE_PMU) || KPROBE_EVENTS.some((p) => existsSync(p));
}

export function needsKprobes(target: AttachTarget): boolean {
  return (
    target.kind === 'kprobe' ||
    target.kind === 'kretprobe' ||
    target.kind === 'kfunc' ||
    target.kind === 'kretfunc'
  );
}

/** Throws NotSupportedError naming the probe when the kernel cannot run it. */
export function checkKprobeSupport(probe: string, target: AttachTarget): void {
  if (!needsKprobes(target)) return;
  if (!kernelSupportsKprobes()) {
    throw new NotSupportedError(`kprobes are not supported by this kernel: ${probe}`);
  }
  // kfunc/kretfunc would also need BTF-typed TRACING programs loaded with attach_btf_id, and
  // kprobes with a PMU; neither is implemented by this runtime yet.
  throw new NotSupportedError(
    `${target.kind} probes are not supported by bpfq's runtime yet: ${probe}`,
  );
}
