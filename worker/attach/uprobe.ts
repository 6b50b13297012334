// uprobe/uretprobe:BINARY:FUNC — the compiler resolved the file offset. With -p or -c (and a
// job's pid) the uprobe is opened for that process only: the kernel then filters by the
// target's mm, so other processes running the same binary never fire it. bpftrace 0.17 fired
// for every process (pid targeting came in 0.20); bpfq follows the later behaviour.
import type { AttachTarget } from '../../compiler/artifact.js';
import type { AttachContext, AttachableProgram, Attachment } from './attachment.js';
import { perfAttachment } from './attachment.js';
import { openUprobe } from './uprobe-pmu.js';

type UprobeTarget = Extract<AttachTarget, { kind: 'uprobe' | 'uretprobe' }>;

export function attachUprobe(
  prog: AttachableProgram,
  target: UprobeTarget,
  ctx: AttachContext,
): Attachment {
  const offset = BigInt(target.fileOffset);
  const fd = openUprobe(prog.fd, {
    path: target.path,
    offset,
    retprobe: target.kind === 'uretprobe',
    pid: ctx.pid ?? -1,
    what: prog.name,
  });
  return perfAttachment(
    prog.name,
    [fd],
    [`${target.kind} ${target.path}+0x${offset.toString(16)}: fd ${fd}`],
  );
}
