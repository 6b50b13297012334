// Instructions as text in the kernel verifier's spelling (kernel/bpf/disasm.c), so that a
// listing from `bpfq -d`, a test failure and the verifier's own log read alike:
//   0: (b7) r1 = 0
//   1: (7b) *(u64 *)(r10 -8) = r1
//   2: (18) r1 = map[AT_x] ll
//   4: (85) call bpf_map_lookup_elem#1
//   5: (15) if r0 == 0x0 goto pc+3
// Virtual registers print as v16, v17, ... (before register allocation).
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_ARSH,
  BPF_CALL,
  BPF_END,
  BPF_EXIT,
  BPF_IMM,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_NEG,
  BPF_ST,
  BPF_STX,
  BPF_TO_BE,
  BPF_X,
  opClass,
  opMode,
  opOperation,
  opSize,
  opSource,
  sizeBytes,
} from './opcode.js';
import { isVirtual, type Instruction, type Item } from './insn.js';
import { decode, slotCount } from './encode.js';
import { helperName } from './helpers.js';

const ALU_SYMBOLS: Record<number, string> = {
  0x00: '+=',
  0x10: '-=',
  0x20: '*=',
  0x30: '/=',
  0x40: '|=',
  0x50: '&=',
  0x60: '<<=',
  0x70: '>>=',
  0x90: '%=',
  0xa0: '^=',
  0xb0: '=',
  [BPF_ARSH]: 's>>=',
};

const JMP_SYMBOLS: Record<number, string> = {
  0x10: '==',
  0x20: '>',
  0x30: '>=',
  0x40: '&',
  0x50: '!=',
  0x60: 's>',
  0x70: 's>=',
  0xa0: '<',
  0xb0: '<=',
  0xc0: 's<',
  0xd0: 's<=',
};

function reg(r: number, wide = true): string {
  if (isVirtual(r)) return `${wide ? 'v' : 'vw'}${r}`;
  return `${wide ? 'r' : 'w'}${r}`;
}

function memRef(i: Instruction, base: number): string {
  const size = sizeBytes(opSize(i.opcode)) * 8;
  const off = i.off >= 0 ? `+${i.off}` : `${i.off}`;
  return `*(u${size} *)(${reg(base)} ${off})`;
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

/** One instruction's text. `jumpTo` renders a jump's destination (default `pc+off`). */
export function formatInsn(i: Instruction, jumpTo?: (i: Instruction) => string): string {
  const cls = opClass(i.opcode);
  const op = opOperation(i.opcode);
  const target = jumpTo ?? ((x: Instruction) => `pc${x.off >= 0 ? '+' : ''}${x.off}`);
  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64: {
      const wide = cls === BPF_ALU64;
      if (op === BPF_END) {
        const dir = opSource(i.opcode) === BPF_TO_BE ? 'be' : 'le';
        return `${reg(i.dst)} = ${dir}${i.imm} ${reg(i.dst)}`;
      }
      if (op === BPF_NEG) return `${reg(i.dst, wide)} = -${reg(i.dst, wide)}`;
      const sym = ALU_SYMBOLS[op] ?? `alu?${hex(op)}`;
      const rhs = opSource(i.opcode) === BPF_X ? reg(i.src, wide) : `${i.imm}`;
      return `${reg(i.dst, wide)} ${sym} ${rhs}`;
    }
    case BPF_LDX:
      return `${reg(i.dst)} = ${memRef(i, i.src)}`;
    case BPF_STX:
      return `${memRef(i, i.dst)} = ${reg(i.src)}`;
    case BPF_ST:
      return `${memRef(i, i.dst)} = ${i.imm}`;
    case BPF_LD:
      if (opMode(i.opcode) === BPF_IMM) {
        if (i.map !== undefined) return `${reg(i.dst)} = map[${i.map}] ll`;
        if (i.src === 1) return `${reg(i.dst)} = map[fd:${i.imm}] ll`;
        const v = i.wide ?? BigInt(i.imm);
        return `${reg(i.dst)} = 0x${BigInt.asUintN(64, v).toString(16)} ll`;
      }
      return `ld?${hex(i.opcode)}`;
    case BPF_JMP:
    case BPF_JMP32: {
      const wide = cls === BPF_JMP;
      if (op === BPF_CALL) {
        const name = helperName(i.imm);
        return `call ${name === undefined ? 'helper' : `bpf_${name}`}#${i.imm}`;
      }
      if (op === BPF_EXIT) return 'exit';
      if (op === BPF_JA) return `goto ${target(i)}`;
      const sym = JMP_SYMBOLS[op] ?? `jmp?${hex(op)}`;
      const rhs = opSource(i.opcode) === BPF_K ? hex(i.imm) : reg(i.src, wide);
      return `if ${reg(i.dst, wide)} ${sym} ${rhs} goto ${target(i)}`;
    }
    default:
      return `?${hex(i.opcode)}`;
  }
}

function opcodeHex(i: Instruction): string {
  return i.opcode.toString(16).padStart(2, '0');
}

/**
 * A listing of items before encoding: labels on lines of their own (`name:`), jumps by label,
 * each instruction prefixed with its raw slot.
 */
export function disassembleItems(items: readonly Item[]): string {
  const lines: string[] = [];
  let slot = 0;
  for (const item of items) {
    if (item.kind === 'label') {
      lines.push(`${item.name}:`);
      continue;
    }
    const text = formatInsn(item, (x) => x.target ?? `pc${x.off >= 0 ? '+' : ''}${x.off}`);
    lines.push(`${String(slot).padStart(4)}: (${opcodeHex(item)}) ${text}`);
    slot += slotCount(item);
  }
  return lines.join('\n');
}

/** A listing of encoded bytes, as the verifier prints them. Map slots show the map's name. */
export function disassemble(
  bytes: Uint8Array,
  mapRelocations: readonly { insn: number; map: string }[] = [],
): string {
  const lines: string[] = [];
  let slot = 0;
  for (const i of decode(bytes, mapRelocations)) {
    lines.push(`${slot}: (${opcodeHex(i)}) ${formatInsn(i)}`);
    slot += slotCount(i);
  }
  return lines.join('\n');
}
