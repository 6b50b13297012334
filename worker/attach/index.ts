// Attaches one program by its target kind. Each kind lives in its own file.
import { assertNever } from '../../compiler/debug.js';
import type { AttachContext, AttachableProgram, Attachment } from './attachment.js';
import { attachTracepoint } from './tracepoint.js';
import { attachRawTracepoint } from './rawtracepoint.js';
import { attachPerfEvent } from './perf-event.js';
import { attachUprobe } from './uprobe.js';
import { attachUsdt } from './usdt.js';
import { attachWatchpoint } from './watchpoint.js';
import { checkKprobeSupport } from './kprobe.js';

export type { AttachContext, AttachableProgram, Attachment } from './attachment.js';

/** Attaches; BEGIN and END are never attached (they are test-run). */
export function attachProgram(prog: AttachableProgram, ctx: AttachContext): Attachment {
  const t = prog.attach;
  switch (t.kind) {
    case 'begin':
    case 'end':
      throw new Error(`${prog.name} is run, not attached`);
    case 'tracepoint':
      return attachTracepoint(prog, t.category, t.event);
    case 'rawtracepoint':
      return attachRawTracepoint(prog, t.event);
    case 'perf_event':
      return attachPerfEvent(prog, t);
    case 'uprobe':
    case 'uretprobe':
      return attachUprobe(prog, t, ctx);
    case 'usdt':
      return attachUsdt(prog, t, ctx);
    case 'watchpoint':
      return attachWatchpoint(prog, t, ctx);
    case 'kprobe':
    case 'kretprobe':
    case 'kfunc':
    case 'kretfunc':
      checkKprobeSupport(prog.name, t);
      throw new Error('unreachable: checkKprobeSupport throws');
    default:
      return assertNever(t);
  }
}
