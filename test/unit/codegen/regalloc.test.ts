// The register allocator: virtual registers become r0-r9, values live across helper calls
// end up in callee-saved registers, and when more values are live than registers exist they
// are spilled to the stack and still compute the right result (run in the test interpreter).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  alu,
  call,
  disassembleItems,
  encode,
  exit,
  FIRST_VIRTUAL_REG,
  jmp,
  label,
  R0,
  R10,
  type Item,
} from '../../../compiler/bpf/index.js';
import { allocateRegisters } from '../../../compiler/codegen/regalloc.js';
import { Emitter } from '../../../compiler/codegen/emitter.js';
import { Interpreter } from './bpf-interpreter.js';

function allocate(items: Item[]) {
  const e = new Emitter();
  const out = allocateRegisters(items, { spillSlot: () => e.spillSlot() });
  return { ...out, stackUsed: e.stackUsed };
}

function run(items: Item[]): bigint {
  const { bytes, mapRelocations } = encode(items);
  return new Interpreter({ maps: [] }).run(bytes, mapRelocations).r0;
}

function physicalOnly(items: readonly Item[]): boolean {
  return items.every(
    (i) => i.kind === 'label' || (i.dst < FIRST_VIRTUAL_REG && i.src < FIRST_VIRTUAL_REG),
  );
}

/** n values defined, a helper call, then all summed into r0. */
function liveAcrossCall(n: number): Item[] {
  const v = (k: number) => FIRST_VIRTUAL_REG + k;
  const items: Item[] = [];
  for (let k = 0; k < n; k++) items.push(alu.mov.imm(v(k), k + 1));
  items.push(call('ktime_get_ns'));
  items.push(alu.mov.imm(v(n), 0));
  for (let k = 0; k < n; k++) items.push(alu.add.reg(v(n), v(k)));
  items.push(alu.mov.reg(R0, v(n)), exit());
  return items;
}

describe('register allocation', () => {
  it('puts values live across a call in r6-r9 and needs no spill for four', () => {
    const out = allocate(liveAcrossCall(4));
    assert.equal(out.spilled, 0);
    assert.ok(physicalOnly(out.items));
    const callAt = out.items.findIndex((i) => i.kind === 'insn' && i.opcode === 0x85);
    for (const i of out.items.slice(0, callAt)) {
      if (i.kind === 'insn')
        assert.ok(i.dst >= 6 && i.dst <= 9, `r${i.dst} does not survive the call`);
    }
    assert.equal(run(out.items), 10n);
  });

  it('spills when more values are live across a call than callee-saved registers exist', () => {
    const out = allocate(liveAcrossCall(9));
    assert.ok(out.spilled > 0, 'expected spills');
    assert.ok(physicalOnly(out.items), disassembleItems(out.items));
    assert.ok(out.stackUsed > 0);
    assert.equal(run(out.items), 45n);
  });

  it('keeps many short-lived values without spilling', () => {
    const items: Item[] = [alu.mov.imm(FIRST_VIRTUAL_REG, 0)];
    for (let k = 1; k <= 50; k++) {
      items.push(
        alu.mov.imm(FIRST_VIRTUAL_REG + k, k),
        alu.add.reg(FIRST_VIRTUAL_REG, FIRST_VIRTUAL_REG + k),
      );
    }
    items.push(alu.mov.reg(R0, FIRST_VIRTUAL_REG), exit());
    const out = allocate(items);
    assert.equal(out.spilled, 0);
    assert.equal(run(out.items), 1275n);
  });

  it('drops moves whose source and destination got the same register', () => {
    const v = FIRST_VIRTUAL_REG;
    const out = allocate([
      alu.mov.imm(v, 7),
      alu.mov.reg(v + 1, v),
      alu.mov.reg(R0, v + 1),
      exit(),
    ]);
    const moves = out.items.filter((i) => i.kind === 'insn' && i.opcode === 0xbf);
    assert.equal(moves.length, 0, disassembleItems(out.items));
    assert.equal(run(out.items), 7n);
  });

  it('handles values live around a loop back edge', () => {
    const v = FIRST_VIRTUAL_REG;
    const items: Item[] = [
      alu.mov.imm(v, 0),
      alu.mov.imm(v + 1, 0),
      label('top'),
      jmp.jge.imm(v, 10, 'out'),
      alu.add.reg(v + 1, v),
      call('ktime_get_ns'),
      alu.add.imm(v, 1),
      jmp.ja('top'),
      label('out'),
      alu.mov.reg(R0, v + 1),
      exit(),
    ];
    const out = allocate(items);
    assert.ok(physicalOnly(out.items));
    assert.equal(run(out.items), 45n);
  });

  it('rejects reading a virtual register nothing wrote (a code generation bug)', () => {
    assert.throws(
      () => allocate([alu.mov.reg(R0, FIRST_VIRTUAL_REG + 3), exit()]),
      /read before it is written/,
    );
  });

  it('never writes the frame pointer', () => {
    const out = allocate(liveAcrossCall(9));
    for (const i of out.items) {
      // ALU (class 4 and 7) and loads (1) write dst; stores only address through it.
      if (i.kind === 'insn' && [1, 4, 7].includes(i.opcode & 7)) assert.notEqual(i.dst, R10);
    }
  });
});
