// A probe could not be attached. bpftrace 0.17 prints `ERROR: Error attaching probe: 'NAME'`
// and exits 255; the cause (errno, missing kernel support) is kept for -v and the service.
export class AttachError extends Error {
  constructor(
    /** The full probe name, `kprobe:vfs_read`. */
    readonly probe: string,
    readonly reason: string,
    override readonly cause?: unknown,
  ) {
    super(`Error attaching probe: '${probe}': ${reason}`);
    this.name = 'AttachError';
  }
}
