// usdt:BINARY:PROVIDER:NAME — a uprobe at the probe site; when the probe has a semaphore, the
// kernel increments it while attached (ref_ctr_offset), so `if (PROBE_ENABLED())` guarded
// probes fire.
import type { AttachTarget } from '../../compiler/artifact.js';
import type { AttachContext, AttachableProgram, Attachment } from './attachment.js';
import { perfAttachment } from './attachment.js';
import { openUprobe } from './uprobe-pmu.js';

type UsdtTarget = Extract<AttachTarget, { kind: 'usdt' }>;

export function attachUsdt(
  prog: AttachableProgram,
  target: UsdtTarget,
  ctx: AttachContext,
): Attachment {
  const offset = BigInt(target.fileOffset);
  const sem = BigInt(target.semaphoreOffset);
  const fd = openUprobe(prog.fd, {
    path: target.path,
    offset,
    retprobe: false,
    refCtrOffset: sem,
    pid: ctx.pid ?? -1,
    what: prog.name,
  });
  return perfAttachment(
    prog.name,
    [fd],
    [
      `usdt ${target.provider}:${target.name} ${target.path}+0x${offset.toString(16)}` +
        `${sem !== 0n ? ` semaphore 0x${sem.toString(16)}` : ''}: fd ${fd}`,
    ],
  );
}
