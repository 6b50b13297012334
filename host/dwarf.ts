// Function parameters from DWARF (.debug_info, versions 2 to 5, 32-bit format): what
// `-lv uprobe:BIN:FUNC` shows and what `args` of a uprobe reads. Only what that needs is
// decoded: the top-level subprograms of each unit, their formal parameters, and the types
// those parameters name (followed lazily, by DIE offset).
import type { CField, CType } from '../compiler/host.js';
import type { ElfFile } from './elf.js';

export class DwarfError extends Error {}

// DW_TAG_*, DW_AT_*, DW_FORM_* from the DWARF 5 standard (section 7.5).
const TAG = {
  array_type: 0x01,
  enumeration_type: 0x04,
  formal_parameter: 0x05,
  member: 0x0d,
  pointer_type: 0x0f,
  compile_unit: 0x11,
  structure_type: 0x13,
  subroutine_type: 0x15,
  typedef: 0x16,
  union_type: 0x17,
  subrange_type: 0x21,
  base_type: 0x24,
  const_type: 0x26,
  subprogram: 0x2e,
  volatile_type: 0x35,
  restrict_type: 0x37,
} as const;

const AT = {
  name: 0x03,
  byte_size: 0x0b,
  bit_size: 0x0d,
  upper_bound: 0x2f,
  count: 0x37,
  data_member_location: 0x38,
  declaration: 0x3c,
  encoding: 0x3e,
  type: 0x49,
  data_bit_offset: 0x6b,
  str_offsets_base: 0x72,
} as const;

const FORM = {
  addr: 0x01,
  block2: 0x03,
  block4: 0x04,
  data2: 0x05,
  data4: 0x06,
  data8: 0x07,
  string: 0x08,
  block: 0x09,
  block1: 0x0a,
  data1: 0x0b,
  flag: 0x0c,
  sdata: 0x0d,
  strp: 0x0e,
  udata: 0x0f,
  ref_addr: 0x10,
  ref1: 0x11,
  ref2: 0x12,
  ref4: 0x13,
  ref8: 0x14,
  ref_udata: 0x15,
  indirect: 0x16,
  sec_offset: 0x17,
  exprloc: 0x18,
  flag_present: 0x19,
  strx: 0x1a,
  addrx: 0x1b,
  ref_sup4: 0x1c,
  strp_sup: 0x1d,
  data16: 0x1e,
  line_strp: 0x1f,
  ref_sig8: 0x20,
  implicit_const: 0x21,
  loclistx: 0x22,
  rnglistx: 0x23,
  ref_sup8: 0x24,
  strx1: 0x25,
  strx2: 0x26,
  strx3: 0x27,
  strx4: 0x28,
  addrx1: 0x29,
  addrx2: 0x2a,
  addrx3: 0x2b,
  addrx4: 0x2c,
} as const;

// DW_ATE_* base type encodings that are signed.
const ATE_SIGNED = 0x05;
const ATE_SIGNED_CHAR = 0x06;
const ATE_FLOAT = 0x04;
const ATE_COMPLEX_FLOAT = 0x03;

interface AttrSpec {
  at: number;
  form: number;
  implicit: bigint;
}

interface Abbrev {
  tag: number;
  children: boolean;
  attrs: AttrSpec[];
  /** Bytes of all attributes when every form has a fixed size (per address size), else -1. */
  fixed: number;
}

interface Unit {
  start: number;
  end: number;
  /** Offset of the first DIE. */
  dies: number;
  version: number;
  addrSize: number;
  abbrevs: Map<number, Abbrev>;
  strOffsetsBase: number;
}

/** An attribute value: numbers for constants and offsets, strings for names. */
type AttrValue = bigint | string | undefined;

interface Die {
  offset: number;
  tag: number;
  children: boolean;
  attrs: Map<number, AttrValue>;
  /** Offset just past this DIE's attributes (its first child, when it has children). */
  next: number;
  unit: Unit;
}

export interface DwarfParam {
  name: string;
  /** The type as bpftrace 0.17 spells it in `-lv` (`const char*`, `struct point*`). */
  typeName: string;
  type: CType;
}

const UNKNOWN = '<unknown type>';

export class Dwarf {
  private units: Unit[] | undefined;
  private functions: Map<string, number> | undefined;
  private readonly abbrevCache = new Map<number, Map<number, Abbrev>>();
  private readonly ctypes = new Map<number, CType>();

  private constructor(
    private readonly info: Buffer,
    private readonly abbrev: Buffer,
    private readonly str: Buffer,
    private readonly lineStr: Buffer,
    private readonly strOffsets: Buffer,
  ) {}

  /** The DWARF of an ELF file, or undefined when it has no .debug_info. */
  static of(elf: ElfFile): Dwarf | undefined {
    const data = (name: string) => {
      const sec = elf.section(name);
      return sec ? elf.sectionData(sec) : Buffer.alloc(0);
    };
    const info = data('.debug_info');
    if (info.length === 0) return undefined;
    return new Dwarf(
      info,
      data('.debug_abbrev'),
      data('.debug_str'),
      data('.debug_line_str'),
      data('.debug_str_offsets'),
    );
  }

  /** True when some unit defines a function of this name. */
  hasFunction(name: string): boolean {
    return this.index().has(name);
  }

  /** The parameters of a defined function, in order, or undefined when not described. */
  functionParams(name: string): DwarfParam[] | undefined {
    const at = this.index().get(name);
    if (at === undefined) return undefined;
    const fn = this.die(at);
    const params: DwarfParam[] = [];
    for (const child of this.children(fn)) {
      if (child.tag !== TAG.formal_parameter) continue;
      const pname = child.attrs.get(AT.name);
      if (typeof pname !== 'string') continue;
      const ref = this.ref(child, AT.type);
      params.push({
        name: pname,
        typeName: ref === undefined ? UNKNOWN : this.typeName(ref),
        type: ref === undefined ? { kind: 'void' } : this.ctype(ref),
      });
    }
    return params;
  }

  /** The name of a type as bpftrace's DWARF reader prints it. */
  typeName(offset: number, depth = 0): string {
    if (depth > 32) return UNKNOWN;
    const d = this.die(offset);
    const name = d.attrs.get(AT.name);
    const inner = () => {
      const ref = this.ref(d, AT.type);
      return ref === undefined ? 'void' : this.typeName(ref, depth + 1);
    };
    switch (d.tag) {
      case TAG.base_type:
      case TAG.typedef:
        return typeof name === 'string' ? name : UNKNOWN;
      case TAG.structure_type:
        return `struct ${typeof name === 'string' ? name : '<anonymous>'}`;
      case TAG.union_type:
        return `union ${typeof name === 'string' ? name : '<anonymous>'}`;
      case TAG.enumeration_type:
        return `enum ${typeof name === 'string' ? name : '<anonymous>'}`;
      case TAG.pointer_type:
        return `${inner()}*`;
      case TAG.const_type: {
        // `const` binds to what follows a pointer: `int* const`, but `const char`.
        const ref = this.ref(d, AT.type);
        const innerIsPointer = ref !== undefined && this.die(ref).tag === TAG.pointer_type;
        return innerIsPointer ? `${inner()} const` : `const ${inner()}`;
      }
      default:
        // volatile, restrict, function types, ...: bpftrace 0.17 names none of them.
        return UNKNOWN;
    }
  }

  /** The CType of a type DIE; typedefs and qualifiers resolved, pointers lazy. */
  ctype(offset: number, depth = 0): CType {
    const cached = this.ctypes.get(offset);
    if (cached) return cached;
    if (depth > 32) return { kind: 'void' };
    const d = this.die(offset);
    const name = typeof d.attrs.get(AT.name) === 'string' ? (d.attrs.get(AT.name) as string) : '';
    const size = Number(this.num(d, AT.byte_size) ?? 0n);
    const inner = (): CType => {
      const ref = this.ref(d, AT.type);
      return ref === undefined ? { kind: 'void' } : this.ctype(ref, depth + 1);
    };
    let out: CType;
    switch (d.tag) {
      case TAG.base_type: {
        const enc = Number(this.num(d, AT.encoding) ?? 0n);
        out = {
          kind: 'int',
          name,
          size,
          signed: enc === ATE_SIGNED || enc === ATE_SIGNED_CHAR || enc === ATE_FLOAT,
        };
        // Floating-point parameters travel in SSE registers, which uprobes cannot read.
        if (enc === ATE_FLOAT || enc === ATE_COMPLEX_FLOAT) out.float = true;
        break;
      }
      case TAG.pointer_type: {
        const ref = this.ref(d, AT.type);
        out = {
          kind: 'ptr',
          target: () => (ref === undefined ? { kind: 'void' } : this.ctype(ref)),
        };
        break;
      }
      case TAG.typedef:
      case TAG.const_type:
      case TAG.volatile_type:
      case TAG.restrict_type:
        out = inner();
        break;
      case TAG.enumeration_type:
        out = { kind: 'enum', name, size, signed: false };
        break;
      case TAG.array_type: {
        let count = 0;
        for (const child of this.children(d)) {
          if (child.tag !== TAG.subrange_type) continue;
          const c = this.num(child, AT.count);
          const ub = this.num(child, AT.upper_bound);
          count = Number(c ?? (ub !== undefined ? ub + 1n : 0n));
          break;
        }
        out = { kind: 'array', elem: inner(), count };
        break;
      }
      case TAG.structure_type:
      case TAG.union_type: {
        const fields: CField[] = [];
        const record: CType = {
          kind: d.tag === TAG.structure_type ? 'struct' : 'union',
          name,
          size,
          fields,
        };
        this.ctypes.set(offset, record);
        for (const child of this.children(d)) {
          if (child.tag !== TAG.member) continue;
          const mname = child.attrs.get(AT.name);
          const ref = this.ref(child, AT.type);
          if (typeof mname !== 'string' || ref === undefined) continue;
          const bitSize = this.num(child, AT.bit_size);
          const bitOff = this.num(child, AT.data_bit_offset);
          const loc = this.num(child, AT.data_member_location) ?? 0n;
          const bits = bitOff ?? loc * 8n;
          const field: CField = {
            name: mname,
            offset: Number(bits / 8n),
            type: this.ctype(ref, depth + 1),
          };
          if (bitSize !== undefined) {
            field.bitOffset = Number(bits % 8n);
            field.bitSize = Number(bitSize);
          }
          fields.push(field);
        }
        return record;
      }
      case TAG.subroutine_type:
        out = { kind: 'func', name };
        break;
      default:
        out = { kind: 'void' };
    }
    this.ctypes.set(offset, out);
    return out;
  }

  /** Name -> DIE offset of every function defined at the top level of a unit. */
  private index(): Map<string, number> {
    if (this.functions) return this.functions;
    const map = new Map<string, number>();
    for (const unit of this.allUnits()) {
      let p = unit.dies;
      let depth = 0;
      while (p < unit.end) {
        const code = ulebNum(this.info, p);
        const afterCode = ulebEnd;
        if (code === 0) {
          // A null entry closes the current list of children.
          p = afterCode;
          depth--;
          if (depth <= 0) break;
          continue;
        }
        const abbrev = unit.abbrevs.get(code);
        if (!abbrev) throw new DwarfError(`unknown abbreviation ${code} at ${p}`);
        if (depth === 1 && abbrev.tag === TAG.subprogram) {
          // Only the name and the declaration flag matter here; decode nothing else.
          let q = afterCode;
          let name: AttrValue;
          let declaration = false;
          for (const spec of abbrev.attrs) {
            if (spec.at === AT.name) {
              const r = this.readForm(unit, spec.form, q, spec.implicit);
              name = r.value;
              q = r.next;
            } else {
              if (spec.at === AT.declaration) declaration = true;
              q = this.skipForm(unit, spec.form, q);
            }
          }
          if (!declaration && typeof name === 'string' && !map.has(name)) map.set(name, p);
          p = q;
        } else {
          p = this.skipAttrs(unit, abbrev, afterCode);
        }
        if (abbrev.children) depth++;
        if (depth === 0) break;
      }
    }
    this.functions = map;
    return map;
  }

  /** Past a DIE's attributes without decoding them (most DIEs are of no interest). */
  private skipAttrs(unit: Unit, abbrev: Abbrev, p: number): number {
    if (abbrev.fixed >= 0 && unit.addrSize === 8) return p + abbrev.fixed;
    let q = p;
    for (const spec of abbrev.attrs) q = this.skipForm(unit, spec.form, q);
    return q;
  }

  private skipForm(unit: Unit, form: number, p: number): number {
    const size = formSize(form, unit.addrSize);
    if (size >= 0) return p + size;
    const b = this.info;
    switch (form) {
      case FORM.sdata:
      case FORM.udata:
      case FORM.loclistx:
      case FORM.rnglistx:
      case FORM.addrx:
      case FORM.ref_udata:
      case FORM.strx: {
        let q = p;
        while (((b[q++] ?? 0) & 0x80) !== 0);
        return q;
      }
      case FORM.string:
        return b.indexOf(0, p) + 1;
      case FORM.exprloc:
      case FORM.block: {
        const len = ulebNum(b, p);
        return ulebEnd + len;
      }
      case FORM.block1:
        return p + 1 + (b[p] ?? 0);
      case FORM.block2:
        return p + 2 + b.readUInt16LE(p);
      case FORM.block4:
        return p + 4 + b.readUInt32LE(p);
      case FORM.indirect: {
        const f = ulebNum(b, p);
        return this.skipForm(unit, f, ulebEnd);
      }
      case FORM.ref_addr:
        return p + (unit.version <= 2 ? unit.addrSize : 4);
      default:
        throw new DwarfError(`unsupported DWARF form 0x${form.toString(16)}`);
    }
  }

  private afterNull(p: number): number {
    ulebNum(this.info, p);
    return ulebEnd;
  }

  private *children(d: Die): Generator<Die> {
    if (!d.children) return;
    let p = d.next;
    let depth = 0;
    while (p < d.unit.end) {
      const c = this.parseDie(d.unit, p);
      if (c === undefined) {
        p = this.afterNull(p);
        if (depth === 0) return;
        depth--;
        continue;
      }
      if (depth === 0) yield c;
      p = c.next;
      if (c.children) depth++;
    }
  }

  private allUnits(): Unit[] {
    if (this.units) return this.units;
    const units: Unit[] = [];
    let p = 0;
    while (p + 11 <= this.info.length) {
      const length = this.info.readUInt32LE(p);
      if (length >= 0xfffffff0) throw new DwarfError('64-bit DWARF is not supported');
      const end = p + 4 + length;
      const version = this.info.readUInt16LE(p + 4);
      let abbrevOff: number;
      let addrSize: number;
      let dies: number;
      if (version >= 5) {
        const unitType = this.info[p + 6] ?? 0;
        addrSize = this.info[p + 7] ?? 8;
        abbrevOff = this.info.readUInt32LE(p + 8);
        dies = p + 12;
        // DW_UT_skeleton, split_compile carry a dwo id; DW_UT_type, split_type a signature
        // and a type offset.
        if (unitType === 4 || unitType === 5) dies += 8;
        else if (unitType === 2 || unitType === 6) dies += 12;
      } else {
        abbrevOff = this.info.readUInt32LE(p + 6);
        addrSize = this.info[p + 10] ?? 8;
        dies = p + 11;
      }
      const unit: Unit = {
        start: p,
        end,
        dies,
        version,
        addrSize,
        abbrevs: this.abbrevs(abbrevOff),
        strOffsetsBase: 8,
      };
      // DW_AT_str_offsets_base lives on the unit DIE and applies to strx forms after it.
      const top = this.parseDie(unit, dies);
      const base = top?.attrs.get(AT.str_offsets_base);
      if (typeof base === 'bigint') unit.strOffsetsBase = Number(base);
      units.push(unit);
      p = end;
    }
    this.units = units;
    return units;
  }

  private unitOf(offset: number): Unit {
    const units = this.allUnits();
    let lo = 0;
    let hi = units.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const u = units[mid];
      if (!u) break;
      if (offset < u.start) hi = mid - 1;
      else if (offset >= u.end) lo = mid + 1;
      else return u;
    }
    throw new DwarfError(`no unit holds DIE offset ${offset}`);
  }

  private die(offset: number): Die {
    const d = this.parseDie(this.unitOf(offset), offset);
    if (!d) throw new DwarfError(`null DIE at ${offset}`);
    return d;
  }

  private ref(d: Die, at: number): number | undefined {
    const v = d.attrs.get(at);
    return typeof v === 'bigint' ? Number(v) : undefined;
  }

  private num(d: Die, at: number): bigint | undefined {
    const v = d.attrs.get(at);
    return typeof v === 'bigint' ? v : undefined;
  }

  private abbrevs(offset: number): Map<number, Abbrev> {
    const cached = this.abbrevCache.get(offset);
    if (cached) return cached;
    const map = new Map<number, Abbrev>();
    const b = this.abbrev;
    let p = offset;
    for (;;) {
      const code = ulebNum(b, p);
      p = ulebEnd;
      if (code === 0) break;
      const tag = ulebNum(b, p);
      p = ulebEnd;
      const children = b[p] === 1;
      p++;
      const attrs: AttrSpec[] = [];
      for (;;) {
        const at = ulebNum(b, p);
        const form = ulebNum(b, ulebEnd);
        p = ulebEnd;
        if (at === 0 && form === 0) break;
        let implicit = 0n;
        if (form === FORM.implicit_const) {
          const c = readSleb(b, p);
          implicit = c.value;
          p = c.next;
        }
        attrs.push({ at, form, implicit });
      }
      map.set(code, { tag, children, attrs, fixed: fixedSize(attrs) });
      if (p >= b.length) break;
    }
    this.abbrevCache.set(offset, map);
    return map;
  }

  /** The DIE at p, or undefined for a null entry. */
  private parseDie(unit: Unit, p: number): Die | undefined {
    const code = ulebNum(this.info, p);
    if (code === 0) return undefined;
    let q = ulebEnd;
    const abbrev = unit.abbrevs.get(code);
    if (!abbrev) throw new DwarfError(`unknown abbreviation ${code} at ${p}`);
    const attrs = new Map<number, AttrValue>();
    for (const spec of abbrev.attrs) {
      const r = this.readForm(unit, spec.form, q, spec.implicit);
      q = r.next;
      attrs.set(spec.at, r.value);
    }
    return { offset: p, tag: abbrev.tag, children: abbrev.children, attrs, next: q, unit };
  }

  private readForm(
    unit: Unit,
    form: number,
    p: number,
    implicit: bigint,
  ): { value: AttrValue; next: number } {
    const b = this.info;
    switch (form) {
      case FORM.addr:
        return {
          value: unit.addrSize === 4 ? BigInt(b.readUInt32LE(p)) : b.readBigUInt64LE(p),
          next: p + unit.addrSize,
        };
      case FORM.data1:
      case FORM.flag:
      case FORM.strx1:
      case FORM.addrx1:
        return this.small(unit, form, BigInt(b[p] ?? 0), p + 1);
      case FORM.ref1:
        return { value: BigInt(unit.start + (b[p] ?? 0)), next: p + 1 };
      case FORM.data2:
      case FORM.strx2:
      case FORM.addrx2:
        return this.small(unit, form, BigInt(b.readUInt16LE(p)), p + 2);
      case FORM.ref2:
        return { value: BigInt(unit.start + b.readUInt16LE(p)), next: p + 2 };
      case FORM.strx3:
      case FORM.addrx3:
        return this.small(unit, form, BigInt(b.readUIntLE(p, 3)), p + 3);
      case FORM.data4:
      case FORM.strx4:
      case FORM.addrx4:
      case FORM.sec_offset:
      case FORM.ref_sup4:
      case FORM.strp_sup:
        return this.small(unit, form, BigInt(b.readUInt32LE(p)), p + 4);
      case FORM.ref4:
        return { value: BigInt(unit.start + b.readUInt32LE(p)), next: p + 4 };
      case FORM.ref_addr:
        // An offset into .debug_info; 4 bytes in 32-bit DWARF (address-sized before v3).
        if (unit.version <= 2) return { value: b.readBigUInt64LE(p), next: p + unit.addrSize };
        return { value: BigInt(b.readUInt32LE(p)), next: p + 4 };
      case FORM.data8:
      case FORM.ref_sig8:
      case FORM.ref_sup8:
        return { value: form === FORM.ref_sig8 ? undefined : b.readBigUInt64LE(p), next: p + 8 };
      case FORM.ref8:
        return { value: BigInt(unit.start) + b.readBigUInt64LE(p), next: p + 8 };
      case FORM.data16:
        return { value: undefined, next: p + 16 };
      case FORM.sdata: {
        const r = readSleb(b, p);
        return { value: r.value, next: r.next };
      }
      case FORM.udata:
      case FORM.loclistx:
      case FORM.rnglistx:
      case FORM.addrx: {
        const r = readUleb(b, p);
        return { value: r.value, next: r.next };
      }
      case FORM.ref_udata: {
        const r = readUleb(b, p);
        return { value: BigInt(unit.start) + r.value, next: r.next };
      }
      case FORM.strx: {
        const r = readUleb(b, p);
        return { value: this.strx(unit, Number(r.value)), next: r.next };
      }
      case FORM.string: {
        const end = b.indexOf(0, p);
        return { value: b.toString('utf8', p, end), next: end + 1 };
      }
      case FORM.strp:
        return { value: cstr(this.str, b.readUInt32LE(p)), next: p + 4 };
      case FORM.line_strp:
        return { value: cstr(this.lineStr, b.readUInt32LE(p)), next: p + 4 };
      case FORM.exprloc:
      case FORM.block: {
        const r = readUleb(b, p);
        return { value: undefined, next: r.next + Number(r.value) };
      }
      case FORM.block1:
        return { value: undefined, next: p + 1 + (b[p] ?? 0) };
      case FORM.block2:
        return { value: undefined, next: p + 2 + b.readUInt16LE(p) };
      case FORM.block4:
        return { value: undefined, next: p + 4 + b.readUInt32LE(p) };
      case FORM.flag_present:
        return { value: 1n, next: p };
      case FORM.implicit_const:
        return { value: implicit, next: p };
      case FORM.indirect: {
        const r = readUleb(b, p);
        return this.readForm(unit, Number(r.value), r.next, implicit);
      }
      default:
        throw new DwarfError(`unsupported DWARF form 0x${form.toString(16)}`);
    }
  }

  /** Fixed-size forms: strx* become strings, the rest stay numbers. */
  private small(
    unit: Unit,
    form: number,
    value: bigint,
    next: number,
  ): { value: AttrValue; next: number } {
    if (form === FORM.strx1 || form === FORM.strx2 || form === FORM.strx3 || form === FORM.strx4) {
      return { value: this.strx(unit, Number(value)), next };
    }
    return { value, next };
  }

  private strx(unit: Unit, index: number): string | undefined {
    const at = unit.strOffsetsBase + index * 4;
    if (at + 4 > this.strOffsets.length) return undefined;
    return cstr(this.str, this.strOffsets.readUInt32LE(at));
  }
}

/** Size of a fixed-size form for 8-byte addresses, -1 when it varies. */
function formSize(form: number, addrSize: number): number {
  switch (form) {
    case FORM.addr:
      return addrSize;
    case FORM.data1:
    case FORM.flag:
    case FORM.strx1:
    case FORM.addrx1:
    case FORM.ref1:
      return 1;
    case FORM.data2:
    case FORM.strx2:
    case FORM.addrx2:
    case FORM.ref2:
      return 2;
    case FORM.strx3:
    case FORM.addrx3:
      return 3;
    case FORM.data4:
    case FORM.strx4:
    case FORM.addrx4:
    case FORM.sec_offset:
    case FORM.ref_sup4:
    case FORM.strp_sup:
    case FORM.ref4:
    case FORM.strp:
    case FORM.line_strp:
      return 4;
    case FORM.data8:
    case FORM.ref_sig8:
    case FORM.ref_sup8:
    case FORM.ref8:
      return 8;
    case FORM.data16:
      return 16;
    case FORM.flag_present:
    case FORM.implicit_const:
      return 0;
    default:
      return -1;
  }
}

function fixedSize(attrs: readonly AttrSpec[]): number {
  let total = 0;
  for (const a of attrs) {
    // ref_addr's size depends on the unit version; treat it as variable.
    const size = a.form === FORM.ref_addr ? -1 : formSize(a.form, 8);
    if (size < 0) return -1;
    total += size;
  }
  return total;
}

function cstr(buf: Buffer, offset: number): string | undefined {
  if (offset >= buf.length) return undefined;
  const end = buf.indexOf(0, offset);
  return buf.toString('utf8', offset, end < 0 ? buf.length : end);
}

/** Where the last ulebNum stopped: hot loops read it instead of allocating a result. */
let ulebEnd = 0;

/** A ULEB128 known to be small (abbreviation codes, tags, attribute and form numbers). */
function ulebNum(buf: Buffer, p: number): number {
  let result = 0;
  let mul = 1;
  for (;;) {
    const byte = buf[p++];
    if (byte === undefined) throw new DwarfError('truncated LEB128');
    result += (byte & 0x7f) * mul;
    mul *= 128;
    if ((byte & 0x80) === 0) {
      ulebEnd = p;
      return result;
    }
  }
}

export function readUleb(buf: Buffer, p: number): { value: bigint; next: number } {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    const byte = buf[p++];
    if (byte === undefined) throw new DwarfError('truncated LEB128');
    result |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
    if ((byte & 0x80) === 0) return { value: result, next: p };
  }
}

export function readSleb(buf: Buffer, p: number): { value: bigint; next: number } {
  let result = 0n;
  let shift = 0n;
  let byte: number | undefined;
  do {
    byte = buf[p++];
    if (byte === undefined) throw new DwarfError('truncated LEB128');
    result |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
  } while (byte & 0x80);
  if (byte & 0x40) result -= 1n << shift;
  return { value: result, next: p };
}
