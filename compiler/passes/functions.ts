// The functions of bpftrace 0.17: how many arguments each takes, whether it is an
// aggregation (only as a map's value), an action with no value (only as a statement), or a
// value, and whether it needs --unsafe. One table read by resolve types and check types.

export type FunctionKind = 'aggregate' | 'action' | 'value';

export interface FunctionSpec {
  kind: FunctionKind;
  min: number;
  /** Infinity for printf-like functions. */
  max: number;
  unsafe?: boolean;
}

const spec = (kind: FunctionKind, min: number, max = min, unsafe = false): FunctionSpec =>
  unsafe ? { kind, min, max, unsafe } : { kind, min, max };

export const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map([
  // aggregations
  ['count', spec('aggregate', 0)],
  ['sum', spec('aggregate', 1)],
  ['min', spec('aggregate', 1)],
  ['max', spec('aggregate', 1)],
  ['avg', spec('aggregate', 1)],
  ['stats', spec('aggregate', 1)],
  ['hist', spec('aggregate', 1)],
  ['lhist', spec('aggregate', 4)],
  // actions (async or map operations)
  ['printf', spec('action', 1, Infinity)],
  ['system', spec('action', 1, Infinity, true)],
  ['cat', spec('action', 1, Infinity)],
  ['debugf', spec('action', 1, Infinity)],
  ['exit', spec('action', 0)],
  ['print', spec('action', 1, 3)],
  ['clear', spec('action', 1)],
  ['zero', spec('action', 1)],
  ['delete', spec('action', 1)],
  ['time', spec('action', 0, 1)],
  ['join', spec('action', 1, 2)],
  ['signal', spec('action', 1, 1, true)],
  ['override', spec('action', 1, 1, true)],
  ['unwatch', spec('action', 1)],
  // values
  ['str', spec('value', 1, 2)],
  ['buf', spec('value', 1, 2)],
  ['ksym', spec('value', 1)],
  ['usym', spec('value', 1)],
  ['kaddr', spec('value', 1)],
  ['uaddr', spec('value', 1)],
  ['reg', spec('value', 1)],
  ['ntop', spec('value', 1, 2)],
  ['pton', spec('value', 1)],
  ['cgroupid', spec('value', 1)],
  ['strncmp', spec('value', 3)],
  ['strcontains', spec('value', 2)],
  ['strftime', spec('value', 2)],
  ['path', spec('value', 1)],
  ['uptr', spec('value', 1)],
  ['kptr', spec('value', 1)],
  ['macaddr', spec('value', 1)],
  ['cgroup_path', spec('value', 1, 2)],
  ['bswap', spec('value', 1)],
  ['skboutput', spec('value', 4)],
  ['strerror', spec('value', 1)],
  ['kstack', spec('value', 0, 2)],
  ['ustack', spec('value', 0, 2)],
]);

/** 0.17's default stack depth (frames) for kstack/ustack. */
export const DEFAULT_STACK_LIMIT = 127;
/** The largest limit bpftrace accepts for kstack(N)/ustack(N). */
export const MAX_STACK_LIMIT = 1024;
