// uprobe/uretprobe:BINARY:FUNC — the compiler resolved the file offset. As in bpftrace 0.17,
// uprobes fire for every process using the binary (pid targeting came in 0.20); scripts
// filter with `/pid == cpid/`.
import type { AttachTarget } from '../../compiler/artifact.js';
import type { AttachContext, AttachableProgram, Attachment } from './attachment.js';
import { perfAttachment } from './attachment.js';
import { openUprobe } from './uprobe-pmu.js';

type UprobeTarget = Extract<AttachTarget, { kind: 'uprobe' | 'uretprobe' }>;

export function attachUprobe(
  prog: AttachableProgram,
  target: UprobeTarget,
  _ctx: AttachContext,
): Attachment {
  const offset = BigInt(target.fileOffset);
  const fd = openUprobe(prog.fd, {
    path: target.path,
    offset,
    retprobe: target.kind === 'uretprobe',
    pid: -1,
    what: prog.name,
  });
  return perfAttachment(
    prog.name,
    [fd],
    [`${target.kind} ${target.path}+0x${offset.toString(16)}: fd ${fd}`],
  );
}
