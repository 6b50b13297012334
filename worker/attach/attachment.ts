// What attaching a program leaves behind, and how to undo it.
import type { AttachTarget } from '../../compiler/artifact.js';
import { closeFd } from '../libbpf/program.js';
import { perfEventDisable } from '../libbpf/perf-event.js';
import { libC } from '../libbpf/lib.js';

export interface Attachment {
  /** The probe name (`tracepoint:syscalls:sys_enter_read`). */
  probe: string;
  /** What was opened, for -v: `perf_event fd 12 on cpu 0`, ... */
  details: string[];
  /** Undoes the attachment. Never rejects: teardown must reach everything. */
  detach(): Promise<void>;
}

export interface AttachContext {
  /** `-p`/`-c` pid: uprobes, USDT and watchpoints attach to this process only. */
  pid?: number;
  /** Prefix for relative probe paths; default none. */
  onLog?: (line: string) => void;
}

/** A loaded program ready to attach. */
export interface AttachableProgram {
  name: string;
  fd: number;
  attach: AttachTarget;
  /** The bpf_attach_type it was loaded for (uprobe_multi programs attach by link). Default 0. */
  expectedAttachType?: number;
}

/**
 * Perf event fds with the program attached: DISABLE each, newest first, then close them.
 * Closing the fd is what detaches (the kernel drops the program with the event); each close
 * waits for an RCU grace period (tens of ms per tracepoint here), so the closes run side by
 * side on the thread pool rather than one after another.
 */
export function perfAttachment(probe: string, fds: number[], details: string[]): Attachment {
  return {
    probe,
    details,
    async detach() {
      const open = fds.splice(0).reverse();
      for (const fd of open) perfEventDisable(fd);
      await Promise.all(open.map((fd) => libC().closeAsync(fd)));
    },
  };
}

/** BPF link fds: closing one detaches its program (no perf event to disable first). */
export function linkAttachment(probe: string, fds: number[], details: string[]): Attachment {
  return {
    probe,
    details,
    async detach() {
      await Promise.all(
        fds
          .splice(0)
          .reverse()
          .map((fd) => libC().closeAsync(fd)),
      );
    },
  };
}

/** Opens one perf event per item, closing those already opened when a later one fails. */
export function openAll<T>(items: T[], open: (item: T) => number): number[] {
  const fds: number[] = [];
  try {
    for (const item of items) fds.push(open(item));
    return fds;
  } catch (e) {
    for (const fd of fds.reverse()) closeFd(fd);
    throw e;
  }
}
