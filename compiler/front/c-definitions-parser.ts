// Parses the C definitions a script may contain (`struct`, `union`, `enum`, `typedef`) into
// record layouts with C's natural alignment (x86-64 System V): what bpftrace 0.17 got from
// clang. Types not defined in the script are only allowed behind a pointer here; the
// type passes look pointed-to records up by name (script first, then BTF).
import type { Diagnostic } from '../diagnostics.js';
import { diagnostic } from '../diagnostics.js';
import type { RecordField, SizedType } from '../types.js';
import type { CDefinitions, RecordType } from './c-definitions.js';
import type { Token } from './lexer.js';
import { join } from './span.js';

const BASE_INTS: Record<string, { size: 1 | 2 | 4 | 8; signed: boolean }> = {
  char: { size: 1, signed: true },
  short: { size: 2, signed: true },
  int: { size: 4, signed: true },
  long: { size: 8, signed: true },
  bool: { size: 1, signed: false },
  _Bool: { size: 1, signed: false },
  u8: { size: 1, signed: false },
  u16: { size: 2, signed: false },
  u32: { size: 4, signed: false },
  u64: { size: 8, signed: false },
  s8: { size: 1, signed: true },
  s16: { size: 2, signed: true },
  s32: { size: 4, signed: true },
  s64: { size: 8, signed: true },
  __u8: { size: 1, signed: false },
  __u16: { size: 2, signed: false },
  __u32: { size: 4, signed: false },
  __u64: { size: 8, signed: false },
  __s8: { size: 1, signed: true },
  __s16: { size: 2, signed: true },
  __s32: { size: 4, signed: true },
  __s64: { size: 8, signed: true },
  uint8_t: { size: 1, signed: false },
  uint16_t: { size: 2, signed: false },
  uint32_t: { size: 4, signed: false },
  uint64_t: { size: 8, signed: false },
  int8_t: { size: 1, signed: true },
  int16_t: { size: 2, signed: true },
  int32_t: { size: 4, signed: true },
  int64_t: { size: 8, signed: true },
  uint8: { size: 1, signed: false },
  uint16: { size: 2, signed: false },
  uint32: { size: 4, signed: false },
  uint64: { size: 8, signed: false },
  int8: { size: 1, signed: true },
  int16: { size: 2, signed: true },
  int32: { size: 4, signed: true },
  int64: { size: 8, signed: true },
  size_t: { size: 8, signed: false },
  ssize_t: { size: 8, signed: true },
  pid_t: { size: 4, signed: true },
  uid_t: { size: 4, signed: false },
  gid_t: { size: 4, signed: false },
  loff_t: { size: 8, signed: true },
  off_t: { size: 8, signed: true },
  dev_t: { size: 4, signed: false },
  umode_t: { size: 2, signed: false },
  sector_t: { size: 8, signed: false },
};

const QUALIFIERS = new Set([
  'const',
  'volatile',
  'static',
  'extern',
  'register',
  'inline',
  'restrict',
  '__restrict',
]);

/** Alignment of a type under x86-64 rules. */
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
    case 'record':
    case 'tuple':
      return t.fields.reduce((a, f) => Math.max(a, alignOf('type' in f ? f.type : f)), 1);
    case 'none':
      return 1;
    default:
      return 8;
  }
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

class StopDefinition {
  constructor(readonly d: Diagnostic) {}
}

class CParser {
  private i = 0;
  constructor(
    private readonly toks: Token[],
    private readonly defs: CDefinitions,
  ) {}

  private peek(k = 0): Token | undefined {
    return this.toks[this.i + k];
  }
  private fail(tok: Token | undefined, why: string): never {
    const last = this.toks[this.toks.length - 1];
    const span = tok?.span ?? last?.span ?? { line: 1, column: 1, endLine: 1, endColumn: 2 };
    throw new StopDefinition(diagnostic('invalidCDefinition', span, why));
  }
  private take(): Token {
    const t = this.peek();
    if (!t) this.fail(undefined, 'unexpected end of definition');
    this.i++;
    return t;
  }
  private is(text: string, k = 0): boolean {
    const t = this.peek(k);
    return t !== undefined && (t.kind === 'punct' || t.kind === 'ident') && t.text === text;
  }
  private expect(text: string): Token {
    const t = this.take();
    if (t.text !== text) this.fail(t, `expected '${text}', found '${t.text}'`);
    return t;
  }

  topLevel(): void {
    const t = this.peek();
    if (t?.text === 'typedef') {
      this.take();
      const base = this.baseType();
      for (;;) {
        const d = this.declarator(base);
        if (!d.name) this.fail(this.peek(), 'typedef without a name');
        this.defs.typedefs.set(d.name, d.type);
        if (this.is(',')) {
          this.take();
          continue;
        }
        break;
      }
      this.expect(';');
      return;
    }
    this.baseType();
    this.expect(';');
    if (this.peek()) this.fail(this.peek(), `unexpected '${this.peek()?.text ?? ''}'`);
  }

  /** A type specifier: qualifiers, integer words, struct/union/enum (maybe with a body). */
  private baseType(): SizedType {
    while (this.peek() && QUALIFIERS.has(this.peek()?.text ?? '')) this.take();
    const t = this.take();
    if (t.text === 'struct' || t.text === 'union') return this.recordSpecifier(t.text);
    if (t.text === 'enum') return this.enumSpecifier();
    if (t.text === 'void') return { kind: 'none' };
    if (t.text === 'unsigned' || t.text === 'signed' || t.text === 'short' || t.text === 'long') {
      const signed = t.text !== 'unsigned';
      let size: 1 | 2 | 4 | 8 = t.text === 'short' ? 2 : t.text === 'long' ? 8 : 4;
      for (;;) {
        const n = this.peek()?.text;
        if (n === 'char') size = 1;
        else if (n === 'short') size = 2;
        else if (n === 'long') size = 8;
        else if (n === 'int' || n === 'signed' || n === 'unsigned') {
          /* no size change */
        } else break;
        this.take();
      }
      while (this.peek() && QUALIFIERS.has(this.peek()?.text ?? '')) this.take();
      return { kind: 'int', size, signed };
    }
    const known = BASE_INTS[t.text];
    if (known) {
      while (this.peek() && QUALIFIERS.has(this.peek()?.text ?? '')) this.take();
      return { kind: 'int', size: known.size, signed: known.signed };
    }
    const td = this.defs.typedefs.get(t.text);
    if (td) return td;
    throw new StopDefinition(diagnostic('unknownTypeInDefinition', t.span, t.text));
  }

  private recordSpecifier(keyword: 'struct' | 'union'): SizedType {
    let name = '';
    if (this.peek()?.kind === 'ident') name = this.take().text;
    const full = name ? `${keyword} ${name}` : `${keyword} (anonymous)`;
    if (!this.is('{')) {
      const known = this.defs.records.get(full);
      // A record not defined (yet): only usable behind a pointer; size unknown.
      return known ?? { kind: 'record', name: full, size: 0, fields: [] };
    }
    this.take();
    const fields: RecordField[] = [];
    let bitPos = 0; // struct: running position in bits
    let maxAlign = 1;
    let size = 0;
    while (!this.is('}')) {
      const base = this.baseType();
      if (this.is(';')) {
        // An anonymous struct/union member: its fields are lifted into this record.
        this.take();
        if (base.kind === 'record') {
          const a = alignOf(base);
          maxAlign = Math.max(maxAlign, a);
          const off = keyword === 'union' ? 0 : alignUp(Math.ceil(bitPos / 8), a);
          for (const f of base.fields) fields.push({ ...f, offset: f.offset + off });
          if (keyword === 'union') size = Math.max(size, base.size);
          else bitPos = (off + base.size) * 8;
        }
        continue;
      }
      for (;;) {
        const d = this.declarator(base);
        if (!d.name) this.fail(this.peek(), 'field without a name');
        const a = alignOf(d.type);
        maxAlign = Math.max(maxAlign, a);
        const fsize = sizeOfField(d.type);
        if (d.bits !== undefined) {
          const unitBits = fsize * 8;
          let start = keyword === 'union' ? 0 : bitPos;
          // A bitfield may not straddle a storage unit of its declared type.
          if (Math.floor(start / unitBits) !== Math.floor((start + d.bits - 1) / unitBits)) {
            start = alignUp(start, unitBits);
          }
          fields.push({
            name: d.name,
            offset: Math.floor(start / 8),
            type: d.type,
            bitOffset: start % 8,
            bitSize: d.bits,
          });
          if (keyword === 'union') size = Math.max(size, fsize);
          else bitPos = start + d.bits;
        } else {
          const off = keyword === 'union' ? 0 : alignUp(Math.ceil(bitPos / 8), a);
          fields.push({ name: d.name, offset: off, type: d.type });
          if (keyword === 'union') size = Math.max(size, fsize);
          else bitPos = (off + fsize) * 8;
        }
        if (this.is(',')) {
          this.take();
          continue;
        }
        break;
      }
      this.expect(';');
    }
    this.take(); // }
    if (keyword === 'struct') size = Math.ceil(bitPos / 8);
    const record: RecordType = {
      kind: 'record',
      name: full,
      size: alignUp(size, maxAlign),
      fields,
    };
    if (name) this.defs.records.set(full, record);
    return record;
  }

  private enumSpecifier(): SizedType {
    if (this.peek()?.kind === 'ident') this.take();
    if (this.is('{')) {
      this.take();
      let next = 0n;
      while (!this.is('}')) {
        const n = this.take();
        if (n.kind !== 'ident') this.fail(n, 'expected an enumerator name');
        if (this.is('=')) {
          this.take();
          let neg = false;
          if (this.is('-')) {
            this.take();
            neg = true;
          }
          const v = this.take();
          if (v.kind === 'int') next = neg ? -(v.int ?? 0n) : (v.int ?? 0n);
          else if (v.kind === 'ident' && this.defs.enumConstants.has(v.text))
            next = this.defs.enumConstants.get(v.text) ?? 0n;
          else this.fail(v, 'enumerator values must be integer literals');
        }
        this.defs.enumConstants.set(n.text, next);
        next++;
        if (this.is(',')) this.take();
        else if (!this.is('}')) this.fail(this.peek(), "expected ',' or '}'");
      }
      this.take();
    }
    return { kind: 'int', size: 4, signed: false };
  }

  /** `*`s, a name, `[N]`s and `: bits`. */
  private declarator(base: SizedType): { name: string; type: SizedType; bits?: number } {
    let type = base;
    while (this.is('*')) {
      this.take();
      while (this.peek() && QUALIFIERS.has(this.peek()?.text ?? '')) this.take();
      type = { kind: 'pointer', target: type, space: 'none' };
    }
    let name = '';
    if (this.peek()?.kind === 'ident') name = this.take().text;
    const dims: number[] = [];
    while (this.is('[')) {
      this.take();
      const n = this.take();
      if (n.kind !== 'int') this.fail(n, 'array sizes must be integer literals');
      dims.push(Number(n.int ?? 0n));
      this.expect(']');
    }
    for (let k = dims.length - 1; k >= 0; k--) {
      const count = dims[k] ?? 0;
      if (type.kind === 'int' && type.size === 1 && k === dims.length - 1) {
        // char[N] is a string, as bpftrace 0.17 treats char arrays.
        type = { kind: 'string', size: count };
      } else {
        type = { kind: 'array', elem: type, count, size: count * sizeOfField(type) };
      }
    }
    if (type.kind === 'record' && type.size === 0 && type.fields.length === 0) {
      this.fail(this.toks[this.i - 1], `'${type.name}' is not defined; use a pointer to it`);
    }
    if (this.is(':')) {
      this.take();
      const b = this.take();
      if (b.kind !== 'int') this.fail(b, 'bitfield widths must be integer literals');
      return { name, type, bits: Number(b.int ?? 0n) };
    }
    return { name, type };
  }
}

function sizeOfField(t: SizedType): number {
  switch (t.kind) {
    case 'int':
    case 'string':
    case 'array':
    case 'record':
      return t.size;
    case 'none':
      return 0;
    default:
      return 8;
  }
}

/** Parses one top-level definition (its tokens end with `;`); returns an error or nothing. */
export function parseCDefinition(tokens: Token[], defs: CDefinitions): Diagnostic | undefined {
  try {
    new CParser(tokens, defs).topLevel();
    return undefined;
  } catch (err) {
    if (err instanceof StopDefinition) {
      const first = tokens[0];
      const last = tokens[tokens.length - 1];
      if (first && last && err.d.code === 'E1011' && err.d.span === last.span) {
        return { ...err.d, span: join(first.span, last.span) };
      }
      return err.d;
    }
    throw err;
  }
}
