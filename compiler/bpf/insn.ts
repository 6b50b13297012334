// One BPF instruction as a flat, read-only record, and the constructors that build them,
// grouped by family (after cilium/ebpf's asm package):
//
//   alu.add.imm(R1, 4)            r1 += 4               (64-bit; alu32.* for w registers)
//   jmp.jeq.imm(R0, 0, 'miss')    if r0 == 0x0 goto miss
//   ldx.dw(R1, R10, -8)           r1 = *(u64 *)(r10 -8)
//   stx.dw(R10, -8, R1)           *(u64 *)(r10 -8) = r1
//   ld.mapFd(R1, 'AT_x')          r1 = map[AT_x] (ld_imm64, two raw slots)
//   call('map_lookup_elem')       call bpf_map_lookup_elem#1
//
// Jumps name a label instead of an offset; labels are items of their own in a program and
// are resolved only when encoding (compiler/bpf/encode.ts), over raw slots. Registers above
// R10 are virtual: code generation emits them and the register allocator replaces them.
import {
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_AND,
  BPF_ARSH,
  BPF_B,
  BPF_CALL,
  BPF_DIV,
  BPF_DW,
  BPF_END,
  BPF_EXIT,
  BPF_H,
  BPF_IMM,
  BPF_JA,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JMP,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_LSH,
  BPF_MEM,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_PSEUDO_MAP_FD,
  BPF_RSH,
  BPF_ST,
  BPF_STX,
  BPF_SUB,
  BPF_TO_BE,
  BPF_TO_LE,
  BPF_W,
  BPF_X,
  BPF_XOR,
  sizeOfBytes,
} from './opcode.js';
import { HELPERS, type HelperName } from './helpers.js';

/** r0..r10 are the machine's; numbers from FIRST_VIRTUAL_REG up are virtual registers. */
export type Reg = number;
export const R0 = 0;
export const R1 = 1;
export const R2 = 2;
export const R3 = 3;
export const R4 = 4;
export const R5 = 5;
export const R6 = 6;
export const R7 = 7;
export const R8 = 8;
export const R9 = 9;
/** The read-only frame pointer. */
export const R10 = 10;
export const FIRST_VIRTUAL_REG = 16;

export function isVirtual(reg: Reg): boolean {
  return reg >= FIRST_VIRTUAL_REG;
}

export interface Instruction {
  readonly kind: 'insn';
  readonly opcode: number;
  readonly dst: Reg;
  readonly src: Reg;
  /** Signed 16-bit offset (memory) or jump distance (filled from `target` when encoding). */
  readonly off: number;
  /** Signed 32-bit immediate. For ld_imm64 the low half of `wide`. */
  readonly imm: number;
  /** ld_imm64 only: the full 64-bit constant (two raw slots). */
  readonly wide?: bigint;
  /** Jumps: the label to jump to. */
  readonly target?: string;
  /** ld_imm64 of a map fd: the map's name, turned into a relocation when encoding. */
  readonly map?: string;
  /** Index into the program's source spans, for the artifact's sourceMap. */
  readonly span?: number;
}

/** A jump target: the position of the next instruction. */
export interface Label {
  readonly kind: 'label';
  readonly name: string;
}

export type Item = Instruction | Label;

export function insn(fields: Omit<Instruction, 'kind'>): Instruction {
  return { kind: 'insn', ...fields };
}

export function label(name: string): Label {
  return { kind: 'label', name };
}

/** A copy of `i` with other fields (registers rewritten, span attached). */
export function withFields(
  i: Instruction,
  fields: Partial<Omit<Instruction, 'kind'>>,
): Instruction {
  return { ...i, ...fields };
}

/** True for ld_imm64, the one instruction taking two raw slots. */
export function isWide(i: Instruction): boolean {
  return i.opcode === (BPF_LD | BPF_IMM | BPF_DW);
}

function checkImm32(k: number): number {
  if (!Number.isInteger(k) || k < -0x80000000 || k > 0xffffffff) {
    throw new RangeError(`immediate ${k} does not fit in 32 bits`);
  }
  // Unsigned 32-bit spellings (0xffffffff) are stored as their signed equivalent.
  return k | 0;
}

function checkOff(off: number): number {
  if (!Number.isInteger(off) || off < -0x8000 || off > 0x7fff) {
    throw new RangeError(`offset ${off} does not fit in 16 bits`);
  }
  return off;
}

interface AluOp {
  imm(dst: Reg, k: number): Instruction;
  reg(dst: Reg, src: Reg): Instruction;
}

function aluOp(cls: number, op: number): AluOp {
  return {
    imm: (dst, k) => insn({ opcode: cls | op | BPF_K, dst, src: 0, off: 0, imm: checkImm32(k) }),
    reg: (dst, src) => insn({ opcode: cls | op | BPF_X, dst, src, off: 0, imm: 0 }),
  };
}

function aluFamily(cls: number) {
  return {
    add: aluOp(cls, BPF_ADD),
    sub: aluOp(cls, BPF_SUB),
    mul: aluOp(cls, BPF_MUL),
    div: aluOp(cls, BPF_DIV),
    or: aluOp(cls, BPF_OR),
    and: aluOp(cls, BPF_AND),
    lsh: aluOp(cls, BPF_LSH),
    rsh: aluOp(cls, BPF_RSH),
    mod: aluOp(cls, BPF_MOD),
    xor: aluOp(cls, BPF_XOR),
    mov: aluOp(cls, BPF_MOV),
    arsh: aluOp(cls, BPF_ARSH),
    neg: (dst: Reg) => insn({ opcode: cls | BPF_NEG | BPF_K, dst, src: 0, off: 0, imm: 0 }),
  };
}

/** 64-bit ALU (BPF_ALU64): `r1 += 4`. */
export const alu = {
  ...aluFamily(BPF_ALU64),
  /** Byte swaps use the 32-bit class with the direction in the source bit (legacy BPF_END). */
  end: {
    be: (dst: Reg, bits: 16 | 32 | 64) =>
      insn({ opcode: BPF_ALU | BPF_END | BPF_TO_BE, dst, src: 0, off: 0, imm: bits }),
    le: (dst: Reg, bits: 16 | 32 | 64) =>
      insn({ opcode: BPF_ALU | BPF_END | BPF_TO_LE, dst, src: 0, off: 0, imm: bits }),
  },
};

/** 32-bit ALU (BPF_ALU): `w1 += 4`; the result is zero-extended into the 64-bit register. */
export const alu32 = aluFamily(BPF_ALU);

interface JmpOp {
  imm(dst: Reg, k: number, target: string): Instruction;
  reg(dst: Reg, src: Reg, target: string): Instruction;
}

function jmpOp(op: number): JmpOp {
  return {
    imm: (dst, k, target) =>
      insn({ opcode: BPF_JMP | op | BPF_K, dst, src: 0, off: 0, imm: checkImm32(k), target }),
    reg: (dst, src, target) =>
      insn({ opcode: BPF_JMP | op | BPF_X, dst, src, off: 0, imm: 0, target }),
  };
}

/** 64-bit compares and jumps (BPF_JMP). */
export const jmp = {
  ja: (target: string) =>
    insn({ opcode: BPF_JMP | BPF_JA, dst: 0, src: 0, off: 0, imm: 0, target }),
  jeq: jmpOp(BPF_JEQ),
  jne: jmpOp(BPF_JNE),
  jgt: jmpOp(BPF_JGT),
  jge: jmpOp(BPF_JGE),
  jlt: jmpOp(BPF_JLT),
  jle: jmpOp(BPF_JLE),
  jsgt: jmpOp(BPF_JSGT),
  jsge: jmpOp(BPF_JSGE),
  jslt: jmpOp(BPF_JSLT),
  jsle: jmpOp(BPF_JSLE),
  jset: jmpOp(BPF_JSET),
};

export function call(helper: HelperName): Instruction {
  return insn({ opcode: BPF_JMP | BPF_CALL, dst: 0, src: 0, off: 0, imm: HELPERS[helper].id });
}

export function exit(): Instruction {
  return insn({ opcode: BPF_JMP | BPF_EXIT, dst: 0, src: 0, off: 0, imm: 0 });
}

function wideLoad(dst: Reg, value: bigint, src: number, map?: string): Instruction {
  const v = BigInt.asUintN(64, value);
  const low = Number(BigInt.asIntN(32, v));
  return insn({
    opcode: BPF_LD | BPF_IMM | BPF_DW,
    dst,
    src,
    off: 0,
    imm: low,
    wide: v,
    ...(map === undefined ? {} : { map }),
  });
}

/** ld_imm64: 64-bit constants and map references. */
export const ld = {
  imm64: (dst: Reg, value: bigint) => wideLoad(dst, value, 0),
  /** The loader patches the immediate with the map's fd (BPF_PSEUDO_MAP_FD). */
  mapFd: (dst: Reg, map: string) => wideLoad(dst, 0n, BPF_PSEUDO_MAP_FD, map),
};

type Width = 1 | 2 | 4 | 8;

function ldxOf(width: Width) {
  return (dst: Reg, src: Reg, off: number) =>
    insn({ opcode: BPF_LDX | BPF_MEM | sizeOfBytes(width), dst, src, off: checkOff(off), imm: 0 });
}
function stxOf(width: Width) {
  return (dst: Reg, off: number, src: Reg) =>
    insn({ opcode: BPF_STX | BPF_MEM | sizeOfBytes(width), dst, src, off: checkOff(off), imm: 0 });
}
function stOf(width: Width) {
  return (dst: Reg, off: number, k: number) =>
    insn({
      opcode: BPF_ST | BPF_MEM | sizeOfBytes(width),
      dst,
      src: 0,
      off: checkOff(off),
      imm: checkImm32(k),
    });
}

/** Loads `dst = *(uN *)(src + off)`; `ldx.of(width)` picks the size at run time. */
export const ldx = {
  b: ldxOf(1),
  h: ldxOf(2),
  w: ldxOf(4),
  dw: ldxOf(8),
  of: ldxOf,
};

/** Register stores `*(uN *)(dst + off) = src`. */
export const stx = {
  b: stxOf(1),
  h: stxOf(2),
  w: stxOf(4),
  dw: stxOf(8),
  of: stxOf,
};

/** Immediate stores `*(uN *)(dst + off) = k` (k sign-extended to the width). */
export const st = {
  b: stOf(1),
  h: stOf(2),
  w: stOf(4),
  dw: stOf(8),
  of: stOf,
};

// Re-exported so callers composing opcodes need one import.
export { BPF_B, BPF_H, BPF_W, BPF_DW };
