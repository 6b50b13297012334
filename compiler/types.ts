// bpftrace's sized types (0.17 `SizedType`): what every value is, how many bytes it takes in
// a map key, map value or event, and how user space renders it. Shared by the type passes,
// code generation (layout) and the worker's decoder (worker/output). JSON-serialisable.

export type IntSize = 1 | 2 | 4 | 8;
export type StackMode = 'bpftrace' | 'perf' | 'raw';

export type SizedType =
  | { kind: 'none' }
  | { kind: 'int'; size: IntSize; signed: boolean }
  /** Fixed-size, NUL-padded bytes (`comm` 16, `str()` BPFTRACE_STRLEN, literals len+1). */
  | { kind: 'string'; size: number }
  /** `buf(p, n)`: a u8 length then `size` bytes. Printed with %r, %rx, %rh. */
  | { kind: 'buffer'; size: number }
  /** Fields at natural alignment (C struct rules); `offsets[i]` is field i's byte offset. */
  | { kind: 'tuple'; fields: SizedType[]; offsets: number[]; size: number }
  /** 8 bytes: kstack = stack id; ustack = stack id (low 32) | pid (high 32). */
  | { kind: 'kstack' | 'ustack'; limit: number; mode: StackMode }
  /** `ksym(addr)`: 8 bytes address. `usym(addr)`: 16 bytes, address then pid. */
  | { kind: 'ksym' }
  | { kind: 'usym' }
  /** `ntop`: 4-byte af (padded to 8) then 16 address bytes: 24 bytes. */
  | { kind: 'inet' }
  /** `username`: 8 bytes uid, resolved from /etc/passwd in user space. */
  | { kind: 'username' }
  /** `probe`: 8 bytes probe index, resolved to the probe name in user space. */
  | { kind: 'probe' }
  /** `strftime(fmt, ns)`: 8 bytes format id then 8 bytes boot-clock ns. */
  | { kind: 'timestamp' }
  /** `strerror(n)`: 8 bytes errno. */
  | { kind: 'strerror' }
  /** `cgroup_path(id)`: 8 bytes cgroup id (and 8 bytes filter id). */
  | { kind: 'cgroup_path' }
  /** `macaddr(p)`: 6 bytes. */
  | { kind: 'mac_address' }
  /** A pointer: 8 bytes. Kernel or user address space. Printed as a decimal number. */
  | { kind: 'pointer'; target: SizedType; space: AddressSpace }
  /** A struct or union by value (from BTF, a tracepoint format or a C definition). */
  | { kind: 'record'; name: string; size: number; fields: RecordField[] }
  | { kind: 'array'; elem: SizedType; count: number; size: number }
  /** Aggregation values (map values only). */
  | { kind: 'count' | 'sum' | 'min' | 'max' | 'avg' | 'stats'; signed: boolean }
  | { kind: 'hist' }
  | { kind: 'lhist'; min: number; max: number; step: number };

export type AddressSpace = 'kernel' | 'user' | 'none';

export interface RecordField {
  name: string;
  offset: number;
  type: SizedType;
  bitOffset?: number;
  bitSize?: number;
}

export const uint64: SizedType = { kind: 'int', size: 8, signed: false };
export const int64: SizedType = { kind: 'int', size: 8, signed: true };

/** Bytes a value of this type takes in a map key, map value or event (0.17 layout). */
export function sizeOf(t: SizedType): number {
  switch (t.kind) {
    case 'none':
      return 0;
    case 'int':
      return t.size;
    case 'string':
      return t.size;
    case 'buffer':
      return t.size + 1;
    case 'tuple':
    case 'record':
    case 'array':
      return t.size;
    case 'usym':
    case 'timestamp':
    case 'cgroup_path':
      return 16;
    case 'inet':
      return 24;
    case 'mac_address':
      return 6;
    case 'kstack':
    case 'ustack':
    case 'ksym':
    case 'username':
    case 'probe':
    case 'strerror':
    case 'pointer':
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
    case 'avg':
    case 'stats':
    case 'hist':
    case 'lhist':
      return 8;
  }
}

export function isAggregate(t: SizedType): boolean {
  switch (t.kind) {
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
    case 'avg':
    case 'stats':
    case 'hist':
    case 'lhist':
      return true;
    default:
      return false;
  }
}
