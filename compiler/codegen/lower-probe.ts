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
  R3,
  R4,
  R5,
  R10,
  st,
  stx,
  type HelperName,
  type Item,
  type Reg,
} from '../bpf/index.js';
import type {
  Binary,
  Call,
  CheckedProgram,
  Expr,
  FieldAccess,
  IncDec,
  MapRef,
  Probe,
  ProbeTarget,
  ResolvedField,
  Span,
  Statement,
} from '../front/ast.js';
import type { CompilerHost, UsdtArgument } from '../host.js';
import { sizeOf, type AddressSpace, type SizedType } from '../types.js';
import { assert, assertNever, fail } from '../debug.js';
import { Emitter, type Mem } from './emitter.js';
import { isScalar } from './layout.js';
import { addressOf, at, copy, load, storeBytes, storeImm, storeReg, zero } from './memory.js';
import { argOffset, IP_OFFSET, ptRegsOffset, RETVAL_OFFSET, SP_OFFSET } from './pt-regs.js';
import { ASYNC_ACTION, JOIN_ARGS, type Resources, type UserMap } from './resources.js';
import { walkExpr } from './walk.js';

/** A user-facing limitation found while lowering (reported as a diagnostic, not a crash). */
export class CodegenError extends Error {
  override name = 'CodegenError';
  constructor(
    readonly span: Span,
    message: string,
  ) {
    super(message);
  }
}

export interface LowerInput {
  program: CheckedProgram;
  probe: Probe;
  target: ProbeTarget;
  /** Index of `target` in probe.targets (tracepoint fields differ per target). */
  targetIndex: number;
  /** Index of this program's name in Artifact.probeNames (the `probe` builtin). */
  probeIndex: number;
  resources: Resources;
  host: CompilerHost;
  /** The -c child's pid, for `cpid`; 0 when there is none. */
  cpid: number;
}

type Operand = { kind: 'imm'; value: bigint } | { kind: 'reg'; reg: Reg };

type VarSlot = { kind: 'reg'; reg: Reg } | { kind: 'mem'; mem: Mem; size: number };

const BPF_F_USER_STACK = 256;
/** Above this many instructions strcontains() scans in a loop instead of unrolling. */
const STRCONTAINS_UNROLL_MAX = 256;
const BPF_ANY = 0;
const AF_INET = 2;

function imm(value: bigint | number): Operand {
  return { kind: 'imm', value: BigInt(value) };
}

function fitsImm32(v: bigint): boolean {
  return v >= -0x80000000n && v <= 0x7fffffffn;
}

function typeOf(e: Expr): SizedType {
  assert(e.type !== undefined, `expression at ${e.span.line}:${e.span.column} has no type`);
  return e.type;
}

function isSigned(t: SizedType): boolean {
  return t.kind === 'int' ? t.signed : 'signed' in t ? t.signed : false;
}

function intWidth(t: SizedType): 1 | 2 | 4 | 8 {
  const s = sizeOf(t);
  return s === 1 || s === 2 || s === 4 ? s : 8;
}

export class ProbeLowering {
  readonly e = new Emitter();
  private readonly ctx: Reg;
  private readonly vars = new Map<string, VarSlot>();
  private readonly loops: { brk: string; cont: string }[] = [];
  private readonly exitLabel: string;

  constructor(private readonly input: LowerInput) {
    this.ctx = this.e.reg();
    this.exitLabel = this.e.newLabel('exit');
  }

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
    for (const item of saved) e.items.push(item);
    return e.items;
  }

  // ------------------------------------------------------------------------------------
  // Variables

  /** Every variable gets its storage up front; variables first assigned under a condition are zeroed so no path reads them uninitialised. */
  private initVariables(probe: Probe): void {
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

  private variable(name: string, span: Span): VarSlot {
    const v = this.vars.get(name);
    if (!v) throw new CodegenError(span, `variable ${name} has no type`);
    return v;
  }

  // ------------------------------------------------------------------------------------
  // Statements

  private statements(stmts: readonly Statement[]): void {
    for (const s of stmts) this.statement(s);
  }

  private statement(s: Statement): void {
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
  private effect(x: Expr): void {
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

  private varAssign(name: string, value: Expr, span: Span): void {
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

  // ------------------------------------------------------------------------------------
  // Scalars

  private movImm(dst: Reg, v: bigint) {
    return fitsImm32(BigInt.asIntN(64, v)) ? alu.mov.imm(dst, Number(BigInt.asIntN(64, v))) : ld.imm64(dst, v);
  }

  /** A scalar in a register the caller may modify. */
  private fresh(x: Expr | Operand): Reg {
    const v = isOperand(x) ? x : this.scalar(x);
    const r = this.e.reg();
    this.e.emit(v.kind === 'imm' ? this.movImm(r, v.value) : alu.mov.reg(r, v.reg));
    return r;
  }

  private toReg(v: Operand): Reg {
    if (v.kind === 'reg') return v.reg;
    const r = this.e.reg();
    this.e.emit(this.movImm(r, v.value));
    return r;
  }

  private scalar(x: Expr): Operand {
    const prev = this.e.at(x.span);
    try {
      return this.scalarInner(x);
    } finally {
      this.e.restoreSpan(prev);
    }
  }

  private scalarInner(x: Expr): Operand {
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
        if (idx.kind !== 'imm') throw new CodegenError(x.index.span, 'array index must be a constant in bpftrace 0.17');
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

  private loadScalar(mem: Mem, t: SizedType): Operand {
    return { kind: 'reg', reg: load(this.e, mem, intWidth(t), isSigned(t)) };
  }

  private cast(operand: Expr, t: SizedType): Operand {
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

  private addScaled(addr: Reg, idx: Operand, scale: number): void {
    if (idx.kind === 'imm') {
      const off = idx.value * BigInt(scale);
      if (off !== 0n) this.e.emit(fitsImm32(off) ? alu.add.imm(addr, Number(off)) : alu.add.reg(addr, this.toReg(imm(off))));
      return;
    }
    const t = this.fresh(idx);
    if (scale !== 1) this.e.emit(alu.mul.imm(t, scale));
    this.e.emit(alu.add.reg(addr, t));
  }

  private static readonly ARITH: Record<string, (d: Reg, s: Reg) => ReturnType<typeof alu.add.reg>> = {
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
  private static readonly ARITH_IMM: Record<string, (d: Reg, k: number) => ReturnType<typeof alu.add.imm>> = {
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

  private binary(x: Binary): Operand {
    const op = x.op;
    const viaReg = ProbeLowering.ARITH[op];
    const viaImm = ProbeLowering.ARITH_IMM[op];
    if (viaReg === undefined || viaImm === undefined) return this.boolValue(x);
    // 0.17 divides and shifts right unsigned (LLVM udiv/lshr), as BPF_DIV/BPF_RSH do.
    const l = this.scalar(x.left);
    const r = this.scalar(x.right);
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

  /** 0 or 1 from a condition. */
  private boolValue(x: Expr): Operand {
    const r = this.e.reg();
    const done = this.e.newLabel('bool');
    this.e.emit(alu.mov.imm(r, 1));
    this.jumpIfTrue(x, done);
    this.e.emit(alu.mov.imm(r, 0));
    this.e.place(done);
    return { kind: 'reg', reg: r };
  }

  // ------------------------------------------------------------------------------------
  // Conditions: real branches, short-circuit.

  private jumpIfFalse(x: Expr, target: string): void {
    this.branch(x, target, false);
  }

  private jumpIfTrue(x: Expr, target: string): void {
    this.branch(x, target, true);
  }

  /** Jumps to `target` when `x` is `when`; falls through otherwise. */
  private branch(x: Expr, target: string, when: boolean): void {
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
        if (x.op !== '==' && x.op !== '!=') throw new CodegenError(x.span, `'${x.op}' on strings is not supported`);
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
      const l = this.scalar(x.left);
      const r = this.scalar(x.right);
      const op = when ? x.op : negate(x.op);
      const j = jumpOp(op, signed);
      if (r.kind === 'imm' && fitsImm32(r.value)) e.emit(j.imm(this.toReg(l), Number(r.value), target));
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

  /** String (or byte array) equality: jumps to `eq` or `ne`, never falls through. */
  private compareMem(a: Expr, b: Expr, eq: string, ne: string, limit?: number): void {
    const { e } = this;
    const ta = typeOf(a);
    const tb = typeOf(b);
    // A literal on either side compares against immediates: no second buffer.
    if (b.kind === 'string' || a.kind === 'string') {
      const lit = (b.kind === 'string' ? b : a) as Expr & { kind: 'string' };
      const other = lit === b ? a : b;
      const otherSize = sizeOf(lit === b ? ta : tb);
      const mem = this.mem(other);
      const bytes = [...Buffer.from(lit.value, 'utf8'), 0];
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

  // ------------------------------------------------------------------------------------
  // Memory values

  /** The bytes of a memory-typed expression (a variable's own storage, or a new buffer). */
  private mem(x: Expr): Mem {
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
  private into(x: Expr, dst: Mem, size: number): void {
    const prev = this.e.at(x.span);
    try {
      this.intoInner(x, dst, size);
    } finally {
      this.e.restoreSpan(prev);
    }
  }

  private intoInner(x: Expr, dst: Mem, size: number): void {
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
        const bytes = new Uint8Array([...Buffer.from(x.value, 'utf8'), 0]).subarray(0, size);
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
        if (idx.kind !== 'imm') throw new CodegenError(x.index.span, 'array index must be a constant in bpftrace 0.17');
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

  private usymInto(addr: Operand, dst: Mem): void {
    const { e } = this;
    if (addr.kind === 'imm') storeImm(e, dst, addr.value, 8);
    else storeReg(e, dst, addr.reg, 8);
    const pid = this.helper('get_current_pid_tgid', []);
    e.emit(alu.rsh.imm(pid, 32));
    storeReg(e, at(dst, 8), pid, 8);
  }

  // ------------------------------------------------------------------------------------
  // Helpers, probe reads, events

  /** Calls a helper with scalar arguments; returns a register holding r0. */
  private helper(name: HelperName, args: readonly (Operand | Reg)[]): Reg {
    const { e } = this;
    const regs = [R1, R2, R3, R4, R5];
    // Materialise every argument in a virtual first: moving into r1..r5 must be the last
    // thing before the call, or computing a later argument could clobber an earlier one.
    const vals = args.map((a) => (typeof a === 'number' ? ({ kind: 'reg', reg: a } as Operand) : a));
    vals.forEach((v, i) => {
      const r = regs[i]!;
      e.emit(v.kind === 'imm' ? this.movImm(r, v.value) : alu.mov.reg(r, v.reg));
    });
    e.emit(call(name));
    const out = e.reg();
    e.emit(alu.mov.reg(out, R0));
    return out;
  }

  private mapFd(name: string): Reg {
    const r = this.e.reg();
    this.e.emit(ld.mapFd(r, name));
    return r;
  }

  private probeRead(dst: Mem, size: number, addr: Reg, space: AddressSpace): void {
    const fn: HelperName = readHelper(space, false);
    this.helper(fn, [addressOf(this.e, dst), imm(size), addr]);
  }

  private readScalarAt(addr: Reg, space: AddressSpace, t: SizedType): Operand {
    const w = intWidth(t);
    const tmp = this.e.alloc(8);
    this.probeRead(tmp, w, addr, space);
    return this.loadScalar(tmp, t);
  }

  /** bpf_perf_event_output(ctx, events, BPF_F_CURRENT_CPU, buf, size). */
  private output(buf: Mem, size: number): void {
    const { e } = this;
    const map = this.mapFd(this.input.resources.eventsMap);
    const addr = addressOf(e, buf);
    e.emit(alu.mov.reg(R1, this.ctx), alu.mov.reg(R2, map));
    // BPF_F_CURRENT_CPU is 0xffffffff: a 32-bit move zero-extends it; a 64-bit -1 would set
    // flag bits the helper rejects with -EINVAL.
    e.emit(alu32.mov.imm(R3, -1), alu.mov.reg(R4, addr), alu.mov.imm(R5, size), call('perf_event_output'));
  }

  /** An event {u64 id; fields...}: `fill` writes the fields; `size` is what is sent. */
  private event(id: number, size: number, fill: (buf: Mem) => void): void {
    const buf = this.e.alloc(size);
    storeImm(this.e, buf, BigInt(id), 8);
    fill(buf);
    this.output(buf, size);
  }

  private formatEvent(base: number, table: 'printf' | 'system' | 'cat', x: Call): void {
    const id = this.callId(x);
    const spec = this.input.resources[table][id];
    assert(spec !== undefined, `no ${table} spec for id ${id}`);
    const args = x.args.slice(1);
    this.event(base + id, spec.size, (buf) => {
      let covered = 8;
      spec.args.forEach((a, i) => {
        const arg = args[i];
        assert(arg !== undefined, 'format argument missing');
        if (a.offset > covered) zero(this.e, at(buf, covered), a.offset - covered);
        const n = sizeOf(a.type);
        this.into(arg, at(buf, a.offset), n);
        covered = a.offset + n;
      });
      if (spec.size > covered) zero(this.e, at(buf, covered), spec.size - covered);
    });
  }

  private callId(x: Call): number {
    const id = this.input.resources.callIds.get(x);
    assert(id !== undefined, `call ${x.name} has no id`);
    return id;
  }

  // ------------------------------------------------------------------------------------
  // Builtins

  private builtinScalar(name: string, index: number | undefined, t: SizedType, span: Span): Operand {
    const { e } = this;
    const { target } = this.input;
    switch (name) {
      case 'pid': {
        const r = this.helper('get_current_pid_tgid', []);
        e.emit(alu.rsh.imm(r, 32));
        return { kind: 'reg', reg: r };
      }
      case 'tid': {
        const r = this.helper('get_current_pid_tgid', []);
        e.emit(alu32.mov.reg(r, r));
        return { kind: 'reg', reg: r };
      }
      case 'uid':
      case 'username': {
        const r = this.helper('get_current_uid_gid', []);
        e.emit(alu32.mov.reg(r, r));
        return { kind: 'reg', reg: r };
      }
      case 'gid': {
        const r = this.helper('get_current_uid_gid', []);
        e.emit(alu.rsh.imm(r, 32));
        return { kind: 'reg', reg: r };
      }
      case 'nsecs':
        return { kind: 'reg', reg: this.helper('ktime_get_ns', []) };
      case 'elapsed': {
        const mapName = this.input.resources.elapsedMap;
        if (mapName === undefined) throw new CodegenError(span, 'elapsed used without its map');
        const key = e.alloc(8);
        storeImm(e, key, 0n, 8);
        const now = this.helper('ktime_get_ns', []);
        const p = this.lookup(mapName, key);
        const skip = e.newLabel('elapsed');
        const start = e.reg();
        e.emit(alu.mov.imm(start, 0), jmp.jeq.imm(p, 0, skip), ldx.dw(start, p, 0));
        e.place(skip);
        e.emit(alu.sub.reg(now, start));
        return { kind: 'reg', reg: now };
      }
      case 'cpu':
        return { kind: 'reg', reg: this.helper('get_smp_processor_id', []) };
      case 'numaid':
        return { kind: 'reg', reg: this.helper('get_numa_node_id', []) };
      case 'curtask':
        return { kind: 'reg', reg: this.helper('get_current_task', []) };
      case 'rand':
        return { kind: 'reg', reg: this.helper('get_prandom_u32', []) };
      case 'cgroup':
        return { kind: 'reg', reg: this.helper('get_current_cgroup_id', []) };
      case 'ctx':
        return { kind: 'reg', reg: this.ctx };
      case 'probe':
        return imm(this.input.probeIndex);
      case 'cpid':
        return imm(this.input.cpid);
      case 'kstack':
      case 'ustack':
        return this.stack(t, span);
      case 'args':
        return { kind: 'reg', reg: this.ctx };
      case 'arg':
        return this.argN(index ?? 0, t, span);
      case 'sarg': {
        // Stack arguments: *(sp + 8 * (N + 1)) in the probed process (user or kernel).
        const sp = this.ptRegs(SP_OFFSET, span);
        e.emit(alu.add.imm(sp, 8 * ((index ?? 0) + 1)));
        return this.readScalarAt(sp, this.isUserProbe() ? 'user' : 'kernel', { kind: 'int', size: 8, signed: false });
      }
      case 'retval':
        if (target.provider === 'kretfunc') return this.funcArg(this.kfuncArgCount(), span);
        return { kind: 'reg', reg: this.ptRegs(RETVAL_OFFSET, span) };
      case 'func':
        if (target.provider === 'kfunc' || target.provider === 'kretfunc') {
          return { kind: 'reg', reg: this.helper('get_func_ip', [this.ctx]) };
        }
        return { kind: 'reg', reg: this.ptRegs(IP_OFFSET, span) };
      default:
        throw new CodegenError(span, `builtin ${name} is not supported here`);
    }
  }

  private isUserProbe(): boolean {
    const p = this.input.target.provider;
    return p === 'uprobe' || p === 'uretprobe' || p === 'usdt';
  }

  /** A pt_regs field of the context (kprobe/uprobe ctx; perf events start with pt_regs too). */
  private ptRegs(offset: number, span: Span): Reg {
    const kind = this.input.target.progType;
    if (kind !== 'kprobe' && kind !== 'perf_event') {
      throw new CodegenError(span, `registers are not available in ${this.input.target.provider} probes`);
    }
    const r = this.e.reg();
    this.e.emit(ldx.dw(r, this.ctx, offset));
    return r;
  }

  private kfuncArgCount(): number {
    return this.input.target.funcArgs?.fields.length ?? 0;
  }

  /** kfunc ctx is an array of u64: argument i at 8 * i, the return value after the last. */
  private funcArg(i: number, _span: Span): Operand {
    const r = this.e.reg();
    this.e.emit(ldx.dw(r, this.ctx, 8 * i));
    return { kind: 'reg', reg: r };
  }

  private argN(n: number, t: SizedType, span: Span): Operand {
    const { target } = this.input;
    if (target.provider === 'usdt') {
      const arg = target.usdt?.args[n];
      if (!arg) throw new CodegenError(span, `usdt probe ${target.name} has no argument ${n}`);
      return this.usdtArg(arg, span);
    }
    if (target.provider === 'rawtracepoint') return this.funcArg(n, span);
    if (target.provider === 'kfunc' || target.provider === 'kretfunc') return this.funcArg(n, span);
    const off = argOffset(n);
    if (off === undefined) throw new CodegenError(span, `arg${n} is not in a register (x86-64 passes six)`);
    const r = this.ptRegs(off, span);
    return t.kind === 'int' && t.size < 8 ? this.narrow(r, t) : { kind: 'reg', reg: r };
  }

  private narrow(r: Reg, t: SizedType & { kind: 'int' }): Operand {
    const shift = 64 - t.size * 8;
    this.e.emit(alu.lsh.imm(r, shift), t.signed ? alu.arsh.imm(r, shift) : alu.rsh.imm(r, shift));
    return { kind: 'reg', reg: r };
  }

  /** A USDT argument from its spec: a constant, a register, or memory at base+offset(+index*scale). */
  private usdtArg(arg: UsdtArgument, span: Span): Operand {
    const { e } = this;
    const width = Math.abs(arg.size);
    const t: SizedType & { kind: 'int' } = {
      kind: 'int',
      size: width === 1 || width === 2 || width === 4 ? width : 8,
      signed: arg.size < 0,
    };
    const reg = (name: string): Reg => {
      const off = ptRegsOffset(name);
      if (off === undefined) throw new CodegenError(span, `usdt argument '${arg.spec}' uses unknown register ${name}`);
      return this.ptRegs(off, span);
    };
    const loc = arg.location;
    switch (loc.kind) {
      case 'const':
        return imm(loc.value);
      case 'reg': {
        const r = reg(loc.reg);
        return t.size < 8 ? this.narrow(r, t) : { kind: 'reg', reg: r };
      }
      case 'mem': {
        const addr = reg(loc.base);
        if (loc.offset !== 0n) e.emit(alu.add.imm(addr, Number(loc.offset)));
        if (loc.index !== undefined) {
          const idx = reg(loc.index);
          if ((loc.scale ?? 1) !== 1) e.emit(alu.mul.imm(idx, loc.scale ?? 1));
          e.emit(alu.add.reg(addr, idx));
        }
        return this.readScalarAt(addr, 'user', t);
      }
      default:
        return assertNever(loc, 'usdt location');
    }
  }

  private stack(t: SizedType, span: Span): Operand {
    const { e } = this;
    if (t.kind !== 'kstack' && t.kind !== 'ustack') throw new CodegenError(span, 'stack builtin without a stack type');
    const mapName = this.input.resources.stackMaps.get(t.limit);
    assert(mapName !== undefined, `no stack map for limit ${t.limit}`);
    const map = this.mapFd(mapName);
    const id = this.helper('get_stackid', [this.ctx, map, imm(t.kind === 'ustack' ? BPF_F_USER_STACK : 0)]);
    if (t.kind === 'kstack') return { kind: 'reg', reg: id };
    // ustack: stack id in the low 32 bits, pid in the high 32 (user space needs the pid to
    // find the process's mappings).
    const pid = this.helper('get_current_pid_tgid', []);
    e.emit(alu.rsh.imm(pid, 32), alu.lsh.imm(pid, 32), alu32.mov.reg(id, id), alu.or.reg(id, pid));
    return { kind: 'reg', reg: id };
  }

  // ------------------------------------------------------------------------------------
  // Field access

  private field(x: FieldAccess): ResolvedField {
    const f = x.perTarget?.[this.input.targetIndex] ?? x.resolved;
    if (!f) throw new CodegenError(x.span, `field ${x.field} was not resolved`);
    return f;
  }

  /** `args->f` (tracepoint: the ctx record; kfunc: the u64 ctx array) reads ctx directly. */
  private isCtxArgs(x: FieldAccess): boolean {
    return x.base.kind === 'builtin' && x.base.name === 'args';
  }

  private fieldScalar(x: FieldAccess): Operand {
    const { e } = this;
    const f = this.field(x);
    const t = f.type;
    if (this.isCtxArgs(x)) {
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

  private bitfield(v: Operand, f: ResolvedField): Operand {
    if (f.bitSize === undefined) return v;
    const r = this.fresh(v);
    if ((f.bitOffset ?? 0) > 0) this.e.emit(alu.rsh.imm(r, f.bitOffset ?? 0));
    if (f.bitSize < 32) this.e.emit(alu.and.imm(r, (1 << f.bitSize) - 1));
    else if (f.bitSize < 64) {
      const shift = 64 - f.bitSize;
      this.e.emit(alu.lsh.imm(r, shift), alu.rsh.imm(r, shift));
    }
    return { kind: 'reg', reg: r };
  }

  private fieldInto(x: FieldAccess, dst: Mem, size: number): void {
    const { e } = this;
    const f = this.field(x);
    const n = Math.min(sizeOf(f.type), size);
    if (this.isCtxArgs(x)) {
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

  private derefScalar(operand: Expr, t: SizedType): Operand {
    const pt = typeOf(operand);
    const addr = this.toReg(this.scalar(operand));
    return this.readScalarAt(addr, pt.kind === 'pointer' ? pt.space : 'none', t);
  }

  // ------------------------------------------------------------------------------------
  // Maps

  private userMap(name: string, span: Span): UserMap {
    const m = this.input.resources.userMaps.get(name);
    if (!m) throw new CodegenError(span, `map ${name} has no layout`);
    return m;
  }

  /** The key of `@m[keys]` in a new buffer (with room for the bucket/index u64 when indexed). */
  private mapKey(m: UserMap, keys: readonly Expr[]): Mem {
    const { e } = this;
    const key = e.alloc(m.artifact.keySize);
    if (m.arrayKey) {
      storeImm(e, key, 0n, 4);
    } else if (keys.length === 0) {
      if (!m.indexed) storeImm(e, key, 0n, 8);
    } else {
      keys.forEach((k, i) => {
        const part = m.info.key[i] ?? typeOf(k);
        this.into(k, at(key, m.keyOffsets[i] ?? 0), sizeOf(part));
      });
    }
    return key;
  }

  private indexSlot(m: UserMap, key: Mem): Mem {
    return at(key, m.info.key.length === 0 ? 0 : m.userKeySize);
  }

  /** map_lookup_elem: a register holding the value pointer or 0. */
  private lookup(mapName: string, key: Mem): Reg {
    const map = this.mapFd(mapName);
    return this.helper('map_lookup_elem', [map, addressOf(this.e, key)]);
  }

  private update(mapName: string, key: Mem, value: Mem): void {
    const map = this.mapFd(mapName);
    this.helper('map_update_elem', [map, addressOf(this.e, key), addressOf(this.e, value), imm(BPF_ANY)]);
  }

  private mapAssign(target: MapRef, value: Expr): void {
    const m = this.userMap(target.name, target.span);
    if (m.aggregate !== undefined && value.kind === 'call') {
      this.aggregate(m, target, value);
      return;
    }
    const size = m.artifact.valueSize;
    // Evaluate the value before building the key: `@x[k] = @x[k] + 1` reads with its own key.
    const val = this.e.alloc(size);
    this.into(value, val, size);
    const key = this.mapKey(m, target.keys);
    this.update(m.artifact.name, key, val);
  }

  private mapReadScalar(x: MapRef): Operand {
    const { e } = this;
    const m = this.userMap(x.name, x.span);
    const key = this.mapKey(m, x.keys);
    const p = this.lookup(m.artifact.name, key);
    const r = e.reg();
    const done = e.newLabel('miss');
    const t = m.info.value;
    e.emit(alu.mov.imm(r, 0), jmp.jeq.imm(p, 0, done));
    const v = load(e, { base: p, off: 0 }, intWidth(t), isSigned(t));
    e.emit(alu.mov.reg(r, v));
    e.place(done);
    return { kind: 'reg', reg: r };
  }

  private mapReadInto(x: MapRef, dst: Mem, size: number): void {
    const { e } = this;
    const m = this.userMap(x.name, x.span);
    const key = this.mapKey(m, x.keys);
    const p = this.lookup(m.artifact.name, key);
    const miss = e.newLabel('miss');
    const done = e.newLabel('read');
    const n = Math.min(m.artifact.valueSize, size);
    e.emit(jmp.jeq.imm(p, 0, miss));
    copy(e, dst, { base: p, off: 0 }, n);
    e.emit(jmp.ja(done));
    e.place(miss);
    zero(e, dst, n);
    e.place(done);
    if (size > n) zero(e, at(dst, n), size - n);
  }

  /** `@x++`, `--$y`: the old value (postfix) or the new one (prefix). */
  private incdec(x: IncDec): Operand {
    const { e } = this;
    const delta = x.op === '++' ? 1 : -1;
    if (x.target.kind === 'variable') {
      const slot = this.variable(x.target.name, x.target.span);
      assert(slot.kind === 'reg', 'increment of a non-integer variable');
      const old = e.reg();
      e.emit(alu.mov.reg(old, slot.reg), alu.add.imm(slot.reg, delta));
      return x.prefix ? { kind: 'reg', reg: slot.reg } : { kind: 'reg', reg: old };
    }
    const m = this.userMap(x.target.name, x.target.span);
    const old = this.toReg(this.mapReadScalar(x.target));
    const next = e.reg();
    e.emit(alu.mov.reg(next, old), alu.add.imm(next, delta));
    const val = e.alloc(8);
    storeReg(e, val, next, 8);
    const key = this.mapKey(m, x.target.keys);
    this.update(m.artifact.name, key, val);
    return { kind: 'reg', reg: x.prefix ? next : old };
  }

  /**
   * Adds `amount` to the u64 at `key` of a per-CPU map: in place on a hit (the value is this
   * CPU's own slot, so no atomic is needed), or inserts `amount` on a miss.
   */
  private addAt(mapName: string, key: Mem, amount: Operand, insertOnMiss: boolean): void {
    const { e } = this;
    const p = this.lookup(mapName, key);
    const miss = e.newLabel('miss');
    const done = e.newLabel('added');
    const t = e.reg();
    e.emit(jmp.jeq.imm(p, 0, miss), ldx.dw(t, p, 0));
    if (amount.kind === 'imm' && fitsImm32(amount.value)) e.emit(alu.add.imm(t, Number(amount.value)));
    else e.emit(alu.add.reg(t, this.toReg(amount)));
    e.emit(stx.dw(p, 0, t), jmp.ja(done));
    e.place(miss);
    if (insertOnMiss) {
      const val = e.alloc(8);
      if (amount.kind === 'imm') storeImm(e, val, amount.value, 8);
      else storeReg(e, val, amount.reg, 8);
      this.update(mapName, key, val);
    }
    e.place(done);
  }

  private aggregate(m: UserMap, target: MapRef, x: Call): void {
    const { e } = this;
    const name = m.artifact.name;
    const arg = x.args[0];
    const value = (): Operand => {
      if (!arg) throw new CodegenError(x.span, `${x.name}() needs an argument`);
      return this.scalar(arg);
    };
    switch (m.aggregate) {
      case 'count': {
        const key = this.mapKey(m, target.keys);
        this.addAt(name, key, imm(1), !m.arrayKey);
        return;
      }
      case 'sum': {
        const v = value();
        const key = this.mapKey(m, target.keys);
        this.addAt(name, key, v, true);
        return;
      }
      case 'avg':
      case 'stats': {
        // 0.17's layout: index 0 counts, index 1 totals, under the same user key.
        const v = value();
        const key = this.mapKey(m, target.keys);
        const idx = this.indexSlot(m, key);
        storeImm(e, idx, 0n, 8);
        this.addAt(name, key, imm(1), true);
        storeImm(e, idx, 1n, 8);
        this.addAt(name, key, v, true);
        return;
      }
      case 'hist': {
        const v = this.fresh(value());
        const index = this.log2Index(v);
        const key = this.mapKey(m, target.keys);
        storeReg(e, this.indexSlot(m, key), index, 8);
        this.addAt(name, key, imm(1), true);
        return;
      }
      case 'lhist': {
        const t = m.info.value;
        assert(t.kind === 'lhist', 'lhist map without lhist type');
        const v = this.fresh(value());
        const index = this.linearIndex(v, t.min, t.max, t.step);
        const key = this.mapKey(m, target.keys);
        storeReg(e, this.indexSlot(m, key), index, 8);
        this.addAt(name, key, imm(1), true);
        return;
      }
      case 'min':
      case 'max': {
        const v = this.toReg(value());
        const key = this.mapKey(m, target.keys);
        this.minMax(name, key, v, m.aggregate, isSigned(m.info.value));
        return;
      }
      case undefined:
        fail('aggregate on a plain map');
    }
  }

  /**
   * min/max into {i64 value; u64 is_set} (bpfq's fix of 0.17, which stored max only when
   * `new >= old` with a missing entry reading 0, and min as 0xffffffff - v).
   */
  private minMax(mapName: string, key: Mem, v: Reg, kind: 'min' | 'max', signed: boolean): void {
    const { e } = this;
    const p = this.lookup(mapName, key);
    const miss = e.newLabel('miss');
    const store = e.newLabel('store');
    const done = e.newLabel('minmax');
    const t = e.reg();
    e.emit(jmp.jeq.imm(p, 0, miss), ldx.dw(t, p, 8), jmp.jeq.imm(t, 0, store), ldx.dw(t, p, 0));
    // Keep the old value unless the new one is strictly better.
    const keep = kind === 'max' ? (signed ? jmp.jsle : jmp.jle) : signed ? jmp.jsge : jmp.jge;
    e.emit(keep.reg(v, t, done));
    e.place(store);
    e.emit(stx.dw(p, 0, v), st.dw(p, 8, 1), jmp.ja(done));
    e.place(miss);
    const val = e.alloc(16);
    storeReg(e, val, v, 8);
    storeImm(e, at(val, 8), 1n, 8);
    this.update(mapName, key, val);
    e.place(done);
  }

  /**
   * hist() bucket: 0 for negatives, 1 for zero, else 2 + floor(log2 n) over the full 64-bit
   * range (0.17 stopped at 2^32: its search began with a 16-bit shift).
   */
  private log2Index(n: Reg): Reg {
    const { e } = this;
    const idx = e.reg();
    const done = e.newLabel('log2');
    e.emit(alu.mov.imm(idx, 0), jmp.jslt.imm(n, 0, done), alu.mov.imm(idx, 1), jmp.jeq.imm(n, 0, done), alu.mov.imm(idx, 2));
    const tmp = e.reg();
    for (const shift of [32, 16, 8, 4, 2, 1]) {
      const skip = e.newLabel('log2s');
      if (shift === 32) {
        // 2^32 does not fit a jump immediate: test the shifted value instead.
        e.emit(alu.mov.reg(tmp, n), alu.rsh.imm(tmp, 32), jmp.jeq.imm(tmp, 0, skip), alu.mov.reg(n, tmp));
      } else {
        e.emit(jmp.jlt.imm(n, 2 ** shift, skip), alu.rsh.imm(n, shift));
      }
      e.emit(alu.add.imm(idx, shift));
      e.place(skip);
    }
    e.place(done);
    return idx;
  }

  /** lhist() bucket as 0.17: below min 0, above max 1 + (max-min)/step, else 1 + (v-min)/step (unsigned divide). */
  private linearIndex(v: Reg, min: number, max: number, step: number): Reg {
    const { e } = this;
    const idx = e.reg();
    const done = e.newLabel('lin');
    const inRange = e.newLabel('linr');
    const cmp = (j: typeof jmp.jslt, k: number, label: string) => {
      if (fitsImm32(BigInt(k))) e.emit(j.imm(v, k, label));
      else e.emit(j.reg(v, this.toReg(imm(k)), label));
    };
    e.emit(alu.mov.imm(idx, 0));
    cmp(jmp.jslt, min, done);
    e.emit(alu.mov.imm(idx, 1 + Math.floor((max - min) / step)));
    cmp(jmp.jsgt, max, done);
    e.place(inRange);
    e.emit(alu.mov.reg(idx, v));
    if (min !== 0) e.emit(alu.sub.imm(idx, min));
    e.emit(alu.div.imm(idx, step), alu.add.imm(idx, 1));
    e.place(done);
    return idx;
  }

  // ------------------------------------------------------------------------------------
  // Calls

  /** A call used as a statement. */
  private callEffect(x: Call): void {
    const { e } = this;
    switch (x.name) {
      case 'printf':
        this.formatEvent(ASYNC_ACTION.printf, 'printf', x);
        return;
      case 'system':
        this.formatEvent(ASYNC_ACTION.system, 'system', x);
        return;
      case 'cat':
        this.formatEvent(ASYNC_ACTION.cat, 'cat', x);
        return;
      case 'exit':
        // 0.17 sends the event and leaves the probe at once.
        this.event(ASYNC_ACTION.exit, 8, () => {});
        e.emit(jmp.ja(this.exitLabel));
        return;
      case 'print': {
        const arg = x.args[0];
        if (arg?.kind === 'map' && arg.keys.length === 0) {
          const index = this.mapIndex(arg.name, arg.span);
          const top = this.constArg(x, 1, 0);
          const div = this.constArg(x, 2, 0);
          // {u64 action; u32 map; u32 top; u32 div}: 20 bytes, as 0.17 sends.
          this.event(ASYNC_ACTION.print, 20, (buf) => {
            storeImm(e, at(buf, 8), BigInt(index), 4);
            storeImm(e, at(buf, 12), BigInt(top), 4);
            storeImm(e, at(buf, 16), BigInt(div), 4);
          });
          return;
        }
        if (!arg) throw new CodegenError(x.span, 'print() needs an argument');
        const id = this.callId(x);
        const t = typeOf(arg);
        const n = sizeOf(t);
        this.event(ASYNC_ACTION.printNonMap, 16 + n, (buf) => {
          storeImm(e, at(buf, 8), BigInt(id), 8);
          this.into(arg, at(buf, 16), n);
        });
        return;
      }
      case 'clear':
      case 'zero': {
        const arg = x.args[0];
        if (arg?.kind !== 'map') throw new CodegenError(x.span, `${x.name}() expects a map`);
        const index = this.mapIndex(arg.name, arg.span);
        this.event(x.name === 'clear' ? ASYNC_ACTION.clear : ASYNC_ACTION.zero, 12, (buf) => {
          storeImm(e, at(buf, 8), BigInt(index), 4);
        });
        return;
      }
      case 'time': {
        const id = this.callId(x);
        this.event(ASYNC_ACTION.time, 12, (buf) => storeImm(e, at(buf, 8), BigInt(id), 4));
        return;
      }
      case 'join':
        this.join(x);
        return;
      case 'delete': {
        const arg = x.args[0];
        if (arg?.kind !== 'map') throw new CodegenError(x.span, 'delete() expects a map element');
        const m = this.userMap(arg.name, arg.span);
        const key = this.mapKey(m, arg.keys);
        const map = this.mapFd(m.artifact.name);
        this.helper('map_delete_elem', [map, addressOf(e, key)]);
        return;
      }
      case 'signal': {
        const sig = x.args[0];
        if (!sig) throw new CodegenError(x.span, 'signal() needs a signal');
        this.helper('send_signal', [this.scalar(sig)]);
        return;
      }
      case 'debugf': {
        // bpf_trace_printk(fmt, fmt_size, up to three integers): the format on the stack.
        const fmt = x.args[0];
        if (fmt?.kind !== 'string') throw new CodegenError(x.span, 'debugf() needs a format string');
        if (x.args.length > 4) throw new CodegenError(x.span, 'debugf() takes at most three arguments');
        const bytes = new Uint8Array([...Buffer.from(fmt.value, 'utf8'), 0]);
        const args = x.args.slice(1).map((a) => {
          if (!isScalar(typeOf(a))) throw new CodegenError(a.span, 'debugf() prints integers only in bpfq');
          return this.scalar(a);
        });
        const buf = e.alloc(bytes.length);
        storeBytes(e, buf, bytes);
        this.helper('trace_printk', [addressOf(e, buf), imm(bytes.length), ...args]);
        return;
      }
      case 'override': {
        const rc = x.args[0];
        if (!rc) throw new CodegenError(x.span, 'override() needs a value');
        this.helper('override_return', [this.ctx, this.scalar(rc)]);
        return;
      }
      default:
        if (isScalar(typeOf(x))) this.callScalar(x);
        else this.mem(x);
    }
  }

  private mapIndex(name: string, span: Span): number {
    const i = this.input.resources.maps.findIndex((m) => m.role === 'user' && m.name === name);
    if (i < 0) throw new CodegenError(span, `map ${name} has no layout`);
    return i;
  }

  private constArg(x: Call, i: number, dflt: number): number {
    const a = x.args[i];
    if (!a) return dflt;
    if (a.kind !== 'integer') throw new CodegenError(a.span, `argument ${i + 1} of ${x.name}() must be a constant`);
    return Number(a.value);
  }

  /** join(argv[, sep]): {u64 action; u64 join id; 16 strings}; an empty string ends the list. */
  private join(x: Call): void {
    const { e } = this;
    const arr = x.args[0];
    if (!arr) throw new CodegenError(x.span, 'join() needs an array');
    const id = this.callId(x);
    const spec = this.input.resources.join[id];
    assert(spec !== undefined, 'join spec missing');
    const size = 16 + spec.argCount * spec.argSize;
    const pt = typeOf(arr);
    const space: AddressSpace = pt.kind === 'pointer' ? pt.space : 'none';
    const str = readHelper(space, true);
    this.event(ASYNC_ACTION.join, size, (buf) => {
      storeImm(e, at(buf, 8), BigInt(id), 8);
      const base = this.fresh(arr);
      const ptr = e.alloc(8);
      const done = e.newLabel('joined');
      for (let i = 0; i < spec.argCount; i++) {
        const slot = at(buf, 16 + i * spec.argSize);
        const addr = e.reg();
        e.emit(alu.mov.reg(addr, base));
        if (i > 0) e.emit(alu.add.imm(addr, 8 * i));
        storeImm(e, ptr, 0n, 8);
        this.probeRead(ptr, 8, addr, space);
        const p = e.reg();
        e.emit(ldx.dw(p, ptr.base, ptr.off), st.b(slot.base, slot.off, 0), jmp.jeq.imm(p, 0, done));
        this.helper(str, [addressOf(e, slot), imm(spec.argSize), p]);
      }
      e.place(done);
    });
  }

  /** Calls whose value is a scalar. */
  private callScalar(x: Call): Operand {
    const { e } = this;
    const arg = (i: number): Expr => {
      const a = x.args[i];
      if (!a) throw new CodegenError(x.span, `${x.name}() needs argument ${i + 1}`);
      return a;
    };
    switch (x.name) {
      case 'kstack':
      case 'ustack':
        return this.stack(typeOf(x), x.span);
      case 'ksym':
      case 'kptr':
      case 'uptr':
      case 'strerror':
        return this.scalar(arg(0));
      case 'kaddr': {
        const a = arg(0);
        const name = a.kind === 'string' ? a.value : '';
        const addr = this.input.host.kernelSymbol(name);
        if (addr === undefined) throw new CodegenError(a.span, `Failed to resolve kernel symbol: ${name}`);
        return imm(addr);
      }
      case 'uaddr': {
        const a = arg(0);
        const name = a.kind === 'string' ? a.value : '';
        const target = this.input.target.attach;
        const path = target.kind === 'uprobe' || target.kind === 'uretprobe' || target.kind === 'usdt' ? target.path : undefined;
        const sym = path === undefined ? undefined : this.input.host.elfSymbols(path).find((s) => s.name === name);
        if (sym === undefined) throw new CodegenError(a.span, `Could not resolve symbol: ${name}`);
        return imm(sym.address);
      }
      case 'reg': {
        const a = arg(0);
        const name = a.kind === 'string' ? a.value : '';
        const off = ptRegsOffset(name);
        if (off === undefined) throw new CodegenError(a.span, `'${name}' is not a valid register`);
        return { kind: 'reg', reg: this.ptRegs(off, x.span) };
      }
      case 'bswap': {
        const a = arg(0);
        const t = typeOf(a);
        const bits = (intWidth(t) * 8) as 8 | 16 | 32 | 64;
        if (bits === 8) return this.scalar(a);
        const r = this.fresh(a);
        e.emit(alu.end.be(r, bits));
        return { kind: 'reg', reg: r };
      }
      case 'strncmp': {
        const n = this.constArg(x, 2, 0);
        return this.streqValue(arg(0), arg(1), n);
      }
      case 'strcontains':
        return this.strcontains(arg(0), arg(1), x.span);
      case 'cgroupid':
        throw new CodegenError(x.span, 'cgroupid() is not supported by bpfq');
      default:
        break;
    }
    if (isScalar(typeOf(x))) throw new CodegenError(x.nameSpan, `${x.name}() is not supported by bpfq`);
    throw new CodegenError(x.span, `${x.name}() does not produce a scalar`);
  }

  /** strncmp semantics as 0.17: 0 when the first n bytes are equal (up to a NUL), else 1. */
  private streqValue(a: Expr, b: Expr, n: number): Operand {
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
  private strcontains(h: Expr, n: Expr, span: Span): Operand {
    const { e } = this;
    if (n.kind !== 'string') throw new CodegenError(span, 'strcontains() needs a string literal as needle in bpfq');
    const needle = [...Buffer.from(n.value, 'utf8')];
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
      e.emit(jmp.jge.imm(i, positions, notFound), alu.mov.reg(p, hay.base), alu.add.imm(p, hay.off), alu.add.reg(p, i));
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

  /** Calls whose value is bytes in memory, written at `dst` (`size` bytes). */
  private callInto(x: Call, dst: Mem, size: number): void {
    const { e } = this;
    const t = typeOf(x);
    const own = sizeOf(t);
    const pad = () => {
      if (size > own) zero(e, at(dst, own), size - own);
    };
    const arg = (i: number): Expr => {
      const a = x.args[i];
      if (!a) throw new CodegenError(x.span, `${x.name}() needs argument ${i + 1}`);
      return a;
    };
    switch (x.name) {
      case 'str': {
        const p = arg(0);
        const pt = typeOf(p);
        if (pt.kind === 'string') {
          this.into(p, dst, size);
          return;
        }
        const space: AddressSpace = pt.kind === 'pointer' ? pt.space : 'none';
        const fn = readHelper(space, true);
        zero(e, dst, size);
        const addr = this.toReg(this.scalar(p));
        const lenArg = x.args[1];
        let len: Operand = imm(Math.min(own, size));
        if (lenArg) {
          const n = this.scalar(lenArg);
          if (n.kind === 'imm') {
            len = imm(Math.max(0, Math.min(Number(n.value) + 1, own, size)));
          } else {
            // A run-time length: n + 1 clamped to the buffer so the verifier sees a bound.
            const r = this.fresh(n);
            const ok = e.newLabel('strlen');
            e.emit(alu.add.imm(r, 1), jmp.jle.imm(r, Math.min(own, size), ok), alu.mov.imm(r, Math.min(own, size)));
            e.place(ok);
            len = { kind: 'reg', reg: r };
          }
        }
        this.helper(fn, [addressOf(e, dst), len, addr]);
        return;
      }
      case 'buf': {
        // {u8 length; bytes}: the length as read.
        const p = arg(0);
        const pt = typeOf(p);
        assert(t.kind === 'buffer', 'buf() without a buffer type');
        zero(e, dst, size);
        const addr = this.toReg(this.scalar(p));
        storeImm(e, dst, BigInt(t.size), 1);
        this.probeRead(at(dst, 1), t.size, addr, pt.kind === 'pointer' ? pt.space : 'none');
        return;
      }
      case 'usym':
        this.usymInto(this.scalar(arg(0)), dst);
        pad();
        return;
      case 'strftime': {
        const id = this.callId(x);
        storeImm(e, dst, BigInt(id), 8);
        const ns = x.args[1] ? this.scalar(arg(1)) : { kind: 'reg' as const, reg: this.helper('ktime_get_boot_ns', []) };
        if (ns.kind === 'imm') storeImm(e, at(dst, 8), ns.value, 8);
        else storeReg(e, at(dst, 8), ns.reg, 8);
        pad();
        return;
      }
      case 'ntop': {
        // {u32 af; 4 bytes padding; 16 address bytes}.
        const two = x.args.length === 2;
        const addrExpr = arg(two ? 1 : 0);
        const at_ = typeOf(addrExpr);
        zero(e, dst, size);
        if (two) {
          const af = this.scalar(arg(0));
          if (af.kind === 'imm') storeImm(e, dst, af.value, 4);
          else storeReg(e, dst, af.reg, 4);
        } else {
          const width = sizeOf(at_);
          storeImm(e, dst, BigInt(width === 16 ? 10 : AF_INET), 4);
        }
        if (isScalar(at_)) {
          const v = this.scalar(addrExpr);
          if (v.kind === 'imm') storeImm(e, at(dst, 8), v.value, 4);
          else storeReg(e, at(dst, 8), v.reg, 4);
        } else {
          const src = this.mem(addrExpr);
          copy(e, at(dst, 8), src, Math.min(16, sizeOf(at_)));
        }
        return;
      }
      case 'macaddr': {
        const p = arg(0);
        const pt = typeOf(p);
        if (pt.kind === 'pointer') {
          this.probeRead(dst, 6, this.toReg(this.scalar(p)), pt.space);
        } else {
          copy(e, dst, this.mem(p), 6);
        }
        pad();
        return;
      }
      case 'cgroup_path': {
        const v = this.scalar(arg(0));
        zero(e, dst, size);
        if (v.kind === 'imm') storeImm(e, dst, v.value, 8);
        else storeReg(e, dst, v.reg, 8);
        return;
      }
      default:
        throw new CodegenError(x.nameSpan, `${x.name}() is not supported by bpfq`);
    }
  }
}

/**
 * The probe-read helper for an address space. User pointers use the _user helpers; anything
 * else uses the original bpf_probe_read(_str), which on x86-64 reads kernel memory and falls
 * back to user memory (as bpftrace 0.17 does): type information does not always say which
 * space a pointer is in (tracepoint `char *` fields of syscalls point to user memory).
 */
function readHelper(space: AddressSpace, str: boolean): HelperName {
  if (space === 'user') return str ? 'probe_read_user_str' : 'probe_read_user';
  return str ? 'probe_read_str' : 'probe_read';
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

function isOperand(x: Expr | Operand): x is Operand {
  return x.kind === 'imm' || (x.kind === 'reg' && !('span' in x));
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
