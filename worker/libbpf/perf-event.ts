// perf_event_open(2) and the ioctls that hang a BPF program on a perf event. libbpf 1.1 has no
// public call for opening an arbitrary perf event, so this is the one raw syscall path.
import koffi from 'koffi';
import { BpfError } from './errors.js';
import { libC } from './lib.js';
import {
  PERF_ATTR_FLAG,
  PERF_EVENT_IOC_DISABLE,
  PERF_EVENT_IOC_ENABLE,
  PERF_EVENT_IOC_SET_BPF,
  PERF_FLAG_FD_CLOEXEC,
} from './constants.js';
import { LAYOUT } from './layouts.js';

/** The fields of struct perf_event_attr (linux/perf_event.h) that bpfq sets. */
export interface PerfEventAttr {
  type: number;
  config: bigint;
  /** sample_period, or sample_freq when `freq` is set. */
  sample?: bigint;
  freq?: boolean;
  disabled?: boolean;
  wakeupEvents?: number;
  bpType?: number;
  /** bp_addr / config1 (uprobe: pointer to the path) */
  config1?: bigint;
  /** bp_len / config2 (uprobe: file offset) */
  config2?: bigint;
}

// PERF_ATTR_SIZE_VER7: every field up to sig_data. The kernel accepts any published size and
// zero-fills the rest, so the oldest size that holds what we set is the most portable.
export const PERF_ATTR_SIZE = 128;

/** Encodes struct perf_event_attr; offsets follow the uapi layout on 64-bit. */
export function encodePerfEventAttr(attr: PerfEventAttr): Buffer {
  const at = LAYOUT.perfEventAttr;
  const b = Buffer.alloc(PERF_ATTR_SIZE);
  b.writeUInt32LE(attr.type, at.type);
  b.writeUInt32LE(PERF_ATTR_SIZE, at.size);
  b.writeBigUInt64LE(attr.config, at.config);
  b.writeBigUInt64LE(attr.sample ?? 0n, at.sample_period); // or sample_freq
  let flags = 0n;
  if (attr.disabled) flags |= PERF_ATTR_FLAG.disabled;
  if (attr.freq) flags |= PERF_ATTR_FLAG.freq;
  // The bitfield word (disabled:1, inherit:1, ...) follows read_format: offset 40.
  b.writeBigUInt64LE(flags, at.sample_period + 24);
  b.writeUInt32LE(attr.wakeupEvents ?? 0, at.wakeup_events);
  b.writeUInt32LE(attr.bpType ?? 0, at.bp_type);
  b.writeBigUInt64LE(attr.config1 ?? 0n, at.config1); // bp_addr / uprobe path
  b.writeBigUInt64LE(attr.config2 ?? 0n, at.config2); // bp_len / uprobe offset
  return b;
}

/** The address of a NUL-terminated copy of `s`; the Buffer must outlive the syscall. */
export function cString(s: string): { buf: Buffer; address: bigint } {
  const buf = Buffer.from(`${s}\0`, 'utf8');
  return { buf, address: koffi.address(buf) };
}

/** Opens a perf event; pid -1 means any process, cpu -1 any CPU (not both). */
export function perfEventOpen(attr: Buffer, pid: number, cpu: number, what: string): number {
  const c = libC();
  const fd = c.perfEventOpen(attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
  if (fd < 0) throw new BpfError('perf_event_open', c.errno(), what);
  return fd;
}

export function perfEventSetBpf(perfFd: number, progFd: number, what: string): void {
  const c = libC();
  if (c.ioctl(perfFd, PERF_EVENT_IOC_SET_BPF, progFd) < 0) {
    throw new BpfError('ioctl(PERF_EVENT_IOC_SET_BPF)', c.errno(), what);
  }
}

export function perfEventEnable(perfFd: number, what: string): void {
  const c = libC();
  if (c.ioctl(perfFd, PERF_EVENT_IOC_ENABLE, 0) < 0) {
    throw new BpfError('ioctl(PERF_EVENT_IOC_ENABLE)', c.errno(), what);
  }
}

/** Best effort: a disable that fails changes nothing, the close that follows detaches. */
export function perfEventDisable(perfFd: number): void {
  libC().ioctl(perfFd, PERF_EVENT_IOC_DISABLE, 0);
}
