// One uprobe site (uprobe, uretprobe, or a USDT probe) attached to a loaded program: by a
// uprobe_multi link when the program was loaded for one (kernel 6.6+), else by a perf event of
// the uprobe PMU. Both can scope the probe to one process and count a USDT semaphore.
import { BPF_ATTACH_TYPE } from '../libbpf/constants.js';
import { uprobeMultiLink } from '../libbpf/uprobe-multi.js';
import type { AttachableProgram, Attachment } from './attachment.js';
import { linkAttachment, perfAttachment } from './attachment.js';
import { openUprobe } from './uprobe-pmu.js';

export interface UprobeSite {
  path: string;
  offset: bigint;
  retprobe: boolean;
  /** USDT semaphore file offset; 0 for none. */
  refCtrOffset: bigint;
  /** `-p`/`-c`/job pid: only that process fires it. */
  pid: number | undefined;
  /** What -v shows for it (`uprobe /bin/bash+0x1234`). */
  label: string;
}

export function attachUprobeSite(prog: AttachableProgram, site: UprobeSite): Attachment {
  if (prog.expectedAttachType === BPF_ATTACH_TYPE.TRACE_UPROBE_MULTI) {
    const fd = uprobeMultiLink(prog.fd, {
      path: site.path,
      offsets: [site.offset],
      refCtrOffsets: [site.refCtrOffset],
      retprobe: site.retprobe,
      pid: site.pid ?? 0,
      what: prog.name,
    });
    return linkAttachment(prog.name, [fd], [`${site.label}: uprobe_multi link fd ${fd}`]);
  }
  const fd = openUprobe(prog.fd, {
    path: site.path,
    offset: site.offset,
    retprobe: site.retprobe,
    refCtrOffset: site.refCtrOffset,
    pid: site.pid ?? -1,
    what: prog.name,
  });
  return perfAttachment(prog.name, [fd], [`${site.label}: perf_event fd ${fd}`]);
}
