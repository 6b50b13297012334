// Each probe kind's context, lowered to plain loads and run in the test interpreter over a
// hand-built context: USDT argument specs (register, memory base+offset(+index*scale),
// constant; sign and width), kprobe/uprobe argN and retval from x86-64 pt_regs, tracepoint
// fields at their offsets (with __data_loc strings).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { UsdtArgument, UsdtProbe } from '../../../compiler/host.js';
import { ptRegsOffset } from '../../../compiler/codegen/pt-regs.js';
import { FakeHost } from '../../support/fake-host.js';
import { Interpreter } from './bpf-interpreter.js';
import { compileOk, programBytes, readI64, u64le } from './helpers.js';

const CTX = 0x38000;
const DATA = 0x39000;

class UsdtHost extends FakeHost {
  constructor(private readonly args: UsdtArgument[]) {
    super();
  }
  override usdtProbes(path: string): UsdtProbe[] {
    if (path !== '/tmp/tracetest') return super.usdtProbes(path);
    return [
      { provider: 'p', name: 'n', path, fileOffset: 0x1000n, semaphoreOffset: 0n, args: this.args },
    ];
  }
}

/** Runs the program with `regs` in pt_regs at CTX and `data` bytes at DATA; returns @a.. values. */
function runWithRegs(
  text: string,
  host: FakeHost,
  regs: Record<string, bigint>,
  data: Uint8Array = new Uint8Array(0),
): bigint[] {
  const a = compileOk(text, {}, host);
  const vm = new Interpreter({ maps: a.maps, ctx: BigInt(CTX) });
  for (const [name, v] of Object.entries(regs)) {
    const off = ptRegsOffset(name);
    assert.ok(off !== undefined, name);
    vm.memory.setBigUint64(CTX + off, BigInt.asUintN(64, v), true);
  }
  new Uint8Array(vm.memory.buffer, DATA, data.length).set(data);
  const p = a.programs[0]!;
  vm.run(programBytes(p), p.mapRelocations);
  return ['@a', '@b', '@c', '@d']
    .filter((m) => a.maps.some((x) => x.name === m))
    .map((m) => readI64(vm.value(m, u64le(0n)) ?? u64le(0n)));
}

describe('probe context lowering', () => {
  it('USDT arguments: register (narrowed, signed), memory at base+offset, base+index*scale, constant', () => {
    const host = new UsdtHost([
      { size: -4, spec: '-4@%eax', location: { kind: 'reg', reg: 'rax' } },
      { size: 8, spec: '8@-16(%rbp)', location: { kind: 'mem', base: 'rbp', offset: -16n } },
      {
        size: -2,
        spec: '-2@8(%rbx,%rcx,2)',
        location: { kind: 'mem', base: 'rbx', offset: 8n, index: 'rcx', scale: 2 },
      },
      { size: 4, spec: '4@$42', location: { kind: 'const', value: 42n } },
    ]);
    const data = new Uint8Array(64);
    const view = new DataView(data.buffer);
    view.setBigUint64(0, 123456789012n, true); // at DATA: read by -16(%rbp) with rbp = DATA + 16
    view.setInt16(8 + 2 * 3, -7, true); // at DATA + 8 + 3*2: read by 8(%rbx,%rcx,2)
    const values = runWithRegs(
      'usdt:/tmp/tracetest:p:n { @a = arg0; @b = arg1; @c = arg2; @d = arg3; }',
      host,
      { rax: 0xffffffff_fffffffen, rbp: BigInt(DATA + 16), rbx: BigInt(DATA), rcx: 3n },
      data,
    );
    assert.deepEqual(values, [-2n, 123456789012n, -7n, 42n]);
  });

  it('uprobe arguments follow the System V order and uretprobe retval is rax', () => {
    const regs = { di: 1n, si: 2n, dx: 3n, cx: 4n, r8: 5n, r9: 6n, ax: 77n };
    assert.deepEqual(
      runWithRegs(
        'uprobe:/bin/bash:readline { @a = arg0; @b = arg1; @c = arg4 + arg5; @d = arg3; }',
        new FakeHost(),
        regs,
      ),
      [1n, 2n, 11n, 4n],
    );
    assert.deepEqual(
      runWithRegs('uretprobe:/bin/bash:readline { @a = retval; }', new FakeHost(), regs),
      [77n],
    );
    assert.deepEqual(
      runWithRegs('uprobe:/bin/bash:readline { @a = reg("ip") + reg("sp"); }', new FakeHost(), {
        ip: 40n,
        sp: 2n,
      }),
      [42n],
    );
  });

  it('tracepoint fields load from the record at their offsets; __data_loc gives a pointer into it', () => {
    // sched_process_exec: `__data_loc char[] filename` at offset 8, pid at 12 (captured format).
    const a = compileOk(
      'tracepoint:sched:sched_process_exec { @a = args->pid; @s = str(args->filename); }',
    );
    const vm = new Interpreter({ maps: a.maps, ctx: BigInt(CTX) });
    vm.memory.setUint32(CTX + 8, (5 << 16) | 40, true);
    vm.memory.setInt32(CTX + 12, 4242, true);
    new Uint8Array(vm.memory.buffer, CTX + 40, 5).set([0x2f, 0x62, 0x69, 0x6e, 0]);
    const p = a.programs[0]!;
    vm.run(programBytes(p), p.mapRelocations);
    assert.equal(readI64(vm.value('@a', u64le(0n))!), 4242n);
    assert.equal(
      Buffer.from(vm.value('@s', u64le(0n))!)
        .toString('latin1')
        .split('\0')[0],
      '/bin',
    );
  });
});
