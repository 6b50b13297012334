// uprobe `args` from DWARF: the record `args` points to, built from a function's parameters
// (CompilerHost.functionParams) as bpftrace 0.17 builds `struct uprobe_args`, with each field
// placed where the x86-64 System V calling convention leaves that parameter at the
// function's entry.
//
// A field's offset encodes its location, read by the lowering (lower-builtins.ts uprobeArg):
// below UPROBE_STACK_BASE it is 8 × the index of the integer register (di, si, dx, cx, r8,
// r9); from UPROBE_STACK_BASE on, UPROBE_STACK_BASE + the byte offset of the stack slot
// above the return address (the 7th integer argument is at sp + 8 when the uprobe fires on
// the first instruction).
//
// Parameters the probe cannot read become fields of type `none` (paramUnsupported when
// used): floating-point ones (SSE registers are not in pt_regs) and records passed by
// value. They still take their registers or stack slots, so the parameters after them are
// found where the compiler put them.
import type { CType } from '../host.js';
import type { RecordType } from '../front/c-definitions.js';
import type { RecordField, SizedType } from '../types.js';
import { UPROBE_STACK_BASE } from '../codegen/pt-regs.js';
import { cTypeToSized } from './c-types.js';
import { typeStr } from './type-names.js';

const INT_REGS = 6;
const SSE_REGS = 8;

export const UPROBE_ARGS_NAME = 'struct uprobe_args';

/** The `args` record of a uprobe and a signature to compare attach points with. */
export interface UprobeArgs {
  record: RecordType;
  /** Names and types of the parameters: equal signatures read the same way. */
  signature: string;
}

type EightbyteClass = 'int' | 'sse' | 'memory';

/** Scalars of a by-value type with their byte offsets (for the eightbyte classification). */
function scalars(ct: CType, base: number, out: { offset: number; float: boolean }[]): void {
  switch (ct.kind) {
    case 'int':
    case 'enum':
      out.push({ offset: base, float: ct.kind === 'int' && ct.float === true });
      return;
    case 'ptr':
      out.push({ offset: base, float: false });
      return;
    case 'array': {
      const size = byteSize(ct.elem);
      for (let i = 0; i < ct.count; i++) scalars(ct.elem, base + i * size, out);
      return;
    }
    case 'struct':
    case 'union':
      for (const f of ct.fields) scalars(f.type, base + f.offset, out);
      return;
    case 'void':
    case 'func':
      return;
  }
}

function byteSize(ct: CType): number {
  switch (ct.kind) {
    case 'int':
    case 'enum':
    case 'struct':
    case 'union':
      return ct.size;
    case 'ptr':
      return 8;
    case 'array':
      return ct.count * byteSize(ct.elem);
    case 'void':
    case 'func':
      return 0;
  }
}

/** The classes of a parameter's eightbytes (SysV ABI 3.2.3, without x87 and vector types). */
function classify(ct: CType): EightbyteClass[] {
  const size = byteSize(ct);
  if (ct.kind === 'int' && ct.float === true) return size > 8 ? ['memory'] : ['sse'];
  if (ct.kind !== 'struct' && ct.kind !== 'union' && ct.kind !== 'array') {
    return size > 8 ? ['int', 'int'] : ['int'];
  }
  if (size > 16 || size === 0) return ['memory'];
  const parts: { offset: number; float: boolean }[] = [];
  scalars(ct, 0, parts);
  const classes: EightbyteClass[] = [];
  for (let i = 0; i * 8 < size; i++) {
    const inThis = parts.filter((p) => Math.floor(p.offset / 8) === i);
    classes.push(inThis.length > 0 && inThis.every((p) => p.float) ? 'sse' : 'int');
  }
  return classes;
}

/** The sized type of a parameter, or none when a uprobe cannot read it. */
function paramType(ct: CType): SizedType {
  if (ct.kind === 'int' && ct.float === true) return { kind: 'none' };
  if (ct.kind === 'struct' || ct.kind === 'union' || ct.kind === 'array') return { kind: 'none' };
  if ((ct.kind === 'int' || ct.kind === 'enum') && ct.size > 8) return { kind: 'none' };
  return cTypeToSized(ct, 'user', 1);
}

/**
 * The `args` record of a function with these parameters. Records that pointer parameters
 * point to are added to `pointees` by name, for field accesses through them.
 */
export function uprobeArgs(
  params: { name: string; type: CType }[],
  pointees: Map<string, CType>,
): UprobeArgs {
  const fields: RecordField[] = [];
  let ints = 0;
  let sses = 0;
  let stack = 0;
  for (const p of params) {
    const classes = classify(p.type);
    const needInt = classes.filter((c) => c === 'int').length;
    const needSse = classes.filter((c) => c === 'sse').length;
    let offset: number;
    if (
      !classes.includes('memory') &&
      ints + needInt <= INT_REGS &&
      sses + needSse <= SSE_REGS &&
      needInt > 0
    ) {
      offset = ints * 8;
      ints += needInt;
      sses += needSse;
    } else if (!classes.includes('memory') && needInt === 0 && sses + needSse <= SSE_REGS) {
      offset = -1; // in SSE registers only: unreadable
      sses += needSse;
    } else {
      offset = UPROBE_STACK_BASE + stack;
      stack += Math.ceil(Math.max(byteSize(p.type), 8) / 8) * 8;
    }
    notePointees(p.type, pointees);
    const type = offset < 0 ? { kind: 'none' as const } : paramType(p.type);
    fields.push({ name: p.name, offset: Math.max(offset, 0), type });
  }
  return {
    record: { kind: 'record', name: UPROBE_ARGS_NAME, size: fields.length * 8, fields },
    signature: fields.map((f) => `${f.name}:${typeStr(f.type)}`).join(','),
  };
}

/**
 * Remembers the records a value of this type points to (through any number of pointers),
 * and those pointed to from records held by value in it. Records reached only through a
 * pointee's own pointer fields are noted when that pointee is converted (noteFieldPointees).
 */
export function notePointees(ct: CType, pointees: Map<string, CType>, depth = 0): void {
  if (depth > 8) return;
  switch (ct.kind) {
    case 'ptr': {
      let t = ct.target();
      for (let i = 0; i < 8 && t.kind === 'ptr'; i++) t = t.target();
      if ((t.kind === 'struct' || t.kind === 'union') && t.name !== '') {
        const name = `${t.kind} ${t.name}`;
        if (!pointees.has(name)) pointees.set(name, t);
      }
      return;
    }
    case 'array':
      notePointees(ct.elem, pointees, depth + 1);
      return;
    case 'struct':
    case 'union':
      for (const f of ct.fields) notePointees(f.type, pointees, depth + 1);
      return;
    default:
      return;
  }
}

/** A record from DWARF with its fields, pointers in user memory; notes what it points to. */
export function dwarfRecord(ct: CType, pointees: Map<string, CType>): RecordType | undefined {
  if (ct.kind !== 'struct' && ct.kind !== 'union') return undefined;
  notePointees(ct, pointees);
  const t = cTypeToSized(ct, 'user', 2);
  return t.kind === 'record' ? t : undefined;
}
