// Map keys, reads, writes and the aggregations in bpftrace 0.17's layout (BPFTRACE-REFERENCE.md
// §4.2-4.7): every lookup is null-checked; per-CPU aggregates are updated in place on a hit
// (the slot is this CPU's own) and inserted on a miss.
import { alu, jmp, ldx, st, stx, type Reg } from '../bpf/index.js';
import type { Call, Expr, IncDec, MapRef, Span } from '../front/ast.js';
import { sizeOf } from '../types.js';
import { assert, fail } from '../debug.js';
import { type Mem } from './emitter.js';
import { at, copy, load, storeImm, storeReg, zero } from './memory.js';
import { type UserMap } from './resources.js';
import { BuiltinLowering } from './lower-builtins.js';
import {
  CodegenError,
  type Operand,
  fitsImm32,
  imm,
  intWidth,
  isSigned,
  typeOf,
} from './lowering-base.js';

export abstract class MapLowering extends BuiltinLowering {
  protected userMap(name: string, span: Span): UserMap {
    const m = this.input.resources.userMaps.get(name);
    if (!m) throw new CodegenError(span, `map ${name} has no layout`);
    return m;
  }

  /** The key of `@m[keys]` in a new buffer (with room for the bucket/index u64 when indexed). */
  protected mapKey(m: UserMap, keys: readonly Expr[], indexWritten = false): Mem {
    const { e } = this;
    const key = e.alloc(m.artifact.keySize);
    // A bucket/index slot nobody fills (delete of a hist map's element) must still be
    // written: the verifier rejects a key with uninitialised stack bytes.
    if (m.indexed && !indexWritten) storeImm(e, this.indexSlot(m, key), 0n, 8);
    if (m.arrayKey) {
      storeImm(e, key, 0n, 4);
    } else if (keys.length === 0) {
      if (!m.indexed) storeImm(e, key, 0n, 8);
    } else {
      keys.forEach((k, i) => {
        const part = m.info.key[i] ?? typeOf(k);
        this.into(k, at(key, m.keyOffsets[i] ?? 0), sizeOf(part));
      });
    }
    return key;
  }

  protected indexSlot(m: UserMap, key: Mem): Mem {
    return at(key, m.info.key.length === 0 ? 0 : m.userKeySize);
  }

  protected mapAssign(target: MapRef, value: Expr): void {
    const m = this.userMap(target.name, target.span);
    if (m.aggregate !== undefined && value.kind === 'call') {
      this.aggregate(m, target, value);
      return;
    }
    const size = m.artifact.valueSize;
    // Evaluate the value before building the key: `@x[k] = @x[k] + 1` reads with its own key.
    const val = this.e.alloc(size);
    // `@b = @a` of one aggregation kind copies this CPU's whole slot (min/max keep their
    // is-set flag with the value), as 0.17 copies the slot it looked up.
    if (m.aggregate !== undefined && value.kind === 'map') this.mapReadInto(value, val, size);
    else this.into(value, val, size);
    const key = this.mapKey(m, target.keys);
    this.update(m.artifact.name, key, val);
  }

  protected mapReadScalar(x: MapRef): Operand {
    const { e } = this;
    const m = this.userMap(x.name, x.span);
    const key = this.mapKey(m, x.keys);
    const p = this.lookup(m.artifact.name, key);
    const r = e.reg();
    const done = e.newLabel('miss');
    const t = m.info.value;
    e.emit(alu.mov.imm(r, 0), jmp.jeq.imm(p, 0, done));
    const v = load(e, { base: p, off: 0 }, intWidth(t), isSigned(t));
    e.emit(alu.mov.reg(r, v));
    e.place(done);
    return { kind: 'reg', reg: r };
  }

  protected mapReadInto(x: MapRef, dst: Mem, size: number): void {
    const { e } = this;
    const m = this.userMap(x.name, x.span);
    const key = this.mapKey(m, x.keys);
    const p = this.lookup(m.artifact.name, key);
    const miss = e.newLabel('miss');
    const done = e.newLabel('read');
    const n = Math.min(m.artifact.valueSize, size);
    e.emit(jmp.jeq.imm(p, 0, miss));
    copy(e, dst, { base: p, off: 0 }, n);
    e.emit(jmp.ja(done));
    e.place(miss);
    zero(e, dst, n);
    e.place(done);
    if (size > n) zero(e, at(dst, n), size - n);
  }

  /** `@x++`, `--$y`: the old value (postfix) or the new one (prefix). */
  protected incdec(x: IncDec): Operand {
    const { e } = this;
    // A pointer moves by its pointee's size, as 0.17 does (`$p++` on a `uint64 *` adds 8).
    const t = typeOf(x.target);
    const step = t.kind === 'pointer' ? sizeOf(t.target) : 1;
    const delta = x.op === '++' ? step : -step;
    if (x.target.kind === 'variable') {
      const slot = this.variable(x.target.name, x.target.span);
      assert(slot.kind === 'reg', 'increment of a non-integer variable');
      const old = e.reg();
      e.emit(alu.mov.reg(old, slot.reg), alu.add.imm(slot.reg, delta));
      if (!x.prefix) return { kind: 'reg', reg: old };
      // A copy: the variable may change again before the caller uses the value.
      const now = e.reg();
      e.emit(alu.mov.reg(now, slot.reg));
      return { kind: 'reg', reg: now };
    }
    const m = this.userMap(x.target.name, x.target.span);
    const old = this.toReg(this.mapReadScalar(x.target));
    const next = e.reg();
    e.emit(alu.mov.reg(next, old), alu.add.imm(next, delta));
    const val = e.alloc(8);
    storeReg(e, val, next, 8);
    const key = this.mapKey(m, x.target.keys);
    this.update(m.artifact.name, key, val);
    return { kind: 'reg', reg: x.prefix ? next : old };
  }

  /**
   * Adds `amount` to the u64 at `key` of a per-CPU map: in place on a hit (the value is this
   * CPU's own slot, so no atomic is needed), or inserts `amount` on a miss.
   */
  protected addAt(mapName: string, key: Mem, amount: Operand, insertOnMiss: boolean): void {
    const { e } = this;
    const p = this.lookup(mapName, key);
    const miss = e.newLabel('miss');
    const done = e.newLabel('added');
    const t = e.reg();
    e.emit(jmp.jeq.imm(p, 0, miss), ldx.dw(t, p, 0));
    if (amount.kind === 'imm' && fitsImm32(amount.value))
      e.emit(alu.add.imm(t, Number(amount.value)));
    else e.emit(alu.add.reg(t, this.toReg(amount)));
    e.emit(stx.dw(p, 0, t), jmp.ja(done));
    e.place(miss);
    if (insertOnMiss) {
      const val = e.alloc(8);
      if (amount.kind === 'imm') storeImm(e, val, amount.value, 8);
      else storeReg(e, val, amount.reg, 8);
      this.update(mapName, key, val);
    }
    e.place(done);
  }

  protected aggregate(m: UserMap, target: MapRef, x: Call): void {
    const { e } = this;
    const name = m.artifact.name;
    const arg = x.args[0];
    const value = (): Operand => {
      if (!arg) throw new CodegenError(x.span, `${x.name}() needs an argument`);
      return this.scalar(arg);
    };
    switch (m.aggregate) {
      case 'count': {
        const key = this.mapKey(m, target.keys, true);
        this.addAt(name, key, imm(1), !m.arrayKey);
        return;
      }
      case 'sum': {
        const v = value();
        const key = this.mapKey(m, target.keys, true);
        this.addAt(name, key, v, true);
        return;
      }
      case 'avg':
      case 'stats': {
        // 0.17's layout: index 0 counts, index 1 totals, under the same user key.
        const v = value();
        const key = this.mapKey(m, target.keys, true);
        const idx = this.indexSlot(m, key);
        storeImm(e, idx, 0n, 8);
        this.addAt(name, key, imm(1), true);
        storeImm(e, idx, 1n, 8);
        this.addAt(name, key, v, true);
        return;
      }
      case 'hist': {
        const v = this.fresh(value());
        const index = this.log2Index(v);
        const key = this.mapKey(m, target.keys, true);
        storeReg(e, this.indexSlot(m, key), index, 8);
        this.addAt(name, key, imm(1), true);
        return;
      }
      case 'lhist': {
        const t = m.info.value;
        assert(t.kind === 'lhist', 'lhist map without lhist type');
        const v = this.fresh(value());
        const index = this.linearIndex(v, t.min, t.max, t.step);
        const key = this.mapKey(m, target.keys, true);
        storeReg(e, this.indexSlot(m, key), index, 8);
        this.addAt(name, key, imm(1), true);
        return;
      }
      case 'min':
      case 'max': {
        const v = this.toReg(value());
        const key = this.mapKey(m, target.keys, true);
        this.minMax(name, key, v, m.aggregate, isSigned(m.info.value));
        return;
      }
      case undefined:
        fail('aggregate on a plain map');
    }
  }

  /**
   * min/max into {i64 value; u64 is_set} (bpfq's fix of 0.17, which stored max only when
   * `new >= old` with a missing entry reading 0, and min as 0xffffffff - v).
   */
  protected minMax(mapName: string, key: Mem, v: Reg, kind: 'min' | 'max', signed: boolean): void {
    const { e } = this;
    const p = this.lookup(mapName, key);
    const miss = e.newLabel('miss');
    const store = e.newLabel('store');
    const done = e.newLabel('minmax');
    const t = e.reg();
    e.emit(jmp.jeq.imm(p, 0, miss), ldx.dw(t, p, 8), jmp.jeq.imm(t, 0, store), ldx.dw(t, p, 0));
    // Keep the old value unless the new one is strictly better.
    const keep = kind === 'max' ? (signed ? jmp.jsle : jmp.jle) : signed ? jmp.jsge : jmp.jge;
    e.emit(keep.reg(v, t, done));
    e.place(store);
    e.emit(stx.dw(p, 0, v), st.dw(p, 8, 1), jmp.ja(done));
    e.place(miss);
    const val = e.alloc(16);
    storeReg(e, val, v, 8);
    storeImm(e, at(val, 8), 1n, 8);
    this.update(mapName, key, val);
    e.place(done);
  }

  /**
   * hist() bucket: 0 for negatives, 1 for zero, else 2 + floor(log2 n) over the full 64-bit
   * range (0.17 stopped at 2^32: its search began with a 16-bit shift).
   */
  protected log2Index(n: Reg): Reg {
    const { e } = this;
    const idx = e.reg();
    const done = e.newLabel('log2');
    e.emit(
      alu.mov.imm(idx, 0),
      jmp.jslt.imm(n, 0, done),
      alu.mov.imm(idx, 1),
      jmp.jeq.imm(n, 0, done),
      alu.mov.imm(idx, 2),
    );
    const tmp = e.reg();
    for (const shift of [32, 16, 8, 4, 2, 1]) {
      const skip = e.newLabel('log2s');
      if (shift === 32) {
        // 2^32 does not fit a jump immediate: test the shifted value instead.
        e.emit(
          alu.mov.reg(tmp, n),
          alu.rsh.imm(tmp, 32),
          jmp.jeq.imm(tmp, 0, skip),
          alu.mov.reg(n, tmp),
        );
      } else {
        e.emit(jmp.jlt.imm(n, 2 ** shift, skip), alu.rsh.imm(n, shift));
      }
      e.emit(alu.add.imm(idx, shift));
      e.place(skip);
    }
    e.place(done);
    return idx;
  }

  /** lhist() bucket as 0.17: below min 0, above max 1 + (max-min)/step, else 1 + (v-min)/step (unsigned divide). */
  protected linearIndex(v: Reg, min: number, max: number, step: number): Reg {
    const { e } = this;
    const idx = e.reg();
    const done = e.newLabel('lin');
    const inRange = e.newLabel('linr');
    const cmp = (j: typeof jmp.jslt, k: number, label: string) => {
      if (fitsImm32(BigInt(k))) e.emit(j.imm(v, k, label));
      else e.emit(j.reg(v, this.toReg(imm(k)), label));
    };
    e.emit(alu.mov.imm(idx, 0));
    cmp(jmp.jslt, min, done);
    e.emit(alu.mov.imm(idx, 1 + Math.floor((max - min) / step)));
    cmp(jmp.jsgt, max, done);
    e.place(inRange);
    e.emit(alu.mov.reg(idx, v));
    if (min !== 0) e.emit(alu.sub.imm(idx, min));
    e.emit(alu.div.imm(idx, step), alu.add.imm(idx, 1));
    e.place(done);
    return idx;
  }
}
