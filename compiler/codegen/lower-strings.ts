// String comparisons: ==/!= and strncmp byte by byte up to the NUL (against immediates when
// one side is a literal), strcontains unrolled for short strings and as a bounded loop for
// long ones.
import { alu, jmp, ldx } from '../bpf/index.js';
import type { Expr, Span } from '../front/ast.js';
import { stringBytes } from '../front/strings.js';
import { sizeOf } from '../types.js';
import { MapLowering } from './lower-maps.js';
import { CodegenError, type Operand, STRCONTAINS_UNROLL_MAX, typeOf } from './lowering-base.js';

export abstract class StringLowering extends MapLowering {
  /** String (or byte array) equality: jumps to `eq` or `ne`, never falls through. */
  protected compareMem(a: Expr, b: Expr, eq: string, ne: string, limit?: number): void {
    const { e } = this;
    const ta = typeOf(a);
    const tb = typeOf(b);
    // A literal on either side compares against immediates: no second buffer.
    if (b.kind === 'string' || a.kind === 'string') {
      const lit = (b.kind === 'string' ? b : a) as Expr & { kind: 'string' };
      const other = lit === b ? a : b;
      const otherSize = sizeOf(lit === b ? ta : tb);
      const mem = this.mem(other);
      const bytes = [...stringBytes(lit.value), 0];
      const n = Math.min(bytes.length, otherSize, limit ?? Infinity);
      const tmp = e.reg();
      for (let i = 0; i < n; i++) {
        e.emit(ldx.b(tmp, mem.base, mem.off + i), jmp.jne.imm(tmp, bytes[i] ?? 0, ne));
      }
      e.emit(jmp.ja(eq));
      return;
    }
    const ma = this.mem(a);
    const mb = this.mem(b);
    const sa = sizeOf(ta);
    const sb = sizeOf(tb);
    const n = Math.min(sa, sb, limit ?? Infinity);
    const x = e.reg();
    const y = e.reg();
    // Strings end at their NUL; arrays and tuples compare every byte.
    const strings = ta.kind === 'string' && tb.kind === 'string';
    for (let i = 0; i < n; i++) {
      e.emit(ldx.b(x, ma.base, ma.off + i), ldx.b(y, mb.base, mb.off + i), jmp.jne.reg(x, y, ne));
      if (strings) e.emit(jmp.jeq.imm(x, 0, eq));
    }
    if (limit === undefined || limit > n) {
      // The longer string must end where the shorter one does.
      if (sa > n) e.emit(ldx.b(x, ma.base, ma.off + n), jmp.jne.imm(x, 0, ne));
      if (sb > n) e.emit(ldx.b(y, mb.base, mb.off + n), jmp.jne.imm(y, 0, ne));
    }
    e.emit(jmp.ja(eq));
  }

  /** strncmp semantics as 0.17: 0 when the first n bytes are equal (up to a NUL), else 1. */
  protected streqValue(a: Expr, b: Expr, n: number): Operand {
    const { e } = this;
    const r = e.reg();
    const eq = e.newLabel('ncmpeq');
    const ne = e.newLabel('ncmpne');
    const done = e.newLabel('ncmp');
    this.compareMem(a, b, eq, ne, n);
    e.place(ne);
    e.emit(alu.mov.imm(r, 1), jmp.ja(done));
    e.place(eq);
    e.emit(alu.mov.imm(r, 0));
    e.place(done);
    return { kind: 'reg', reg: r };
  }

  /** strcontains(haystack, needle): 1 when the needle occurs, else 0. The needle must be a literal. */
  protected strcontains(h: Expr, n: Expr, span: Span): Operand {
    const { e } = this;
    if (n.kind !== 'string')
      throw new CodegenError(span, 'strcontains() needs a string literal as needle in bpfq');
    const needle = [...stringBytes(n.value)];
    const r = e.reg();
    const found = e.newLabel('found');
    const done = e.newLabel('contains');
    e.emit(alu.mov.imm(r, 1));
    if (needle.length === 0) return { kind: 'reg', reg: r };
    const hay = this.mem(h);
    const size = sizeOf(typeOf(h));
    const c = e.reg();
    const notFound = e.newLabel('absent');
    const positions = size - needle.length + 1;
    if (positions * (needle.length + 3) > STRCONTAINS_UNROLL_MAX) {
      // A bounded loop over start positions (the verifier walks it; kernels >= 5.3): the
      // index is compared against its bound first, so every byte read is in range.
      const i = e.reg();
      const p = e.reg();
      const top = e.newLabel('scan');
      const next = e.newLabel('scannext');
      e.emit(alu.mov.imm(i, 0));
      e.place(top);
      e.emit(
        jmp.jge.imm(i, positions, notFound),
        alu.mov.reg(p, hay.base),
        alu.add.imm(p, hay.off),
        alu.add.reg(p, i),
      );
      e.emit(ldx.b(c, p, 0), jmp.jeq.imm(c, 0, notFound));
      needle.forEach((byte, j) => {
        if (j > 0) e.emit(ldx.b(c, p, j));
        e.emit(jmp.jne.imm(c, byte, next));
      });
      e.emit(jmp.ja(found));
      e.place(next);
      e.emit(alu.add.imm(i, 1), jmp.ja(top));
      e.place(notFound);
      e.emit(alu.mov.imm(r, 0), jmp.ja(done));
      e.place(found);
      e.place(done);
      return { kind: 'reg', reg: r };
    }
    for (let i = 0; i + needle.length <= size; i++) {
      const next = e.newLabel('pos');
      // The haystack ends at its NUL: no match can start at or after it.
      e.emit(ldx.b(c, hay.base, hay.off + i), jmp.jeq.imm(c, 0, notFound));
      needle.forEach((byte, j) => {
        if (j > 0) e.emit(ldx.b(c, hay.base, hay.off + i + j));
        e.emit(jmp.jne.imm(c, byte, next));
      });
      e.emit(jmp.ja(found));
      e.place(next);
    }
    e.place(notFound);
    e.emit(alu.mov.imm(r, 0), jmp.ja(done));
    e.place(found);
    e.place(done);
    return { kind: 'reg', reg: r };
  }
}
