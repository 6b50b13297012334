// What decoding one perf event yields, and what the decoder needs from the running process.
import type { MapArtifact } from '../../compiler/artifact.js';
import type { StackMode } from '../../compiler/types.js';
import type { OutputRecord } from './values.js';
import type { Symbolizer } from './symbolizer.js';

/**
 * Async action ids at the start of every event (a u64), as bpftrace 0.17's `AsyncAction`:
 * printf 0..9999, system 10000..19999, cat 20000..29999, then the fixed actions.
 */
export const ASYNC_ACTION = {
  printf: 0,
  system: 10000,
  cat: 20000,
  exit: 30000,
  print: 30001,
  clear: 30002,
  zero: 30003,
  time: 30004,
  join: 30005,
  helperError: 30006,
  printNonMap: 30007,
  strftime: 30008,
} as const;

/**
 * One decoded event. Records go to the output as they are; the others ask the runtime to
 * act (map operations happen when user space handles the event, as 0.17 does, so print
 * shows the map as it is now, not as it was when the probe fired).
 */
export type DecodedEvent =
  | { kind: 'output'; record: OutputRecord }
  /** exit(): detach, run END, print maps. */
  | { kind: 'exit' }
  /** print(@m, top, div): read the map now, decodeMap it and emit a `map` record. */
  | { kind: 'print_map'; map: MapArtifact; top: number; div: number }
  /** clear(@m): delete every key. zero(@m): set every value to zero, keep the keys. */
  | { kind: 'clear' | 'zero'; map: MapArtifact }
  /** system(): run the command (only with --unsafe) and emit its stdout as a `syscall` record. */
  | { kind: 'system'; command: string }
  /** cat(): read the file and emit its contents as a `cat` record. */
  | { kind: 'cat'; path: string }
  /**
   * A helper failed (-k/-kk): `errorId` names the call site in code generation's table, which
   * knows the helper and source position to build a `helper_error` record from.
   */
  | { kind: 'helper_error'; errorId: number; retcode: number };

/** A kernel stack type as carried in the value: which stack map and how to print it. */
export interface StackRef {
  user: boolean;
  limit: number;
  mode: StackMode;
}

/** What decoding needs from the live system. Only symbolizer and readStack are required. */
export interface DecodeContext {
  symbolizer: Symbolizer;
  /**
   * The instruction pointers of stack `stackId` from the stack map that holds stacks of this
   * type (kstack/ustack with this limit and mode), innermost first; undefined when missing
   * (a negative id or a hash collision lost it).
   */
  readStack(stack: StackRef, stackId: number): bigint[] | undefined;
  /** Wall-clock time of a `nsecs` timestamp, in ns since the epoch. Default: from the process' monotonic clock. */
  wallClockNs?(monotonicNs: bigint): bigint;
  /** The time time() prints. Default: now. */
  now?(): Date;
  /** User name of a uid (`username`). Default: from /etc/passwd, else the decimal uid. */
  userName?(uid: number): string | undefined;
  /** cgroup_path(id) text. Default: searched in the mounted cgroup hierarchies. */
  cgroupPath?(id: bigint): string;
}

/** One entry as read from a map: the key bytes and the value bytes of each CPU (one for non-per-CPU maps). */
export interface RawMapEntry {
  key: Uint8Array;
  perCpuValues: Uint8Array[];
}
