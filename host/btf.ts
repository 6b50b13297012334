// A BTF reader in plain TypeScript (uapi include/uapi/linux/btf.h). The API container has
// no native modules, and the format is small: a header, a type section of variable-length
// records, and a string section. vmlinux has 100k+ types, so nothing is decoded up front:
// the first lookup makes one pass recording each type's offset and its name's string
// offset; types become CTypes only when asked for, and each one once.
import type { CField, CType } from '../compiler/host.js';

const BTF_MAGIC = 0xeb9f;

// BTF_KIND_* from uapi linux/btf.h.
const KIND = {
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;

const BTF_INT_SIGNED = 1;

export class BtfError extends Error {}

export interface BtfFunction {
  params: { name: string; type: CType }[];
  ret: CType;
}

interface TypeHeader {
  nameOff: number;
  kind: number;
  vlen: number;
  kindFlag: boolean;
  /** `size` or `type`, depending on the kind. */
  sizeOrType: number;
  /** Offset of the kind-specific data following the 12-byte common header. */
  extra: number;
}

const VOID: CType = { kind: 'void' };

export class Btf {
  private readonly typesStart: number;
  private readonly typesEnd: number;
  private readonly strStart: number;
  private readonly strEnd: number;
  /** offsets[id] = byte offset of type id's record; id 0 is void. Filled by index(). */
  private offsets: Uint32Array | undefined;
  private byName: Map<number, number[]> | undefined;
  private readonly cache = new Map<number, CType>();
  /** Answers of type(name), misses included: a program asks for the same names again. */
  private readonly byTypeName = new Map<string, CType | undefined>();
  private strings: Map<string, number> | undefined;
  private searches = 0;

  constructor(private readonly buf: Buffer) {
    if (buf.length < 24 || buf.readUInt16LE(0) !== BTF_MAGIC) {
      throw new BtfError('not a little-endian BTF blob (bad magic)');
    }
    const hdrLen = buf.readUInt32LE(4);
    const typeOff = buf.readUInt32LE(8);
    const typeLen = buf.readUInt32LE(12);
    const strOff = buf.readUInt32LE(16);
    const strLen = buf.readUInt32LE(20);
    this.typesStart = hdrLen + typeOff;
    this.typesEnd = this.typesStart + typeLen;
    this.strStart = hdrLen + strOff;
    this.strEnd = this.strStart + strLen;
    if (this.typesEnd > buf.length || this.strEnd > buf.length) {
      throw new BtfError('BTF sections run past the end of the data');
    }
  }

  /** Number of types, void included. */
  get count(): number {
    return this.index().offsets.length;
  }

  /** A struct, union, enum, typedef or base type by name (`struct x`, `union x`, `enum x`, `x`). */
  type(name: string): CType | undefined {
    if (this.byTypeName.has(name)) return this.byTypeName.get(name);
    const id = this.findTypeId(name);
    const t = id === undefined ? undefined : this.resolve(id);
    this.byTypeName.set(name, t);
    return t;
  }

  /** The BTF id of a named type, following the same rules as type(). */
  findTypeId(name: string): number | undefined {
    const trimmed = name.trim().replace(/\s+/g, ' ');
    const tagged = /^(struct|union|enum) (.+)$/.exec(trimmed);
    if (tagged) {
      const kinds =
        tagged[1] === 'struct'
          ? [KIND.STRUCT]
          : tagged[1] === 'union'
            ? [KIND.UNION]
            : [KIND.ENUM, KIND.ENUM64];
      return this.findNamed(tagged[2] ?? '', kinds);
    }
    // A bare name: a complete struct or union first (`task_struct`), then typedefs and
    // base types (`u64`, `unsigned int`), then enums.
    return this.findNamed(trimmed, [
      KIND.STRUCT,
      KIND.UNION,
      KIND.TYPEDEF,
      KIND.INT,
      KIND.FLOAT,
      KIND.ENUM,
      KIND.ENUM64,
    ]);
  }

  /** A function's prototype (BTF_KIND_FUNC -> FUNC_PROTO). */
  func(name: string): BtfFunction | undefined {
    const id = this.findNamed(name, [KIND.FUNC]);
    if (id === undefined) return undefined;
    const fn = this.header(id);
    const proto = this.header(fn.sizeOrType);
    if (proto.kind !== KIND.FUNC_PROTO) return undefined;
    const params: { name: string; type: CType }[] = [];
    for (let i = 0; i < proto.vlen; i++) {
      const at = proto.extra + i * 8;
      const pname = this.str(this.buf.readUInt32LE(at));
      const ptype = this.buf.readUInt32LE(at + 4);
      // A trailing param with type 0 marks a variadic function.
      if (ptype === 0 && pname === '') continue;
      params.push({ name: pname, type: this.resolve(ptype) });
    }
    return { params, ret: this.resolve(proto.sizeOrType) };
  }

  /** The CType for a type id, typedefs and qualifiers resolved. */
  resolve(id: number): CType {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const t = this.build(id, 0);
    this.cache.set(id, t);
    return t;
  }

  private build(id: number, depth: number): CType {
    if (id === 0) return VOID;
    if (depth > 64) throw new BtfError(`type ${id}: qualifier chain too deep`);
    const h = this.header(id);
    const name = this.str(h.nameOff);
    switch (h.kind) {
      case KIND.INT: {
        const enc = this.buf.readUInt32LE(h.extra);
        return {
          kind: 'int',
          name,
          size: h.sizeOrType,
          signed: ((enc >>> 24) & BTF_INT_SIGNED) !== 0,
        };
      }
      case KIND.FLOAT:
        // bpftrace 0.17 has no floating point values; a float is carried as opaque bytes.
        return { kind: 'int', name, size: h.sizeOrType, signed: true };
      case KIND.PTR: {
        const target = h.sizeOrType;
        return { kind: 'ptr', target: () => this.resolve(target) };
      }
      case KIND.ARRAY: {
        const elem = this.buf.readUInt32LE(h.extra);
        const count = this.buf.readUInt32LE(h.extra + 8);
        return { kind: 'array', elem: this.resolve(elem), count };
      }
      case KIND.STRUCT:
      case KIND.UNION: {
        const kind = h.kind === KIND.STRUCT ? 'struct' : 'union';
        // Registered before the members resolve, so a struct embedding an array of
        // pointers to itself finds this object (pointers are lazy anyway).
        const fields: CField[] = [];
        const out: CType = { kind, name, size: h.sizeOrType, fields };
        this.cache.set(id, out);
        this.members(h, 0, fields);
        return out;
      }
      case KIND.ENUM:
      case KIND.ENUM64:
        return { kind: 'enum', name, size: h.sizeOrType, signed: h.kindFlag };
      case KIND.FWD:
        // A declaration without a body: a struct (or union, with kind_flag) of unknown size.
        return { kind: h.kindFlag ? 'union' : 'struct', name, size: 0, fields: [] };
      case KIND.TYPEDEF:
      case KIND.VOLATILE:
      case KIND.CONST:
      case KIND.RESTRICT:
      case KIND.TYPE_TAG:
        return this.build(h.sizeOrType, depth + 1);
      case KIND.FUNC:
      case KIND.FUNC_PROTO:
        return { kind: 'func', name };
      case KIND.VAR:
      case KIND.DATASEC:
      case KIND.DECL_TAG:
        return VOID;
      default:
        throw new BtfError(`type ${id}: unknown BTF kind ${h.kind}`);
    }
  }

  /**
   * Appends the members of a struct/union to `out`. Members of anonymous struct/union
   * members are lifted into the parent at their absolute offsets, as C lets code name them
   * directly (`task_struct.__state` lives in no named sub-struct, but many fields do).
   */
  private members(h: TypeHeader, baseBits: number, out: CField[]): void {
    for (let i = 0; i < h.vlen; i++) {
      const at = h.extra + i * 12;
      const mname = this.str(this.buf.readUInt32LE(at));
      const mtype = this.buf.readUInt32LE(at + 4);
      const raw = this.buf.readUInt32LE(at + 8);
      // With kind_flag set the offset word packs bitfield size (high 8) and bit offset.
      let bitSize = h.kindFlag ? raw >>> 24 : 0;
      let bitOff = baseBits + (h.kindFlag ? raw & 0xffffff : raw);
      if (mname === '') {
        const inner = this.header(this.skipQualifiers(mtype));
        if (inner.kind === KIND.STRUCT || inner.kind === KIND.UNION) {
          this.members(inner, bitOff, out);
          continue;
        }
      }
      const type = this.resolve(mtype);
      // Old-style bitfields put the width in the INT encoding instead of the member.
      if (bitSize === 0) {
        const base = this.header(this.skipQualifiers(mtype));
        if (base.kind === KIND.INT) {
          const enc = this.buf.readUInt32LE(base.extra);
          const nrBits = enc & 0xff;
          bitOff += (enc >>> 16) & 0xff;
          if (nrBits !== base.sizeOrType * 8) bitSize = nrBits;
        }
      }
      const field: CField = { name: mname, offset: Math.floor(bitOff / 8), type };
      if (bitSize !== 0) {
        field.bitOffset = bitOff % 8;
        field.bitSize = bitSize;
      } else if (bitOff % 8 !== 0) {
        throw new BtfError(`member ${mname}: offset ${bitOff} bits is not byte aligned`);
      }
      out.push(field);
    }
  }

  private skipQualifiers(id: number): number {
    for (let depth = 0; id !== 0 && depth < 64; depth++) {
      const h = this.header(id);
      if (
        h.kind !== KIND.TYPEDEF &&
        h.kind !== KIND.VOLATILE &&
        h.kind !== KIND.CONST &&
        h.kind !== KIND.RESTRICT &&
        h.kind !== KIND.TYPE_TAG
      ) {
        return id;
      }
      id = h.sizeOrType;
    }
    return id;
  }

  private findNamed(name: string, kinds: readonly number[]): number | undefined {
    const nameOff = this.stringOffset(name);
    if (nameOff === undefined) return undefined;
    const ids = this.index().byName.get(nameOff);
    if (!ids) return undefined;
    for (const kind of kinds) {
      let fallback: number | undefined;
      for (const id of ids) {
        const h = this.header(id);
        if (h.kind !== kind) continue;
        // Prefer a definition with members over an empty one of the same name.
        if (h.vlen > 0 || (kind !== KIND.STRUCT && kind !== KIND.UNION)) return id;
        fallback ??= id;
      }
      if (fallback !== undefined) return fallback;
    }
    return undefined;
  }

  /**
   * Where `name` sits in the string section. BTF deduplicates strings, so each name has a
   * single offset, and comparing offsets avoids decoding 100k names.
   */
  private stringOffset(name: string): number | undefined {
    if (name === '' || name.includes('\0')) return undefined;
    // The first few names are searched for in place; a program that asks for more gets
    // the string section decoded once into a map (~100k names in vmlinux).
    if (this.strings === undefined && ++this.searches > 16) {
      const map = new Map<string, number>();
      let p = this.strStart + 1;
      while (p < this.strEnd) {
        const end = this.buf.indexOf(0, p);
        if (end < 0 || end > this.strEnd) break;
        const s = this.buf.toString('utf8', p, end);
        if (!map.has(s)) map.set(s, p - this.strStart);
        p = end + 1;
      }
      this.strings = map;
    }
    if (this.strings) return this.strings.get(name);
    const needle = Buffer.from(`\0${name}\0`, 'utf8');
    const at = this.buf.indexOf(needle, this.strStart);
    if (at < 0 || at + needle.length > this.strEnd) return undefined;
    return at + 1 - this.strStart;
  }

  private str(off: number): string {
    const start = this.strStart + off;
    if (off === 0 || start >= this.strEnd) return '';
    const end = this.buf.indexOf(0, start);
    return this.buf.toString('utf8', start, end < 0 || end > this.strEnd ? this.strEnd : end);
  }

  private header(id: number): TypeHeader {
    const offsets = this.index().offsets;
    const at = offsets[id];
    if (at === undefined || id === 0) throw new BtfError(`no BTF type ${id}`);
    const info = this.buf.readUInt32LE(at + 4);
    return {
      nameOff: this.buf.readUInt32LE(at),
      kind: (info >>> 24) & 0x1f,
      vlen: info & 0xffff,
      kindFlag: (info & 0x80000000) !== 0,
      sizeOrType: this.buf.readUInt32LE(at + 8),
      extra: at + 12,
    };
  }

  private index(): { offsets: Uint32Array; byName: Map<number, number[]> } {
    if (this.offsets && this.byName) return { offsets: this.offsets, byName: this.byName };
    const list: number[] = [0];
    const byName = new Map<number, number[]>();
    let at = this.typesStart;
    while (at + 12 <= this.typesEnd) {
      const id = list.length;
      list.push(at);
      const nameOff = this.buf.readUInt32LE(at);
      const info = this.buf.readUInt32LE(at + 4);
      const kind = (info >>> 24) & 0x1f;
      const vlen = info & 0xffff;
      if (nameOff !== 0) {
        const ids = byName.get(nameOff);
        if (ids) ids.push(id);
        else byName.set(nameOff, [id]);
      }
      at += 12 + extraSize(kind, vlen, id);
    }
    this.offsets = Uint32Array.from(list);
    this.byName = byName;
    return { offsets: this.offsets, byName };
  }
}

/** Bytes of kind-specific data after a type's 12-byte header. */
function extraSize(kind: number, vlen: number, id: number): number {
  switch (kind) {
    case KIND.INT:
      return 4;
    case KIND.ARRAY:
      return 12;
    case KIND.STRUCT:
    case KIND.UNION:
      return vlen * 12;
    case KIND.ENUM:
      return vlen * 8;
    case KIND.FUNC_PROTO:
      return vlen * 8;
    case KIND.VAR:
      return 4;
    case KIND.DATASEC:
      return vlen * 12;
    case KIND.DECL_TAG:
      return 4;
    case KIND.ENUM64:
      return vlen * 12;
    case KIND.PTR:
    case KIND.FWD:
    case KIND.TYPEDEF:
    case KIND.VOLATILE:
    case KIND.CONST:
    case KIND.RESTRICT:
    case KIND.FUNC:
    case KIND.FLOAT:
    case KIND.TYPE_TAG:
      return 0;
    default:
      throw new BtfError(`type ${id}: unknown BTF kind ${kind}; cannot skip it`);
  }
}
