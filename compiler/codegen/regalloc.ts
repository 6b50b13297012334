// Late register allocation: virtual registers (v16, v17, ...) become r0-r9.
//
// Code generation uses physical registers only where the ABI demands (helper arguments in
// r1-r5, the result in r0, ctx in r1 at entry) and virtual ones everywhere else. Here an
// interference graph is built from liveness; a helper call defines r0-r5, so any virtual
// live across a call interferes with them and ends up in r6-r9. Virtuals are coloured
// greedily, preferring the register of a move partner (so `r1 = v20` often disappears).
// When no register is left, the virtual is spilled to an 8-byte stack slot and every use
// and definition goes through a fresh short-lived virtual; then allocation runs again.
// The verifier keeps the type of a spilled 8-byte register (pointer or scalar), so spills
// of map-value pointers stay valid.
import {
  FIRST_VIRTUAL_REG,
  isVirtual,
  ldx,
  R10,
  stx,
  withFields,
  type Instruction,
  type Item,
} from '../bpf/index.js';
import { assert } from '../debug.js';
import { defUse, isMove, liveness } from './liveness.js';

export interface RegAllocOptions {
  /** Returns the frame offset (negative, 8-aligned) of a new 8-byte spill slot. */
  spillSlot: () => number;
  /** Highest allocation rounds before giving up (default 8); each round spills at least one. */
  maxRounds?: number;
}

export interface RegAllocResult {
  items: Item[];
  /** Virtual registers that had to live on the stack. */
  spilled: number;
}

/** Registers a virtual may take, in order of preference when no move hint applies. */
const COLORS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

function maxReg(items: readonly Item[]): number {
  let m = FIRST_VIRTUAL_REG;
  for (const i of items) if (i.kind === 'insn') m = Math.max(m, i.dst + 1, i.src + 1);
  return m;
}

export function allocateRegisters(
  input: readonly Item[],
  options: RegAllocOptions,
): RegAllocResult {
  let items = [...input];
  let spilled = 0;
  const rounds = options.maxRounds ?? 8;
  for (let round = 0; round < rounds; round++) {
    const regCount = maxReg(items);
    const live = liveness(items, regCount);
    if (live.insns.length > 0) {
      for (const r of live.liveIn[0]!) {
        assert(!isVirtual(r), `virtual register v${r} is read before it is written`);
      }
    }
    // Interference graph as adjacency sets.
    const adj = new Map<number, Set<number>>();
    const edge = (a: number, b: number) => {
      if (a === b) return;
      let sa = adj.get(a);
      if (!sa) adj.set(a, (sa = new Set()));
      sa.add(b);
      let sb = adj.get(b);
      if (!sb) adj.set(b, (sb = new Set()));
      sb.add(a);
    };
    const hints = new Map<number, number[]>();
    const order: number[] = [];
    const seen = new Set<number>();
    live.insns.forEach((i, k) => {
      const { defs, uses } = live.defUse[k]!;
      for (const r of [...defs, ...uses]) {
        if (isVirtual(r) && !seen.has(r)) {
          seen.add(r);
          order.push(r);
        }
      }
      const move = isMove(i);
      for (const d of defs) {
        for (const l of live.liveOut[k]!) {
          if (move && l === i.src) continue;
          edge(d, l);
        }
      }
      if (move) {
        hints.set(i.dst, [...(hints.get(i.dst) ?? []), i.src]);
        hints.set(i.src, [...(hints.get(i.src) ?? []), i.dst]);
      }
    });
    const color = new Map<number, number>();
    for (let p = 0; p < FIRST_VIRTUAL_REG; p++) color.set(p, p);
    const uncolored: number[] = [];
    for (const v of order) {
      const taken = new Set<number>();
      for (const n of adj.get(v) ?? []) {
        const c = color.get(n);
        if (c !== undefined) taken.add(c);
      }
      let chosen: number | undefined;
      for (const h of hints.get(v) ?? []) {
        const c = color.get(h);
        if (c !== undefined && c !== R10 && !taken.has(c)) {
          chosen = c;
          break;
        }
      }
      chosen ??= COLORS.find((c) => !taken.has(c));
      if (chosen === undefined) uncolored.push(v);
      else color.set(v, chosen);
    }
    if (uncolored.length === 0) {
      const out: Item[] = [];
      for (const item of items) {
        if (item.kind === 'label') {
          out.push(item);
          continue;
        }
        const dst = color.get(item.dst) ?? item.dst;
        const src = color.get(item.src) ?? item.src;
        const rewritten =
          dst === item.dst && src === item.src ? item : withFields(item, { dst, src });
        if (isMove(rewritten) && rewritten.dst === rewritten.src) continue;
        out.push(rewritten);
      }
      return { items: out, spilled };
    }
    // Spill the uncoloured virtuals and try again.
    for (const v of uncolored) {
      items = spill(items, v, options.spillSlot(), maxReg(items));
      spilled++;
    }
  }
  assert(false, `register allocation did not converge after ${rounds} rounds`);
}

/** Every use of `v` loads it from `slot` first; every definition stores it there after. */
function spill(items: readonly Item[], v: number, slot: number, firstFree: number): Item[] {
  let next = firstFree;
  const out: Item[] = [];
  for (const item of items) {
    if (item.kind === 'label' || (item.dst !== v && item.src !== v)) {
      out.push(item);
      continue;
    }
    const { defs, uses } = defUse(item);
    const tmp = next++;
    const carry = (i: Instruction): Instruction =>
      item.span === undefined ? i : withFields(i, { span: item.span });
    if (uses.includes(v)) out.push(carry(ldx.dw(tmp, R10, slot)));
    out.push(
      withFields(item, {
        dst: item.dst === v ? tmp : item.dst,
        src: item.src === v ? tmp : item.src,
      }),
    );
    if (defs.includes(v)) out.push(carry(stx.dw(R10, slot, tmp)));
  }
  return out;
}
