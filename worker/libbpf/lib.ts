// The one place that imports koffi: typed bindings to libbpf.so.1 (libbpf 1.1 ABI) and the few
// libc calls libbpf has no function for (perf_event_open, its ioctls, close, epoll_wait, and
// bpf(BPF_LINK_CREATE) for uprobe_multi links, which libbpf 1.1 predates).
// Everything is loaded on first use, so `bpfq -d` and `--help` never pay for it.
//
// libbpf 1.x returns -errno from its low-level bpf_* calls (libbpf_err), and NULL with errno set
// from constructors such as perf_buffer__new; the libc calls return -1 with errno set.
import koffi, { type LibraryHandle } from 'koffi';

/** A native pointer as koffi 3 passes it around. */
export type Pointer = bigint;
/** Memory koffi hands to native code as `void *`: the Buffer's bytes, not a copy. */
export type Bytes = Buffer | null;

// koffi's function objects are untyped (`(...args: any[]) => any`); each binding below is cast
// to the exact C signature once, here, so the rest of the runtime is fully typed.
export interface LibBpf {
  bpf_map_create(
    type: number,
    name: string | null,
    keySize: number,
    valueSize: number,
    maxEntries: number,
    opts: Bytes,
  ): number;
  bpf_prog_load(
    type: number,
    name: string | null,
    license: string,
    insns: Buffer,
    insnCount: number,
    opts: Bytes,
  ): number;
  bpf_map_lookup_elem(fd: number, key: Bytes, value: Buffer): number;
  bpf_map_update_elem(fd: number, key: Bytes, value: Buffer, flags: bigint): number;
  bpf_map_delete_elem(fd: number, key: Bytes): number;
  bpf_map_get_next_key(fd: number, key: Bytes, next: Buffer): number;
  bpf_prog_test_run_opts(fd: number, opts: Buffer): number;
  bpf_raw_tracepoint_open(name: string, progFd: number): number;
  bpf_link_create(progFd: number, targetFd: number, attachType: number, opts: Bytes): number;
  bpf_link_detach(linkFd: number): number;
  bpf_obj_get_info_by_fd(fd: number, info: Buffer, len: Buffer): number;
  libbpf_num_possible_cpus(): number;
  libbpf_probe_bpf_prog_type(type: number, opts: Bytes): number;
  libbpf_probe_bpf_map_type(type: number, opts: Bytes): number;
  libbpf_probe_bpf_helper(progType: number, helper: number, opts: Bytes): number;
  perf_buffer__new(
    mapFd: number,
    pageCount: number,
    sample: Pointer,
    lost: Pointer,
    ctx: Pointer | null,
    opts: Bytes,
  ): Pointer | null;
  perf_buffer__free(pb: Pointer): void;
  perf_buffer__epoll_fd(pb: Pointer): number;
  perf_buffer__poll(pb: Pointer, timeoutMs: number): number;
  perf_buffer__consume(pb: Pointer): number;
  ring_buffer__new(
    mapFd: number,
    sample: Pointer,
    ctx: Pointer | null,
    opts: Bytes,
  ): Pointer | null;
  ring_buffer__free(rb: Pointer): void;
  ring_buffer__epoll_fd(rb: Pointer): number;
  ring_buffer__poll(rb: Pointer, timeoutMs: number): number;
  ring_buffer__consume(rb: Pointer): number;
}

export interface LibC {
  /** perf_event_open(2) through syscall(2): glibc has no wrapper. */
  perfEventOpen(attr: Buffer, pid: number, cpu: number, groupFd: number, flags: number): number;
  /** bpf(2) through syscall(2), for the commands libbpf 1.1 cannot issue. -1 and errno on error. */
  bpf(cmd: number, attr: Buffer, size: number): number;
  /** ioctl(fd, request, int arg). */
  ioctl(fd: number, request: number, arg: number): number;
  close(fd: number): number;
  /** close(2) on libuv's thread pool: closing a perf event can wait for an RCU grace period. */
  closeAsync(fd: number): Promise<number>;
  /** Async epoll_wait on libuv's thread pool, so waiting never blocks the event loop. */
  epollWaitAsync(
    epfd: number,
    events: Buffer,
    maxEvents: number,
    timeoutMs: number,
  ): Promise<number>;
  errno(): number;
}

export interface Callbacks {
  /** `void (*)(void *ctx, int cpu, void *data, __u32 size)` */
  perfSample(fn: (ctx: Pointer | null, cpu: number, data: Pointer, size: number) => void): Pointer;
  /** `void (*)(void *ctx, int cpu, __u64 cnt)` */
  perfLost(fn: (ctx: Pointer | null, cpu: number, count: bigint | number) => void): Pointer;
  /** `int (*)(void *ctx, void *data, size_t size)` */
  ringSample(fn: (ctx: Pointer | null, data: Pointer, size: bigint | number) => number): Pointer;
  unregister(cb: Pointer): void;
  /** A copy of `size` bytes at `ptr` (perf and ring buffer memory is reused after the callback). */
  copy(ptr: Pointer, size: number): Buffer;
}

const SYS_perf_event_open = 298; // x86_64 (asm/unistd_64.h)
const SYS_bpf = 321;

let libbpf: LibBpf | undefined;
let libc: LibC | undefined;
let callbacks: Callbacks | undefined;

function bind<T>(lib: LibraryHandle, decls: Record<keyof T, string>): T {
  const out: Record<string, unknown> = {};
  for (const [name, decl] of Object.entries(decls)) {
    out[name] = lib.func(decl as string);
  }
  return out as T;
}

// koffi resolves type names globally; callback types are declared once per process.
let protosDeclared = false;
function declareProtos(): void {
  if (protosDeclared) return;
  koffi.proto('void bpfq_perf_sample_fn(void *ctx, int cpu, void *data, uint32_t size)');
  koffi.proto('void bpfq_perf_lost_fn(void *ctx, int cpu, uint64_t cnt)');
  koffi.proto('int bpfq_ring_sample_fn(void *ctx, void *data, size_t size)');
  protosDeclared = true;
}

export function libBpf(): LibBpf {
  if (libbpf) return libbpf;
  declareProtos();
  const lib = koffi.load('libbpf.so.1');
  libbpf = bind<LibBpf>(lib, {
    bpf_map_create:
      'int bpf_map_create(int type, const char *name, uint32_t key_size, uint32_t value_size, uint32_t max_entries, const void *opts)',
    bpf_prog_load:
      'int bpf_prog_load(int type, const char *name, const char *license, const void *insns, size_t insn_cnt, void *opts)',
    bpf_map_lookup_elem: 'int bpf_map_lookup_elem(int fd, const void *key, void *value)',
    bpf_map_update_elem:
      'int bpf_map_update_elem(int fd, const void *key, const void *value, uint64_t flags)',
    bpf_map_delete_elem: 'int bpf_map_delete_elem(int fd, const void *key)',
    bpf_map_get_next_key: 'int bpf_map_get_next_key(int fd, const void *key, void *next_key)',
    bpf_prog_test_run_opts: 'int bpf_prog_test_run_opts(int prog_fd, void *opts)',
    bpf_raw_tracepoint_open: 'int bpf_raw_tracepoint_open(const char *name, int prog_fd)',
    bpf_link_create:
      'int bpf_link_create(int prog_fd, int target_fd, int attach_type, const void *opts)',
    bpf_link_detach: 'int bpf_link_detach(int link_fd)',
    bpf_obj_get_info_by_fd: 'int bpf_obj_get_info_by_fd(int fd, void *info, void *info_len)',
    libbpf_num_possible_cpus: 'int libbpf_num_possible_cpus(void)',
    libbpf_probe_bpf_prog_type: 'int libbpf_probe_bpf_prog_type(int type, const void *opts)',
    libbpf_probe_bpf_map_type: 'int libbpf_probe_bpf_map_type(int type, const void *opts)',
    libbpf_probe_bpf_helper:
      'int libbpf_probe_bpf_helper(int prog_type, int helper_id, const void *opts)',
    perf_buffer__new:
      'void *perf_buffer__new(int map_fd, size_t page_cnt, bpfq_perf_sample_fn *sample_cb, bpfq_perf_lost_fn *lost_cb, void *ctx, const void *opts)',
    perf_buffer__free: 'void perf_buffer__free(void *pb)',
    perf_buffer__epoll_fd: 'int perf_buffer__epoll_fd(void *pb)',
    perf_buffer__poll: 'int perf_buffer__poll(void *pb, int timeout_ms)',
    perf_buffer__consume: 'int perf_buffer__consume(void *pb)',
    ring_buffer__new:
      'void *ring_buffer__new(int map_fd, bpfq_ring_sample_fn *sample_cb, void *ctx, const void *opts)',
    ring_buffer__free: 'void ring_buffer__free(void *rb)',
    ring_buffer__epoll_fd: 'int ring_buffer__epoll_fd(void *rb)',
    ring_buffer__poll: 'int ring_buffer__poll(void *rb, int timeout_ms)',
    ring_buffer__consume: 'int ring_buffer__consume(void *rb)',
  });
  return libbpf;
}

// koffi runs async calls on libuv's thread pool (4 threads by default) and refuses more than
// a fixed number in flight; more than the pool cannot run at once anyway.
const MAX_ASYNC = 8;
let asyncInFlight = 0;
const asyncWaiting: (() => void)[] = [];

async function limitAsync<T>(run: () => Promise<T>, fallback: () => T): Promise<T> {
  if (asyncInFlight >= MAX_ASYNC) await new Promise<void>((resolve) => asyncWaiting.push(resolve));
  asyncInFlight++;
  try {
    return await run();
  } catch {
    return fallback();
  } finally {
    asyncInFlight--;
    asyncWaiting.shift()?.();
  }
}

export function libC(): LibC {
  if (libc) return libc;
  const lib = koffi.load('libc.so.6');
  const syscall = lib.func('long syscall(long number, ...)');
  const ioctl = lib.func('int ioctl(int fd, unsigned long request, ...)');
  const close = lib.func('int close(int fd)');
  const epollWait = lib.func('int epoll_wait(int epfd, void *events, int maxevents, int timeout)');
  libc = {
    perfEventOpen: (attr, pid, cpu, groupFd, flags) =>
      Number(
        syscall(
          SYS_perf_event_open,
          'void *',
          attr,
          'int',
          pid,
          'int',
          cpu,
          'int',
          groupFd,
          'unsigned long',
          flags,
        ),
      ),
    bpf: (cmd, attr, size) =>
      Number(syscall(SYS_bpf, 'int', cmd, 'void *', attr, 'unsigned int', size)),
    ioctl: (fd, request, arg) => ioctl(fd, request, 'int', arg) as number,
    close: (fd) => close(fd) as number,
    closeAsync: (fd) =>
      limitAsync(
        () =>
          new Promise<number>((resolve) => {
            close.async(fd, (err: unknown, rc: number) => resolve(err ? -1 : rc));
          }),
        // koffi refuses new async calls past its limit; a close must happen regardless.
        () => close(fd) as number,
      ),
    epollWaitAsync: (epfd, events, maxEvents, timeoutMs) =>
      new Promise((resolve, reject) => {
        epollWait.async(epfd, events, maxEvents, timeoutMs, (err: unknown, n: number) => {
          if (err) reject(err instanceof Error ? err : new Error(String(err)));
          else resolve(n);
        });
      }),
    errno: () => koffi.errno(),
  };
  return libc;
}

export function nativeCallbacks(): Callbacks {
  if (callbacks) return callbacks;
  declareProtos();
  const memcpy = koffi.load('libc.so.6').func('void *memcpy(void *dst, const void *src, size_t n)');
  callbacks = {
    perfSample: (fn) => koffi.register(fn, 'bpfq_perf_sample_fn *'),
    perfLost: (fn) => koffi.register(fn, 'bpfq_perf_lost_fn *'),
    ringSample: (fn) => koffi.register(fn, 'bpfq_ring_sample_fn *'),
    unregister: (cb) => koffi.unregister(cb),
    // memcpy into a fresh Buffer: about 8x cheaper per event than wrapping the memory in a
    // koffi.view ArrayBuffer and copying out of it (this runs once per perf event).
    copy: (ptr, size) => {
      const out = Buffer.allocUnsafe(size);
      memcpy(out, ptr, size);
      return out;
    },
  };
  return callbacks;
}
