// profile, interval, software and hardware probes: a sampling perf event on every online CPU
// (profile, software, hardware) or on the first online CPU (interval), each running the program
// on overflow. sample_freq when the probe gives a rate in Hz, else sample_period.
import { PERF_TYPE } from '../libbpf/constants.js';
import { onlineCpus } from '../libbpf/cpus.js';
import { BpfError, NotSupportedError } from '../libbpf/errors.js';
import {
  encodePerfEventAttr,
  perfEventEnable,
  perfEventOpen,
  perfEventSetBpf,
} from '../libbpf/perf-event.js';
import type { AttachTarget } from '../../compiler/artifact.js';
import type { AttachableProgram, Attachment } from './attachment.js';
import { openAll, perfAttachment } from './attachment.js';
import { closeFd } from '../libbpf/program.js';

type PerfTarget = Extract<AttachTarget, { kind: 'perf_event' }>;

export function attachPerfEvent(prog: AttachableProgram, target: PerfTarget): Attachment {
  const online = onlineCpus();
  const cpus = target.cpus === 'first' ? online.slice(0, 1) : online;
  const attr = encodePerfEventAttr({
    type: target.type,
    config: BigInt(target.config),
    sample: BigInt(target.frequency ?? target.period ?? 1),
    freq: target.frequency !== undefined,
  });
  const fds = openAll(cpus, (cpu) => {
    let fd: number;
    try {
      fd = perfEventOpen(attr, -1, cpu, `${prog.name} on cpu ${cpu}`);
    } catch (e) {
      // No PMU (VMs, containers): the kernel says ENOENT or EOPNOTSUPP for hardware events.
      if (
        target.type === PERF_TYPE.HARDWARE &&
        e instanceof BpfError &&
        [2, 95, 19].includes(e.errno)
      ) {
        throw new NotSupportedError(
          `hardware perf events are not available on this machine (no PMU): ${prog.name}`,
        );
      }
      throw e;
    }
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
    fds.map(
      (fd, i) =>
        `perf_event type ${target.type} config ${target.config}: fd ${fd} on cpu ${cpus[i]}`,
    ),
  );
}
