// Byte layouts shared by the kernel side and user space: which types live in a register and
// which in memory, how event payloads (printf arguments) are laid out, and map key/value
// sizes as bpftrace 0.17 lays them out (BPFTRACE-REFERENCE.md §4.2-4.8).
import { sizeOf, type SizedType } from '../types.js';

/** Values of these types are 64-bit scalars held in a register; everything else is bytes in memory. */
export function isScalar(t: SizedType): boolean {
  switch (t.kind) {
    case 'int':
    case 'pointer':
    case 'ksym':
    case 'username':
    case 'probe':
    case 'strerror':
    case 'kstack':
    case 'ustack':
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
    case 'avg':
    case 'stats':
    case 'none':
      return true;
    default:
      return false;
  }
}

/** Natural alignment (C rules) of a value of this type inside an event or tuple. */
export function alignOf(t: SizedType): number {
  switch (t.kind) {
    case 'int':
      return t.size;
    case 'string':
    case 'buffer':
    case 'mac_address':
      return 1;
    case 'array':
      return alignOf(t.elem);
    case 'tuple':
      return t.fields.reduce((a, f) => Math.max(a, alignOf(f)), 1);
    case 'record':
      return t.fields.reduce((a, f) => Math.max(a, alignOf(f.type)), 1);
    case 'none':
      return 1;
    default:
      return 8;
  }
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/**
 * An event: a u64 action id, then the arguments as an unpacked C struct (0.17 builds an LLVM
 * struct the same way). Integers are widened to 8 bytes as 0.17 does for printf. Returns the
 * argument types as stored, their offsets and the total size (rounded to 8).
 */
export function eventLayout(args: readonly SizedType[]): {
  types: SizedType[];
  offsets: number[];
  size: number;
} {
  let off = 8;
  const types: SizedType[] = [];
  const offsets: number[] = [];
  for (const a of args) {
    const t: SizedType = a.kind === 'int' ? { kind: 'int', size: 8, signed: a.signed } : a;
    off = alignUp(off, alignOf(t));
    types.push(t);
    offsets.push(off);
    off += sizeOf(t);
  }
  return { types, offsets, size: alignUp(off, 8) };
}

/** Byte offsets of a map's key parts (packed, no padding, 0.17 getMultiMapKey) and the user key size. */
export function keyLayout(parts: readonly SizedType[]): { offsets: number[]; size: number } {
  let off = 0;
  const offsets = parts.map((p) => {
    const at = off;
    off += sizeOf(p);
    return at;
  });
  return { offsets, size: off };
}
