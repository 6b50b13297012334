// Moving bytes between registers and memory the way the verifier accepts it. Stack accesses
// must be aligned to their size (the verifier tracks spilled registers per 8-byte slot and
// rejects misaligned stack access outright), and tracepoint ctx reads must be aligned too,
// so every access here picks the widest size that both offsets allow and falls back to bytes.
import { alu, ld, ldx, st, stx, type Reg } from '../bpf/index.js';
import type { Emitter, Mem } from './emitter.js';

type Width = 1 | 2 | 4 | 8;

function mod(n: number, m: number): number {
  return ((n % m) + m) % m;
}

function widest(a: number, b: number, left: number): Width {
  for (const w of [8, 4, 2] as const) if (left >= w && mod(a, w) === 0 && mod(b, w) === 0) return w;
  return 1;
}

export function at(mem: Mem, off: number): Mem {
  return { base: mem.base, off: mem.off + off };
}

/** Sets `size` bytes at `mem` to zero. */
export function zero(e: Emitter, mem: Mem, size: number): void {
  let done = 0;
  while (done < size) {
    const w = widest(mem.off + done, 0, size - done);
    e.emit(st.of(w)(mem.base, mem.off + done, 0));
    done += w;
  }
}

/** Copies `size` bytes from `src` to `dst` through a temporary register. */
export function copy(e: Emitter, dst: Mem, src: Mem, size: number): void {
  let done = 0;
  const tmp = e.reg();
  while (done < size) {
    const w = widest(dst.off + done, src.off + done, size - done);
    e.emit(ldx.of(w)(tmp, src.base, src.off + done), stx.of(w)(dst.base, dst.off + done, tmp));
    done += w;
  }
}

/** Stores the low `width` bytes of `reg` at `mem`, byte by byte when misaligned. */
export function storeReg(e: Emitter, mem: Mem, reg: Reg, width: Width): void {
  if (mod(mem.off, width) === 0) {
    e.emit(stx.of(width)(mem.base, mem.off, reg));
    return;
  }
  const tmp = e.reg();
  e.emit(alu.mov.reg(tmp, reg));
  for (let b = 0; b < width; b++) {
    e.emit(stx.b(mem.base, mem.off + b, tmp));
    if (b + 1 < width) e.emit(alu.rsh.imm(tmp, 8));
  }
}

function fits32(v: bigint): boolean {
  return v >= -0x80000000n && v <= 0x7fffffffn;
}

/** Stores the constant `value` in `width` bytes at `mem`. */
export function storeImm(e: Emitter, mem: Mem, value: bigint, width: Width): void {
  const v = BigInt.asIntN(width * 8, value);
  if (mod(mem.off, width) === 0 && fits32(v)) {
    e.emit(st.of(width)(mem.base, mem.off, Number(v)));
    return;
  }
  if (width === 8 && mod(mem.off, 4) === 0) {
    const u = BigInt.asUintN(64, value);
    e.emit(st.w(mem.base, mem.off, Number(BigInt.asIntN(32, u))));
    e.emit(st.w(mem.base, mem.off + 4, Number(BigInt.asIntN(32, u >> 32n))));
    return;
  }
  const tmp = e.reg();
  e.emit(
    fits32(BigInt.asIntN(64, value))
      ? alu.mov.imm(tmp, Number(BigInt.asIntN(64, value)))
      : ld.imm64(tmp, value),
  );
  storeReg(e, mem, tmp, width);
}

/** Stores literal bytes (a string constant) at `mem`. */
export function storeBytes(e: Emitter, mem: Mem, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) {
    const w = Math.min(widest(mem.off + done, 0, bytes.length - done), 4) as 1 | 2 | 4;
    let v = 0;
    for (let b = w - 1; b >= 0; b--) v = v * 256 + (bytes[done + b] ?? 0);
    e.emit(st.of(w)(mem.base, mem.off + done, w === 4 ? v | 0 : v));
    done += w;
  }
}

/** Loads `width` bytes at `mem` into a new register, sign-extending when `signed`. */
export function load(e: Emitter, mem: Mem, width: Width, signed: boolean): Reg {
  const r = e.reg();
  if (mod(mem.off, width) === 0) {
    e.emit(ldx.of(width)(r, mem.base, mem.off));
  } else {
    const tmp = e.reg();
    e.emit(alu.mov.imm(r, 0));
    for (let b = width - 1; b >= 0; b--) {
      e.emit(ldx.b(tmp, mem.base, mem.off + b), alu.lsh.imm(r, 8), alu.or.reg(r, tmp));
    }
  }
  if (signed && width < 8) {
    const shift = 64 - width * 8;
    e.emit(alu.lsh.imm(r, shift), alu.arsh.imm(r, shift));
  }
  return r;
}

/** A register holding the address `mem`. */
export function addressOf(e: Emitter, mem: Mem): Reg {
  const r = e.reg();
  e.emit(alu.mov.reg(r, mem.base));
  if (mem.off !== 0) e.emit(alu.add.imm(r, mem.off));
  return r;
}
