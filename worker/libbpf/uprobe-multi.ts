// uprobe_multi links (kernel 6.6+): bpf(BPF_LINK_CREATE) attaches one program to one or more
// offsets of a binary, optionally for one process only, with USDT semaphores counted by the
// kernel (ref_ctr_offsets). Unlike the uprobe PMU they need no perf event: CAP_BPF and
// CAP_PERFMON suffice where the PMU demands CAP_SYS_ADMIN, and closing the link fd (or the
// process dying) removes the uprobes. libbpf 1.1 predates them, so the attr is built here.
import koffi from 'koffi';
import { BPF_ATTACH_TYPE, BPF_CMD, BPF_F_UPROBE_MULTI_RETURN, BPF_PROG_TYPE } from './constants.js';
import { BpfError } from './errors.js';
import { LAYOUT } from './layouts.js';
import { libC } from './lib.js';
import { cString } from './perf-event.js';
import { closeFd, loadProgram } from './program.js';

const L = LAYOUT.linkCreateUprobeMulti;
const EBADF = 9;

export interface UprobeMultiSpec {
  path: string;
  /** File offsets of the probe sites. */
  offsets: bigint[];
  /** USDT semaphore file offsets, one per site (0 for none); omitted when there are none. */
  refCtrOffsets?: bigint[];
  retprobe: boolean;
  /** Only this process fires the probes; 0 for every process. */
  pid: number;
  what: string;
}

function u64Array(values: bigint[]): Buffer {
  const b = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => b.writeBigUInt64LE(v, i * 8));
  return b;
}

/** Raw BPF_LINK_CREATE; returns the fd or -errno. */
function linkCreate(progFd: number, spec: UprobeMultiSpec): number {
  const attr = Buffer.alloc(L.size);
  const path = cString(spec.path);
  const offsets = u64Array(spec.offsets);
  const refs = spec.refCtrOffsets?.some((r) => r !== 0n) ? u64Array(spec.refCtrOffsets) : null;
  attr.writeUInt32LE(progFd, L.prog_fd);
  attr.writeUInt32LE(BPF_ATTACH_TYPE.TRACE_UPROBE_MULTI, L.attach_type);
  attr.writeBigUInt64LE(path.address, L.path);
  attr.writeBigUInt64LE(koffi.address(offsets), L.offsets);
  if (refs) attr.writeBigUInt64LE(koffi.address(refs), L.ref_ctr_offsets);
  attr.writeUInt32LE(spec.offsets.length, L.cnt);
  attr.writeUInt32LE(spec.retprobe ? BPF_F_UPROBE_MULTI_RETURN : 0, L.multi_flags);
  attr.writeUInt32LE(spec.pid, L.pid);
  const c = libC();
  const fd = c.bpf(BPF_CMD.LINK_CREATE, attr, L.size);
  const errno = fd < 0 ? c.errno() : 0;
  // The buffers must live until the syscall returned.
  path.buf.fill(0);
  offsets.fill(0);
  refs?.fill(0);
  return fd < 0 ? -errno : fd;
}

/** Attaches a program loaded with expected_attach_type BPF_TRACE_UPROBE_MULTI; returns the link fd. */
export function uprobeMultiLink(progFd: number, spec: UprobeMultiSpec): number {
  const fd = linkCreate(progFd, spec);
  if (fd < 0) throw new BpfError('bpf(BPF_LINK_CREATE uprobe_multi)', -fd, spec.what);
  return fd;
}

let supported: boolean | undefined;

/**
 * Whether this kernel has uprobe_multi links, asked as libbpf 1.3+ asks: a program loads with
 * that attach type, and a link on "/" fails with EBADF (not a regular file) rather than EINVAL.
 */
export function uprobeMultiSupported(): boolean {
  if (supported !== undefined) return supported;
  const insns = Buffer.alloc(16);
  insns[0] = 0xb7; // r0 = 0
  insns[8] = 0x95; // exit
  let progFd = -1;
  try {
    progFd = loadProgram(BPF_PROG_TYPE.KPROBE, insns, {
      name: 'bpfq_uprobe_multi',
      expectedAttachType: BPF_ATTACH_TYPE.TRACE_UPROBE_MULTI,
    }).fd;
    const fd = linkCreate(progFd, {
      path: '/',
      offsets: [0n],
      retprobe: false,
      pid: 0,
      what: 'feature check',
    });
    if (fd >= 0) closeFd(fd);
    supported = fd === -EBADF;
  } catch {
    supported = false;
  } finally {
    closeFd(progFd);
  }
  return supported;
}
