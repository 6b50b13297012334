// Numeric kernel encodings, spelled as in the uapi headers (linux/bpf.h, linux/perf_event.h)
// so they grep against them.
import type { MapKernelType, ProgType } from '../../compiler/artifact.js';

export const BPF_PROG_TYPE = {
  KPROBE: 2,
  TRACEPOINT: 5,
  PERF_EVENT: 7,
  RAW_TRACEPOINT: 17,
  TRACING: 26,
} as const;

export const BPF_MAP_TYPE = {
  HASH: 1,
  ARRAY: 2,
  PERF_EVENT_ARRAY: 4,
  PERCPU_HASH: 5,
  PERCPU_ARRAY: 6,
  STACK_TRACE: 7,
  RINGBUF: 27,
} as const;

export function progTypeNumber(t: ProgType): number {
  switch (t) {
    case 'tracepoint':
      return BPF_PROG_TYPE.TRACEPOINT;
    case 'raw_tracepoint':
      return BPF_PROG_TYPE.RAW_TRACEPOINT;
    case 'perf_event':
      return BPF_PROG_TYPE.PERF_EVENT;
    case 'kprobe':
      return BPF_PROG_TYPE.KPROBE;
    case 'tracing':
      return BPF_PROG_TYPE.TRACING;
  }
}

export function mapTypeNumber(t: MapKernelType): number {
  switch (t) {
    case 'hash':
      return BPF_MAP_TYPE.HASH;
    case 'percpu_hash':
      return BPF_MAP_TYPE.PERCPU_HASH;
    case 'array':
      return BPF_MAP_TYPE.ARRAY;
    case 'percpu_array':
      return BPF_MAP_TYPE.PERCPU_ARRAY;
    case 'perf_event_array':
      return BPF_MAP_TYPE.PERF_EVENT_ARRAY;
    case 'ringbuf':
      return BPF_MAP_TYPE.RINGBUF;
    case 'stack_trace':
      return BPF_MAP_TYPE.STACK_TRACE;
  }
}

export function isPerCpu(t: MapKernelType): boolean {
  return t === 'percpu_hash' || t === 'percpu_array';
}

/** BPF_ANY / BPF_NOEXIST / BPF_EXIST for map updates. */
export const BPF_ANY = 0n;

/** perf_event_attr.type */
export const PERF_TYPE = {
  HARDWARE: 0,
  SOFTWARE: 1,
  TRACEPOINT: 2,
  BREAKPOINT: 5,
} as const;

/** perf_event_attr flag bits (the bitfield after read_format). */
export const PERF_ATTR_FLAG = {
  disabled: 1n << 0n,
  freq: 1n << 10n,
} as const;

/** HW_BREAKPOINT_* (linux/hw_breakpoint.h) */
export const HW_BREAKPOINT = { R: 1, W: 2, X: 4 } as const;

export const PERF_FLAG_FD_CLOEXEC = 1 << 3;

// _IO('$', 0), _IO('$', 1), _IOW('$', 8, __u32) from linux/perf_event.h
export const PERF_EVENT_IOC_ENABLE = 0x2400;
export const PERF_EVENT_IOC_DISABLE = 0x2401;
export const PERF_EVENT_IOC_SET_BPF = 0x40042408;

/** bpf_attach_type values used with bpf_link_create. */
export const BPF_ATTACH_TYPE = { PERF_EVENT: 41, TRACE_UPROBE_MULTI: 48 } as const;

/** bpf(2) commands bpfq issues itself (libbpf 1.1 has no uprobe_multi link). */
export const BPF_CMD = { LINK_CREATE: 28 } as const;

/** link_create.uprobe_multi.flags: the programs run on return (uretprobe). */
export const BPF_F_UPROBE_MULTI_RETURN = 1;
