// Lowering of one probe block for one attach target into BPF instructions on virtual
// registers. Scalars (integers, pointers, stack ids, ...) live in registers; strings, tuples,
// records and events live in memory (stack, or the per-CPU scratch buffer when large).
//
// Each probe kind desugars its own context (tracepoint `args->f` = a ctx load at the field's
// offset, kprobe/uprobe `argN` = a pt_regs load, USDT arguments from their specs, kfunc
// arguments from the u64 ctx array), so the rest never special-cases them.
//
// Verifier rules followed everywhere: every map lookup is null-checked before use; helper
// arguments are set up last, right before the call (calls clobber r0-r5, which the register
// allocator knows); probe reads are bounded by constant sizes; stack accesses are aligned.
import {
  alu,
  alu32,
  call,
  exit,
  jmp,
  ld,
  ldx,
  R0,
  R1,
  R2,
  R10,
  st,
  type Item,
  type Reg,
} from '../bpf/index.js';
import type {
  Binary,
  Expr,
  FieldAccess,
  Probe,
  ResolvedField,
  Span,
  Statement,
} from '../front/ast.js';
import { sizeOf, type SizedType } from '../types.js';
import { stringBytes } from '../front/strings.js';
import { assert, assertNever, fail } from '../debug.js';
import { type Mem } from './emitter.js';
import { isScalar } from './layout.js';
import { addressOf, at, copy, storeBytes, storeImm, storeReg, zero } from './memory.js';
import { walkExpr } from './walk.js';
import { CallLowering } from './lower-calls.js';
import { CodegenError, type Operand, fitsImm32, imm, isSigned, typeOf } from './lowering-base.js';

export { CodegenError, type LowerInput } from './lowering-base.js';

export class ProbeLowering extends CallLowering {
  /** The program's items (virtual registers), with the scratch prologue when needed. */
  run(): Item[] {
    const { e, input } = this;
    const { probe } = input;
    e.emit(alu.mov.reg(this.ctx, R1));
    const prologueAt = e.items.length;
    this.initVariables(probe);
    if (probe.predicate) {
      const prev = e.at(probe.predicate.span);
      this.jumpIfFalse(probe.predicate, this.exitLabel);
      e.restoreSpan(prev);
    }
    this.statements(probe.body);
    e.place(this.exitLabel);
    e.emit(alu.mov.imm(R0, 0), exit());
    if (e.scratchUsed === 0) return e.items;
    // The scratch buffer: one per-CPU array entry looked up once; a failed lookup (which
    // cannot happen for index 0) ends the program, satisfying the verifier's null check.
    const saved = e.items.splice(prologueAt);
    const key = e.stackSlot(4, 0);
    assert(key !== undefined, 'no stack for the scratch key');
    e.emit(
      st.w(key.base, key.off, 0),
      ld.mapFd(R1, input.resources.scratchMap),
      alu.mov.reg(R2, R10),
      alu.add.imm(R2, key.off),
      call('map_lookup_elem'),
      jmp.jeq.imm(R0, 0, this.exitLabel),
      alu.mov.reg(e.scratchBase, R0),
    );
    // This program's region of the buffer; code generation patches the offset once every
    // program's needs are known (see runCodegen).
    e.scratchRegion = alu.add.imm(e.scratchBase, 0);
    e.items.push(e.scratchRegion);
    for (const item of saved) e.items.push(item);
    return e.items;
  }

  /** Every variable gets its storage up front; variables first assigned under a condition are zeroed so no path reads them uninitialised. */
  protected initVariables(probe: Probe): void {
    // A variable needs no zeroing when the first statement that mentions it is a top-level
    // assignment not reading it: every path then writes it before any read.
    const topLevel = new Set<string>();
    const seen = new Set<string>();
    for (const s of probe.body) {
      if (s.kind === 'assign' && s.target.kind === 'variable' && !seen.has(s.target.name)) {
        if (!mentions(s.value, s.target.name)) topLevel.add(s.target.name);
      }
      for (const name of mentionedVariables(s)) seen.add(name);
    }
    if (probe.predicate) for (const name of exprVariables(probe.predicate)) topLevel.delete(name);
    for (const [name, type] of probe.variables) {
      if (isScalar(type)) {
        const reg = this.e.reg();
        this.vars.set(name, { kind: 'reg', reg });
        if (!topLevel.has(name)) this.e.emit(alu.mov.imm(reg, 0));
      } else {
        const size = sizeOf(type);
        const mem = this.e.alloc(size);
        this.vars.set(name, { kind: 'mem', mem, size });
        if (!topLevel.has(name)) zero(this.e, mem, size);
      }
    }
  }

  protected statements(stmts: readonly Statement[]): void {
    for (const s of stmts) this.statement(s);
  }

  protected statement(s: Statement): void {
    const { e } = this;
    const prev = e.at(s.span);
    switch (s.kind) {
      case 'exprStmt':
        this.effect(s.expr);
        break;
      case 'assign':
        if (s.target.kind === 'map') this.mapAssign(s.target, s.value);
        else this.varAssign(s.target.name, s.value, s.span);
        break;
      case 'if': {
        const elseLabel = e.newLabel('else');
        const end = e.newLabel('endif');
        this.jumpIfFalse(s.cond, s.else ? elseLabel : end);
        this.statements(s.then);
        if (s.else) {
          e.emit(jmp.ja(end));
          e.place(elseLabel);
          this.statements(s.else);
        }
        e.place(end);
        break;
      }
      case 'unroll': {
        const n = s.count ?? 0;
        for (let i = 0; i < n; i++) this.statements(s.body);
        break;
      }
      case 'while': {
        const top = e.newLabel('while');
        const end = e.newLabel('endwhile');
        e.place(top);
        this.jumpIfFalse(s.cond, end);
        this.loops.push({ brk: end, cont: top });
        this.statements(s.body);
        this.loops.pop();
        e.emit(jmp.ja(top));
        e.place(end);
        break;
      }
      case 'break':
      case 'continue': {
        const loop = this.loops[this.loops.length - 1];
        if (!loop) throw new CodegenError(s.span, `${s.kind} used outside of a loop`);
        e.emit(jmp.ja(s.kind === 'break' ? loop.brk : loop.cont));
        break;
      }
      case 'return':
        e.emit(jmp.ja(this.exitLabel));
        break;
      case 'block':
        this.statements(s.body);
        break;
      default:
        assertNever(s, 'statement');
    }
    e.restoreSpan(prev);
  }

  /** An expression evaluated for its effect (a call, `@x++`). */
  protected effect(x: Expr): void {
    if (x.kind === 'call') {
      this.callEffect(x);
      return;
    }
    if (x.kind === 'incdec') {
      this.incdec(x);
      return;
    }
    if (isScalar(typeOf(x))) this.scalar(x);
    else this.mem(x);
  }

  protected varAssign(name: string, value: Expr, span: Span): void {
    const slot = this.variable(name, span);
    if (slot.kind === 'reg') {
      const v = this.scalar(value);
      this.e.emit(v.kind === 'imm' ? this.movImm(slot.reg, v.value) : alu.mov.reg(slot.reg, v.reg));
      return;
    }
    if (value.kind === 'variable' && value.name === name) return;
    if (mentions(value, name)) {
      // `$t = ($t.1, $t.0)`: build the new value apart, or writing it would clobber its input.
      const tmp = this.e.alloc(slot.size);
      this.into(value, tmp, slot.size);
      copy(this.e, slot.mem, tmp, slot.size);
      return;
    }
    this.into(value, slot.mem, slot.size);
  }

  protected scalar(x: Expr): Operand {
    const prev = this.e.at(x.span);
    try {
      return this.scalarInner(x);
    } finally {
      this.e.restoreSpan(prev);
    }
  }

  protected scalarInner(x: Expr): Operand {
    const { e } = this;
    switch (x.kind) {
      case 'integer':
        return imm(x.value);
      case 'sizeof':
        return imm(x.size ?? 0);
      case 'builtin':
        return this.builtinScalar(x.name, x.index, typeOf(x), x.span);
      case 'variable': {
        const slot = this.variable(x.name, x.span);
        if (slot.kind === 'reg') return { kind: 'reg', reg: slot.reg };
        fail(`variable ${x.name} is not a scalar`);
        break;
      }
      case 'map':
        return this.mapReadScalar(x);
      case 'call':
        return this.callScalar(x);
      case 'binary':
        return this.binary(x);
      case 'unary': {
        const t = typeOf(x);
        if (x.op === '*') return this.derefScalar(x.operand, t);
        if (x.op === '!') return this.boolValue(x);
        const r = this.fresh(x.operand);
        e.emit(x.op === '-' ? alu.neg(r) : alu.xor.imm(r, -1));
        return { kind: 'reg', reg: r };
      }
      case 'incdec':
        return this.incdec(x);
      case 'ternary': {
        const r = e.reg();
        const elseLabel = e.newLabel('telse');
        const end = e.newLabel('tend');
        this.jumpIfFalse(x.cond, elseLabel);
        const a = this.scalar(x.then);
        e.emit(a.kind === 'imm' ? this.movImm(r, a.value) : alu.mov.reg(r, a.reg), jmp.ja(end));
        e.place(elseLabel);
        const b = this.scalar(x.else);
        e.emit(b.kind === 'imm' ? this.movImm(r, b.value) : alu.mov.reg(r, b.reg));
        e.place(end);
        return { kind: 'reg', reg: r };
      }
      case 'field':
        return this.fieldScalar(x);
      case 'index': {
        const t = typeOf(x);
        const baseType = typeOf(x.base);
        const idx = this.scalar(x.index);
        if (baseType.kind === 'pointer') {
          const addr = this.fresh(x.base);
          this.addScaled(addr, idx, sizeOf(t));
          return this.readScalarAt(addr, baseType.space, t);
        }
        if (idx.kind !== 'imm')
          throw new CodegenError(x.index.span, 'array index must be a constant in bpftrace 0.17');
        const base = this.mem(x.base);
        return this.loadScalar(at(base, Number(idx.value) * sizeOf(t)), t);
      }
      case 'tupleAccess': {
        const bt = typeOf(x.base);
        assert(bt.kind === 'tuple', 'tuple access on a non-tuple');
        const base = this.mem(x.base);
        return this.loadScalar(at(base, bt.offsets[x.index] ?? 0), typeOf(x));
      }
      case 'cast':
        return this.cast(x.operand, typeOf(x));
      case 'string':
      case 'tuple':
      case 'positional':
      case 'identifier':
        throw new CodegenError(x.span, `${x.kind} is not a scalar value`);
      default:
        return assertNever(x, 'expression');
    }
  }

  protected cast(operand: Expr, t: SizedType): Operand {
    if (t.kind === 'pointer' && !isScalar(typeOf(operand))) {
      // A value held in memory (`(struct P *)comm`) casts to the address of its bytes.
      return { kind: 'reg', reg: addressOf(this.e, this.mem(operand)) };
    }
    const v = this.scalar(operand);
    if (t.kind !== 'int' || t.size === 8) return v;
    if (v.kind === 'imm') {
      const bits = t.size * 8;
      return imm(t.signed ? BigInt.asIntN(bits, v.value) : BigInt.asUintN(bits, v.value));
    }
    const r = this.fresh(v);
    if (t.size === 4 && !t.signed) {
      this.e.emit(alu32.mov.reg(r, r));
    } else if (!t.signed) {
      this.e.emit(alu.and.imm(r, t.size === 1 ? 0xff : 0xffff));
    } else {
      const shift = 64 - t.size * 8;
      this.e.emit(alu.lsh.imm(r, shift), alu.arsh.imm(r, shift));
    }
    return { kind: 'reg', reg: r };
  }

  protected static readonly ARITH: Record<
    string,
    (d: Reg, s: Reg) => ReturnType<typeof alu.add.reg>
  > = {
    '+': alu.add.reg,
    '-': alu.sub.reg,
    '*': alu.mul.reg,
    '/': alu.div.reg,
    '%': alu.mod.reg,
    '&': alu.and.reg,
    '|': alu.or.reg,
    '^': alu.xor.reg,
    '<<': alu.lsh.reg,
    '>>': alu.rsh.reg,
  };

  protected static readonly ARITH_IMM: Record<
    string,
    (d: Reg, k: number) => ReturnType<typeof alu.add.imm>
  > = {
    '+': alu.add.imm,
    '-': alu.sub.imm,
    '*': alu.mul.imm,
    '/': alu.div.imm,
    '%': alu.mod.imm,
    '&': alu.and.imm,
    '|': alu.or.imm,
    '^': alu.xor.imm,
    '<<': alu.lsh.imm,
    '>>': alu.rsh.imm,
  };

  protected binary(x: Binary): Operand {
    const op = x.op;
    const viaReg = ProbeLowering.ARITH[op];
    const viaImm = ProbeLowering.ARITH_IMM[op];
    if (viaReg === undefined || viaImm === undefined) return this.boolValue(x);
    // 0.17 divides and shifts right unsigned (LLVM udiv/lshr), as BPF_DIV/BPF_RSH do.
    let l = this.leftOperand(x.left, x.right);
    let r = this.scalar(x.right);
    // Pointer arithmetic as in C and 0.17: `p + n`, `n + p` and `p - n` move by n pointees.
    if (op === '+' || op === '-') {
      const lt = typeOf(x.left);
      const rt = typeOf(x.right);
      if (lt.kind === 'pointer' && rt.kind !== 'pointer') r = this.scaled(r, sizeOf(lt.target));
      else if (rt.kind === 'pointer' && lt.kind !== 'pointer')
        l = this.scaled(l, sizeOf(rt.target));
    }
    if (l.kind === 'imm' && r.kind === 'imm') {
      const folded = foldArith(op, l.value, r.value);
      if (folded !== undefined) return imm(folded);
    }
    const dst = this.fresh(l);
    if (r.kind === 'imm' && fitsImm32(r.value) && !((op === '/' || op === '%') && r.value === 0n)) {
      this.e.emit(viaImm(dst, Number(r.value)));
    } else {
      this.e.emit(viaReg(dst, this.toReg(r)));
    }
    return { kind: 'reg', reg: dst };
  }

  /** An integer operand times a pointee's size (a fresh register, or a folded constant). */
  protected scaled(v: Operand, size: number): Operand {
    if (size === 1) return v;
    if (v.kind === 'imm') return imm(BigInt.asIntN(64, v.value * BigInt(size)));
    const r = this.fresh(v);
    this.e.emit(alu.mul.imm(r, size));
    return { kind: 'reg', reg: r };
  }

  /**
   * The left operand of a binary operator. A variable's register is used as is, unless the
   * right operand changes variables (`$i + $i++`): then the left value is copied first, so
   * the operator sees it as it was (left-to-right, as bpftrace 0.17 evaluates).
   */
  protected leftOperand(left: Expr, right: Expr): Operand {
    const l = this.scalar(left);
    if (l.kind !== 'reg' || !hasIncDec(right)) return l;
    return { kind: 'reg', reg: this.fresh(l) };
  }

  /** 0 or 1 from a condition. */
  protected boolValue(x: Expr): Operand {
    const r = this.e.reg();
    const done = this.e.newLabel('bool');
    this.e.emit(alu.mov.imm(r, 1));
    this.jumpIfTrue(x, done);
    this.e.emit(alu.mov.imm(r, 0));
    this.e.place(done);
    return { kind: 'reg', reg: r };
  }

  protected jumpIfFalse(x: Expr, target: string): void {
    this.branch(x, target, false);
  }

  protected jumpIfTrue(x: Expr, target: string): void {
    this.branch(x, target, true);
  }

  /** Jumps to `target` when `x` is `when`; falls through otherwise. */
  protected branch(x: Expr, target: string, when: boolean): void {
    const { e } = this;
    if (x.kind === 'unary' && x.op === '!') {
      this.branch(x.operand, target, !when);
      return;
    }
    if (x.kind === 'binary' && (x.op === '&&' || x.op === '||')) {
      // (a && b) false <=> a false || b false; (a || b) true <=> a true || b true.
      const direct = (x.op === '&&') !== when;
      if (direct) {
        this.branch(x.left, target, when);
        this.branch(x.right, target, when);
      } else {
        const skip = e.newLabel('sc');
        this.branch(x.left, skip, !when);
        this.branch(x.right, target, when);
        e.place(skip);
      }
      return;
    }
    if (x.kind === 'binary' && isComparison(x.op)) {
      const lt = typeOf(x.left);
      if (!isScalar(lt)) {
        if (x.op !== '==' && x.op !== '!=')
          throw new CodegenError(x.span, `'${x.op}' on strings is not supported`);
        const eqLabel = e.newLabel('streq');
        const neLabel = e.newLabel('strne');
        this.compareMem(x.left, x.right, eqLabel, neLabel);
        const equalIsTrue = x.op === '==';
        // compareMem falls through to neither: place both outcomes.
        e.place(neLabel);
        if (equalIsTrue !== when) e.emit(jmp.ja(target));
        const end = e.newLabel('strend');
        e.emit(jmp.ja(end));
        e.place(eqLabel);
        if (equalIsTrue === when) e.emit(jmp.ja(target));
        e.place(end);
        return;
      }
      const signed = isSigned(lt) && isSigned(typeOf(x.right));
      const l = this.leftOperand(x.left, x.right);
      const r = this.scalar(x.right);
      const op = when ? x.op : negate(x.op);
      const j = jumpOp(op, signed);
      if (r.kind === 'imm' && fitsImm32(r.value))
        e.emit(j.imm(this.toReg(l), Number(r.value), target));
      else e.emit(j.reg(this.toReg(l), this.toReg(r), target));
      return;
    }
    const v = this.scalar(x);
    if (v.kind === 'imm') {
      if ((v.value !== 0n) === when) e.emit(jmp.ja(target));
      return;
    }
    e.emit(when ? jmp.jne.imm(v.reg, 0, target) : jmp.jeq.imm(v.reg, 0, target));
  }

  /** The bytes of a memory-typed expression (a variable's own storage, or a new buffer). */
  protected mem(x: Expr): Mem {
    if (x.kind === 'variable') {
      const slot = this.variable(x.name, x.span);
      if (slot.kind === 'mem') return slot.mem;
    }
    const t = typeOf(x);
    const size = Math.max(sizeOf(t), 1);
    const m = this.e.alloc(size);
    this.into(x, m, size);
    return m;
  }

  /**
   * Writes the value of `x` into exactly `size` bytes at `dst` (zero-padded when the value is
   * shorter, as a string literal stored into a 64-byte key). Scalars take `size` bytes.
   */
  protected into(x: Expr, dst: Mem, size: number): void {
    const prev = this.e.at(x.span);
    try {
      this.intoInner(x, dst, size);
    } finally {
      this.e.restoreSpan(prev);
    }
  }

  protected intoInner(x: Expr, dst: Mem, size: number): void {
    const { e } = this;
    const t = typeOf(x);
    const own = sizeOf(t);
    const pad = () => {
      if (size > own) zero(e, at(dst, own), size - own);
    };
    if (isScalar(t)) {
      const v = this.scalar(x);
      const w = size >= 8 ? 8 : size === 4 || size === 2 || size === 1 ? size : 8;
      if (v.kind === 'imm') storeImm(e, dst, v.value, w);
      else storeReg(e, dst, v.reg, w);
      if (size > 8) zero(e, at(dst, 8), size - 8);
      return;
    }
    switch (x.kind) {
      case 'string': {
        const bytes = new Uint8Array([...stringBytes(x.value), 0]).subarray(0, size);
        storeBytes(e, dst, bytes);
        if (size > bytes.length) zero(e, at(dst, bytes.length), size - bytes.length);
        return;
      }
      case 'builtin':
        if (x.name === 'comm') {
          const n = Math.min(16, size);
          this.helper('get_current_comm', [addressOf(e, dst), imm(n)]);
          if (size > n) zero(e, at(dst, n), size - n);
          return;
        }
        if (x.name === 'func') {
          // uprobe `func`: usym {u64 address; u64 pid}.
          this.usymInto(this.builtinScalar('func', undefined, { kind: 'ksym' }, x.span), dst);
          pad();
          return;
        }
        if (x.name === 'args' || x.name === 'arg') break;
        break;
      case 'variable': {
        const slot = this.variable(x.name, x.span);
        if (slot.kind === 'mem') {
          copy(e, dst, slot.mem, Math.min(slot.size, size));
          if (size > slot.size) zero(e, at(dst, slot.size), size - slot.size);
          return;
        }
        break;
      }
      case 'map':
        this.mapReadInto(x, dst, size);
        return;
      case 'call':
        this.callInto(x, dst, size);
        return;
      case 'tuple': {
        assert(t.kind === 'tuple', 'tuple literal without a tuple type');
        zero(e, dst, size);
        x.elems.forEach((el, i) => {
          const ft = t.fields[i] ?? typeOf(el);
          this.into(el, at(dst, t.offsets[i] ?? 0), sizeOf(ft));
        });
        return;
      }
      case 'ternary': {
        const elseLabel = e.newLabel('melse');
        const end = e.newLabel('mend');
        this.jumpIfFalse(x.cond, elseLabel);
        this.into(x.then, dst, size);
        e.emit(jmp.ja(end));
        e.place(elseLabel);
        this.into(x.else, dst, size);
        e.place(end);
        return;
      }
      case 'field':
        this.fieldInto(x, dst, size);
        return;
      case 'tupleAccess': {
        const bt = typeOf(x.base);
        assert(bt.kind === 'tuple', 'tuple access on a non-tuple');
        const base = this.mem(x.base);
        copy(e, dst, at(base, bt.offsets[x.index] ?? 0), Math.min(own, size));
        pad();
        return;
      }
      case 'unary':
        if (x.op === '*') {
          const pt = typeOf(x.operand);
          const addr = this.toReg(this.scalar(x.operand));
          this.probeRead(dst, Math.min(own, size), addr, pt.kind === 'pointer' ? pt.space : 'none');
          pad();
          return;
        }
        break;
      case 'index': {
        const bt = typeOf(x.base);
        const idx = this.scalar(x.index);
        if (bt.kind === 'pointer') {
          const addr = this.fresh(x.base);
          this.addScaled(addr, idx, own);
          this.probeRead(dst, Math.min(own, size), addr, bt.space);
          pad();
          return;
        }
        if (idx.kind !== 'imm')
          throw new CodegenError(x.index.span, 'array index must be a constant in bpftrace 0.17');
        const base = this.mem(x.base);
        copy(e, dst, at(base, Number(idx.value) * own), Math.min(own, size));
        pad();
        return;
      }
      case 'cast': {
        const src = this.mem(x.operand);
        copy(e, dst, src, Math.min(sizeOf(typeOf(x.operand)), size));
        pad();
        return;
      }
      default:
        break;
    }
    throw new CodegenError(x.span, `cannot generate code for a ${x.kind} of type ${t.kind}`);
  }

  protected field(x: FieldAccess): ResolvedField {
    const f = x.perTarget?.[this.input.targetIndex] ?? x.resolved;
    if (!f) throw new CodegenError(x.span, `field ${x.field} was not resolved`);
    return f;
  }

  /** `args->f` (tracepoint: the ctx record; kfunc: the u64 ctx array) reads ctx directly. */
  protected isCtxArgs(x: FieldAccess): boolean {
    return x.base.kind === 'builtin' && x.base.name === 'args';
  }

  protected fieldScalar(x: FieldAccess): Operand {
    const { e } = this;
    const f = this.field(x);
    const t = f.type;
    if (this.isCtxArgs(x)) {
      if (this.input.target.provider === 'uprobe') return this.uprobeArg(f.offset, t, x.span);
      if (f.dataLoc) {
        // __data_loc: a u32 (len << 16 | offset from the record start); the value is a pointer.
        const r = e.reg();
        e.emit(ldx.w(r, this.ctx, f.offset), alu.and.imm(r, 0xffff), alu.add.reg(r, this.ctx));
        return { kind: 'reg', reg: r };
      }
      const v = this.loadScalar({ base: this.ctx, off: f.offset }, t);
      return this.bitfield(v, f);
    }
    const bt = typeOf(x.base);
    if (bt.kind === 'pointer') {
      const addr = this.fresh(x.base);
      if (f.offset !== 0) e.emit(alu.add.imm(addr, f.offset));
      return this.bitfield(this.readScalarAt(addr, bt.space, t), f);
    }
    const base = this.mem(x.base);
    return this.bitfield(this.loadScalar(at(base, f.offset), t), f);
  }

  protected bitfield(v: Operand, f: ResolvedField): Operand {
    if (f.bitSize === undefined) return v;
    const r = this.fresh(v);
    if ((f.bitOffset ?? 0) > 0) this.e.emit(alu.rsh.imm(r, f.bitOffset ?? 0));
    if (f.type.kind === 'int' && f.type.signed && f.bitSize < 64) {
      // A signed bitfield (`int c : 7`): its top bit is the sign.
      const shift = 64 - f.bitSize;
      this.e.emit(alu.lsh.imm(r, shift), alu.arsh.imm(r, shift));
    } else if (f.bitSize < 32) this.e.emit(alu.and.imm(r, (1 << f.bitSize) - 1));
    else if (f.bitSize < 64) {
      const shift = 64 - f.bitSize;
      this.e.emit(alu.lsh.imm(r, shift), alu.rsh.imm(r, shift));
    }
    return { kind: 'reg', reg: r };
  }

  protected fieldInto(x: FieldAccess, dst: Mem, size: number): void {
    const { e } = this;
    const f = this.field(x);
    const n = Math.min(sizeOf(f.type), size);
    if (this.isCtxArgs(x)) {
      // uprobe parameters are scalars (records by value are rejected by resolve types).
      if (this.input.target.provider === 'uprobe')
        throw new CodegenError(x.span, `uprobe argument ${x.field} is not a scalar`);
      copy(e, dst, { base: this.ctx, off: f.offset }, n);
    } else {
      const bt = typeOf(x.base);
      if (bt.kind === 'pointer') {
        const addr = this.fresh(x.base);
        if (f.offset !== 0) e.emit(alu.add.imm(addr, f.offset));
        this.probeRead(dst, n, addr, bt.space);
      } else {
        const base = this.mem(x.base);
        copy(e, dst, at(base, f.offset), n);
      }
    }
    if (size > n) zero(e, at(dst, n), size - n);
  }

  protected derefScalar(operand: Expr, t: SizedType): Operand {
    const pt = typeOf(operand);
    const addr = this.toReg(this.scalar(operand));
    return this.readScalarAt(addr, pt.kind === 'pointer' ? pt.space : 'none', t);
  }
}

function hasIncDec(x: Expr): boolean {
  let found = false;
  walkExpr(x, (e) => {
    if (e.kind === 'incdec') found = true;
  });
  return found;
}

function exprVariables(x: Expr): Set<string> {
  const out = new Set<string>();
  walkExpr(x, (e) => {
    if (e.kind === 'variable') out.add(e.name);
  });
  return out;
}

function mentions(x: Expr, name: string): boolean {
  return exprVariables(x).has(name);
}

function mentionedVariables(s: Statement): Set<string> {
  const out = new Set<string>();
  const add = (x: Expr) => exprVariables(x).forEach((n) => out.add(n));
  const visit = (st: Statement): void => {
    switch (st.kind) {
      case 'exprStmt':
        add(st.expr);
        break;
      case 'assign':
        add(st.target);
        add(st.value);
        break;
      case 'if':
        add(st.cond);
        st.then.forEach(visit);
        st.else?.forEach(visit);
        break;
      case 'while':
        add(st.cond);
        st.body.forEach(visit);
        break;
      case 'unroll':
      case 'block':
        st.body.forEach(visit);
        break;
      default:
        break;
    }
  };
  visit(s);
  return out;
}

function isComparison(op: string): op is '==' | '!=' | '<' | '<=' | '>' | '>=' {
  return op === '==' || op === '!=' || op === '<' || op === '<=' || op === '>' || op === '>=';
}

function negate(op: '==' | '!=' | '<' | '<=' | '>' | '>='): '==' | '!=' | '<' | '<=' | '>' | '>=' {
  switch (op) {
    case '==':
      return '!=';
    case '!=':
      return '==';
    case '<':
      return '>=';
    case '<=':
      return '>';
    case '>':
      return '<=';
    case '>=':
      return '<';
  }
}

function jumpOp(op: '==' | '!=' | '<' | '<=' | '>' | '>=', signed: boolean) {
  switch (op) {
    case '==':
      return jmp.jeq;
    case '!=':
      return jmp.jne;
    case '<':
      return signed ? jmp.jslt : jmp.jlt;
    case '<=':
      return signed ? jmp.jsle : jmp.jle;
    case '>':
      return signed ? jmp.jsgt : jmp.jgt;
    case '>=':
      return signed ? jmp.jsge : jmp.jge;
  }
}

/** Constant folding with BPF's 64-bit semantics (unsigned divide, x/0 = 0, x%0 = x). */
function foldArith(op: string, a: bigint, b: bigint): bigint | undefined {
  const u = (v: bigint) => BigInt.asUintN(64, v);
  const s = (v: bigint) => BigInt.asIntN(64, v);
  switch (op) {
    case '+':
      return s(a + b);
    case '-':
      return s(a - b);
    case '*':
      return s(a * b);
    case '/':
      return b === 0n ? 0n : s(u(a) / u(b));
    case '%':
      return b === 0n ? a : s(u(a) % u(b));
    case '&':
      return s(a & b);
    case '|':
      return s(a | b);
    case '^':
      return s(a ^ b);
    case '<<':
      return s(u(a) << (u(b) & 63n));
    case '>>':
      return s(u(a) >> (u(b) & 63n));
    default:
      return undefined;
  }
}
