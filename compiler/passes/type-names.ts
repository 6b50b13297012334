// How types read in messages (bpftrace 0.17's spelling: `unsigned int64`, `string[16]`,
// `struct task_struct *`, `(int64,string[2])`) and which types may share a map or variable.
import { assertNever } from '../debug.js';
import type { SizedType } from '../types.js';
import { int64, sizeOf, uint64 } from '../types.js';

export function typeStr(t: SizedType): string {
  switch (t.kind) {
    case 'none':
      return 'none';
    case 'int':
      return `${t.signed ? '' : 'unsigned '}int${t.size * 8}`;
    case 'string':
      return `string[${t.size}]`;
    case 'buffer':
      // 0.17 counts the length byte in the size it shows.
      return `buffer[${t.size + 1}]`;
    case 'tuple':
      return `(${t.fields.map(typeStr).join(',')})`;
    case 'pointer':
      return t.target.kind === 'none' ? 'void *' : `${typeStr(t.target)} *`;
    case 'record':
      return t.name;
    case 'array':
      return `${typeStr(t.elem)}[${t.count}]`;
    case 'kstack':
    case 'ustack':
    case 'ksym':
    case 'usym':
    case 'inet':
    case 'username':
    case 'probe':
    case 'timestamp':
    case 'strerror':
    case 'cgroup_path':
    case 'mac_address':
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
    case 'avg':
    case 'stats':
    case 'hist':
    case 'lhist':
      return t.kind;
    default:
      return assertNever(t, 'type');
  }
}

/** The coarse names bpftrace uses in printf and ternary messages (`integer`, `string`). */
export function kindStr(t: SizedType): string {
  switch (t.kind) {
    case 'int':
      return 'integer';
    case 'pointer':
      return 'pointer';
    case 'record':
      return 'record';
    case 'none':
      return 'none';
    default:
      return t.kind;
  }
}

export function isInt(t: SizedType | undefined): t is SizedType & { kind: 'int' } {
  return t?.kind === 'int';
}

/** Integers and pointers: what arithmetic and conditions accept. */
export function isIntLike(t: SizedType | undefined): boolean {
  return t?.kind === 'int' || t?.kind === 'pointer';
}

/**
 * Whether a value of type `b` may be stored where `a` is stored (map values, map keys,
 * variables). Integers of any size mix (they are 8 bytes in maps), strings of any length
 * mix (the slot takes the larger), stacks of any limit mix; tuples element-wise.
 */
export function compatible(a: SizedType, b: SizedType): boolean {
  // 0.17 keeps pointers and integers apart even though both take 8 bytes.
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'tuple':
      return (
        b.kind === 'tuple' &&
        a.fields.length === b.fields.length &&
        a.fields.every((f, i) => {
          const g = b.fields[i];
          return g !== undefined && compatible(f, g);
        })
      );
    case 'record':
      return b.kind === 'record' && a.name === b.name;
    case 'array':
      return b.kind === 'array' && a.count === b.count && compatible(a.elem, b.elem);
    default:
      return true;
  }
}

/** The type a map key or value slot takes: integers widen to 8 bytes, as 0.17. */
export function storageType(t: SizedType): SizedType {
  switch (t.kind) {
    case 'int':
      return t.signed ? int64 : uint64;
    case 'tuple':
      return tupleOf(t.fields.map(storageType));
    default:
      return t;
  }
}

/** Merges two compatible slot types: the larger string, the larger tuple strings. */
export function mergeTypes(a: SizedType, b: SizedType): SizedType {
  if (a.kind === 'string' && b.kind === 'string') return a.size >= b.size ? a : b;
  if (a.kind === 'buffer' && b.kind === 'buffer') return a.size >= b.size ? a : b;
  if (a.kind === 'tuple' && b.kind === 'tuple' && a.fields.length === b.fields.length) {
    return tupleOf(a.fields.map((f, i) => mergeTypes(f, b.fields[i] ?? f)));
  }
  if (a.kind === 'kstack' && b.kind === 'kstack') return a.limit >= b.limit ? a : b;
  if (a.kind === 'ustack' && b.kind === 'ustack') return a.limit >= b.limit ? a : b;
  return a;
}

function alignOfSized(t: SizedType): number {
  switch (t.kind) {
    case 'int':
      return t.size;
    case 'string':
    case 'buffer':
    case 'mac_address':
      return 1;
    case 'tuple':
      return t.fields.reduce((m, f) => Math.max(m, alignOfSized(f)), 1);
    case 'record':
      return t.fields.reduce((m, f) => Math.max(m, alignOfSized(f.type)), 1);
    case 'array':
      return alignOfSized(t.elem);
    case 'none':
      return 1;
    default:
      return 8;
  }
}

/** A tuple laid out with natural alignment (types.ts: C struct rules). */
export function tupleOf(fields: SizedType[]): SizedType & { kind: 'tuple' } {
  const offsets: number[] = [];
  let off = 0;
  let maxAlign = 1;
  for (const f of fields) {
    const a = alignOfSized(f);
    maxAlign = Math.max(maxAlign, a);
    off = Math.ceil(off / a) * a;
    offsets.push(off);
    off += sizeOf(f);
  }
  return { kind: 'tuple', fields, offsets, size: Math.ceil(off / maxAlign) * maxAlign };
}
