// usdt:BINARY:PROVIDER:NAME — a uprobe at the probe site; when the probe has a semaphore, the
// kernel increments it while attached (ref_ctr_offset), so `if (PROBE_ENABLED())` guarded
// probes fire.
import type { AttachTarget } from '../../compiler/artifact.js';
import type { AttachContext, AttachableProgram, Attachment } from './attachment.js';
import { attachUprobeSite } from './uprobe-site.js';

type UsdtTarget = Extract<AttachTarget, { kind: 'usdt' }>;

export function attachUsdt(
  prog: AttachableProgram,
  target: UsdtTarget,
  ctx: AttachContext,
): Attachment {
  const offset = BigInt(target.fileOffset);
  const sem = BigInt(target.semaphoreOffset);
  return attachUprobeSite(prog, {
    path: target.path,
    offset,
    retprobe: false,
    refCtrOffset: sem,
    pid: ctx.pid,
    label:
      `usdt ${target.provider}:${target.name} ${target.path}+0x${offset.toString(16)}` +
      `${sem !== 0n ? ` semaphore 0x${sem.toString(16)}` : ''}`,
  });
}
