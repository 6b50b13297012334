// Reading the events programs send to user space: a perf buffer over a PERF_EVENT_ARRAY map
// (what bpftrace 0.17 uses) or a BPF ring buffer. Waiting happens in epoll_wait on libuv's
// thread pool, and the records are consumed on the main thread, so a session never blocks
// the event loop (the job service keeps its Redis locks alive while tracing).
import { BpfError } from './errors.js';
import { libBpf, libC, nativeCallbacks, type Pointer } from './lib.js';

export interface EventReaderOptions {
  /** Pages per CPU for a perf buffer (a power of two); default 64 as bpftrace. */
  pages?: number;
  onSample(data: Buffer, cpu: number): void;
  onLost(count: number, cpu: number): void;
}

const EPOLL_EVENT_SIZE = 12; // struct epoll_event is packed on x86_64
const MAX_EPOLL_EVENTS = 64;

export class EventReader {
  private samples = 0;
  /** The first exception thrown by a callback, rethrown by consume(). */
  private failure: unknown;
  private freed = false;
  private readonly epfd: number;
  private readonly epollEvents = Buffer.alloc(EPOLL_EVENT_SIZE * MAX_EPOLL_EVENTS);
  private waiting: Promise<number> | undefined;

  private constructor(
    private readonly kind: 'perf' | 'ring',
    private readonly handle: Pointer,
    private readonly registered: Pointer[],
  ) {
    this.epfd =
      kind === 'perf'
        ? libBpf().perf_buffer__epoll_fd(handle)
        : libBpf().ring_buffer__epoll_fd(handle);
  }

  static open(mapFd: number, kind: 'perf' | 'ring', options: EventReaderOptions): EventReader {
    const cb = nativeCallbacks();
    const registered: Pointer[] = [];
    let reader: EventReader | undefined;
    const count = (): void => {
      if (reader) reader.samples++;
    };
    // An exception must not unwind through libbpf's C frames: keep the first one, skip the
    // rest of the batch, and rethrow it once consume() is back in JavaScript.
    const guard = (fn: () => void): void => {
      if (!reader || reader.failure !== undefined) return;
      try {
        fn();
      } catch (e) {
        reader.failure = e ?? new Error('event callback failed');
      }
    };
    try {
      if (kind === 'perf') {
        const sample = cb.perfSample((_ctx, cpu, data, size) => {
          count();
          guard(() => options.onSample(cb.copy(data, size), cpu));
        });
        registered.push(sample);
        const lost = cb.perfLost((_ctx, cpu, n) => guard(() => options.onLost(Number(n), cpu)));
        registered.push(lost);
        const pb = libBpf().perf_buffer__new(mapFd, options.pages ?? 64, sample, lost, null, null);
        if (pb === null || pb === 0n) throw new BpfError('perf_buffer__new', libC().errno());
        reader = new EventReader('perf', pb, registered);
      } else {
        const sample = cb.ringSample((_ctx, data, size) => {
          count();
          guard(() => options.onSample(cb.copy(data, Number(size)), -1));
          return 0;
        });
        registered.push(sample);
        const rb = libBpf().ring_buffer__new(mapFd, sample, null, null);
        if (rb === null || rb === 0n) throw new BpfError('ring_buffer__new', libC().errno());
        reader = new EventReader('ring', rb, registered);
      }
      return reader;
    } catch (e) {
      for (const r of registered) cb.unregister(r);
      throw e;
    }
  }

  /** Reads every record already in the buffers; returns how many were read. */
  consume(): number {
    if (this.freed) return 0;
    const before = this.samples;
    const rc =
      this.kind === 'perf'
        ? libBpf().perf_buffer__consume(this.handle)
        : libBpf().ring_buffer__consume(this.handle);
    if (this.failure !== undefined) {
      const e = this.failure;
      this.failure = undefined;
      throw e;
    }
    if (rc < 0 && rc !== -4) throw new BpfError(`${this.kind}_buffer__consume`, -rc);
    return this.samples - before;
  }

  /**
   * Waits up to `timeoutMs` for records, then reads them. Returns how many were read (0 when
   * the wait timed out), as bpftrace's 100 ms poll loop counts.
   */
  async poll(timeoutMs: number): Promise<number> {
    if (this.freed) return 0;
    this.waiting = libC().epollWaitAsync(this.epfd, this.epollEvents, MAX_EPOLL_EVENTS, timeoutMs);
    let ready: number;
    try {
      ready = await this.waiting;
    } finally {
      this.waiting = undefined;
    }
    if (ready < 0) {
      const errno = libC().errno();
      if (errno !== 4) throw new BpfError('epoll_wait', errno); // EINTR: just poll again
    }
    return this.consume();
  }

  /** Frees the buffers once any wait in flight has returned (it holds the epoll fd). */
  async close(): Promise<void> {
    if (this.freed) return;
    if (this.waiting) await this.waiting.catch(() => 0);
    this.freed = true;
    if (this.kind === 'perf') libBpf().perf_buffer__free(this.handle);
    else libBpf().ring_buffer__free(this.handle);
    const cb = nativeCallbacks();
    for (const r of this.registered) cb.unregister(r);
  }
}
