// The shared state and basic operations of lowering one probe target: registers, helper
// calls, probe reads, events, map lookups. The layers built on it (builtins, maps, strings,
// calls, then the statements and expressions of lower-probe.ts) each add one concern; every
// layer reaches the others' operations through this class and the abstract methods below.
import {
  alu,
  alu32,
  call,
  ld,
  R0,
  R1,
  R2,
  R3,
  R4,
  R5,
  type HelperName,
  type Reg,
} from '../bpf/index.js';
import type { Call, CheckedProgram, Expr, Probe, ProbeTarget, Span } from '../front/ast.js';
import type { CompilerHost } from '../host.js';
import { sizeOf, type AddressSpace, type SizedType } from '../types.js';
import { assert } from '../debug.js';
import { Emitter, type Mem } from './emitter.js';
import { addressOf, at, load, storeImm, storeReg } from './memory.js';
import { type Resources } from './resources.js';

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

export type Operand = { kind: 'imm'; value: bigint } | { kind: 'reg'; reg: Reg };

export type VarSlot = { kind: 'reg'; reg: Reg } | { kind: 'mem'; mem: Mem; size: number };

export const BPF_F_USER_STACK = 256;
/** Above this many instructions strcontains() scans in a loop instead of unrolling. */
export const STRCONTAINS_UNROLL_MAX = 256;
export const BPF_ANY = 0;
export const AF_INET = 2;

export function imm(value: bigint | number): Operand {
  return { kind: 'imm', value: BigInt(value) };
}

export function fitsImm32(v: bigint): boolean {
  return v >= -0x80000000n && v <= 0x7fffffffn;
}

export function typeOf(e: Expr): SizedType {
  assert(e.type !== undefined, `expression at ${e.span.line}:${e.span.column} has no type`);
  return e.type;
}

export function isSigned(t: SizedType): boolean {
  return t.kind === 'int' ? t.signed : 'signed' in t ? t.signed : false;
}

export function intWidth(t: SizedType): 1 | 2 | 4 | 8 {
  const s = sizeOf(t);
  return s === 1 || s === 2 || s === 4 ? s : 8;
}

/**
 * The probe-read helper for an address space. User pointers use the _user helpers; anything
 * else uses the original bpf_probe_read(_str), which on x86-64 reads kernel memory and falls
 * back to user memory (as bpftrace 0.17 does): type information does not always say which
 * space a pointer is in (tracepoint `char *` fields of syscalls point to user memory).
 */
export function readHelper(space: AddressSpace, str: boolean): HelperName {
  if (space === 'user') return str ? 'probe_read_user_str' : 'probe_read_user';
  return str ? 'probe_read_str' : 'probe_read';
}

export function isOperand(x: Expr | Operand): x is Operand {
  return x.kind === 'imm' || (x.kind === 'reg' && !('span' in x));
}

export abstract class LoweringBase {
  readonly e = new Emitter();

  protected readonly ctx: Reg;

  protected readonly vars = new Map<string, VarSlot>();

  protected readonly loops: { brk: string; cont: string }[] = [];

  protected readonly exitLabel: string;

  constructor(protected readonly input: LowerInput) {
    this.ctx = this.e.reg();
    this.exitLabel = this.e.newLabel('exit');
  }

  protected variable(name: string, span: Span): VarSlot {
    const v = this.vars.get(name);
    if (!v) throw new CodegenError(span, `variable ${name} has no type`);
    return v;
  }

  protected movImm(dst: Reg, v: bigint) {
    return fitsImm32(BigInt.asIntN(64, v))
      ? alu.mov.imm(dst, Number(BigInt.asIntN(64, v)))
      : ld.imm64(dst, v);
  }

  /** A scalar in a register the caller may modify. */
  protected fresh(x: Expr | Operand): Reg {
    const v = isOperand(x) ? x : this.scalar(x);
    const r = this.e.reg();
    this.e.emit(v.kind === 'imm' ? this.movImm(r, v.value) : alu.mov.reg(r, v.reg));
    return r;
  }

  protected toReg(v: Operand): Reg {
    if (v.kind === 'reg') return v.reg;
    const r = this.e.reg();
    this.e.emit(this.movImm(r, v.value));
    return r;
  }

  protected loadScalar(mem: Mem, t: SizedType): Operand {
    return { kind: 'reg', reg: load(this.e, mem, intWidth(t), isSigned(t)) };
  }

  protected addScaled(addr: Reg, idx: Operand, scale: number): void {
    if (idx.kind === 'imm') {
      const off = idx.value * BigInt(scale);
      if (off !== 0n)
        this.e.emit(
          fitsImm32(off) ? alu.add.imm(addr, Number(off)) : alu.add.reg(addr, this.toReg(imm(off))),
        );
      return;
    }
    const t = this.fresh(idx);
    if (scale !== 1) this.e.emit(alu.mul.imm(t, scale));
    this.e.emit(alu.add.reg(addr, t));
  }

  /** Calls a helper with scalar arguments; returns a register holding r0. */
  protected helper(name: HelperName, args: readonly (Operand | Reg)[]): Reg {
    const { e } = this;
    const regs = [R1, R2, R3, R4, R5];
    // Materialise every argument in a virtual first: moving into r1..r5 must be the last
    // thing before the call, or computing a later argument could clobber an earlier one.
    const vals = args.map((a) =>
      typeof a === 'number' ? ({ kind: 'reg', reg: a } as Operand) : a,
    );
    vals.forEach((v, i) => {
      const r = regs[i]!;
      e.emit(v.kind === 'imm' ? this.movImm(r, v.value) : alu.mov.reg(r, v.reg));
    });
    e.emit(call(name));
    const out = e.reg();
    e.emit(alu.mov.reg(out, R0));
    return out;
  }

  protected mapFd(name: string): Reg {
    const r = this.e.reg();
    this.e.emit(ld.mapFd(r, name));
    return r;
  }

  /** map_lookup_elem: a register holding the value pointer or 0. */
  protected lookup(mapName: string, key: Mem): Reg {
    const map = this.mapFd(mapName);
    return this.helper('map_lookup_elem', [map, addressOf(this.e, key)]);
  }

  protected update(mapName: string, key: Mem, value: Mem): void {
    const map = this.mapFd(mapName);
    this.helper('map_update_elem', [
      map,
      addressOf(this.e, key),
      addressOf(this.e, value),
      imm(BPF_ANY),
    ]);
  }

  protected probeRead(dst: Mem, size: number, addr: Reg, space: AddressSpace): void {
    const fn: HelperName = readHelper(space, false);
    this.helper(fn, [addressOf(this.e, dst), imm(size), addr]);
  }

  protected readScalarAt(addr: Reg, space: AddressSpace, t: SizedType): Operand {
    const w = intWidth(t);
    const tmp = this.e.alloc(8);
    this.probeRead(tmp, w, addr, space);
    return this.loadScalar(tmp, t);
  }

  /** bpf_perf_event_output(ctx, events, BPF_F_CURRENT_CPU, buf, size). */
  protected output(buf: Mem, size: number): void {
    const { e } = this;
    const map = this.mapFd(this.input.resources.eventsMap);
    const addr = addressOf(e, buf);
    e.emit(alu.mov.reg(R1, this.ctx), alu.mov.reg(R2, map));
    // BPF_F_CURRENT_CPU is 0xffffffff: a 32-bit move zero-extends it; a 64-bit -1 would set
    // flag bits the helper rejects with -EINVAL.
    e.emit(
      alu32.mov.imm(R3, -1),
      alu.mov.reg(R4, addr),
      alu.mov.imm(R5, size),
      call('perf_event_output'),
    );
  }

  /** An event {u64 id; fields...}: `fill` writes the fields; `size` is what is sent. */
  protected event(id: number, size: number, fill: (buf: Mem) => void): void {
    const buf = this.e.alloc(size);
    storeImm(this.e, buf, BigInt(id), 8);
    fill(buf);
    this.output(buf, size);
  }

  protected callId(x: Call): number {
    const id = this.input.resources.callIds.get(x);
    assert(id !== undefined, `call ${x.name} has no id`);
    return id;
  }

  protected usymInto(addr: Operand, dst: Mem): void {
    const { e } = this;
    if (addr.kind === 'imm') storeImm(e, dst, addr.value, 8);
    else storeReg(e, dst, addr.reg, 8);
    const pid = this.helper('get_current_pid_tgid', []);
    e.emit(alu.rsh.imm(pid, 32));
    storeReg(e, at(dst, 8), pid, 8);
  }

  /** The value of a scalar expression (lower-probe.ts). */
  protected abstract scalar(x: Expr): Operand;
  /** The bytes of a memory-typed expression. */
  protected abstract mem(x: Expr): Mem;
  /** Writes the value of `x` into `size` bytes at `dst`. */
  protected abstract into(x: Expr, dst: Mem, size: number): void;
  protected abstract jumpIfFalse(x: Expr, target: string): void;
  protected abstract jumpIfTrue(x: Expr, target: string): void;
}
