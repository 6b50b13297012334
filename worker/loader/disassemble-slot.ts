// The verifier names instructions by raw slot (an lddw takes two); this finds the instruction
// at a slot and prints it the way the compiler's disassembler (and -d) does.
import { decode, formatInsn, slotCount } from '../../compiler/bpf/index.js';
import type { DisassembleSlot } from './explain-rejection.js';

export function makeSlotDisassembler(
  mapRelocations: readonly { insn: number; map: string }[],
): DisassembleSlot {
  return (insns, wanted) => {
    let slot = 0;
    for (const i of decode(insns, mapRelocations)) {
      if (slot === wanted) return `(${i.opcode.toString(16).padStart(2, '0')}) ${formatInsn(i)}`;
      slot += slotCount(i);
      if (slot > wanted) return undefined;
    }
    return undefined;
  };
}
