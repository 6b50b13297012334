// From C types (BTF through the host, the script's own definitions, tracepoint format
// fields) to bpftrace's sized types, with 0.17's conventions: char arrays are strings,
// pointers are 8-byte values, records reached through a pointer are looked up by name.
import type { CType, TracepointField } from '../host.js';
import type { CompilerHost } from '../host.js';
import type { CDefinitions, RecordType } from '../front/c-definitions.js';
import type { AddressSpace, IntSize, RecordField, SizedType } from '../types.js';

function intSize(n: number): IntSize {
  return n === 1 || n === 2 || n === 4 ? n : 8;
}

/** A record placeholder: the name and size, fields looked up by name when needed. */
function recordRef(name: string, size: number): RecordType {
  return { kind: 'record', name, size, fields: [] };
}

/**
 * Converts a C type. `depth` bounds how many by-value record levels get their fields
 * (pointers always stop the expansion: BTF types are recursive).
 */
export function cTypeToSized(
  ct: CType,
  space: AddressSpace = 'kernel',
  depth = 2,
  inner = false,
): SizedType {
  switch (ct.kind) {
    case 'void':
    case 'func':
      return { kind: 'none' };
    case 'int':
    case 'enum':
      if (ct.size > 8) {
        return {
          kind: 'array',
          elem: { kind: 'int', size: 1, signed: false },
          count: ct.size,
          size: ct.size,
        };
      }
      return { kind: 'int', size: intSize(ct.size), signed: ct.signed };
    case 'ptr': {
      const target = ct.target();
      let t: SizedType;
      if (target.kind === 'struct' || target.kind === 'union') {
        t = recordRef(`${target.kind} ${target.name}`, target.size);
      } else if (target.kind === 'ptr') {
        // A pointer to a pointer: the inner pointer's own target is not needed to read it.
        t = { kind: 'pointer', target: { kind: 'none' }, space };
      } else {
        t = cTypeToSized(target, space, 0);
      }
      return { kind: 'pointer', target: t, space };
    }
    case 'array': {
      if (ct.elem.kind === 'int' && ct.elem.size === 1) return { kind: 'string', size: ct.count };
      const elem = cTypeToSized(ct.elem, space, depth, inner);
      return { kind: 'array', elem, count: ct.count, size: ct.count * sizeOfC(ct.elem) };
    }
    case 'struct':
    case 'union': {
      const name = `${ct.kind} ${ct.name}`;
      // A record held by value inside the one being converted is always expanded (C cannot
      // nest a record in itself by value), so printing it shows every level as 0.17 does.
      if (depth <= 0 && !inner) return recordRef(name, ct.size);
      const fields: RecordField[] = ct.fields.map((f) => {
        const rf: RecordField = {
          name: f.name,
          offset: f.offset,
          type: cTypeToSized(f.type, space, depth - 1, true),
        };
        if (f.bitSize !== undefined) {
          rf.bitSize = f.bitSize;
          rf.bitOffset = f.bitOffset ?? 0;
        }
        return rf;
      });
      return { kind: 'record', name, size: ct.size, fields };
    }
  }
}

function sizeOfC(ct: CType): number {
  switch (ct.kind) {
    case 'void':
    case 'func':
      return 0;
    case 'int':
    case 'enum':
    case 'struct':
    case 'union':
      return ct.size;
    case 'ptr':
      return 8;
    case 'array':
      return ct.count * sizeOfC(ct.elem);
  }
}

/** `task_struct` → `struct task_struct`; keeps `struct x`/`union x` as they are. */
function qualified(name: string): string[] {
  if (/^(struct|union) /.test(name)) return [name];
  return [`struct ${name}`, `union ${name}`, name];
}

/**
 * A record with its fields, by name: the script's definitions first, then BTF. Undefined
 * when neither knows it.
 */
export function lookupRecord(
  name: string,
  defs: CDefinitions,
  host: CompilerHost,
  space: AddressSpace = 'kernel',
): RecordType | undefined {
  for (const q of qualified(name)) {
    const own = defs.records.get(q);
    if (own) return own;
  }
  const td = defs.typedefs.get(name);
  if (td?.kind === 'record') return lookupRecord(td.name, defs, host, space) ?? td;
  let ct: CType | undefined;
  try {
    ct = host.btfType(name);
  } catch {
    // A broken BTF entry reads as "unknown type"; the user gets a diagnostic, not a crash.
    ct = undefined;
  }
  if (ct && (ct.kind === 'struct' || ct.kind === 'union')) {
    const t = cTypeToSized(ct, space, 2);
    return t.kind === 'record' ? t : undefined;
  }
  return undefined;
}

/** A named non-record type (typedef or base type) from the script or BTF. */
export function lookupNamedType(
  name: string,
  defs: CDefinitions,
  host: CompilerHost,
): SizedType | undefined {
  const td = defs.typedefs.get(name);
  if (td) return td;
  let ct: CType | undefined;
  try {
    ct = host.btfType(name);
  } catch {
    ct = undefined;
  }
  if (!ct) return undefined;
  return cTypeToSized(ct, 'kernel', 1);
}

/**
 * The `args` record of a tracepoint, as bpftrace 0.17 built `struct _tracepoint_CAT_EVENT`:
 * integers sized from the format's size (an 8-byte `int` is an s64), `char[N]` a string,
 * pointers 8 bytes, `__data_loc` fields as pointers to their payload.
 */
export function tracepointRecord(
  category: string,
  event: string,
  fields: TracepointField[],
): { record: RecordType; dataLoc: string[] } {
  const out: RecordField[] = [];
  const dataLoc: string[] = [];
  let size = 0;
  for (const f of fields) {
    const type = tracepointFieldType(f);
    if (f.dataLoc) dataLoc.push(f.name);
    out.push({ name: f.name, offset: f.offset, type });
    size = Math.max(size, f.offset + f.size);
  }
  return {
    record: { kind: 'record', name: `struct _tracepoint_${category}_${event}`, size, fields: out },
    dataLoc,
  };
}

function tracepointFieldType(f: TracepointField): SizedType {
  const text = f.typeText
    .replace(/\b(const|volatile)\b/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (f.dataLoc) {
    const base = /char/.test(text)
      ? { kind: 'int' as const, size: 1 as const, signed: true }
      : { kind: 'int' as const, size: 1 as const, signed: false };
    return { kind: 'pointer', target: base, space: 'kernel' };
  }
  const arr = /^(.*?)\s*\[(\d*)\]$/.exec(text);
  if (arr) {
    const base = (arr[1] ?? '').trim();
    const count = Number(arr[2] || 0);
    if (/^(unsigned )?char$/.test(base) || base === 'u8' || base === '__u8' || base === 's8') {
      if (/^char$/.test(base)) return { kind: 'string', size: f.size };
    }
    const n = count > 0 ? count : 1;
    const elemSize = intSize(Math.max(1, Math.floor(f.size / n)));
    return {
      kind: 'array',
      elem: { kind: 'int', size: elemSize, signed: f.signed },
      count: n,
      size: f.size,
    };
  }
  if (text.endsWith('*'))
    return { kind: 'pointer', target: pointerTarget(text.slice(0, -1).trim()), space: 'kernel' };
  return { kind: 'int', size: intSize(f.size), signed: f.signed };
}

const C_INT_SIZES: Record<string, IntSize> = {
  char: 1,
  short: 2,
  int: 4,
  long: 8,
  'long long': 8,
  u8: 1,
  s8: 1,
  u16: 2,
  s16: 2,
  u32: 4,
  s32: 4,
  u64: 8,
  s64: 8,
  __u8: 1,
  __s8: 1,
  __u16: 2,
  __s16: 2,
  __u32: 4,
  __s32: 4,
  __u64: 8,
  __s64: 8,
  pid_t: 4,
  uid_t: 4,
  gid_t: 4,
  size_t: 8,
  loff_t: 8,
  umode_t: 2,
};

/**
 * What a tracepoint pointer field points to, from the C type text (qualifiers gone):
 * `char **` (execve's argv) is a pointer to a `char *`, so `*args->argv` and
 * `args->argv[0]` are string pointers as in 0.17, whose clang read the generated struct.
 */
function pointerTarget(base: string): SizedType {
  if (base.endsWith('*')) {
    return { kind: 'pointer', target: pointerTarget(base.slice(0, -1).trim()), space: 'kernel' };
  }
  if (/^(struct|union) \w+$/.test(base)) return recordRef(base, 0);
  const unsigned = /^unsigned\b/.test(base) || /^(__)?u\d+$/.test(base) || base === 'size_t';
  const name = base.replace(/^(un)?signed\s*/, '').replace(/\s+int$/, '') || 'int';
  const size = C_INT_SIZES[name];
  if (size === undefined) return { kind: 'none' };
  // Plain `char` is signed on x86, as clang took it.
  return { kind: 'int', size, signed: !unsigned };
}
