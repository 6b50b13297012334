// The sink code generation writes into for one program: instructions on virtual registers,
// unique labels, the source span each instruction came from, and the two places values
// live in memory: the 512-byte BPF stack and a per-CPU scratch buffer for larger objects.
import {
  FIRST_VIRTUAL_REG,
  label,
  R10,
  type Instruction,
  type Item,
  type Label,
  type Reg,
} from '../bpf/index.js';
import type { SourceSpan } from '../artifact.js';

/** Bytes of memory at `base + off`: the stack (base r10, off < 0) or the scratch buffer. */
export interface Mem {
  base: Reg;
  off: number;
}

/** The BPF stack is 512 bytes; keep this much free for the register allocator's spills. */
export const STACK_LIMIT = 512;
export const SPILL_RESERVE = 128;
/** Objects larger than this go to the scratch buffer even when the stack has room. */
export const STACK_OBJECT_MAX = 128;
/** Largest per-CPU map value the kernel allocates (PCPU_MIN_UNIT_SIZE): one program's scratch. */
export const SCRATCH_VALUE_MAX = 32768;

export class Emitter {
  readonly items: Item[] = [];
  readonly spans: SourceSpan[] = [];
  private nextReg = FIRST_VIRTUAL_REG;
  private nextLabel = 0;
  private span = -1;
  private readonly spanIndex = new Map<string, number>();
  /** Bytes of stack used so far (objects and spills), a multiple of 8. */
  stackUsed = 0;
  /** Bytes of the per-CPU scratch buffer this program uses. */
  scratchUsed = 0;
  /** Holds the scratch buffer's address once any object lives there (set up in the prologue). */
  readonly scratchBase: Reg;
  /** The prologue's `scratchBase += region offset`, patched when regions are laid out. */
  scratchRegion?: Instruction;

  constructor() {
    this.scratchBase = this.reg();
  }

  reg(): Reg {
    return this.nextReg++;
  }

  newLabel(hint: string): string {
    return `${hint}_${this.nextLabel++}`;
  }

  place(name: string): void {
    this.items.push(label(name));
  }

  emit(...insns: Instruction[]): void {
    for (const i of insns) this.items.push(this.span >= 0 ? { ...i, span: this.span } : i);
  }

  /** Attributes the following instructions to `span`; returns the previous one to restore. */
  at(span: SourceSpan): number {
    const prev = this.span;
    const key = `${span.line}:${span.column}:${span.endLine}:${span.endColumn}`;
    let index = this.spanIndex.get(key);
    if (index === undefined) {
      index = this.spans.push(span) - 1;
      this.spanIndex.set(key, index);
    }
    this.span = index;
    return prev;
  }

  restoreSpan(prev: number): void {
    this.span = prev;
  }

  /** A new stack slot of `size` bytes, 8-aligned, or undefined when the stack is full. */
  stackSlot(size: number, reserve = SPILL_RESERVE): Mem | undefined {
    const rounded = (size + 7) & ~7;
    if (this.stackUsed + rounded > STACK_LIMIT - reserve) return undefined;
    this.stackUsed += rounded;
    return { base: R10, off: -this.stackUsed };
  }

  /** Memory for an object: the stack when small and room is left, else the scratch buffer. */
  alloc(size: number): Mem {
    if (size <= STACK_OBJECT_MAX) {
      const slot = this.stackSlot(size);
      if (slot) return slot;
    }
    const off = this.scratchUsed;
    const rounded = (size + 7) & ~7;
    if (off + rounded > SCRATCH_VALUE_MAX) throw new ScratchExhausted();
    this.scratchUsed += rounded;
    return { base: this.scratchBase, off };
  }

  /** An 8-byte slot for the register allocator; throws when even the reserve is used up. */
  spillSlot(): number {
    const slot = this.stackSlot(8, 0);
    if (!slot) throw new StackExhausted();
    return slot.off;
  }
}

export class StackExhausted extends Error {
  override name = 'StackExhausted';
}

/** The probe's objects outgrew the per-CPU scratch value (unrolled loops of strings, ...). */
export class ScratchExhausted extends Error {
  override name = 'ScratchExhausted';
}

export type { Label };
