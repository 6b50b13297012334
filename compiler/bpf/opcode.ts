// BPF opcode parts with the kernel's spellings (include/uapi/linux/bpf_common.h and bpf.h), so
// that `grep BPF_JSGT` finds both the kernel's definition and every use here. An opcode is
// one byte: class in the low 3 bits, then size+mode (loads/stores) or source+operation
// (ALU/jumps). Compose with `|`; never write a raw opcode number elsewhere.

// Instruction classes.
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_JMP32 = 0x06;
export const BPF_ALU64 = 0x07;

// Load/store sizes.
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;
export const BPF_DW = 0x18;

// Load/store modes.
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_ATOMIC = 0xc0;

// Operand source: the immediate (K) or the source register (X).
export const BPF_K = 0x00;
export const BPF_X = 0x08;

// ALU operations.
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;
export const BPF_MOV = 0xb0;
export const BPF_ARSH = 0xc0;
export const BPF_END = 0xd0;

// Byte swap direction for BPF_END (in the source bit).
export const BPF_TO_LE = 0x00;
export const BPF_TO_BE = 0x08;

// Jump operations.
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;
export const BPF_JNE = 0x50;
export const BPF_JSGT = 0x60;
export const BPF_JSGE = 0x70;
export const BPF_CALL = 0x80;
export const BPF_EXIT = 0x90;
export const BPF_JLT = 0xa0;
export const BPF_JLE = 0xb0;
export const BPF_JSLT = 0xc0;
export const BPF_JSLE = 0xd0;

/** `src` of an ld_imm64 whose immediate is a map fd (patched by the loader). */
export const BPF_PSEUDO_MAP_FD = 1;

export function opClass(opcode: number): number {
  return opcode & 0x07;
}
export function opSize(opcode: number): number {
  return opcode & 0x18;
}
export function opMode(opcode: number): number {
  return opcode & 0xe0;
}
export function opSource(opcode: number): number {
  return opcode & 0x08;
}
/** The ALU or jump operation (upper 4 bits). */
export function opOperation(opcode: number): number {
  return opcode & 0xf0;
}

export function sizeBytes(size: number): 1 | 2 | 4 | 8 {
  switch (size) {
    case BPF_B:
      return 1;
    case BPF_H:
      return 2;
    case BPF_W:
      return 4;
    default:
      return 8;
  }
}

export function sizeOfBytes(bytes: 1 | 2 | 4 | 8): number {
  switch (bytes) {
    case 1:
      return BPF_B;
    case 2:
      return BPF_H;
    case 4:
      return BPF_W;
    case 8:
      return BPF_DW;
  }
}
