// What this kernel's BPF supports, asked the way libbpf asks: by loading tiny programs and
// creating tiny maps (libbpf_probe_bpf_*). `bpfq --info` prints it; the runtime uses it to fail
// early with a NotSupportedError naming the missing feature.
import { existsSync } from 'node:fs';
import { BPF_MAP_TYPE, BPF_PROG_TYPE } from './constants.js';
import { libBpf } from './lib.js';
import { closeFd, loadProgram } from './program.js';
import { uprobeMultiSupported } from './uprobe-multi.js';

/** Helper ids from linux/bpf.h's __BPF_FUNC_MAPPER. */
const HELPERS: [name: string, id: number][] = [
  ['probe_read', 4],
  ['probe_read_str', 45],
  ['probe_read_user', 112],
  ['probe_read_user_str', 114],
  ['probe_read_kernel', 113],
  ['probe_read_kernel_str', 115],
  ['get_current_cgroup_id', 80],
  ['send_signal', 109],
  ['override_return', 58],
  ['get_boot_ns', 125],
  ['dpath', 147],
  ['skboutput', 111],
];

export interface KernelFeatures {
  helpers: [string, boolean][];
  instructionLimit: number;
  loops: boolean;
  btf: boolean;
  uprobeRefcount: boolean;
  /** uprobe_multi links (6.6+): how bpfq attaches uprobes and USDT when it can. */
  uprobeMulti: boolean;
  kprobeAttach: boolean;
  mapTypes: [string, boolean][];
  progTypes: [string, boolean][];
}

function probeHelper(progType: number, id: number): boolean {
  return libBpf().libbpf_probe_bpf_helper(progType, id, null) === 1;
}

/** A bounded loop (a back edge) loads only on kernels with loop support (5.3+). */
function probeLoops(): boolean {
  const insns = Buffer.alloc(4 * 8);
  const put = (i: number, code: number, regs: number, off: number, imm: number): void => {
    insns[i * 8] = code;
    insns[i * 8 + 1] = regs;
    insns.writeInt16LE(off, i * 8 + 2);
    insns.writeInt32LE(imm, i * 8 + 4);
  };
  put(0, 0xb7, 0x00, 0, 0); // r0 = 0
  put(1, 0x07, 0x00, 0, 1); // r0 += 1
  put(2, 0xa5, 0x00, -2, 4); // if r0 < 4 goto -2
  put(3, 0x95, 0x00, 0, 0); // exit
  try {
    const { fd } = loadProgram(BPF_PROG_TYPE.TRACEPOINT, insns, { name: 'bpfq_loop' });
    closeFd(fd);
    return true;
  } catch {
    return false;
  }
}

export function kernelFeatures(): KernelFeatures {
  const lib = libBpf();
  const prog = (t: number): boolean => lib.libbpf_probe_bpf_prog_type(t, null) === 1;
  const map = (t: number): boolean => lib.libbpf_probe_bpf_map_type(t, null) === 1;
  const loops = probeLoops();
  return {
    helpers: HELPERS.map(([name, id]) => [
      name,
      name === 'dpath' || name === 'skboutput' ? false : probeHelper(BPF_PROG_TYPE.KPROBE, id),
    ]),
    instructionLimit: loops ? 1_000_000 : 4096,
    loops,
    btf: existsSync('/sys/kernel/btf/vmlinux'),
    uprobeRefcount: existsSync('/sys/bus/event_source/devices/uprobe/format/ref_ctr_offset'),
    uprobeMulti: uprobeMultiSupported(),
    kprobeAttach:
      existsSync('/sys/bus/event_source/devices/kprobe/type') ||
      existsSync('/sys/kernel/tracing/kprobe_events'),
    mapTypes: [
      ['hash', map(BPF_MAP_TYPE.HASH)],
      ['percpu hash', map(BPF_MAP_TYPE.PERCPU_HASH)],
      ['array', map(BPF_MAP_TYPE.ARRAY)],
      ['percpu array', map(BPF_MAP_TYPE.PERCPU_ARRAY)],
      ['stack_trace', map(BPF_MAP_TYPE.STACK_TRACE)],
      ['perf_event_array', map(BPF_MAP_TYPE.PERF_EVENT_ARRAY)],
      ['ringbuf', map(BPF_MAP_TYPE.RINGBUF)],
    ],
    progTypes: [
      ['kprobe', prog(BPF_PROG_TYPE.KPROBE)],
      ['tracepoint', prog(BPF_PROG_TYPE.TRACEPOINT)],
      ['perf_event', prog(BPF_PROG_TYPE.PERF_EVENT)],
      ['raw_tracepoint', prog(BPF_PROG_TYPE.RAW_TRACEPOINT)],
    ],
  };
}
