// The compiler's only output and the worker's only input: a versioned, JSON-serialisable
// description of everything to create, load, attach and decode. `bpfq -d` prints it; the job
// service may store it. Bump ARTIFACT_VERSION on any incompatible change.
import type { SizedType } from './types.js';

export const ARTIFACT_VERSION = 1;

export type ProgType = 'tracepoint' | 'raw_tracepoint' | 'perf_event' | 'kprobe' | 'tracing';

/** Where one program attaches. One program per expanded attach point, as bpftrace 0.17. */
export type AttachTarget =
  | { kind: 'begin' }
  | { kind: 'end' }
  | { kind: 'tracepoint'; category: string; event: string }
  | { kind: 'rawtracepoint'; event: string }
  | { kind: 'kprobe' | 'kretprobe'; func: string; offset: number }
  | { kind: 'kfunc' | 'kretfunc'; func: string }
  | {
      kind: 'uprobe' | 'uretprobe';
      path: string;
      /** Symbol name when attached by name, for messages and `func`. */
      func?: string;
      /** File offset to attach at. */
      fileOffset: string;
    }
  | {
      kind: 'usdt';
      path: string;
      provider: string;
      name: string;
      fileOffset: string;
      /** 0 when the probe has no semaphore. */
      semaphoreOffset: string;
    }
  | {
      /** profile, interval, software and hardware: a perf event per CPU (or on the first). */
      kind: 'perf_event';
      probe: 'profile' | 'interval' | 'software' | 'hardware';
      /** PERF_TYPE_* */
      type: number;
      /** PERF_COUNT_* */
      config: number;
      /** Exactly one of frequency (Hz) and period (events or ns) is set. */
      frequency?: number;
      period?: number;
      cpus: 'all' | 'first';
    }
  | { kind: 'watchpoint'; address: string; length: number; mode: string };

export interface SourceSpan {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** A position rather than a range (the end of the input after blanks): no `~` under it. */
  empty?: boolean;
}

export interface ProgramArtifact {
  /** The full probe name (`tracepoint:syscalls:sys_enter_read`); the `probe` builtin's value. */
  name: string;
  progType: ProgType;
  attach: AttachTarget;
  /** Encoded instructions, 8 bytes each (lddw takes two), base64. */
  insns: string;
  /** ld_imm64 slots to patch with a map fd (BPF_PSEUDO_MAP_FD), by raw slot index. */
  mapRelocations: { insn: number; map: string }[];
  /** sourceMap[slot] is an index into `spans` (or -1), so a verifier error finds its line. */
  sourceMap: number[];
  spans: SourceSpan[];
}

export type MapKernelType =
  | 'hash'
  | 'percpu_hash'
  | 'array'
  | 'percpu_array'
  | 'perf_event_array'
  | 'ringbuf'
  | 'stack_trace';

export interface MapArtifact {
  /** Name in the script (`@`, `@lat`), or an internal name for internal maps. */
  name: string;
  /** Name given to the kernel (`AT_lat`, truncated to 15 characters by the kernel). */
  kernelName: string;
  role: 'user' | 'events' | 'stack' | 'scratch' | 'elapsed' | 'internal';
  type: MapKernelType;
  /**
   * User maps (bpftrace 0.17's layout): the key parts packed without padding (integers as
   * 8 bytes); a scalar map's key is a u64 0 (a u32 0 for keyless count, a PERCPU_ARRAY);
   * hist/lhist append a u64 bucket index and avg/stats a u64 index (0 = count, 1 = total),
   * keyless ones have only that index.
   */
  keySize: number;
  /**
   * Aggregations hold a u64 per CPU, except min/max: {i64 value; u64 is_set} (16 bytes,
   * bpfq's fix of 0.17, so CPUs without a value are skipped and negatives are kept).
   */
  valueSize: number;
  maxEntries: number;
  flags: number;
  /** User maps: the key parts (empty for a scalar map) and the value type. */
  key?: SizedType[];
  value?: SizedType;
}

/** printf, system and cat share this: a format string and its arguments in the event. */
export interface FormatSpec {
  format: string;
  args: { type: SizedType; offset: number }[];
  /** Event payload size in bytes, action id included. */
  size: number;
}

export interface Artifact {
  format: 'bpfq-artifact';
  version: typeof ARTIFACT_VERSION;
  source: { name: string; text: string };
  /** The number bpftrace prints in `Attaching N probes...` (BEGIN and END included). */
  probeCount: number;
  programs: ProgramArtifact[];
  maps: MapArtifact[];
  /**
   * Async action tables, indexed by the id in the event (printf 0.., system 10000.., cat 20000..).
   * Every event starts with a u64 action id (0.17's AsyncAction): printf/system/cat put their
   * arguments at FormatSpec offsets; exit 30000 {id}; print 30001 {id; u32 map index in `maps`;
   * u32 top; u32 div}; clear 30002 / zero 30003 {id; u32 map index}; time 30004 {id; u32 time
   * id}; join 30005 {id; u64 join id; argCount strings of argSize}; print_non_map 30007
   * {id; u64 printValue id; the value}.
   */
  printf: FormatSpec[];
  system: FormatSpec[];
  cat: FormatSpec[];
  /** `time(fmt)` formats by time id; `strftime` formats by id; `join` separators by id. */
  time: string[];
  strftime: string[];
  join: { separator: string; argSize: number; argCount: number }[];
  /** `print(value)` of a non-map value: the type of each print site by id. */
  printValue: SizedType[];
  /** Probe names by probe index, for the `probe` builtin. */
  probeNames: string[];
  /** What the run needs: `--unsafe` for system(), a -c child for cpid, ... */
  needs: { unsafe: boolean; cpid: boolean; elapsed: boolean };
  config: { strlen: number; mapKeysMax: number; perfRbPages: number };
}
