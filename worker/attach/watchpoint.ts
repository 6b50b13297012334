// watchpoint:ADDR:LEN:MODE — a hardware breakpoint perf event (PERF_TYPE_BREAKPOINT). With a
// pid it watches that process on any CPU; without, the address on every online CPU.
import type { AttachTarget } from '../../compiler/artifact.js';
import { HW_BREAKPOINT, PERF_TYPE } from '../libbpf/constants.js';
import { onlineCpus } from '../libbpf/cpus.js';
import {
  encodePerfEventAttr,
  perfEventEnable,
  perfEventOpen,
  perfEventSetBpf,
} from '../libbpf/perf-event.js';
import { closeFd } from '../libbpf/program.js';
import type { AttachContext, AttachableProgram, Attachment } from './attachment.js';
import { openAll, perfAttachment } from './attachment.js';

type WatchpointTarget = Extract<AttachTarget, { kind: 'watchpoint' }>;

export function breakpointType(mode: string): number {
  let t = 0;
  if (mode.includes('r')) t |= HW_BREAKPOINT.R;
  if (mode.includes('w')) t |= HW_BREAKPOINT.W;
  if (mode.includes('x')) t |= HW_BREAKPOINT.X;
  return t;
}

export function attachWatchpoint(
  prog: AttachableProgram,
  target: WatchpointTarget,
  ctx: AttachContext,
): Attachment {
  const attr = encodePerfEventAttr({
    type: PERF_TYPE.BREAKPOINT,
    config: 0n,
    bpType: breakpointType(target.mode),
    config1: BigInt(target.address),
    config2: BigInt(target.length),
    sample: 1n,
    wakeupEvents: 1,
  });
  const places =
    ctx.pid !== undefined
      ? [{ pid: ctx.pid, cpu: -1 }]
      : onlineCpus().map((cpu) => ({ pid: -1, cpu }));
  const fds = openAll(places, ({ pid, cpu }) => {
    const fd = perfEventOpen(attr, pid, cpu, prog.name);
    try {
      perfEventSetBpf(fd, prog.fd, prog.name);
      perfEventEnable(fd, prog.name);
    } catch (e) {
      closeFd(fd);
      throw e;
    }
    return fd;
  });
  return perfAttachment(
    prog.name,
    fds,
    fds.map((fd) => `breakpoint ${target.address}/${target.length} ${target.mode}: fd ${fd}`),
  );
}
