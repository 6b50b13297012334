// Which kernel and which files a process sees: the kernel's boot id and the process's mount
// namespace. Two processes with the same view resolve the same tracepoints, BTF, kernel
// symbols and binaries, so the API may judge a job's probes for a node only when a worker of
// that node shares its view (`bpfq serve`, or `bpfq api` beside `bpfq worker` on one host).
import { readFileSync, readlinkSync } from 'node:fs';

/** `BOOT_ID mnt:[INODE]`, or undefined where /proc does not tell (then nothing matches it). */
export function hostView(): string | undefined {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return `${boot} ${readlinkSync('/proc/self/ns/mnt')}`;
  } catch {
    return undefined;
  }
}
