// rawtracepoint:EVENT — BPF_RAW_TRACEPOINT_OPEN gives an fd whose close detaches.
import { BpfError } from '../libbpf/errors.js';
import { libBpf, libC } from '../libbpf/lib.js';
import type { AttachableProgram, Attachment } from './attachment.js';

export function attachRawTracepoint(prog: AttachableProgram, event: string): Attachment {
  const fd = libBpf().bpf_raw_tracepoint_open(event, prog.fd);
  if (fd < 0) throw new BpfError('bpf(BPF_RAW_TRACEPOINT_OPEN)', -fd, event);
  let open = true;
  return {
    probe: prog.name,
    details: [`raw tracepoint ${event}: fd ${fd}`],
    async detach() {
      if (!open) return;
      open = false;
      await libC().closeAsync(fd);
    },
  };
}
