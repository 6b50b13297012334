// Instructions to the kernel's byte format (struct bpf_insn, little endian):
//   u8 code; u8 dst_reg:4, src_reg:4; s16 off; s32 imm
// ld_imm64 takes two slots; the second holds the upper 32 bits in its imm. Labels are
// resolved here, over raw slots, so a jump's offset counts a ld_imm64 as two.
import { BPF_CALL, BPF_EXIT, BPF_JMP, BPF_JMP32, opClass, opOperation } from './opcode.js';
import { isWide, type Item, type Instruction } from './insn.js';

export interface Encoded {
  /** 8 bytes per raw slot. */
  bytes: Uint8Array;
  /** ld_imm64 slots holding a map reference, by raw slot index. */
  mapRelocations: { insn: number; map: string }[];
  /** Per raw slot: the instruction's `span`, or -1. */
  sourceMap: number[];
}

export class EncodeError extends Error {
  override name = 'EncodeError';
}

export const SLOT_BYTES = 8;

/** Raw slots each item occupies (labels none). */
export function slotCount(item: Item): number {
  if (item.kind === 'label') return 0;
  return isWide(item) ? 2 : 1;
}

/** Label name -> raw slot of the instruction following it. Throws on a duplicate. */
export function labelSlots(items: readonly Item[]): Map<string, number> {
  const labels = new Map<string, number>();
  let slot = 0;
  for (const item of items) {
    if (item.kind === 'label') {
      if (labels.has(item.name)) throw new EncodeError(`label '${item.name}' is defined twice`);
      labels.set(item.name, slot);
    }
    slot += slotCount(item);
  }
  return labels;
}

export function isJump(i: Instruction): boolean {
  const cls = opClass(i.opcode);
  if (cls !== BPF_JMP && cls !== BPF_JMP32) return false;
  const op = opOperation(i.opcode);
  return op !== BPF_CALL && op !== BPF_EXIT;
}

function writeSlot(view: DataView, slot: number, i: Instruction, off: number, imm: number): void {
  const at = slot * SLOT_BYTES;
  view.setUint8(at, i.opcode);
  view.setUint8(at + 1, (i.dst & 0x0f) | ((i.src & 0x0f) << 4));
  view.setInt16(at + 2, off, true);
  view.setInt32(at + 4, imm, true);
}

export function encode(items: readonly Item[]): Encoded {
  const labels = labelSlots(items);
  const total = items.reduce((n, item) => n + slotCount(item), 0);
  const bytes = new Uint8Array(total * SLOT_BYTES);
  const view = new DataView(bytes.buffer);
  const mapRelocations: { insn: number; map: string }[] = [];
  const sourceMap: number[] = [];
  let slot = 0;
  items.forEach((item, index) => {
    if (item.kind === 'label') return;
    for (const reg of [item.dst, item.src]) {
      if (reg < 0 || reg > 10) {
        throw new EncodeError(
          `instruction ${index} (slot ${slot}) uses register ${reg}, not r0-r10`,
        );
      }
    }
    let off = item.off;
    if (isJump(item)) {
      if (item.target === undefined) {
        throw new EncodeError(`jump at instruction ${index} (slot ${slot}) has no target label`);
      }
      const to = labels.get(item.target);
      if (to === undefined) {
        throw new EncodeError(
          `jump at instruction ${index} (slot ${slot}) targets label '${item.target}', which is never defined`,
        );
      }
      off = to - (slot + 1);
      if (off < -0x8000 || off > 0x7fff) {
        throw new EncodeError(
          `jump at instruction ${index} to '${item.target}' is out of range (${off})`,
        );
      }
    }
    const span = item.span ?? -1;
    if (isWide(item)) {
      const v = BigInt.asUintN(64, item.wide ?? BigInt(item.imm));
      const low = Number(BigInt.asIntN(32, v));
      const high = Number(BigInt.asIntN(32, v >> 32n));
      writeSlot(view, slot, item, off, low);
      const at = (slot + 1) * SLOT_BYTES;
      view.setInt32(at + 4, high, true);
      if (item.map !== undefined) mapRelocations.push({ insn: slot, map: item.map });
      sourceMap.push(span, span);
      slot += 2;
    } else {
      writeSlot(view, slot, item, off, item.imm);
      sourceMap.push(span);
      slot += 1;
    }
  });
  return { bytes, mapRelocations, sourceMap };
}

/** Bytes back into records (jump offsets kept in `off`, no labels); for disassembly. */
export function decode(
  bytes: Uint8Array,
  mapRelocations: readonly { insn: number; map: string }[] = [],
): Instruction[] {
  if (bytes.length % SLOT_BYTES !== 0)
    throw new EncodeError(`${bytes.length} bytes is not a whole number of instructions`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const maps = new Map(mapRelocations.map((r) => [r.insn, r.map]));
  const out: Instruction[] = [];
  for (let slot = 0; slot < bytes.length / SLOT_BYTES; slot++) {
    const at = slot * SLOT_BYTES;
    const opcode = view.getUint8(at);
    const regs = view.getUint8(at + 1);
    const off = view.getInt16(at + 2, true);
    const imm = view.getInt32(at + 4, true);
    const base = { kind: 'insn' as const, opcode, dst: regs & 0x0f, src: regs >> 4, off, imm };
    if (opcode === 0x18 && slot + 1 < bytes.length / SLOT_BYTES) {
      const high = view.getUint32(at + 8 + 4, true);
      const wide = (BigInt(high) << 32n) | BigInt(imm >>> 0);
      const map = maps.get(slot);
      out.push({ ...base, wide, ...(map === undefined ? {} : { map }) });
      slot++;
    } else {
      out.push(base);
    }
  }
  return out;
}
