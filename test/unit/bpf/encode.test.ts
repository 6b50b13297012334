// Byte-exact encodings: one row per opcode bpfq emits, checked against the kernel's
// struct bpf_insn layout (code, dst:4|src:4, off le16, imm le32) and the opcode values of
// include/uapi/linux/bpf.h. The disassembly column is the verifier's spelling.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  alu,
  alu32,
  call,
  decode,
  disassemble,
  disassembleItems,
  encode,
  EncodeError,
  exit,
  formatInsn,
  jmp,
  label,
  ld,
  ldx,
  R0,
  R1,
  R2,
  R3,
  R10,
  st,
  stx,
  type Instruction,
} from '../../../compiler/bpf/index.js';
import { compileOk, programBytes } from '../codegen/helpers.js';
import { CODEGEN_PROGRAMS } from '../codegen/programs.js';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes)
    .toString('hex')
    .replace(/(.{16})(?=.)/g, '$1 ');
}

const table: [Instruction, string, string][] = [
  [alu.add.imm(R1, -8), '07010000f8ffffff', 'r1 += -8'],
  [alu.add.reg(R1, R2), '0f21000000000000', 'r1 += r2'],
  [alu.sub.imm(R1, 1), '1701000001000000', 'r1 -= 1'],
  [alu.sub.reg(R1, R2), '1f21000000000000', 'r1 -= r2'],
  [alu.mul.imm(R1, 3), '2701000003000000', 'r1 *= 3'],
  [alu.mul.reg(R1, R2), '2f21000000000000', 'r1 *= r2'],
  [alu.div.imm(R1, 10), '370100000a000000', 'r1 /= 10'],
  [alu.div.reg(R1, R2), '3f21000000000000', 'r1 /= r2'],
  [alu.or.imm(R1, 1), '4701000001000000', 'r1 |= 1'],
  [alu.or.reg(R1, R2), '4f21000000000000', 'r1 |= r2'],
  [alu.and.imm(R1, 0xff), '57010000ff000000', 'r1 &= 255'],
  [alu.and.reg(R1, R2), '5f21000000000000', 'r1 &= r2'],
  [alu.lsh.imm(R1, 32), '6701000020000000', 'r1 <<= 32'],
  [alu.lsh.reg(R1, R2), '6f21000000000000', 'r1 <<= r2'],
  [alu.rsh.imm(R0, 32), '7700000020000000', 'r0 >>= 32'],
  [alu.rsh.reg(R1, R2), '7f21000000000000', 'r1 >>= r2'],
  [alu.neg(R1), '8701000000000000', 'r1 = -r1'],
  [alu.mod.imm(R1, 7), '9701000007000000', 'r1 %= 7'],
  [alu.mod.reg(R1, R2), '9f21000000000000', 'r1 %= r2'],
  [alu.xor.imm(R1, 1), 'a701000001000000', 'r1 ^= 1'],
  [alu.xor.reg(R1, R2), 'af21000000000000', 'r1 ^= r2'],
  [alu.mov.imm(R1, 0), 'b701000000000000', 'r1 = 0'],
  [alu.mov.reg(R2, R10), 'bfa2000000000000', 'r2 = r10'],
  [alu.arsh.imm(R1, 56), 'c701000038000000', 'r1 s>>= 56'],
  [alu.arsh.reg(R1, R2), 'cf21000000000000', 'r1 s>>= r2'],
  [alu.end.be(R1, 16), 'dc01000010000000', 'r1 = be16 r1'],
  [alu.end.be(R1, 32), 'dc01000020000000', 'r1 = be32 r1'],
  [alu.end.be(R1, 64), 'dc01000040000000', 'r1 = be64 r1'],
  [alu.end.le(R1, 64), 'd401000040000000', 'r1 = le64 r1'],
  [alu32.mov.imm(R3, -1), 'b4030000ffffffff', 'w3 = -1'],
  [alu32.mov.reg(R1, R1), 'bc11000000000000', 'w1 = w1'],
  [alu32.add.imm(R1, 1), '0401000001000000', 'w1 += 1'],
  [ldx.b(R1, R2, 3), '7121030000000000', 'r1 = *(u8 *)(r2 +3)'],
  [ldx.h(R1, R2, 2), '6921020000000000', 'r1 = *(u16 *)(r2 +2)'],
  [ldx.w(R1, R2, 4), '6121040000000000', 'r1 = *(u32 *)(r2 +4)'],
  [ldx.dw(R1, R10, -8), '79a1f8ff00000000', 'r1 = *(u64 *)(r10 -8)'],
  [stx.b(R10, -1, R1), '731affff00000000', '*(u8 *)(r10 -1) = r1'],
  [stx.h(R10, -2, R1), '6b1afeff00000000', '*(u16 *)(r10 -2) = r1'],
  [stx.w(R10, -4, R1), '631afcff00000000', '*(u32 *)(r10 -4) = r1'],
  [stx.dw(R10, -8, R1), '7b1af8ff00000000', '*(u64 *)(r10 -8) = r1'],
  [st.b(R10, -1, 0), '720affff00000000', '*(u8 *)(r10 -1) = 0'],
  [st.h(R10, -2, 0), '6a0afeff00000000', '*(u16 *)(r10 -2) = 0'],
  [st.w(R10, -4, 0), '620afcff00000000', '*(u32 *)(r10 -4) = 0'],
  [st.dw(R10, -16, 30000), '7a0af0ff30750000', '*(u64 *)(r10 -16) = 30000'],
  [call('map_lookup_elem'), '8500000001000000', 'call bpf_map_lookup_elem#1'],
  [call('perf_event_output'), '8500000019000000', 'call bpf_perf_event_output#25'],
  [call('probe_read_kernel_str'), '8500000073000000', 'call bpf_probe_read_kernel_str#115'],
  [exit(), '9500000000000000', 'exit'],
];

// Conditional jumps, each jumping over one instruction to the label after it.
const jumps: [Instruction, string, string][] = [
  [jmp.ja('t'), '0500010000000000', 'goto pc+1'],
  [jmp.jeq.imm(R0, 0, 't'), '1500010000000000', 'if r0 == 0x0 goto pc+1'],
  [jmp.jeq.reg(R1, R2, 't'), '1d21010000000000', 'if r1 == r2 goto pc+1'],
  [jmp.jgt.imm(R1, 5, 't'), '2501010005000000', 'if r1 > 0x5 goto pc+1'],
  [jmp.jgt.reg(R1, R2, 't'), '2d21010000000000', 'if r1 > r2 goto pc+1'],
  [jmp.jge.imm(R1, 5, 't'), '3501010005000000', 'if r1 >= 0x5 goto pc+1'],
  [jmp.jge.reg(R1, R2, 't'), '3d21010000000000', 'if r1 >= r2 goto pc+1'],
  [jmp.jset.imm(R1, 1, 't'), '4501010001000000', 'if r1 & 0x1 goto pc+1'],
  [jmp.jne.imm(R1, 0, 't'), '5501010000000000', 'if r1 != 0x0 goto pc+1'],
  [jmp.jne.reg(R1, R2, 't'), '5d21010000000000', 'if r1 != r2 goto pc+1'],
  [jmp.jsgt.imm(R1, -1, 't'), '65010100ffffffff', 'if r1 s> 0xffffffff goto pc+1'],
  [jmp.jsgt.reg(R1, R2, 't'), '6d21010000000000', 'if r1 s> r2 goto pc+1'],
  [jmp.jsge.imm(R1, 0, 't'), '7501010000000000', 'if r1 s>= 0x0 goto pc+1'],
  [jmp.jsge.reg(R1, R2, 't'), '7d21010000000000', 'if r1 s>= r2 goto pc+1'],
  [jmp.jlt.imm(R1, 5, 't'), 'a501010005000000', 'if r1 < 0x5 goto pc+1'],
  [jmp.jlt.reg(R1, R2, 't'), 'ad21010000000000', 'if r1 < r2 goto pc+1'],
  [jmp.jle.imm(R1, 5, 't'), 'b501010005000000', 'if r1 <= 0x5 goto pc+1'],
  [jmp.jle.reg(R1, R2, 't'), 'bd21010000000000', 'if r1 <= r2 goto pc+1'],
  [jmp.jslt.imm(R1, 0, 't'), 'c501010000000000', 'if r1 s< 0x0 goto pc+1'],
  [jmp.jslt.reg(R1, R2, 't'), 'cd21010000000000', 'if r1 s< r2 goto pc+1'],
  [jmp.jsle.imm(R1, 0, 't'), 'd501010000000000', 'if r1 s<= 0x0 goto pc+1'],
  [jmp.jsle.reg(R1, R2, 't'), 'dd21010000000000', 'if r1 s<= r2 goto pc+1'],
];

describe('bpf encoder', () => {
  for (const [i, bytes, text] of table) {
    it(`encodes ${text}`, () => {
      const out = encode([i]);
      assert.equal(Buffer.from(out.bytes).toString('hex'), bytes);
      assert.equal(formatInsn(i), text);
      const back = decode(out.bytes);
      assert.equal(back.length, 1);
      assert.equal(formatInsn(back[0]!), text);
    });
  }
  for (const [i, bytes, text] of jumps) {
    it(`encodes ${text}`, () => {
      const out = encode([i, alu.mov.imm(R0, 0), label('t'), exit()]);
      assert.equal(Buffer.from(out.bytes.subarray(0, 8)).toString('hex'), bytes);
      assert.equal(formatInsn(decode(out.bytes)[0]!), text);
    });
  }

  it('encodes ld_imm64 as two slots, high half in the second imm', () => {
    const out = encode([ld.imm64(R1, 0x1122334455667788n)]);
    assert.equal(hex(out.bytes), '1801000088776655 0000000044332211');
    assert.equal(disassemble(out.bytes), '0: (18) r1 = 0x1122334455667788 ll');
  });

  it('records a map relocation at the ld_imm64 slot, counting wide slots before it', () => {
    const out = encode([
      ld.imm64(R2, -1n),
      alu.mov.imm(R3, 0),
      ld.mapFd(R1, 'AT_x'),
      call('map_lookup_elem'),
    ]);
    assert.deepEqual(out.mapRelocations, [{ insn: 3, map: 'AT_x' }]);
    assert.equal(hex(out.bytes.subarray(24, 40)), '1811000000000000 0000000000000000');
    assert.equal(out.sourceMap.length, 6);
    assert.equal(
      disassemble(out.bytes, out.mapRelocations),
      [
        '0: (18) r2 = 0xffffffffffffffff ll',
        '2: (b7) r3 = 0',
        '3: (18) r1 = map[AT_x] ll',
        '5: (85) call bpf_map_lookup_elem#1',
      ].join('\n'),
    );
  });

  it('resolves labels over raw slots, backwards and forwards', () => {
    const out = encode([
      label('top'),
      jmp.jeq.imm(R1, 0, 'end'),
      ld.imm64(R2, 1n),
      jmp.ja('top'),
      label('end'),
      exit(),
    ]);
    const insns = decode(out.bytes);
    assert.equal(insns[0]!.off, 3); // over the two-slot ld_imm64 and the ja
    assert.equal(insns[2]!.off, -4); // back to slot 0 from slot 3
  });

  it('keeps the span of each instruction in the source map', () => {
    const out = encode([{ ...alu.mov.imm(R0, 0), span: 4 }, exit()]);
    assert.deepEqual(out.sourceMap, [4, -1]);
  });

  it('names the index and label of a jump left open', () => {
    assert.throws(
      () => encode([alu.mov.imm(R0, 0), jmp.jeq.imm(R0, 0, 'nowhere'), exit()]),
      (e: unknown) =>
        e instanceof EncodeError && /instruction 1/.test(e.message) && /'nowhere'/.test(e.message),
    );
  });

  it('rejects a label defined twice and a virtual register', () => {
    assert.throws(() => encode([label('a'), label('a'), exit()]), EncodeError);
    assert.throws(() => encode([alu.mov.imm(16, 0), exit()]), /register 16/);
  });

  it('rejects immediates and offsets that do not fit', () => {
    assert.throws(() => alu.mov.imm(R1, 2 ** 33), RangeError);
    assert.throws(() => ldx.dw(R1, R10, 40000), RangeError);
    // 0xffffffff is accepted as the 32-bit pattern of -1.
    assert.equal(alu32.mov.imm(R1, 0xffffffff).imm, -1);
  });

  it('lists items with labels before encoding', () => {
    const text = disassembleItems([
      jmp.jeq.imm(17, 0, 'out'),
      ld.mapFd(R1, 'm'),
      label('out'),
      exit(),
    ]);
    assert.equal(
      text,
      [
        '   0: (15) if v17 == 0x0 goto out',
        '   1: (18) r1 = map[m] ll',
        'out:',
        '   3: (95) exit',
      ].join('\n'),
    );
  });

  it('pins every opcode code generation emits', () => {
    const pinned = new Set([...table, ...jumps].map(([i]) => i.opcode));
    pinned.add(0x18); // ld_imm64, pinned by the tests above
    const used = new Set<number>();
    for (const p of CODEGEN_PROGRAMS.filter((x) => x.fake !== false)) {
      for (const prog of compileOk(p.text, { unsafe: p.unsafe ?? false, hasChild: true })
        .programs) {
        for (const i of decode(programBytes(prog))) used.add(i.opcode);
      }
    }
    assert.ok(used.size > 20, `only ${used.size} opcodes seen`);
    const unpinned = [...used].filter((op) => !pinned.has(op)).map((op) => op.toString(16));
    assert.deepEqual(unpinned, []);
  });
});
