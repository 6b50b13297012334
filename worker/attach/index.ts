// Attaches one program by its target kind. Each kind lives in its own file, loaded the first
// time a program of that kind attaches (start-up time counts: most scripts use one or two).
import { assertNever } from '../../compiler/debug.js';
import type { AttachContext, AttachableProgram, Attachment } from './attachment.js';
import { checkKprobeSupport } from './kprobe.js';

export type { AttachContext, AttachableProgram, Attachment } from './attachment.js';

/** Attaches; BEGIN and END are never attached (they are test-run). */
export async function attachProgram(
  prog: AttachableProgram,
  ctx: AttachContext,
): Promise<Attachment> {
  const t = prog.attach;
  switch (t.kind) {
    case 'begin':
    case 'end':
      throw new Error(`${prog.name} is run, not attached`);
    case 'tracepoint':
      return (await import('./tracepoint.js')).attachTracepoint(prog, t.category, t.event);
    case 'rawtracepoint':
      return (await import('./rawtracepoint.js')).attachRawTracepoint(prog, t.event);
    case 'perf_event':
      return (await import('./perf-event.js')).attachPerfEvent(prog, t);
    case 'uprobe':
    case 'uretprobe':
      return (await import('./uprobe.js')).attachUprobe(prog, t, ctx);
    case 'usdt':
      return (await import('./usdt.js')).attachUsdt(prog, t, ctx);
    case 'watchpoint':
      return (await import('./watchpoint.js')).attachWatchpoint(prog, t, ctx);
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
