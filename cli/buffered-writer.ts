// Output for `bpfq run`: records are rendered one by one as events arrive (thousands a second
// under load), so writes are gathered and flushed once per turn of the event loop (or every
// 64 KiB) instead of one write(2) per line. Writes stay synchronous, in order, and complete.
import { writeSync } from 'node:fs';

const FLUSH_BYTES = 1 << 16;

export class BufferedWriter {
  private parts: string[] = [];
  private size = 0;
  private scheduled = false;
  private failed = false;

  /** `onError` gets the first write error (EPIPE when the reader went away); later writes are dropped. */
  constructor(
    private readonly fd: number,
    private readonly onError: (e: NodeJS.ErrnoException) => void,
  ) {}

  write(text: string): void {
    if (this.failed) return;
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= FLUSH_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  flush(): void {
    if (this.failed || this.parts.length === 0) return;
    const data = Buffer.from(this.parts.join(''), 'utf8');
    this.parts = [];
    this.size = 0;
    let off = 0;
    while (off < data.length) {
      try {
        off += writeSync(this.fd, data, off);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code === 'EAGAIN') {
          // A non-blocking pipe is full: give the reader a moment.
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
          continue;
        }
        this.failed = true;
        this.onError(err);
        return;
      }
    }
  }
}
