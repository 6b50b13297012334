// The uprobe PMU (perf_event_open with the dynamic `uprobe` type): config1 points at the
// binary's path, config2 is the file offset, and the `config` bits come from the PMU's own
// format files (/sys/bus/event_source/devices/uprobe/format: `retprobe` = config:0,
// `ref_ctr_offset` = config:32-63 for USDT semaphores the kernel then increments itself).
import { readFileSync } from 'node:fs';
import { BpfError, NotSupportedError } from '../libbpf/errors.js';
import {
  cString,
  encodePerfEventAttr,
  perfEventEnable,
  perfEventOpen,
  perfEventSetBpf,
} from '../libbpf/perf-event.js';
import { closeFd } from '../libbpf/program.js';

const PMU = '/sys/bus/event_source/devices/uprobe';
const EPERM = 1;
const EACCES = 13;

interface UprobePmu {
  type: number;
  retprobeBit: number;
  refCtrShift: number | undefined;
}

let pmu: UprobePmu | undefined;

/** Parses a format file such as `config:0` or `config:32-63`; returns the low bit. */
export function formatLowBit(text: string): number | undefined {
  const m = /^config:(\d+)(?:-\d+)?\s*$/.exec(text.trim());
  return m ? Number(m[1]) : undefined;
}

function uprobePmu(): UprobePmu {
  if (pmu) return pmu;
  let type: number;
  try {
    type = Number.parseInt(readFileSync(`${PMU}/type`, 'utf8'), 10);
  } catch {
    throw new NotSupportedError('uprobes are not supported by this kernel (no uprobe PMU)');
  }
  const read = (f: string): string | undefined => {
    try {
      return readFileSync(`${PMU}/format/${f}`, 'utf8');
    } catch {
      return undefined;
    }
  };
  const retprobeText = read('retprobe');
  const refText = read('ref_ctr_offset');
  pmu = {
    type,
    retprobeBit: (retprobeText !== undefined ? formatLowBit(retprobeText) : undefined) ?? 0,
    refCtrShift: refText !== undefined ? formatLowBit(refText) : undefined,
  };
  return pmu;
}

export interface UprobeSpec {
  path: string;
  offset: bigint;
  retprobe: boolean;
  /** USDT semaphore file offset; 0 for none. */
  refCtrOffset?: bigint;
  /** Process to probe; -1 for every process using the binary. */
  pid: number;
  what: string;
}

/** Opens the uprobe perf event, sets the program and enables it; returns the perf fd. */
export function openUprobe(progFd: number, spec: UprobeSpec): number {
  const p = uprobePmu();
  let config = spec.retprobe ? 1n << BigInt(p.retprobeBit) : 0n;
  const ref = spec.refCtrOffset ?? 0n;
  if (ref !== 0n) {
    if (p.refCtrShift === undefined) {
      throw new NotSupportedError(
        `USDT semaphores need uprobe ref_ctr_offset support: ${spec.what}`,
      );
    }
    config |= ref << BigInt(p.refCtrShift);
  }
  const path = cString(spec.path);
  const attr = encodePerfEventAttr({
    type: p.type,
    config,
    config1: path.address,
    config2: spec.offset,
    sample: 1n,
    wakeupEvents: 1,
  });
  // pid -1 needs a cpu; the probe still fires on every CPU (as with tracepoints).
  let fd: number;
  try {
    fd = perfEventOpen(attr, spec.pid, spec.pid === -1 ? 0 : -1, spec.what);
  } catch (e) {
    // Some kernels (6.18 here) let only CAP_SYS_ADMIN open the uprobe PMU; kernels with
    // uprobe_multi links never come here unless told to (loadArtifact's uprobeAttach).
    if (e instanceof BpfError && (e.errno === EACCES || e.errno === EPERM)) {
      throw new BpfError(
        'perf_event_open',
        e.errno,
        `${spec.what}: this kernel's uprobe PMU needs CAP_SYS_ADMIN, and it has no uprobe_multi links (6.6+) to attach with CAP_BPF and CAP_PERFMON instead`,
      );
    }
    throw e;
  }
  path.buf.fill(0); // keep the path buffer alive until after the syscall
  try {
    perfEventSetBpf(fd, progFd, spec.what);
    perfEventEnable(fd, spec.what);
  } catch (e) {
    closeFd(fd);
    throw e;
  }
  return fd;
}
