// What generated code computes, run in the test interpreter: bucket indexes over the full
// 64-bit range, lhist edges, min/max with negatives, string compares, event layouts, map
// key layouts. Expected values follow bpftrace 0.17 (and bpfq's documented fixes of its
// hist and min/max bugs).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileOk, readI64, readU64, runProgram, u64le } from './helpers.js';

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** The hist bucket a value lands in, as the generated code computes it. */
function histIndex(value: bigint): number {
  const a = compileOk(`BEGIN { @h = hist(${value < 0n ? `(${value})` : value}); }`);
  const { vm } = runProgram(a);
  const entries = [...vm.map('@h').entries.keys()];
  assert.equal(entries.length, 1);
  return Number(readU64(Buffer.from(entries[0]!, 'hex')));
}

describe('code generation semantics', () => {
  it('cgroupid() is the id the host resolved at compile time (0.17 printed 35 for this path)', () => {
    const a = compileOk('BEGIN { @ = cgroupid("/sys/fs/cgroup/memory/process_api"); }');
    const { vm } = runProgram(a);
    const v = vm.value('@', u64le(0n));
    assert.ok(v);
    assert.equal(readU64(v), 35n);
  });

  it('hist: negatives in 0, zero in 1, 2^k in 2+k over the full 64-bit range', () => {
    assert.equal(histIndex(-100n), 0);
    assert.equal(histIndex(0n), 1);
    assert.equal(histIndex(1n), 2);
    assert.equal(histIndex(3n), 3);
    assert.equal(histIndex(1024n), 12);
    assert.equal(histIndex(2047n), 12);
    assert.equal(histIndex(1n << 32n), 34); // 0.17 put this in 33 ([2G, 4G))
    assert.equal(histIndex(1n << 40n), 42);
    assert.equal(histIndex((1n << 63n) - 1n), 64);
  });

  it('lhist: below min, steps, value == max and past max (0.17 index rules)', () => {
    const index = (v: number) => {
      const { vm } = runProgram(
        compileOk(`BEGIN { @l = lhist(${v < 0 ? `(${v})` : v}, 0, 10, 3); }`),
      );
      return Number(readU64(Buffer.from([...vm.map('@l').entries.keys()][0]!, 'hex')));
    };
    assert.equal(index(-1), 0);
    assert.equal(index(0), 1);
    assert.equal(index(2), 1);
    assert.equal(index(3), 2);
    assert.equal(index(9), 4); // 1 + (10-0)/3 = 4: 0.17 counts 9 under [10, ...) too
    assert.equal(index(10), 4);
    assert.equal(index(1000), 4);
  });

  it('min and max keep negatives and large values, with an is_set flag', () => {
    const a = compileOk(
      'BEGIN { @mx = max(-5); @mx = max(-7); @mn = min(5000000000); @mn = min(6000000000); }',
    );
    const { vm } = runProgram(a);
    const mx = vm.value('@mx', u64le(0n));
    const mn = vm.value('@mn', u64le(0n));
    assert.ok(mx && mn);
    assert.equal(readI64(mx), -5n);
    assert.equal(readU64(mx, 8), 1n);
    assert.equal(readI64(mn), 5000000000n);
    assert.equal(readU64(mn, 8), 1n);
  });

  it('avg and stats: count under index 0 and total under index 1', () => {
    const { vm } = runProgram(compileOk('BEGIN { @a = avg(10); @a = avg(21); }'));
    assert.equal(readU64(vm.value('@a', u64le(0n))!), 2n);
    assert.equal(readU64(vm.value('@a', u64le(1n))!), 31n);
  });

  it('multi-part keys are packed without padding, integers widened to 8 bytes', () => {
    const { vm } = runProgram(compileOk('BEGIN { @m["ab", 7, (uint8)3] = 1; }'));
    const key = concat(new Uint8Array([0x61, 0x62, 0]), u64le(7n), u64le(3n));
    assert.equal(vm.map('@m').keySize, 19);
    assert.equal(readU64(vm.value('@m', key)!), 1n);
  });

  it('string compares stop at the NUL and compare the full literal', () => {
    const a = compileOk(
      'BEGIN { $s = "abc"; @eq = $s == "abc"; @ne = $s == "abd"; @pre = $s == "ab"; @n = strncmp($s, "abd", 2); @c = strcontains("hello world", "o w"); @nc = strcontains("hello", "lol"); }',
    );
    const { vm } = runProgram(a);
    const v = (m: string) => readU64(vm.value(m, u64le(0n))!);
    assert.equal(v('@eq'), 1n);
    assert.equal(v('@ne'), 0n);
    assert.equal(v('@pre'), 0n);
    assert.equal(v('@n'), 0n);
    assert.equal(v('@c'), 1n);
    assert.equal(v('@nc'), 0n);
  });

  it('strcontains scans long haystacks in a bounded loop with the same answers', () => {
    const hay = 'hello world this is a long string with words';
    const a = compileOk(
      `BEGIN { $s = "${hay}"; @a = strcontains($s, "words"); @b = strcontains($s, "wordz"); @c = strcontains($s, "hello"); @d = strcontains($s, "g w"); }`,
    );
    const { vm, result } = runProgram(a);
    const v = (m: string) => readU64(vm.value(m, u64le(0n))!);
    assert.deepEqual([v('@a'), v('@b'), v('@c'), v('@d')], [1n, 0n, 1n, 1n]);
    assert.ok(result.steps < 5000);
  });

  it('&&, || and ?: short-circuit: the untaken side has no effect', () => {
    const a = compileOk(
      'BEGIN { $x = 0; if ($x && @a++) { @r = 1; } if ($x || @b++ == 0) { @r2 = 2; } @t = $x ? @c++ : 5; }',
    );
    const { vm } = runProgram(a);
    assert.equal(vm.map('@a').entries.size, 0);
    assert.equal(readU64(vm.value('@b', u64le(0n))!), 1n);
    assert.equal(vm.map('@r').entries.size, 0);
    assert.equal(readU64(vm.value('@r2', u64le(0n))!), 2n);
    assert.equal(vm.map('@c').entries.size, 0);
    assert.equal(readU64(vm.value('@t', u64le(0n))!), 5n);
  });

  it('while with break and continue, unroll, compound assignment', () => {
    const a = compileOk(
      'BEGIN { $i = 0; $s = 0; while ($i < 10) { $i++; if ($i == 3) { continue; } if ($i == 8) { break; } $s += $i; } @s = $s; unroll(4) { @u++; } $x = 7; $x <<= 2; $x %= 5; @x = $x; }',
    );
    const { vm } = runProgram(a);
    assert.equal(readU64(vm.value('@s', u64le(0n))!), 1n + 2n + 4n + 5n + 6n + 7n);
    assert.equal(readU64(vm.value('@u', u64le(0n))!), 4n);
    assert.equal(readU64(vm.value('@x', u64le(0n))!), 3n);
  });

  it('printf events: action id, then arguments at the FormatSpec offsets', () => {
    const a = compileOk('BEGIN { printf("%d %s %d\\n", -3, "xy", 5); printf("second\\n"); }');
    const { result } = runProgram(a);
    assert.equal(result.events.length, 2);
    const [first, second] = result.events;
    const spec = a.printf[0]!;
    assert.equal(first!.length, spec.size);
    assert.equal(readU64(first!), 0n);
    assert.equal(readI64(first!, spec.args[0]!.offset), -3n);
    assert.deepEqual(
      [...first!.subarray(spec.args[1]!.offset, spec.args[1]!.offset + 3)],
      [0x78, 0x79, 0],
    );
    assert.equal(readI64(first!, spec.args[2]!.offset), 5n);
    assert.equal(readU64(second!), 1n);
  });

  it('exit() sends action 30000 and leaves the probe', () => {
    const { vm, result } = runProgram(compileOk('BEGIN { exit(); @after = 1; }'));
    assert.deepEqual(
      result.events.map((e) => readU64(e)),
      [30000n],
    );
    assert.equal(vm.map('@after').entries.size, 0);
  });

  it('print, clear and zero carry the map index; time its format id', () => {
    const a = compileOk(
      'BEGIN { @x[1] = 1; print(@x, 3, 2); clear(@x); zero(@x); time("%H\\n"); }',
    );
    const { result } = runProgram(a);
    const index = a.maps.findIndex((m) => m.name === '@x');
    const [print, clear, zero, time] = result.events;
    assert.equal(print!.length, 20);
    assert.equal(readU64(print!), 30001n);
    assert.deepEqual([...print!.subarray(8, 20)], [index, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0]);
    assert.equal(readU64(clear!), 30002n);
    assert.equal(clear!.length, 12);
    assert.equal(clear![8], index);
    assert.equal(readU64(zero!), 30003n);
    assert.equal(readU64(time!), 30004n);
    assert.equal(a.time[0], '%H\n');
  });

  it('casts truncate and sign-extend; division is unsigned as in 0.17', () => {
    const { vm } = runProgram(
      compileOk(
        'BEGIN { $v = 0x1ff; @a = (uint8)$v; @b = (int8)$v; @c = (int16)0xffff; @d = (uint32)-1; @e = bswap((uint16)0x1234); }',
      ),
    );
    const v = (m: string) => readI64(vm.value(m, u64le(0n))!);
    assert.equal(v('@a'), 0xffn);
    assert.equal(v('@b'), -1n);
    assert.equal(v('@c'), -1n);
    assert.equal(v('@d'), 0xffffffffn);
    assert.equal(v('@e'), 0x3412n);
  });

  it('pointer arithmetic moves by the pointee size, as bpftrace 0.17 printed', () => {
    const { vm } = runProgram(
      compileOk(
        'BEGIN { $p = (uint64 *)16; $q = (uint16 *)16; $n = -1; @a = (uint64)($p - 1); @b = (uint64)($q + 3); @c = (uint64)(2 + $p); @d = (uint64)((uint32 *)0 + 1); @e = (uint64)($q + $n); @f = (uint64)((uint8 **)0 + 1); $p += 1; $p++; @g = (uint64)$p; $p--; @h = (uint64)$p; }',
      ),
    );
    const v = (m: string) => readI64(vm.value(m, u64le(0n))!);
    assert.equal(v('@a'), 8n);
    assert.equal(v('@b'), 22n);
    assert.equal(v('@c'), 32n);
    assert.equal(v('@d'), 4n);
    assert.equal(v('@e'), 14n);
    assert.equal(v('@f'), 8n);
    assert.equal(v('@g'), 32n);
    assert.equal(v('@h'), 24n);
  });

  it('@b = @a of a count or max map copies the whole slot (0.17 printed @c[2]: 2, @y: 7)', () => {
    const { vm } = runProgram(
      compileOk('BEGIN { @k[1] = count(); @k[1] = count(); @c[2] = @k[1]; @x = max(7); @y = @x; }'),
    );
    assert.equal(readU64(vm.value('@c', u64le(2n))!), 2n);
    assert.deepEqual(vm.value('@y', u64le(0n)), vm.value('@x', u64le(0n)));
    assert.equal(readI64(vm.value('@y', u64le(0n))!), 7n);
  });
});
