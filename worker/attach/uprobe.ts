// uprobe/uretprobe:BINARY:FUNC — the compiler resolved the file offset. With -p or -c (and a
// job's pid) the uprobe is opened for that process only: the kernel then filters by the
// target's mm, so other processes running the same binary never fire it. bpftrace 0.17 fired
// for every process (pid targeting came in 0.20); bpfq follows the later behaviour.
import type { AttachTarget } from '../../compiler/artifact.js';
import type { AttachContext, AttachableProgram, Attachment } from './attachment.js';
import { attachUprobeSite } from './uprobe-site.js';

type UprobeTarget = Extract<AttachTarget, { kind: 'uprobe' | 'uretprobe' }>;

export function attachUprobe(
  prog: AttachableProgram,
  target: UprobeTarget,
  ctx: AttachContext,
): Attachment {
  const offset = BigInt(target.fileOffset);
  return attachUprobeSite(prog, {
    path: target.path,
    offset,
    retprobe: target.kind === 'uretprobe',
    refCtrOffset: 0n,
    pid: ctx.pid,
    label: `${target.kind} ${target.path}+0x${offset.toString(16)}`,
  });
}
