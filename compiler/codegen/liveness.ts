// Which registers each instruction reads and writes, and which are live after it, over the
// control-flow graph of one program. The register allocator builds its interference graph
// from this. r10 (the frame pointer) is never tracked: it is read-only and never allocated.
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_CALL,
  BPF_END,
  BPF_EXIT,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_LD,
  BPF_LDX,
  BPF_MOV,
  BPF_NEG,
  BPF_ST,
  BPF_STX,
  BPF_X,
  helperArgCount,
  isJump,
  opClass,
  opOperation,
  opSource,
  R10,
  type Instruction,
  type Item,
} from '../bpf/index.js';
import { assert } from '../debug.js';

export interface DefUse {
  defs: number[];
  uses: number[];
}

const CALL_CLOBBERS = [0, 1, 2, 3, 4, 5];

export function defUse(i: Instruction): DefUse {
  const cls = opClass(i.opcode);
  const op = opOperation(i.opcode);
  const x = opSource(i.opcode) === BPF_X;
  let defs: number[] = [];
  let uses: number[] = [];
  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64:
      if (op === BPF_MOV) {
        defs = [i.dst];
        uses = x ? [i.src] : [];
      } else if (op === BPF_NEG || op === BPF_END) {
        defs = [i.dst];
        uses = [i.dst];
      } else {
        defs = [i.dst];
        uses = x ? [i.dst, i.src] : [i.dst];
      }
      break;
    case BPF_LDX:
      defs = [i.dst];
      uses = [i.src];
      break;
    case BPF_STX:
      uses = [i.dst, i.src];
      break;
    case BPF_ST:
      uses = [i.dst];
      break;
    case BPF_LD:
      defs = [i.dst];
      break;
    case BPF_JMP:
    case BPF_JMP32:
      if (op === BPF_CALL) {
        defs = CALL_CLOBBERS;
        uses = CALL_CLOBBERS.slice(1, 1 + helperArgCount(i.imm));
      } else if (op === BPF_EXIT) {
        uses = [0];
      } else if (op !== BPF_JA) {
        uses = x ? [i.dst, i.src] : [i.dst];
      }
      break;
    default:
      assert(false, `unexpected instruction class ${cls}`);
  }
  return { defs: defs.filter((r) => r !== R10), uses: uses.filter((r) => r !== R10) };
}

/** A register-to-register move (64-bit): the allocator tries to give both the same register. */
export function isMove(i: Instruction): boolean {
  return i.opcode === (BPF_ALU64 | BPF_MOV | BPF_X);
}

/** A fixed-size bit set over register numbers. */
export class RegSet {
  readonly words: Uint32Array;
  constructor(size: number) {
    this.words = new Uint32Array((size + 31) >>> 5);
  }
  has(r: number): boolean {
    return ((this.words[r >>> 5] ?? 0) & (1 << (r & 31))) !== 0;
  }
  add(r: number): void {
    const w = r >>> 5;
    this.words[w] = (this.words[w] ?? 0) | (1 << (r & 31));
  }
  delete(r: number): void {
    const w = r >>> 5;
    this.words[w] = (this.words[w] ?? 0) & ~(1 << (r & 31));
  }
  /** this |= other; returns true when this changed. */
  union(other: RegSet): boolean {
    let changed = false;
    for (let k = 0; k < this.words.length; k++) {
      const v = ((this.words[k] ?? 0) | (other.words[k] ?? 0)) >>> 0;
      if (v !== this.words[k]) {
        this.words[k] = v;
        changed = true;
      }
    }
    return changed;
  }
  copy(): RegSet {
    const s = new RegSet(this.words.length * 32);
    s.words.set(this.words);
    return s;
  }
  *[Symbol.iterator](): IterableIterator<number> {
    for (let k = 0; k < this.words.length; k++) {
      let w = this.words[k] ?? 0;
      while (w !== 0) {
        const bit = 31 - Math.clz32(w & -w);
        yield k * 32 + bit;
        w &= w - 1;
      }
    }
  }
}

export interface Liveness {
  insns: Instruction[];
  defUse: DefUse[];
  liveIn: RegSet[];
  liveOut: RegSet[];
  /** Successor instruction indexes. */
  succ: number[][];
}

/** Instructions (labels dropped) with successors resolved and live sets computed. */
export function liveness(items: readonly Item[], regCount: number): Liveness {
  const insns: Instruction[] = [];
  const labelAt = new Map<string, number>();
  for (const item of items) {
    if (item.kind === 'label') labelAt.set(item.name, insns.length);
    else insns.push(item);
  }
  const succ = insns.map((i, k) => {
    const op = opOperation(i.opcode);
    const cls = opClass(i.opcode);
    if ((cls === BPF_JMP || cls === BPF_JMP32) && op === BPF_EXIT) return [];
    if (isJump(i)) {
      const to = labelAt.get(i.target ?? '');
      assert(to !== undefined, `jump to undefined label '${i.target ?? ''}'`);
      return op === BPF_JA ? [to] : [k + 1, to];
    }
    return [k + 1];
  });
  const du = insns.map(defUse);
  const liveIn = insns.map(() => new RegSet(regCount));
  const liveOut = insns.map(() => new RegSet(regCount));
  let changed = true;
  while (changed) {
    changed = false;
    for (let k = insns.length - 1; k >= 0; k--) {
      const out = liveOut[k]!;
      for (const s of succ[k]!) {
        const sIn = liveIn[s];
        if (sIn !== undefined && out.union(sIn)) changed = true;
      }
      const next = out.copy();
      for (const d of du[k]!.defs) next.delete(d);
      for (const u of du[k]!.uses) next.add(u);
      if (liveIn[k]!.union(next)) changed = true;
    }
  }
  return { insns, defUse: du, liveIn, liveOut, succ };
}
